"""The household's data in the notice's cells (noticegen.cellfit): lines and type steps from the
fonts' advances, the widths print.css gives the cells, and, laid out by WeasyPrint, no data text
outside its cell or over another text. (tests/test_variable_print.py: the print batch then draws
a realistic population's notices over their shapes, pixel for pixel as a full layout.)"""

from __future__ import annotations

import dataclasses
import datetime as dt
import string

import pytest
from weasyprint.formatting_structure.boxes import LineBox, TableBox, TableCellBox, TextBox

from noticegen import cellfit, locales, mynumber, notice, settings, view, voicecode, wareki
from noticegen.printing import render
from noticegen.records import Household, Member
from tests.page_fit import MM_PER_PX, TOLERANCE_MM, Box

JA = ("BIZ UDPGothic",)
# The longest texts the issue's realistic member files hold (issue 11): 4-character 記号, 8-digit
# numbers, 20-character Japanese names, 40-character Latin ones in capitals, long readings.
LONG_LATIN = "ALEXANDRA MARGARITA FERNANDEZ DE LA CRUZ"  # 40 characters
LONG_WORD = "WOLFESCHLEGELSTEINHAUSENBERGERDORFF"
LONG_JAPANESE = "寿限無寿限無五劫の擦り切れ海砂利水魚の"  # 20 characters
LONG_KANA = "ジュゲムジュゲムゴコウノスリキレカイジャリスイギョノ"


def test_a_name_that_fits_keeps_the_design_size_on_one_line():
    slot = cellfit.member_cells("ja", False).name
    fitted = cellfit.fit(slot, "見本 太郎")
    assert fitted == cellfit.Fitted(("見本 太郎",), 12.0, False)


def test_a_longer_name_steps_down_before_it_takes_more_lines():
    slot = cellfit.member_cells("ja", False).name
    sizes = []
    for length in range(4, 21):
        fitted = cellfit.fit(slot, "見" * length)
        sizes.append((len(fitted.lines), fitted.size_pt))
        assert "".join(fitted.lines) == "見" * length
        assert fitted.reduced == (fitted.size_pt != 12.0)
    # One line at 12, 10.5, then 9 pt; only then two lines, at 9 pt.
    assert sizes == sorted(sizes, key=lambda pair: (pair[0], -pair[1]))
    assert {size for lines, size in sizes if lines == 1} == {12.0, 10.5, 9.0}
    assert {size for lines, size in sizes if lines > 1} == {9.0}


def test_every_line_fits_the_cell_width():
    for slot in (*dataclasses.astuple(cellfit.member_cells("ja", False)),):
        if not isinstance(slot, cellfit.Slot):
            continue
        for text in (LONG_JAPANESE, LONG_KANA, LONG_WORD):
            if not cellfit.fits(slot, text):
                continue
            fitted = cellfit.fit(slot, text)
            for line in fitted.lines:
                width_mm = cellfit.width_em(line, slot.families) * fitted.size_pt * cellfit.PT_MM
                assert width_mm <= slot.width_mm * cellfit.WIDTH_SAFETY


def test_latin_names_break_at_spaces_and_a_word_too_long_inside_it():
    slot = cellfit.member_cells("ja", False).name
    assert cellfit.fit(slot, LONG_LATIN).lines == (
        "ALEXANDRA",
        "MARGARITA",
        "FERNANDEZ DE LA",
        "CRUZ",
    )
    assert "".join(cellfit.fit(slot, LONG_WORD).lines) == LONG_WORD


def test_no_line_starts_with_a_character_that_may_not_begin_one():
    lines = cellfit.break_lines("ミホン・タロウ", 3.5, JA)
    assert lines == ["ミホン・", "タロウ"]
    # Each at least as wide as 「チャー・」, which has no place to break inside it (narrower, a
    # line must break where it may not, and does).
    for width in (3.5, 4.0, 4.5, 5.0, 6.0):
        for line in cellfit.break_lines("アッチャー・ショウ", width, JA)[1:]:
            assert line[0] not in cellfit.NO_LINE_START


def test_insured_numbers_are_always_two_lines_in_the_table():
    assert cellfit.insured_lines("板", "1", None) == ("板・", "1")
    assert cellfit.insured_lines("板橋国保", "12345678", "01") == ("板橋国保・", "12345678・01")
    cells = cellfit.member_cells("ja", False)
    for line in cellfit.insured_lines("板橋国保", "12345678", "01"):
        assert len(cellfit.fit(cells.symbol, line).lines) == 1


def test_a_text_too_long_for_every_step_is_refused():
    slot = cellfit.member_cells("ja", False).name
    with pytest.raises(cellfit.FieldTooLongError) as error:
        cellfit.fit(slot, "見" * 60)
    assert error.value.slot == slot
    assert not cellfit.fits(slot, "見" * 60)
    assert cellfit.first_misfit(None, "見本 太郎", "K1", [_text("見" * 60)]) == (slot, 0)
    assert cellfit.first_misfit(None, "見本 太郎", "K1", [_text(LONG_JAPANESE)]) is None


