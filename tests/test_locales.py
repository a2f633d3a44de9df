"""The notice in every locale: complete catalogs, the right fonts, shaped scripts, bilingual notices."""

from __future__ import annotations

import io
import re

import pikepdf
import pytest
from babel.messages.pofile import read_po

from noticegen import catalog, fonts, i18n, notice
from noticegen.printing import render
from tests.pdf_helpers import font_names, page_texts, squeeze

LOCALES = catalog.RELEASE_LOCALES
TITLE = "国民健康保険 加入者情報のお知らせ"
HEADINGS = ("マイナ保険証とは", "マイナ保険証を使うメリット", "受診に使えるもの")
# PostScript names of each locale's fonts, compared without hyphens; the Japanese font sets the
# Japanese proper nouns a translation keeps (マイナ保険証), Noto Sans the Latin around them.
FONT_PREFIXES = {
    "ja-x-easy": ("BIZUDPGothic",),
    "ko": ("NotoSansCJKkr",),
    "zh-Hans": ("NotoSansCJKsc",),
    "zh-Hant": ("NotoSansCJKtc",),
    "ne": ("NotoSansDevanagari",),
    "th": ("NotoSansThai",),
    "my": ("NotoSansMyanmar",),
    "km": ("NotoSansKhmer",),
}
SHARED = ("NotoSans", "BIZUDPGothic")


def test_every_release_locale_is_complete_and_passes_the_checks():
    assert catalog.check() == []
    rows = {row.locale: row for row in catalog.status()}
    assert set(rows) == set(LOCALES)
    for row in rows.values():
        assert row.percent == 100.0 and row.fuzzy == 0, row
    assert set(i18n.available_locales()) == {"ja", *LOCALES}


def _messages(locale: str):
    with open(catalog.po_path(locale), "rb") as stream:
        return [message for message in read_po(stream) if message.id]


@pytest.mark.parametrize("locale", LOCALES)
def test_every_translated_character_is_in_the_locales_fonts(locale):
    families = [fonts.family_for(locale), fonts.family_for("en"), fonts.family_for("ja")]
    covered = set()
    for family in families:
        language = next(f.languages[0] for f in fonts.manifest() if f.family == family)
        covered |= fonts.coverage_for(language).codepoints
    missing = {
        f"U+{ord(char):04X} in 「{message.id[:20]}」"
        for message in _messages(locale)
        for char in str(message.string)
        if ord(char) not in covered and not char.isspace()
    }
    assert not missing, sorted(missing)[:10]


@pytest.fixture(scope="module")
def translated(sample_households, config):
    """Page texts and embedded fonts of H0001's notice in every locale, rendered once."""
    household = next(h for h in sample_households if h.household_id == "H0001")
    encoder = __import__("noticegen.voicecode", fromlist=["QrEncoder"]).QrEncoder()
    result = {}
    for locale in LOCALES:
        views = notice.make_all(household, config, encoder, locale=locale)
        data = render.pdf(views)
        result[locale] = (views, page_texts(data), font_names(data), data)
    return result


@pytest.mark.parametrize("locale", LOCALES)
def test_each_locale_renders_its_title_headings_and_only_its_fonts(translated, locale):
    views, texts, names, _data = translated[locale]
    translator = i18n.translator(locale)
    # Exact in every script: runs of shaped scripts (th, km, my, ne) carry their text as
    # /ActualText (noticegen.tagged_pdf), which PDFium reads instead of the glyphs.
    whole = squeeze("".join(texts))
    strip_readings = i18n.RUBY
    for message in (TITLE, *HEADINGS):
        expected = translator.gettext(message)
        assert expected != message or locale == "ja-x-easy", (locale, message)
        printed = squeeze(strip_readings.sub(r"\1（\2）", expected))  # readings in brackets
        assert printed in whole, (locale, message)
    assert len(texts) == views[0].page_count and len(texts) % 2 == 0
    # Page 1's line names every language in its own font (tests/test_pdf_language.py).
    line_fonts = tuple(run.font_family.replace(" ", "") for run in views[0].foreign_line.runs)
    allowed = FONT_PREFIXES.get(locale, ()) + SHARED + line_fonts
    for name in names:
        assert name.split("+")[-1].replace("-", "").startswith(allowed), (locale, name)


