"""One font subset per font and chunk file.

WeasyPrint embeds in each PDF it writes a subset of each font, with the glyph ids kept (CIDs are
the font's own glyph ids, Identity-H), under a resource name it takes from the font's
description (family, weight, style): the same name in every layout of every process. So every
form, every page laid out in full and the data runs can share one subset of the font: the union
of the glyphs they use, taken from the font file again, with one /W and one /ToUnicode covering
them all. Nothing in a content stream changes. A form whose font gives a glyph another width
than the shared font does (WeasyPrint rounds a glyph's advance at the size first met) keeps
its own subset, so that no glyph moves.

Forms are written without their fonts' subsets (engine.write_pdf_leaving_programs_uncut, for the
fonts `cut_here` accepts: the project's files), as they are almost always replaced: a form's font
that is kept gets its own subset here, cut from the project's file.
"""

from __future__ import annotations

import functools
import hashlib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from noticegen.printing import engine


def _font_source(use: engine.FontUse) -> tuple[str, int]:
    """The sha256 and face index of the file a font comes from (cached by name: within one font
    configuration, a font's description names one file)."""
    source = _FONT_SOURCES.get(use.name)
    if source is None:
        digest = hashlib.sha256(engine.font_file(use)).hexdigest()
        source = _FONT_SOURCES[use.name] = (digest, use.index)
    return source


_FONT_SOURCES: dict[str, tuple[str, int]] = {}


def document_font_sources(document) -> tuple[tuple[str, str, int], ...]:
    """Where the fonts of a written WeasyPrint document come from, for Shape.font_sources."""
    found = {
        use.name: _font_source(use) for use in engine.document_font_uses(document) if use.vector
    }
    return tuple((name, *found[name]) for name in sorted(found))


def cut_here(use: engine.FontUse) -> bool:
    """Whether a font's subset can be left for `share_fonts` to cut: one of the project's files."""
    return use.vector and _font_source(use)[0] in _font_files()


@functools.cache
def _font_files() -> dict[str, Path]:
    """The project's font files (fontconfig sees no others: noticegen.fonts), by sha256."""
    from noticegen import fonts

    return {
        hashlib.sha256(path.read_bytes()).hexdigest(): path
        for path in sorted(fonts.FONT_DIR.iterdir())
        if path.is_file()
    }


@dataclass(frozen=True)
class _Subset:
    """A font program cut to the glyphs a chunk file uses, and how the file's codes (the source
    font's glyph ids: CIDs, Identity-H) find their glyphs in it."""

    program: bytes  # a TrueType or OpenType font file, or a bare CFF font (`bare_cff`)
    # For a TrueType program whose glyphs were numbered anew: the new id of each source glyph id
    # (the font's /CIDToGIDMap). None where a code finds its glyph as it is: the glyph ids were
    # kept, or a CID-keyed CFF program kept each glyph's CID (its charset maps CIDs to glyphs).
    new_ids: dict[int, int] | None = None
    # A CID-keyed CFF font out of its OpenType wrapper (FontFile3 /CIDFontType0C): readers find
    # a bare CID-keyed font's glyphs by CID through its charset, as PDF 9.7.4.2 says; in an
    # OpenType wrapper PDFium takes the CIDs for glyph ids, which only kept glyph ids satisfy.
    bare_cff: bool = False


@functools.lru_cache(maxsize=32)
def _subset_program(sha256: str, index: int, glyphs: frozenset[int]) -> _Subset:
    """The project's font file of this sha256 (face `index`) cut to `glyphs`."""
    return _cut_font(_font_files()[sha256].read_bytes(), index, glyphs)


@functools.lru_cache(maxsize=32)
def _subset_keeping_ids(sha256: str, index: int, glyphs: frozenset[int]) -> bytes:
    """The project's font file of this sha256 (face `index`) cut to `glyphs`, every glyph keeping
    its id (the slots of the others stay, empty), as WeasyPrint's own subsets are."""
    return _cut_font(_font_files()[sha256].read_bytes(), index, glyphs, keep_ids=True).program


