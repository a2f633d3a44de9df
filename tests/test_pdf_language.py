"""The notice PDF as a screen reader and a text extractor meet it: page 1's line naming every
language in its own script and font, /Lang on the structure of translated pages and of every
foreign run, and the exact text of scripts whose glyphs do not map back to characters."""

from __future__ import annotations

import ctypes
import dataclasses
import io
import logging
import re

import pikepdf
import pypdfium2
import pypdfium2.raw as pdfium_c
import pytest

from noticegen import fonts, i18n, locales, notice, voicecode
from noticegen.printing import render, tagged_pdf
from tests.pdf_helpers import page_texts, squeeze

COMPLEX_SCRIPT_LOCALES = ("th", "my", "km", "ne")
JAPANESE = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff66-\uff9f]")


@dataclasses.dataclass(frozen=True)
class Leaf:
    """A structure element that holds marked content: what a screen reader reads, in which voice."""

    page: int  # 0-based
    tag: str
    lang: str  # its own /Lang or the nearest ancestor's, else the catalog's
    text: str  # its marked content's text as PDFium reads it (ActualText where there is one)
    fonts: frozenset[str]  # the families its glyphs are drawn from
    marked_lang: str | None  # the /Lang the marked content itself carries (the HTML's lang)
    # The structure elements above it, from the Document down: (type, object number).
    ancestors: tuple[tuple[str, int], ...]


@dataclasses.dataclass(frozen=True)
class Reading:
    data: bytes
    parts: tuple
    catalog_lang: str
    page_langs: tuple[str | None, ...]  # /Lang of each page's top element (None: inherited)
    leaves: tuple[Leaf, ...]
    notdef_warnings: tuple[str, ...]


def _marked_runs(data: bytes) -> list[dict[int, tuple[str, frozenset[str]]]]:
    """Per page: MCID → (text, font families) of the text objects inside that marked content."""
    document = pypdfium2.PdfDocument(data)
    pages = []
    try:
        for page in document:
            textpage = page.get_textpage()
            runs: dict[int, tuple[str, frozenset[str]]] = {}
            for item in page.get_objects():
                if item.type != pdfium_c.FPDF_PAGEOBJ_TEXT:
                    continue
                mcid = pdfium_c.FPDFPageObj_GetMarkedContentID(item.raw)
                size = pdfium_c.FPDFTextObj_GetText(item.raw, textpage.raw, None, 0)
                buffer = ctypes.create_string_buffer(size)
                pdfium_c.FPDFTextObj_GetText(
                    item.raw,
                    textpage.raw,
                    ctypes.cast(buffer, ctypes.POINTER(ctypes.c_ushort)),
                    size,
                )
                text = buffer.raw[: max(size - 2, 0)].decode("utf-16-le")
                font = pdfium_c.FPDFTextObj_GetFont(item.raw)
                length = pdfium_c.FPDFFont_GetBaseFontName(font, None, 0)
                name = ctypes.create_string_buffer(length)
                pdfium_c.FPDFFont_GetBaseFontName(font, name, length)
                # "ABCDEF+Noto-Sans-CJK-KR" → "Noto Sans CJK KR"
                family = name.value.decode().split("+")[-1].replace("-", " ")
                before, families = runs.get(mcid, ("", frozenset()))
                runs[mcid] = (before + text, families | {family})
            textpage.close()
            pages.append(runs)
    finally:
        document.close()
    return pages


