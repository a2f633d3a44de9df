"""What a ward official expects on the notice (issue 16), read back from the rendered PDF.

The households are built here, not taken from the samples: reference date, 世帯主 and 擬制世帯主,
the insurer's fields, the check-and-reply page, the reply form on its own sheet (its household code
decoded with zxing-cpp), the 70–74 reminder and the corrected merits.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pypdfium2
import pytest
import zxingcpp

from noticegen import i18n, notice, voicecode
from noticegen.printing import render
from noticegen.records import Household, Member
from tests.pdf_helpers import page_texts, squeeze


def member(name: str, kana: str, born: dt.date, branch: str, last4: str | None) -> Member:
    return Member(
        name=name,
        kana=kana,
        birth_date=born,
        insured_symbol="板",
        insured_number="7654321",
        insured_branch=branch,
        acquired_date=dt.date(2015, 4, 1),
        copay_ratio="3",
        mynumber_last4=last4,
        line=int(branch) + 1,
    )


TARO = member("見本 太郎", "ミホン タロウ", dt.date(1980, 5, 5), "01", "4821")
HANAKO = member("見本 花子", "ミホン ハナコ", dt.date(1982, 7, 7), "02", None)


def household(*members: Member, head_name: str = "見本 太郎", language: str | None = None):
    return Household(
        household_id="K0042",
        head_name=head_name,
        postal_code="1730004",
        address="東京都板橋区板橋二丁目66番1号",
        address2=None,
        language=language,
        members=members,
        lines=tuple(m.line for m in members),
    )


def rendered(h: Household, config, **kwargs):
    finished = notice.make(h, config, i18n.translator(), voicecode.QrEncoder(), **kwargs)
    pdf = render.pdf(finished)
    return finished, pdf, [squeeze(text) for text in page_texts(pdf)]


@pytest.fixture(scope="module")
def family(config):
    return rendered(household(TARO, HANAKO), config)


def test_page_one_prints_the_reference_date_the_insurer_and_the_head_of_household(family, config):
    _finished, _pdf, texts = family
    first = texts[0]
    assert squeeze("令和6年10月1日現在の登録内容です") in first
    for label, value in (
        ("保険者名", config.municipality.insurer),
        ("保険者番号", "131193"),
        ("世帯主", "見本 太郎"),
        ("世帯番号", "K0042"),
    ):
        assert squeeze(label + value) in first, label
    # The head is a member: no sentence about a head outside the insurance.
    assert "加入していなくても" not in "".join(texts)


def test_a_head_who_is_not_a_member_is_told_why_the_notice_is_addressed_to_them(config):
    _finished, _pdf, texts = rendered(household(HANAKO, head_name="見本 一郎"), config)
    assert squeeze("世帯主見本 一郎") in texts[0]
    assert squeeze("世帯主の方が板橋区国民健康保険に加入していなくても") in texts[0]
    assert "世帯主の方にお送りすることになっています" in texts[0]


def test_the_check_and_reply_page(family, config):
    finished, _pdf, texts = family
    # Straight after the member pages; editions whose page 1 has room point to it from there.
    assert [page.kind for page in finished.pages][:2] == ["personal", "check"]
    check = texts[1]
    for words in (
        "マイナンバーカードか通知カード",
        "その方ご自身のマイナンバーの下4桁と同じか確かめてください",
        "マイナンバーの下4桁が違うとき",
        "「登録なし」と書かれているとき",
        "そのほかの内容に誤りがあるとき",
        "同封の届出書",
        "1ページ目の世帯番号と、お問い合わせの方の氏名と生年月日をお聞きします",
        "電話でマイナンバーの12桁をお聞きすることはありません",
        config.sender.phone,
        config.sender.hours,
        config.sender.address,
        config.sender.section,
    ):
        assert squeeze(words) in check, words


def test_the_reply_form_is_on_a_sheet_of_its_own_and_prefilled(family):
    finished, _pdf, texts = family
    kinds = [page.kind for page in finished.pages]
    assert len(texts) == finished.page_count and finished.page_count % 2 == 0
    start = kinds.index("form")
    assert start % 2 == 0  # index 4: page 5, the front of the third sheet
    assert kinds[start:] == ["form", "blank"]
    assert "form" not in kinds[:start]
    form = texts[start]
    for words in (
        "国民健康保険 加入者情報の届出書",
        "世帯番号K0042",
        "見本 太郎",
        "ミホン タロウ",
        "昭和55年",
        "見本 花子",
        "板・7654321・01",
        "板・7654321・02",
        "＊＊＊＊ ＊＊＊＊ 4821",
        "登録なし",
        "誤っている項目",
        "正しい内容",
        "マイナンバーの下4桁",
        "マイナンバーの12桁は、書かないでください",
        "受付処理用コード（世帯番号）",
        "提出先",
        "東京都板橋区板橋二丁目66番1号（板橋区役所）",
    ):
        assert squeeze(words) in form, words


def _codes_on_page(pdf: bytes, index: int, dpi: int = 300):
    document = pypdfium2.PdfDocument(pdf)
    try:
        page = document[index]
        image = page.render(scale=dpi / 72).to_pil().convert("L")
        page.close()
    finally:
        document.close()
    return zxingcpp.read_barcodes(image)


def test_the_forms_code_holds_the_household_id_alone_and_is_no_voice_code(family):
    finished, pdf, _texts = family
    index = [page.kind for page in finished.pages].index("form")
    found = _codes_on_page(pdf, index)
    matrices = [code.text for code in found if code.format == zxingcpp.BarcodeFormat.DataMatrix]
    assert matrices == ["K0042"]
    # The page's voice code is there too, a QR code, and reads the form's purpose.
    voice = [code.text for code in found if code.format == zxingcpp.BarcodeFormat.QRCode]
    assert voice and voice[0].startswith(f"{index + 1}ページ目。この用紙は、")


def test_no_full_my_number_is_printed_or_asked_for(family, tmp_path):
    from noticegen import fonts, records, settings
    from tests.records_helpers import (
        TODAY,
        WINDOW_MM,
        member_row,
        mynumber_with_check_digit,
        write_csv,
    )

    full = mynumber_with_check_digit("12345678901")
    path = write_csv(
        tmp_path / "members.csv",
        [member_row("K0001", mynumber=full, mynumber_last4=full[-4:], birth_date="1980-04-01")],
    )
    outcomes = list(
        records.read(records.open_member_file(path), fonts.coverage(), TODAY, WINDOW_MM)
    )
    (h,) = [outcome for outcome in outcomes if isinstance(outcome, Household)]
    finished, pdf, texts = rendered(h, settings.load())
    html = render.html(finished)
    assert full not in html and full.encode() not in pdf and full not in "".join(texts)
    assert full[-4:] in texts[0]
    # The form asks for no number: it says not to write one, and has no field for it.
    form = texts[[page.kind for page in finished.pages].index("form")]
    assert "12桁は、書かないでください" in form
    assert "個人番号" not in form and "12桁を書" not in form


@pytest.mark.parametrize(
    ("born", "reminded"),
    [
        (dt.date(1954, 10, 1), True),  # 70 on the reference date, 2024-10-01
        (dt.date(1954, 10, 2), False),  # 69 on it
        (dt.date(1949, 10, 2), True),  # 74 on it
    ],
)
def test_the_70_to_74_reminder_only_for_those_ages_on_the_reference_date(config, born, reminded):
    elder = dataclasses.replace(TARO, birth_date=born)
    _finished, _pdf, texts = rendered(household(elder, HANAKO), config)
    whole = "".join(texts)
    assert ("高齢受給者証" in whole) is reminded
    assert ("70歳から74歳の方へ" in whole) is reminded


def test_the_corrected_merits(family):
    _finished, _pdf, texts = family
    merits = next(text for text in texts if "マイナ保険証を使うメリット" in text)
    assert squeeze("令和6年11月30日までは") in merits
    assert squeeze("20円少なくなりました") in merits
    assert squeeze("令和6年12月1日からは、どちらを使っても同じです") in merits
    assert squeeze("窓口での支払いが、その方の自己負担限度額までになります") in merits
    assert "限度額適用認定証はいりません" in merits
    assert "免除" not in merits
    # The 資格情報のお知らせ at the 令和7年 renewal, for members registered for the マイナ保険証.
    whole = "".join(texts)
    assert squeeze("令和7年9月30日までに予定している保険証などの更新") in whole
    assert "「資格情報のお知らせ」" in whole


def test_without_the_reply_form(config):
    off = dataclasses.replace(config, notice=dataclasses.replace(config.notice, reply_form=False))
    finished, _pdf, texts = rendered(household(TARO), off)
    assert [page.kind for page in finished.pages] == ["personal", "check", "guide", "guide"]
    assert len(texts) == 4
    assert "届出書" not in "".join(texts)


def test_a_bilingual_notice_carries_the_form_once_at_its_end(config):
    parts = notice.make_all(household(TARO, HANAKO, language="en"), config, voicecode.QrEncoder())
    assert len(parts) == 2
    japanese, translated = parts
    assert "form" not in [page.kind for page in japanese.pages] and japanese.reply_form is None
    assert japanese.page_count % 2 == 0
    kinds = [page.kind for page in translated.pages]
    start = kinds.index("form")
    forms = kinds.count("form")
    assert kinds[start:] == ["form"] * forms + ["blank"] * (forms % 2)
    assert translated.pages[start].number % 2 == 1
    assert (japanese.page_count + translated.page_count) % 2 == 0
    # In Japanese; the household's language is beside each label where a translation exists.
    assert translated.reply_form.title.japanese == "国民健康保険 加入者情報の届出書"
    assert str(translated.reply_form.title).startswith("国民健康保険 加入者情報の届出書 / ")
    assert translated.reply_form.household_id == "K0042"


@pytest.mark.parametrize("head_is_member", [True, False])
def test_a_full_page_one_with_the_new_fields_overlaps_nothing(config, head_is_member):
    from tests.test_render import PAGE_MARGIN_MM, _image_boxes, _overlap, _text_boxes

    members = tuple(
        member(
            f"見本 {index}",
            f"ミホン {index}",
            dt.date(1960 + index, 12, 28),
            f"{index:02d}",
            None if index % 3 == 0 else f"{1000 + index}",
        )
        for index in range(1, 12)
    )
    head = "見本 1" if head_is_member else "見本 世帯主"
    finished = notice.make(
        household(*members, head_name=head), config, i18n.translator(), voicecode.QrEncoder()
    )
    assert len(finished.pages[0].members.rows) == (5 if head_is_member else 4)
    page = render.document(finished).pages[0]
    texts, images = _text_boxes(page), _image_boxes(page)
    for left, top, right, bottom, content in texts:
        assert left >= PAGE_MARGIN_MM - 0.01 and right <= 200.01, content
        assert top >= PAGE_MARGIN_MM - 0.01 and bottom <= 287.01, content
        for image in images:
            assert not _overlap((left, top, right, bottom), image), content
    for index, first in enumerate(texts):
        for second in texts[index + 1 :]:
            assert not _overlap(first[:4], second[:4]), (first, second)


FOOT_MM = 53.0  # the page's foot, kept for the voice codes and the return address (print.css)


def _bottom_mm(page, css_class: str) -> float:
    from tests.conftest import MM_PER_PX

    bottoms = []

    def visit(box):
        element = getattr(box, "element", None)
        if element is not None and css_class in (element.get("class") or "").split():
            bottoms.append((box.position_y + box.margin_height()) * MM_PER_PX)
        for child in getattr(box, "children", None) or ():
            visit(child)

    visit(page._page_box)
    return max(bottoms)


@pytest.mark.parametrize("locale", i18n.available_locales())
def test_every_languages_reply_form_fits_above_the_foot(config, locale):
    members = tuple(
        member(f"見本 {index}", f"ミホン {index}", dt.date(1960, 12, 28), f"{index:02d}", "1234")
        for index in range(1, 5)
    )
    language = None if locale == i18n.SOURCE_LOCALE else locale
    parts = notice.make_all(household(*members, language=language), config, voicecode.QrEncoder())
    last = parts[-1]  # the form ends the notice: in the translated part of a bilingual one
    assert all(page.kind != "form" for part in parts[:-1] for page in part.pages)
    document = render.document(last)
    assert len(document.pages) == last.page_count  # nothing spilled onto a page of its own
    forms = [
        page
        for page, laid_out in zip(last.pages, document.pages, strict=True)
        if page.kind == "form"
    ]
    assert sum(len(page.form_rows) for page in forms) == 4
    for page, laid_out in zip(last.pages, document.pages, strict=True):
        if page.kind == "form":
            assert _bottom_mm(laid_out, "form") <= 297 - FOOT_MM, (locale, page.number)