def _cut_font(data: bytes, index: int, glyphs: frozenset[int], keep_ids: bool = False) -> _Subset:
    """A font file (face `index`) cut to `glyphs`, without hinting, by HarfBuzz's subsetter (the
    library WeasyPrint subsets with; fontTools takes seconds on a CID-keyed CFF font such as Noto
    Sans CJK).

    Compact where the file's codes can still find their glyphs (_compact_subset): WeasyPrint's
    own subsets keep every glyph id, so a CJK font of 65,535 glyphs keeps 65,535 slots, most of
    them empty, and its subset of a few hundred glyphs weighs some 200 KB compressed instead of
    some 60 KB. Otherwise every glyph keeps its id, as in WeasyPrint's subsets."""
    hb = _harfbuzz_subset()
    if hb is None:
        return _Subset(_cut_font_with_fonttools(data, index, glyphs))
    compact = None if keep_ids else _compact_subset(hb, data, index, glyphs)
    if compact is not None:
        return compact
    program = _harfbuzz_cut(hb, data, index, glyphs, _KEEP_IDS)
    if program is None:
        return _Subset(_cut_font_with_fonttools(data, index, glyphs))
    return _Subset(program)


# hb_subset_flags_t: NO_HINTING | DESUBROUTINIZE | PASSTHROUGH_UNRECOGNIZED, and RETAIN_GIDS to
# keep the glyph ids.
_COMPACT = 0x01 | 0x04 | 0x20
_KEEP_IDS = _COMPACT | 0x02


def _compact_subset(hb, data: bytes, index: int, glyphs: frozenset[int]) -> _Subset | None:
    """A subset numbering its glyphs anew, when the codes can find them: a TrueType program
    through the /CIDToGIDMap made from HarfBuzz's own old-to-new glyph map; a CFF program only
    when it is CID-keyed and each kept glyph's CID is its id in the source (Noto Sans CJK's are),
    so that its charset maps each code to its glyph with no map in the PDF. None otherwise."""
    ffi, library = hb
    try:  # HarfBuzz before 7.0 has no subset plans: such a library keeps the glyph ids
        library.hb_subset_plan_old_to_new_glyph_mapping  # noqa: B018
    except AttributeError:
        return None
    kept = sorted(glyphs | {0})
    blob = library.hb_blob_create(data, len(data), 1, ffi.NULL, ffi.NULL)  # 1: read-only
    face = library.hb_face_create(blob, index)
    request = _subset_request(hb, kept, _COMPACT)
    plan = library.hb_subset_plan_create_or_fail(face, request)
    try:
        if plan == ffi.NULL:
            return None
        old_to_new = library.hb_subset_plan_old_to_new_glyph_mapping(plan)
        new_ids = {glyph: library.hb_map_get(old_to_new, glyph) for glyph in kept}
        if any(new == _HB_MAP_VALUE_INVALID for new in new_ids.values()):
            return None
        program = _program_of(hb, library.hb_subset_plan_execute_or_fail(plan))
    finally:
        if plan != ffi.NULL:
            library.hb_subset_plan_destroy(plan)
        library.hb_subset_input_destroy(request)
        library.hb_face_destroy(face)
        library.hb_blob_destroy(blob)
    if program is None:
        return None
    if program[:4] != b"OTTO":
        return _Subset(program, new_ids)
    if not _cff_keeps_cids(program, new_ids):
        return None
    return _Subset(_sfnt_table(program, b"CFF "), bare_cff=True)


def _sfnt_table(font: bytes, tag: bytes) -> bytes:
    """One table of an OpenType font file, from its table directory (OpenType spec, "Table
    Directory": the number of tables at byte 4, then 16-byte records from byte 12)."""
    for record in range(int.from_bytes(font[4:6], "big")):
        start = 12 + 16 * record
        if font[start : start + 4] == tag:
            offset = int.from_bytes(font[start + 8 : start + 12], "big")
            length = int.from_bytes(font[start + 12 : start + 16], "big")
            return font[offset : offset + length]
    raise ValueError(f"no {tag!r} table in the font")


def _cff_keeps_cids(program: bytes, new_ids: dict[int, int]) -> bool:
    """Whether a CFF subset is CID-keyed and gives each glyph the CID of its source glyph id."""
    from fontTools.ttLib import TTFont

    font = TTFont(io.BytesIO(program))
    if "CFF " not in font or not hasattr(font["CFF "].cff.topDictIndex[0], "ROS"):
        return False
    order = font.getGlyphOrder()  # a CID-keyed font's glyphs are named by CID: cid00042
    return all(
        new < len(order) and order[new] == (f"cid{old:05d}" if old else ".notdef")
        for old, new in new_ids.items()
    )