def read(data: bytes, parts=(), notdef_warnings=()) -> Reading:
    """Walk the structure tree as a screen reader does (pikepdf), with each leaf's text and fonts
    as PDFium reads them."""
    runs = _marked_runs(data)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        page_index = {page.obj.objgen: index for index, page in enumerate(pdf.pages)}
        marked_langs: dict[tuple[int, int], str] = {}
        for index, page in enumerate(pdf.pages):
            for operands, _operator in pikepdf.parse_content_stream(page, "BDC"):
                properties = operands[1] if len(operands) > 1 else None
                if isinstance(properties, pikepdf.Dictionary) and "/Lang" in properties:
                    marked_langs[(index, int(properties.MCID))] = str(properties.Lang)
        catalog_lang = str(pdf.Root.Lang)
        leaves: list[Leaf] = []
        page_langs: dict[int, str | None] = {}

        def walk(element, inherited: str, ancestors: tuple[tuple[str, int], ...]) -> None:
            lang = str(element.Lang) if "/Lang" in element else inherited
            tag = str(element.get("/S", ""))
            kids = element.get("/K")
            kids = list(kids) if isinstance(kids, pikepdf.Array) else [kids]
            mcids = [kid for kid in kids if isinstance(kid, int)]
            if mcids:
                page = page_index[element.Pg.objgen]
                texts, families, marked = [], set(), set()
                for mcid in mcids:
                    text, used = runs[page].get(mcid, ("", frozenset()))
                    texts.append(text)
                    families |= used
                    marked.add(marked_langs.get((page, mcid)))
                assert len(marked) == 1, marked
                leaves.append(
                    Leaf(
                        page,
                        tag,
                        lang,
                        "".join(texts),
                        frozenset(families),
                        marked.pop(),
                        ancestors,
                    )
                )
            if [kind for kind, _ in ancestors] == ["/Document"] and "/Pg" in element:
                page_langs.setdefault(
                    page_index[element.Pg.objgen], str(element.Lang) if "/Lang" in element else None
                )
            for kid in kids:
                if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                    walk(kid, lang, (*ancestors, (tag, element.objgen[0])))

        for top in pdf.Root.StructTreeRoot.K:
            walk(top, catalog_lang, ())
        return Reading(
            data,
            tuple(parts),
            catalog_lang,
            tuple(page_langs.get(index) for index in range(len(pdf.pages))),
            tuple(leaves),
            tuple(notdef_warnings),
        )


class _Notdefs(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record):
        if ".notdef" in record.getMessage():
            self.messages.append(record.getMessage())


@pytest.fixture(scope="module")
def bilingual(sample_households, config) -> dict[str, Reading]:
    """H0001's mailed notice with each translated locale as the household's language, read back."""
    household = next(h for h in sample_households if h.household_id == "H0001")
    encoder = voicecode.QrEncoder()
    logger = logging.getLogger("weasyprint")
    result = {}
    for locale in locales.TRANSLATED:
        parts = notice.make_all(dataclasses.replace(household, language=locale), config, encoder)
        assert [part.lang for part in parts] == ["ja", locale]
        handler = _Notdefs()
        logger.addHandler(handler)
        try:
            data = render.pdf(parts)
        finally:
            logger.removeHandler(handler)
        result[locale] = read(data, parts, handler.messages)
    return result


def test_language_line_names_every_language_in_its_own_script_and_font(sample_households, config):
    view = notice.make(sample_households[0], config, i18n.translator(), voicecode.QrEncoder())
    runs = view.foreign_line.runs
    assert [run.text for run in runs] == [
        locales.get(code).native_name for code in locales.TRANSLATED
    ]
    assert len(runs) == 15
    for code, run in zip(locales.TRANSLATED, runs, strict=True):
        assert run.lang == locales.get(code).bcp47
        assert run.font_family == fonts.name_family_for(code)
        # The run's font draws every character of the name: nothing falls back, nothing is tofu.
        assert not fonts.coverage_for(code).unprintable(run.text), code


def test_language_line_on_page_one_is_drawn_in_each_languages_font_and_tagged(bilingual):
    reading = bilingual["en"]
    first_page = [leaf for leaf in reading.leaves if leaf.page == 0]
    for code in locales.TRANSLATED:
        entry = locales.get(code)
        (leaf,) = [leaf for leaf in first_page if leaf.text.strip() == entry.native_name]
        assert leaf.fonts == {fonts.name_family_for(code)}, (code, leaf.fonts)
        assert leaf.lang == entry.bcp47, (code, leaf.lang)
    # Nothing else on the Japanese page is in another language.
    names = {locales.get(code).native_name for code in locales.TRANSLATED}
    others = {leaf.text for leaf in first_page if leaf.lang != "ja"}
    assert {text.strip() for text in others} <= names
    line = " / ".join(locales.get(code).native_name for code in locales.TRANSLATED)
    assert squeeze(line) in squeeze(page_texts(reading.data)[0])


def test_language_names_cost_a_few_kilobytes_not_a_cjk_font(sample_households, config):
    # Drawn in Noto Sans CJK, 简体中文, 繁體中文 and 한국어 added about 250 KB to every notice
    # (WeasyPrint keeps every glyph slot below the highest used); fonts.NameFont holds just them.
    household = next(h for h in sample_households if h.household_id == "H0001")
    data = render.pdf(notice.make(household, config, i18n.translator(), voicecode.QrEncoder()))
    programs = {}
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for font in pdf.pages[0].Resources.Font.values():
            descendants = font.get("/DescendantFonts")
            descriptor = (descendants[0] if descendants else font).FontDescriptor
            for key in ("/FontFile2", "/FontFile3"):
                if key in descriptor:
                    programs[str(font.BaseFont).split("+")[-1]] = len(
                        descriptor[key].read_raw_bytes()
                    )
    assert not [name for name in programs if "CJK" in name], programs
    for name_font in fonts.name_fonts():
        (size,) = [
            size for name, size in programs.items() if name == name_font.family.replace(" ", "-")
        ]
        assert size < 4000, (name_font.locale, size)