def _text(name: str, kana: str | None = None, symbol: str = "板") -> cellfit.MemberText:
    return cellfit.MemberText(name, kana, symbol, "1234567", "01")


@pytest.mark.parametrize("locale", locales.CODES)
def test_the_issues_longest_texts_fit_every_layout(locale):
    members = [
        _text(LONG_LATIN, None, "板橋国保"),
        _text(LONG_WORD, None, "板橋国保"),
        _text(LONG_JAPANESE, LONG_KANA, "1234"),
    ]
    assert cellfit.first_misfit(locale, LONG_JAPANESE, "1234567890123", members) is None


def test_bounded_texts_fit_their_cells():
    """Dates, 負担割合, the page label and the household id have bounded lengths: their worst
    cases fit the cells the design gives them."""
    table = cellfit.member_cells("ja", False)
    date_slot = dataclasses.replace(table.name, width_mm=21.5, sizes_pt=(12.0,), max_lines=1)
    widest_date = max(
        (
            f"{era.name}{year}年" if year > 1 else f"{era.name}元年"
            for era in wareki.ERAS
            for year in range(1, 65)
        ),
        key=lambda text: cellfit.width_em(text, JA),
    )
    assert cellfit.fits(date_slot, widest_date)
    days = [dt.date(2023, month, day) for month in range(1, 13) for day in (1, 11, 28)]
    for day in days:
        assert cellfit.fits(date_slot, view._date_groups(day)[1])
    # The masked My Number's groups on one line of the table's column (the digits on the next).
    mask_slot = dataclasses.replace(date_slot, width_mm=48.0)
    pattern = settings.load().notice.mask_pattern
    masked = mynumber.mask("8888", pattern)
    assert cellfit.fits(mask_slot, masked[: masked.rindex("8888")].strip())
    copay = dataclasses.replace(date_slot, width_mm=8.8)
    assert cellfit.fits(copay, "3割")
    label = dataclasses.replace(date_slot, width_mm=40.0, sizes_pt=(11.0,))
    assert cellfit.fits(label, "88 / 88")
    # The household id is 1-20 of [0-9A-Za-z-] (spec/input.md): the widest fits every layout.
    widest = max("0123456789-" + string.ascii_letters, key=lambda char: cellfit.width_em(char, JA))
    for locale in locales.CODES:
        for _members, fields in cellfit.layouts(locale):
            assert cellfit.fits(fields.household_id, widest * 20), (locale, fields.household_id)


# ---------------------------------------------------------------------------------------------
# Laid out


def _member(index: int, name: str, kana: str | None, symbol: str, number: str) -> Member:
    return Member(
        name=name,
        kana=kana,
        birth_date=dt.date(1950 + index * 5, 12, 28),
        insured_symbol=symbol,
        insured_number=number,
        insured_branch=f"{index + 1:02d}",
        acquired_date=dt.date(2015, 4, 1),
        copay_ratio="3",
        mynumber_last4=None if index % 3 == 0 else f"{1000 + index}",
        line=index + 2,
    )


ADVERSARIAL = (
    (LONG_LATIN, None),
    (LONG_WORD, "ヴォルフェシュレーゲルシュタインハウゼンベルガードルフ"),
    (LONG_JAPANESE, LONG_KANA),
    ("見本 太郎", "ミホン タロウ"),
)


def _household(count: int, language: str | None, head: str = LONG_JAPANESE) -> Household:
    members = tuple(
        _member(index, *ADVERSARIAL[index % len(ADVERSARIAL)], "板橋国保", "12345678")
        for index in range(count)
    )
    return Household(
        household_id="1234567890123",
        head_name=head,
        postal_code="1730004",
        address="東京都板橋区板橋二丁目66番1号",
        address2=None,
        language=language,
        members=members,
        lines=tuple(member.line for member in members),
    )


def _data_boxes(page) -> tuple[list[tuple[Box, Box | None]], list[Box]]:
    """(data, texts): every data run's text box with its table cell's content box (None outside a
    table), and every text box of the page, in mm."""
    data: list[tuple[Box, Box | None]] = []
    texts: list[Box] = []

    def mm_box(left, top, width, height, what) -> Box:
        return Box(
            left * MM_PER_PX,
            top * MM_PER_PX,
            (left + width) * MM_PER_PX,
            (top + height) * MM_PER_PX,
            what,
            False,
        )

    def visit(box, in_data: bool, cell: Box | None, line):
        element = getattr(box, "element", None)
        tag = getattr(box, "element_tag", None)
        classes = set((element.get("class") or "").split()) if element is not None else set()
        in_data = in_data or (tag == "span" and render.VARIABLE_TEXT_CLASS in classes)
        if isinstance(box, TableCellBox):
            cell = mm_box(box.content_box_x(), box.content_box_y(), box.width, box.height, "cell")
        if isinstance(box, LineBox):
            line = box
        if isinstance(box, TextBox) and box.text.strip():
            top, bottom = box.position_y, box.position_y + box.height
            if line is not None:
                top, bottom = max(top, line.position_y), min(bottom, line.position_y + line.height)
            text = mm_box(box.position_x, top, box.width, bottom - top, box.text)
            texts.append(text)
            if in_data:
                data.append((text, cell))
        for child in getattr(box, "children", None) or ():
            visit(child, in_data, cell, line)

    visit(page._page_box, False, None, None)
    return data, texts