_HB_MAP_VALUE_INVALID = 0xFFFFFFFF


def _subset_request(hb, kept: list[int], flags: int):
    _ffi, library = hb
    request = library.hb_subset_input_create_or_fail()
    glyph_set = library.hb_subset_input_glyph_set(request)
    for glyph in kept:
        library.hb_set_add(glyph_set, glyph)
    dropped = library.hb_subset_input_set(request, 3)  # HB_SUBSET_SETS_DROP_TABLE_TAG
    for tag in _DROPPED_TABLES:
        library.hb_set_add(dropped, library.hb_tag_from_string(tag.encode(), 4))
    library.hb_subset_input_set_flags(request, flags)
    return request


def _program_of(hb, cut) -> bytes | None:
    """The bytes of a subset face (destroyed), or None where HarfBuzz failed."""
    ffi, library = hb
    if cut == ffi.NULL:
        return None
    result = library.hb_face_reference_blob(cut)
    length = ffi.new("unsigned int *")
    program = bytes(ffi.buffer(library.hb_blob_get_data(result, length), length[0]))
    library.hb_blob_destroy(result)
    library.hb_face_destroy(cut)
    return program


def _harfbuzz_cut(hb, data: bytes, index: int, glyphs: frozenset[int], flags: int) -> bytes | None:
    ffi, library = hb
    blob = library.hb_blob_create(data, len(data), 1, ffi.NULL, ffi.NULL)  # 1: read-only
    face = library.hb_face_create(blob, index)
    request = _subset_request(hb, sorted(glyphs | {0}), flags)
    try:
        return _program_of(hb, library.hb_subset_or_fail(face, request))
    finally:
        library.hb_subset_input_destroy(request)
        library.hb_face_destroy(face)
        library.hb_blob_destroy(blob)


# As WeasyPrint: shaping, bitmap and colour tables are of no use in a PDF.
_DROPPED_TABLES = (
    "BASE",
    "DSIG",
    "EBDT",
    "EBLC",
    "EBSC",
    "GPOS",
    "GSUB",
    "JSTF",
    "LTSH",
    "PCLT",
    "SVG ",
)


@functools.cache
def _harfbuzz_subset():
    """HarfBuzz's public C API for subsetting (the library WeasyPrint itself subsets with), or None
    where libharfbuzz-subset is not installed."""
    import cffi

    ffi = cffi.FFI()
    ffi.cdef(
        """
        typedef struct hb_blob_t hb_blob_t;
        typedef struct hb_face_t hb_face_t;
        typedef struct hb_set_t hb_set_t;
        typedef struct hb_subset_input_t hb_subset_input_t;
        hb_blob_t *hb_blob_create(const char *data, unsigned int length, int mode,
                                  void *user_data, void *destroy);
        void hb_blob_destroy(hb_blob_t *blob);
        const char *hb_blob_get_data(hb_blob_t *blob, unsigned int *length);
        hb_face_t *hb_face_create(hb_blob_t *blob, unsigned int index);
        void hb_face_destroy(hb_face_t *face);
        hb_blob_t *hb_face_reference_blob(hb_face_t *face);
        void hb_set_add(hb_set_t *set, uint32_t codepoint);
        uint32_t hb_tag_from_string(const char *str, int len);
        hb_subset_input_t *hb_subset_input_create_or_fail(void);
        void hb_subset_input_destroy(hb_subset_input_t *input);
        hb_set_t *hb_subset_input_glyph_set(hb_subset_input_t *input);
        hb_set_t *hb_subset_input_set(hb_subset_input_t *input, int set_type);
        void hb_subset_input_set_flags(hb_subset_input_t *input, unsigned value);
        hb_face_t *hb_subset_or_fail(hb_face_t *source, const hb_subset_input_t *input);
        typedef struct hb_map_t hb_map_t;
        typedef struct hb_subset_plan_t hb_subset_plan_t;
        uint32_t hb_map_get(const hb_map_t *map, uint32_t key);
        hb_subset_plan_t *hb_subset_plan_create_or_fail(hb_face_t *face,
                                                        const hb_subset_input_t *input);
        void hb_subset_plan_destroy(hb_subset_plan_t *plan);
        const hb_map_t *hb_subset_plan_old_to_new_glyph_mapping(const hb_subset_plan_t *plan);
        hb_face_t *hb_subset_plan_execute_or_fail(hb_subset_plan_t *plan);
        """
    )
    for name in ("libharfbuzz-subset.so.0", "libharfbuzz-subset.0.dylib", "harfbuzz-subset"):
        try:
            return ffi, ffi.dlopen(name)
        except OSError:
            continue
    return None


