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


@functools.lru_cache(maxsize=32)
def _subset_program(sha256: str, index: int, glyphs: frozenset[int]) -> bytes:
    """The project's font file of this sha256 (face `index`) cut to `glyphs`."""
    return _cut_font(_font_files()[sha256].read_bytes(), index, glyphs)


def _cut_font(data: bytes, index: int, glyphs: frozenset[int]) -> bytes:
    """A font file (face `index`) cut to `glyphs`, every glyph keeping its id (the slots of the
    others stay, empty), without hinting: as WeasyPrint's own subsets are, by HarfBuzz's subsetter
    (fontTools takes seconds on a CID-keyed CFF font such as Noto Sans CJK, where it keeps)."""
    hb = _harfbuzz_subset()
    if hb is None:
        return _cut_font_with_fonttools(data, index, glyphs)
    ffi, library = hb
    blob = library.hb_blob_create(data, len(data), 1, ffi.NULL, ffi.NULL)  # 1: read-only
    face = library.hb_face_create(blob, index)
    request = library.hb_subset_input_create_or_fail()
    try:
        kept = library.hb_subset_input_glyph_set(request)
        for glyph in sorted(glyphs | {0}):
            library.hb_set_add(kept, glyph)
        dropped = library.hb_subset_input_set(request, 3)  # HB_SUBSET_SETS_DROP_TABLE_TAG
        for tag in _DROPPED_TABLES:
            library.hb_set_add(dropped, library.hb_tag_from_string(tag.encode(), 4))
        # NO_HINTING | RETAIN_GIDS | DESUBROUTINIZE | PASSTHROUGH_UNRECOGNIZED
        library.hb_subset_input_set_flags(request, 0x01 | 0x02 | 0x04 | 0x20)
        cut = library.hb_subset_or_fail(face, request)
        if cut == ffi.NULL:
            return _cut_font_with_fonttools(data, index, glyphs)
        result = library.hb_face_reference_blob(cut)
        length = ffi.new("unsigned int *")
        program = bytes(ffi.buffer(library.hb_blob_get_data(result, length), length[0]))
        library.hb_blob_destroy(result)
        library.hb_face_destroy(cut)
        return program
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


def share_fonts(pdf, run_fonts: dict, holders: list, sources: dict) -> dict[str, Any]:
    """One font object per font for the whole file: the data runs' fonts (the WeasyPrint fonts
    engine.draw_text used) and those of the /Font dictionaries `holders` (forms, pages laid out in
    full), whose files are `sources`. The holders are pointed at the shared fonts; returns them by
    resource name."""
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
    for holder in holders:
        for name, font in holder.items():
            key = name.lstrip("/")
            found = _embedded_use(font)
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
            program = _subset_program(sha256, index, glyphs)
        elif use.font is not None:  # not one of the project's files (fontconfig allows none)
            program = _cut_font(engine.font_file(use.font), index, glyphs)
        else:
            continue  # a file this process cannot read: its sources keep their own subsets
        shared[key] = pdf.make_indirect(_type0_font(pdf, use, program))
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
            subset = _subset_program(sha256, index, frozenset(_cid_widths(descendant)))
            program.write(subset)
            if "/Length1" in program:
                program.Length1 = len(subset)


def _type0_font(pdf, use: _FontUse, program: bytes):
    """A Type0 font (Identity-H) of a subset `program` that kept the font's glyph ids."""
    import pikepdf

    otf = program[:4] == b"OTTO"
    if otf:
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
    array: list = []
    for glyph in sorted(widths):
        if glyph - 1 not in widths:
            array.append(glyph)
            array.append(pikepdf.Array())
        array[-1].append(widths[glyph])
    descendant = pikepdf.Dictionary(
        Type=pikepdf.Name.Font,
        Subtype=pikepdf.Name(f"/CIDFontType{0 if otf else 2}"),
        BaseFont=descriptor.FontName,
        CIDSystemInfo=pikepdf.Dictionary(Registry="Adobe", Ordering="Identity", Supplement=0),
        CIDToGIDMap=pikepdf.Name.Identity,
        W=pikepdf.Array(array),
        FontDescriptor=pdf.make_indirect(descriptor),
    )
    return pikepdf.Dictionary(
        Type=pikepdf.Name.Font,
        Subtype=pikepdf.Name.Type0,
        BaseFont=descriptor.FontName,
        Encoding=pikepdf.Name("/Identity-H"),
        DescendantFonts=[pdf.make_indirect(descendant)],
        ToUnicode=pdf.make_stream(_to_unicode_cmap(use.text)),
    )


def _to_unicode_cmap(text: dict[int, str]) -> bytes:
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