def _inside(inner: Box, outer: Box) -> bool:
    return (
        inner.left >= outer.left - TOLERANCE_MM
        and inner.right <= outer.right + TOLERANCE_MM
        and inner.top >= outer.top - TOLERANCE_MM
        and inner.bottom <= outer.bottom + TOLERANCE_MM
    )


CASES = [
    (None, 12, False),
    (None, 5, True),
    *((locale, 4, False) for locale in locales.TRANSLATED),
    ("en", 3, True),
    ("my", 3, True),
]


@pytest.mark.parametrize(("language", "count", "large_print"), CASES)
def test_no_data_text_leaves_its_cell_or_overprints_another(config, language, count, large_print):
    parts = notice.make_all(_household(count, language), config, voicecode.QrEncoder(), large_print)
    for part in parts:
        document = render.document(part)
        assert len(document.pages) == part.page_count
        for number, laid_out in enumerate(document.pages, start=part.first_page):
            data, texts = _data_boxes(laid_out)
            for text, cell in data:
                where = (part.lang, number, text.what)
                if cell is not None:
                    assert _inside(text, cell), where
                for other in texts:
                    if other is not text and other.overlaps(text):
                        raise AssertionError(f"{where} overprints {other.what!r}")


def _cell_widths(part) -> dict[str, list[float]]:
    """The content widths (mm) of the cells holding household data, by the cell's class."""
    widths: dict[str, list[float]] = {}
    document = render.document(part)

    def visit(box, kind, table):
        if isinstance(box, TableBox):
            table = box.element.get("class")
        if isinstance(box, TableCellBox):
            classes = (box.element.get("class") or "").split()
            key = f"{kind}:{table}:{box.element_tag}.{'.'.join(classes)}"
            widths.setdefault(key, []).append(box.width * MM_PER_PX)
        for child in getattr(box, "children", None) or ():
            visit(child, kind, table)

    for page, laid_out in zip(part.pages, document.pages, strict=True):
        visit(laid_out._page_box, page.kind, None)
    return widths


def test_cellfit_widths_are_the_laid_out_cells(config):
    """The widths cellfit fits to are print.css's: each data cell is at least that wide (the
    fixed table layout gives a column a little more when the columns leave room) and less than
    a millimetre wider."""

    def check(widths: list[float], said: float, what: str):
        assert widths, what
        for width in widths:
            assert said - 0.01 <= width <= said + 1.0, (what, width, said)

    ja, translated = notice.make_all(_household(2, "en"), config, voicecode.QrEncoder())
    laid = _cell_widths(ja)
    check(laid["personal:members:th.col-name"], cellfit.TABLE_NAME_MM, "name")
    check(laid["personal:members:td.insured.col-insured"], cellfit.TABLE_INSURED_MM, "insured")
    check(laid["personal:fields one-row:td.field-3"], cellfit.ONE_ROW_HEAD_MM, "head")
    check(laid["personal:fields one-row:td.field-4"], cellfit.ONE_ROW_ID_MM, "household id")
    laid = _cell_widths(translated)
    check(laid["form:form-members:td.form-col-name"], cellfit.FORM_NAME_MM, "form name")
    check(
        laid["form:form-members:td.insured.form-col-insured"],
        cellfit.FORM_INSURED_MM,
        "form insured",
    )
    check(laid["form:form-id:td."], cellfit.FORM_ID_MM, "form id")
    for field in ("field-1", "field-2"):
        check(laid[f"personal:fields:td.{field}"], cellfit.TWO_ROW_VALUE_MM, "fields")
    card = cellfit.card_value_mm(cellfit.card_label_mm("en", False))
    # Page 1 keeps a card only as tall as it was measured with (view's packing by height): the
    # long-named first member's card is on page 2 with the second.
    check(laid["members:member-card:td."], card, "card")
    for locale in ("ko", "th"):
        (_ja, other) = notice.make_all(_household(1, locale), config, voicecode.QrEncoder())
        card = cellfit.card_value_mm(cellfit.card_label_mm(locale, False))
        # On page 1, or on a page of its own where page 1 has no room (the tall scripts).
        laid = _cell_widths(other)
        cards = [width for key in laid if key.endswith(":member-card:td.") for width in laid[key]]
        check(cards, card, f"card {locale}")
    (large,) = notice.make_all(_household(1, None), config, voicecode.QrEncoder(), True)
    laid = _cell_widths(large)
    card = cellfit.card_value_mm(cellfit.card_label_mm("ja", True))
    cards = [width for key in laid if key.endswith(":member-card:td.") for width in laid[key]]
    check(cards, card, "large print card")
    check(laid["personal:fields:td.field-1"], cellfit.TWO_ROW_VALUE_MM, "large print fields")