def test_no_glyph_is_missing_in_any_languages_notice(bilingual):
    for locale, reading in bilingual.items():
        assert reading.notdef_warnings == (), (locale, reading.notdef_warnings[:3])


@pytest.mark.parametrize("locale", locales.TRANSLATED)
def test_translated_pages_and_every_run_carry_their_language(bilingual, locale):
    reading = bilingual[locale]
    japanese_part, translated_part = reading.parts
    tag = locales.get(locale).bcp47
    assert reading.catalog_lang == "ja"
    first_translated = japanese_part.page_count
    assert len(reading.page_langs) == first_translated + translated_part.page_count
    # Each page's element says its language once; the Japanese pages inherit the catalog's.
    assert set(reading.page_langs[:first_translated]) == {None}
    expected = None if tag == "ja" else tag
    # The reply form is a Japanese document with the reader's language beside its Japanese labels
    # (tagged ja): its page says the language most of its text is in, Japanese beside the compact
    # CJK translations; every run on it carries its own language (checked below).
    kinds = [page.kind for part in reading.parts for page in part.pages][first_translated:]
    pages = list(zip(kinds, reading.page_langs[first_translated:], strict=True))
    assert {lang for kind, lang in pages if kind != "form"} == {expected}, reading.page_langs
    assert {lang for kind, lang in pages if kind == "form"} <= {expected, None}
    translated_leaves = [leaf for leaf in reading.leaves if leaf.page >= first_translated]
    assert translated_leaves
    for leaf in reading.leaves:
        # The language the HTML gave each run reaches the structure element that holds it.
        assert leaf.lang == leaf.marked_lang, leaf
    if tag == "ja":  # やさしい日本語: Japanese throughout
        assert {leaf.lang for leaf in translated_leaves} == {"ja"}
        return
    in_japanese = [leaf for leaf in translated_leaves if leaf.lang == "ja"]
    for leaf in in_japanese:
        # No word of the reader's language is read with a Japanese voice: a run tagged ja on a
        # translated page is Japanese, or figures and signs of Japanese beside it (the form's
        # branch number).
        assert JAPANESE.search(leaf.text) or not any(char.isalpha() for char in leaf.text), leaf
    in_locale = [leaf for leaf in translated_leaves if leaf.lang == tag]
    assert len(in_locale) > len(in_japanese)
    assert {leaf.lang for leaf in translated_leaves} <= {tag, "ja"}


@pytest.mark.parametrize("locale", COMPLEX_SCRIPT_LOCALES)
def test_complex_scripts_extract_exactly(bilingual, locale):
    reading = bilingual[locale]
    translated = reading.parts[1]
    headings = [translated.title]
    for page in translated.pages:
        if page.heading:
            headings.append(page.heading)
        headings.extend(section.heading for section in page.sections)
    assert len(headings) >= 6
    first = reading.parts[0].page_count
    # PDFium's page text (what copy and paste and search give).
    whole = squeeze("".join(page_texts(reading.data)[first:]))
    for heading in headings:
        assert squeeze(heading) in whole, (locale, heading)
    # The structure tree's headings, as a screen reader reads them, are the catalog's words.
    spoken = _heading_texts(reading, first)
    assert {squeeze(heading) for heading in headings} <= spoken, (locale, spoken)


def _heading_texts(reading: Reading, first_page: int) -> set[str]:
    """The text of each H1/H2/H3 element of the translated pages, its runs joined."""
    texts: dict[int, str] = {}
    for leaf in reading.leaves:  # in reading order
        headings = [number for kind, number in leaf.ancestors if kind in ("/H1", "/H2", "/H3")]
        if leaf.page >= first_page and headings:
            texts[headings[-1]] = texts.get(headings[-1], "") + leaf.text
    return {squeeze(text) for text in texts.values()}


def test_actual_text_is_given_only_where_glyphs_cannot_say_it():
    assert tagged_pdf.needs_actual_text("नेपाली")
    assert tagged_pdf.needs_actual_text("မြန်မာဘာသာ")
    assert tagged_pdf.needs_actual_text("ភាសាខ្មែរ")
    assert tagged_pdf.needs_actual_text("ภาษาไทย")
    for plain in ("国民健康保険", "English", "Tiếng Việt", "한국어", "简体中文", "Монгол хэл"):
        assert not tagged_pdf.needs_actual_text(plain), plain
