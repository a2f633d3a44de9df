"""A chunk file's shared font subsets (noticegen.printing.fontsharing): compact, and every code
the file uses finds, the way a PDF reader finds it, the glyph it had in the source font."""

from __future__ import annotations

import io

import numpy
import pikepdf
import pypdfium2
import pytest
from fontTools.cffLib import CFFFontSet
from fontTools.pens.recordingPen import DecomposingRecordingPen, RecordingPen
from fontTools.ttLib import TTFont

from noticegen import i18n, notice
from noticegen.printing import fontsharing, render, variable_print

# Languages whose notices bring the CJK fonts (65,535 glyph slots) and Japanese's TrueType ones.
LANGUAGES = ("zh-Hans", "ko", None)


@pytest.fixture(scope="module")
def notices(sample_households, config, encoder):
    chosen = {}
    for household in sample_households:
        chosen.setdefault(household.language, household)
    return [notice.make_all(chosen[language], config, encoder) for language in LANGUAGES]


@pytest.fixture(scope="module")
def chunk(notices) -> bytes:
    target = variable_print.ChunkFile("test")
    for parts in notices:
        variable_print.add_laid_out(target, parts, i18n.SOURCE_LOCALE)
    return target.finish()


def _shared_fonts(pdf):
    """Each embedded Type0 font of the file once: (descendant font, its font file)."""
    seen, fonts = set(), []
    for page in pdf.pages:
        for font in page.Resources.get("/Font", {}).values():
            descendant = font.DescendantFonts[0]
            if descendant.objgen in seen:
                continue
            seen.add(descendant.objgen)
            descriptor = descendant.FontDescriptor
            font_file = descriptor.get("/FontFile2") or descriptor.get("/FontFile3")
            fonts.append((descendant, font_file))
    return fonts


def _codes(descendant) -> list[int]:
    """The codes (CIDs) the file gives widths for: every glyph its pages draw."""
    items, codes, position = list(descendant.W), [], 0
    while position < len(items):
        first = int(items[position])
        codes += range(first, first + len(items[position + 1]))
        position += 2
    return codes


def _outline(glyph_set, name: str):
    """The glyph's contours, its components' drawn in (their names differ in a subset)."""
    pen = DecomposingRecordingPen(glyph_set)
    glyph_set[name].draw(pen)
    return pen.value


def _source_font(name: str) -> TTFont:
    """The project font file a subset's name (ABCDEF+Family-Style, as WeasyPrint names a font
    from its family and style) comes from."""
    wanted = name.split("+", 1)[1]
    for path in fontsharing._font_files().values():
        for index in range(16):
            try:
                font = TTFont(path, fontNumber=index, lazy=True)
            except Exception:
                break
            names = font["name"]
            family = names.getDebugName(16) or names.getDebugName(1) or ""
            style = names.getDebugName(17) or names.getDebugName(2) or ""
            spellings = {f"{family} {style}", names.getDebugName(6) or ""}
            if style == "Regular":
                spellings.add(family)
            if wanted in {spelling.replace(" ", "-") for spelling in spellings}:
                return font
    raise AssertionError(f"no project font file for {name}")


def test_every_code_finds_its_source_glyph_as_a_reader_does(chunk):
    """A CID-keyed CFF subset is embedded bare (its charset maps each CID to its glyph); a
    TrueType subset numbers its glyphs anew and says so in /CIDToGIDMap. Either way, each code
    the pages use must draw the outline the source font's glyph of that id draws."""
    checked = set()
    with pikepdf.open(io.BytesIO(chunk)) as pdf:
        for descendant, font_file in _shared_fonts(pdf):
            name = str(descendant.BaseFont)[1:]
            codes = [code for code in _codes(descendant) if code]
            source = _source_font(name)
            source_glyphs, source_order = source.getGlyphSet(), source.getGlyphOrder()
            program = font_file.read_bytes()
            if font_file.get("/Subtype") == "/CIDFontType0C":
                cff = CFFFontSet()
                cff.decompile(io.BytesIO(program), None)
                top = cff[cff.fontNames[0]]
                assert hasattr(top, "ROS"), name
                by_cid = top.CharStrings
                found = {code: by_cid[f"cid{code:05d}"] for code in codes}
                for code, charstring in found.items():
                    pen = RecordingPen()
                    charstring.draw(pen)
                    assert pen.value == _outline(source_glyphs, source_order[code]), (name, code)
                checked.add("bare CFF")
            elif "/FontFile2" in descendant.FontDescriptor:
                subset = TTFont(io.BytesIO(program))
                order, glyphs = subset.getGlyphOrder(), subset.getGlyphSet()
                cid_map = descendant.CIDToGIDMap
                if isinstance(cid_map, pikepdf.Stream):
                    table = cid_map.read_bytes()
                    new = {
                        code: int.from_bytes(table[2 * code : 2 * code + 2], "big")
                        for code in codes
                    }
                    checked.add("TrueType with a map")
                else:
                    new = {code: code for code in codes}
                for code in codes:
                    assert new[code] != 0, (name, code)
                    assert _outline(glyphs, order[new[code]]) == _outline(
                        source_glyphs, source_order[code]
                    ), (name, code)
    assert checked == {"bare CFF", "TrueType with a map"}


def test_the_cjk_subsets_are_compact(chunk, notices):
    """WeasyPrint's own subset of a CJK font keeps all 65,535 glyph slots (some 200 KB); the
    chunk's holds the glyphs used."""
    with pikepdf.open(io.BytesIO(chunk)) as pdf:
        shared = {
            str(descendant.BaseFont).split("+", 1)[1]: len(font_file.read_raw_bytes())
            for descendant, font_file in _shared_fonts(pdf)
        }
    with pikepdf.open(io.BytesIO(render.pdf(list(notices[0])))) as pdf:
        own = {
            str(descendant.BaseFont).split("+", 1)[1]: len(font_file.read_raw_bytes())
            for descendant, font_file in _shared_fonts(pdf)
        }
    cjk = [name for name in own if "CJK" in name]
    assert cjk
    for name in cjk:  # the chunk's subset serves three notices, WeasyPrint's one
        assert shared[name] < own[name] / 2, (name, shared[name], own[name])


def test_the_chunks_pages_look_like_weasyprints_own(chunk, notices):
    """Rasterised, each page of the chunk differs from WeasyPrint's own PDF of the notice at most
    in anti-aliasing (PDFium hints a bare CFF font's edges a shade differently): a wrong glyph
    would differ by full black on white."""
    drawn = pypdfium2.PdfDocument(chunk)
    index, pages = 0, len(drawn)
    try:
        for parts in notices:
            own = pypdfium2.PdfDocument(render.pdf(list(parts)))
            try:
                for page in range(len(own)):
                    pixels = [
                        numpy.asarray(
                            document[number].render(scale=150 / 72).to_pil().convert("L"),
                            dtype=int,
                        )
                        for document, number in ((drawn, index), (own, page))
                    ]
                    assert numpy.abs(pixels[0] - pixels[1]).max() <= 64, (index, page)
                    index += 1
            finally:
                own.close()
    finally:
        drawn.close()
    assert index == pages