def _cut_font_with_fonttools(data: bytes, index: int, glyphs: frozenset[int]) -> bytes:
    import logging

    from fontTools import subset
    from fontTools.ttLib import TTFont

    logging.getLogger("fontTools.subset").setLevel(logging.ERROR)
    font = TTFont(io.BytesIO(data), fontNumber=index, lazy=True)
    options = subset.Options(
        retain_gids=True,
        ignore_missing_glyphs=True,
        hinting=False,
        desubroutinize=True,
        notdef_outline=False,
    )
    options.drop_tables += [tag for tag in _DROPPED_TABLES if tag not in options.drop_tables]
    subsetter = subset.Subsetter(options)
    subsetter.populate(gids=sorted(glyphs | {0}))
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


@dataclass
class _FontUse:
    """What one chunk file's pages ask of one font: the glyphs, their widths and text."""

    name: str
    source: tuple[str, int]  # the file's sha256 and face index
    font: engine.FontUse | None = None  # a data run's font, whose file is at hand
    widths: dict[int, int] = field(default_factory=dict)
    text: dict[int, str] = field(default_factory=dict)
    descriptor: dict = field(default_factory=dict)  # FontName, FontFamily, Flags, Ascent, …
    embedded: list = field(default_factory=list)  # the sources' own Type0 fonts it replaces

    def takes(self, widths: dict[int, int]) -> bool:
        """Whether glyphs of these widths can be drawn with this font (no glyph of two widths)."""
        return all(self.widths.get(glyph, width) == width for glyph, width in widths.items())


def _embedded_use(font) -> tuple[dict[int, int], dict[int, str]] | None:
    """The widths and text of the glyphs a WeasyPrint Type0 font (Identity-H) was embedded with;
    None for a font this cannot share."""
    import pikepdf

    if font.get("/Subtype") != "/Type0" or font.get("/Encoding") != "/Identity-H":
        return None
    descendant = font.DescendantFonts[0]
    if descendant.get("/CIDToGIDMap", pikepdf.Name.Identity) != "/Identity":
        return None
    widths = _cid_widths(descendant)
    text: dict[int, str] = {}
    if "/ToUnicode" in font:
        cmap = font.ToUnicode.read_bytes()
        if b"bfrange" in cmap:
            return None
        for glyph, code in _BFCHAR.findall(cmap):
            text[int(glyph, 16)] = bytes.fromhex(code.decode()).decode("utf-16-be")
    return widths, text


def embedded_fonts(holder) -> dict[str, tuple[dict[int, int], dict[int, str]] | None]:
    """`_embedded_use` of each font of a /Font dictionary, by resource name."""
    return {name: _embedded_use(font) for name, font in holder.items()}


def _cid_widths(descendant) -> dict[int, int]:
    """The widths (/W) of a CID font's glyphs, by glyph id."""
    import pikepdf

    widths: dict[int, int] = {}
    items = list(descendant.get("/W", []))
    position = 0
    while position < len(items):
        first = int(items[position])
        if isinstance(items[position + 1], pikepdf.Array):
            for offset, width in enumerate(items[position + 1]):
                widths[first + offset] = round(float(width))
            position += 2
        else:
            for glyph in range(first, int(items[position + 1]) + 1):
                widths[glyph] = round(float(items[position + 2]))
            position += 3
    return widths


_BFCHAR = re.compile(rb"<([0-9a-fA-F]{4})>\s*<([0-9a-fA-F]*)>")
_DESCRIPTOR_KEYS = (
    "/FontFamily",
    "/Flags",
    "/ItalicAngle",
    "/Ascent",
    "/Descent",
    "/StemV",
    "/StemH",
)