def test_translated_pages_say_the_japanese_is_authoritative_and_date_in_the_locale(translated):
    _views, texts, _names, _data = translated["en"]
    note = i18n.translator("en").gettext(
        "この翻訳は参考のためのものです。正式な内容は、日本語の文書のとおりです。"
    )
    assert all(squeeze(note) in squeeze(text) for text in texts)
    assert "October 25, 2024 (令和6年10月25日)" in "".join(texts)


def test_easy_japanese_prints_readings_in_brackets_and_html_keeps_ruby(translated):
    views, texts, _names, _data = translated["ja-x-easy"]
    assert "（" in "".join(texts)
    html = render.html(views)
    assert "<ruby>" in html and "<rt>" in html and "｜" not in html
    assert all("｜" not in text and "《" not in text for text in views[0].voice_texts)


def test_voice_texts_are_in_the_pages_language(translated):
    views, _texts, _names, _data = translated["en"]
    first = views[0].voice_texts[0]
    assert first.startswith(i18n.translator("en").gettext("{page}ページ目。").format(page=1))
    assert "、" not in first and "。" not in first


def _tounicode_entries(data: bytes, family: str) -> list[str]:
    """The text each glyph of a font stands for, from the PDF's ToUnicode maps."""
    entries = []
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            for _key, font in page.obj.Resources.Font.items():
                if family in str(font.BaseFont) and "/ToUnicode" in font:
                    cmap = font.ToUnicode.read_bytes().decode("latin-1")
                    for _glyph, text in re.findall(r"<([0-9a-fA-F]{4})>\s*<([0-9a-fA-F]*)>", cmap):
                        entries.append(bytes.fromhex(text).decode("utf-16-be"))
    return entries


def test_complex_scripts_are_shaped_into_the_fonts_ligatures_and_clusters():
    weasyprint, font_config = render.ready()
    markup = (
        '<html><body><p lang="ne" style="font-family: \'Noto Sans Devanagari\'">क्ष</p>'
        '<p lang="my" style="font-family: \'Noto Sans Myanmar\'">မြ</p></body></html>'
    )
    data = weasyprint.HTML(string=markup).write_pdf(font_config=font_config)
    # One glyph stands for the whole conjunct क्ष (ka, virama, ssa): the font's ligature, not
    # three pieces side by side.
    assert "क्ष" in _tounicode_entries(data, "Devanagari")
    # The medial ra is reordered before ma and the pair shaped as one cluster: one glyph carries
    # the text မြ, the medial's own glyph none.
    assert "မြ" in _tounicode_entries(data, "Myanmar")


def test_bilingual_notice_has_the_address_once_and_an_even_page_count(
    sample_households, config, encoder
):
    household = next(h for h in sample_households if h.household_id == "H0007")
    assert household.language == "en"
    views = notice.make_all(household, config, encoder)
    assert [view.lang for view in views] == ["ja", "en"]
    data = render.pdf(views)
    texts = page_texts(data)
    assert len(texts) == sum(view.page_count for view in views) and len(texts) % 2 == 0
    postal = f"{household.postal_code[:3]}-{household.postal_code[3:]}"
    assert [number for number, text in enumerate(texts, start=1) if postal in text] == [1]
    total = len(texts)
    for number, text in enumerate(texts, start=1):
        assert f"{number} / {total}" in text
    assert squeeze(i18n.translator("en").gettext(TITLE)) in squeeze(
        "".join(texts[views[0].page_count :])
    )
    assert views[1].voice_texts[0].startswith(f"Page {views[0].page_count + 1}")