def share_fonts(
    pdf, run_fonts: dict, holders: list, sources: dict, holder_fonts: list | None = None
) -> dict[str, Any]:
    """One font object per font for the whole file: the data runs' fonts (the WeasyPrint fonts
    engine.draw_text used) and those of the /Font dictionaries `holders` (forms, pages laid out in
    full), whose files are `sources`. The holders are pointed at the shared fonts; returns them by
    resource name.

    `holder_fonts`, beside `holders`: for each, what `embedded_fonts` read from its fonts already
    (a shape's, read once), or None to read them here."""
    import pikepdf

    uses: dict[str, _FontUse] = {}
    # The data runs' fonts first: their content streams are drawn with the shared fonts whatever
    # happens, so theirs are the widths every other source must agree with.
    for font in map(engine.font_use, run_fonts.values()):
        if not font.vector or font.notdef:
            # The reader rejects text no font covers (fonts.coverage), and no project font is
            # a bitmap font: neither reaches a data run.
            raise AssertionError(f"a data run drawn with a bitmap font or a .notdef: {font.name}")
        use = uses.get(font.name)
        if use is None:
            use = uses[font.name] = _FontUse(font.name, _font_source(font), font)
            use.descriptor = {
                f"/{key}": pikepdf.Name(f"/{value}")
                if key == "FontName"
                else pikepdf.String(value)
                if key == "FontFamily"
                else value
                for key, value in font.descriptor.items()
            }
        for glyph, width in font.widths.items():
            use.widths.setdefault(glyph, width)
        for glyph, text in font.text.items():
            use.text.setdefault(glyph, text)
    for holder, known in zip(holders, holder_fonts or [None] * len(holders), strict=True):
        for name, font in holder.items():
            key = name.lstrip("/")
            found = known[name] if known is not None and name in known else _embedded_use(font)
            if found is None or (key not in uses and key not in sources):
                continue  # kept as embedded
            widths, text = found
            use = uses.get(key)
            if use is None:
                use = uses[key] = _FontUse(key, tuple(sources[key]))
                descriptor = font.DescendantFonts[0].FontDescriptor
                use.descriptor = {"/FontName": descriptor.FontName} | {
                    item: descriptor[item] for item in _DESCRIPTOR_KEYS if item in descriptor
                }
            elif not use.takes(widths):
                continue  # a glyph of another width: this source keeps its own subset
            use.widths.update(widths)
            for glyph, value in text.items():
                use.text.setdefault(glyph, value)
            use.embedded.append((holder, name))
    shared = {}
    for key, use in uses.items():
        sha256, index = use.source
        glyphs = frozenset(use.widths)
        if sha256 in _font_files():
            subset = _subset_program(sha256, index, glyphs)
        elif use.font is not None:  # not one of the project's files (fontconfig allows none)
            subset = _cut_font(engine.font_file(use.font), index, glyphs)
        else:
            continue  # a file this process cannot read: its sources keep their own subsets
        shared[key] = pdf.make_indirect(_type0_font(pdf, use, subset))
        for holder, name in use.embedded:
            holder[name] = shared[key]
    _cut_kept_programs(holders, sources, {font.objgen for font in shared.values()})
    return shared


def _cut_kept_programs(holders: list, sources: dict, shared: set) -> None:
    """Give each font a holder keeps (not one of the `shared` fonts' objects) whose program was
    left uncut (engine.write_pdf_leaving_programs_uncut) its own subset: the glyphs of its
    widths, cut from the project's file, as `share_fonts` cuts a shared one."""
    cut = set()
    for holder in holders:
        for name, font in holder.items():
            if font.objgen in shared or font.get("/Subtype") != "/Type0":
                continue
            descendant = font.DescendantFonts[0]
            descriptor = descendant.FontDescriptor
            program = descriptor.get("/FontFile2") or descriptor.get("/FontFile3")
            if program is None or program.objgen in cut:
                continue
            if not engine.is_uncut_program(program.read_bytes()):
                continue
            cut.add(program.objgen)
            key = name.lstrip("/")
            if key not in sources:
                raise AssertionError(f"a font left uncut whose file is not known: {key}")
            sha256, index = sources[key]
            # The font's dictionary is WeasyPrint's: its codes are glyph ids, which the cut keeps.
            subset = _subset_keeping_ids(sha256, index, frozenset(_cid_widths(descendant)))
            program.write(subset)
            if "/Length1" in program:
                program.Length1 = len(subset)


def _type0_font(pdf, use: _FontUse, subset: _Subset):
    """A Type0 font (Identity-H) of a subset whose codes are the source font's glyph ids."""
    import pikepdf

    program = subset.program
    otf = subset.bare_cff or program[:4] == b"OTTO"
    if subset.bare_cff:
        font_file = pikepdf.Stream(pdf, program, Subtype=pikepdf.Name.CIDFontType0C)
    elif otf:
        font_file = pikepdf.Stream(pdf, program, Subtype=pikepdf.Name.OpenType)
    else:
        font_file = pikepdf.Stream(pdf, program, Length1=len(program))
    widths = use.widths
    descriptor = pikepdf.Dictionary(
        Type=pikepdf.Name.FontDescriptor,
        **{key.lstrip("/"): value for key, value in use.descriptor.items()},
    )
    flags = int(descriptor.get("/Flags", 4)) & ~1
    if len(widths) > 1 and len(set(widths.values())) == 1:
        flags |= 1  # FixedPitch
    descriptor.Flags = flags
    ascent, descent = descriptor.get("/Ascent", 0), descriptor.get("/Descent", 0)
    descriptor.FontBBox = [0, descent, max(widths.values(), default=0), ascent]
    descriptor.CapHeight = ascent
    descriptor[f"/FontFile{3 if otf else 2}"] = pdf.make_indirect(font_file)
    descendant = pikepdf.Dictionary(
        Type=pikepdf.Name.Font,
        Subtype=pikepdf.Name(f"/CIDFontType{0 if otf else 2}"),
        BaseFont=descriptor.FontName,
        CIDSystemInfo=pikepdf.Dictionary(Registry="Adobe", Ordering="Identity", Supplement=0),
        W=cid_widths_array(widths),
        FontDescriptor=pdf.make_indirect(descriptor),
    )
    if not otf:  # a CIDFontType2's codes reach its glyphs through the map (PDF 9.7.4.2)
        descendant.CIDToGIDMap = (
            pikepdf.Name.Identity
            if subset.new_ids is None
            else pdf.make_indirect(pdf.make_stream(_cid_to_gid_map(subset.new_ids)))
        )
    return pikepdf.Dictionary(
        Type=pikepdf.Name.Font,
        Subtype=pikepdf.Name.Type0,
        BaseFont=descriptor.FontName,
        Encoding=pikepdf.Name("/Identity-H"),
        DescendantFonts=[pdf.make_indirect(descendant)],
        ToUnicode=pdf.make_stream(to_unicode_cmap(use.text)),
    )


def cid_widths_array(widths: dict[int, int]):
    """A CID font's /W: the widths by glyph id, a run of consecutive glyphs an array each."""
    import pikepdf

    array: list = []
    for glyph in sorted(widths):
        if glyph - 1 not in widths:
            array.append(glyph)
            array.append(pikepdf.Array())
        array[-1].append(widths[glyph])
    return pikepdf.Array(array)


def _cid_to_gid_map(new_ids: dict[int, int]) -> bytes:
    """A /CIDToGIDMap stream: for each CID from 0 to the largest used, its glyph id in the
    subset (two bytes, big-endian); 0, the .notdef glyph, for the CIDs no code uses."""
    table = bytearray(2 * (max(new_ids) + 1))
    for cid, glyph in new_ids.items():
        table[2 * cid : 2 * cid + 2] = glyph.to_bytes(2, "big")
    return bytes(table)


def to_unicode_cmap(text: dict[int, str]) -> bytes:
    """A ToUnicode CMap (PDF 9.10.3) mapping each glyph id to its text, as WeasyPrint writes it."""
    lines = [
        b"/CIDInit /ProcSet findresource begin",
        b"12 dict begin",
        b"begincmap",
        b"/CIDSystemInfo",
        b"<< /Registry (Adobe)",
        b"/Ordering (UCS)",
        b"/Supplement 0",
        b">> def",
        b"/CMapName /Adobe-Identity-UCS def",
        b"/CMapType 2 def",
        b"1 begincodespacerange",
        b"<0000> <ffff>",
        b"endcodespacerange",
    ]
    items = sorted(text.items())
    for start in range(0, len(items), 100):
        batch = items[start : start + 100]
        lines.append(f"{len(batch)} beginbfchar".encode())
        for glyph, value in batch:
            lines.append(f"<{glyph:04x}> <{value.encode('utf-16-be').hex()}>".encode())
        lines.append(b"endbfchar")
    lines += [b"endcmap", b"CMapName currentdict /CMap defineresource pop", b"end", b"end"]
    return b"\n".join(lines)
