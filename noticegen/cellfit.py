"""How a household's data is set in the notice's cells: its lines and type size, or "does not fit".

The print batch draws a page over a layout measured once (noticegen/variable_print.py) only when
every data run is one line of its own block that clearly fits; a run the layout has to wrap sends
the whole notice to a full layout, ten times slower. So, as `addressblock` does for the address,
the view does not leave a data cell's line breaking to the layout: each cell's text is broken here
from the fonts' own advance widths into explicit lines (the template prints each as a block of its
own), at a smaller type step where the design allows one. A text that cannot fit even then is
rejected before anything is printed (rules.FIELD_TOO_LONG), by the same function the view calls,
so the two cannot disagree.

A cell's line structure should rarely depend on the data, since every distinct page structure costs
the batch one more measured layout: 記号・番号・枝番 is always two lines (記号 / 番号・枝番), as the
dates are; a name first takes a smaller type step on one line, and only then more lines.

The cell widths are the content widths of print.css's columns (width less padding and borders);
tests/test_cellfit.py lays notices out and checks that every cell is at least as wide as said here.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass

from noticegen import fonts, locales

PT_MM = 25.4 / 72
# Kerning, rounding and a fallback font's slightly different advances can make a laid-out line a
# little wider than the sum of the advances measured here (addressblock takes the same margin).
WIDTH_SAFETY = 0.97
JAPANESE_FAMILY = "BIZ UDPGothic"
TEXT_WIDTH_MM = 190.0  # A4 less two 10 mm margins (pagegeometry.PAGE.text_width_mm)

# Characters that may not begin a line (行頭禁則): the line before keeps one more character.
NO_LINE_START = frozenset(
    "、。，．,.・：；:;？！?!ー）］｝」』】〕〉》)]}ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ々-"
)


@dataclass(frozen=True)
class Slot:
    """One data cell of the design: what may be set in it and how."""

    field: str  # the member-file column whose text it holds (for the rejection message)
    where: str  # the cell, for a clerk: 「加入者の表の氏名欄」 / "the members table's name column"
    where_en: str
    width_mm: float  # the cell's content width
    # The type sizes the design allows, largest first: the text takes the first on which it fits
    # one line; on more lines it is set at the last (a name on two lines at 12 pt would make its
    # row a line taller than a name at 9 pt, and five rows share page 1).
    sizes_pt: tuple[float, ...]
    max_lines: int
    families: tuple[str, ...]  # the font families that set it, in fallback order


@dataclass(frozen=True)
class Fitted:
    lines: tuple[str, ...]
    size_pt: float
    reduced: bool  # set below the slot's first size: the template says so in the cell's style


class FieldTooLongError(ValueError):
    """A household's text does not fit one of its cells even at the smallest step on most lines."""

    def __init__(self, slot: Slot):
        super().__init__(f"{slot.field} does not fit {slot.where_en}")
        self.slot = slot


def fit(slot: Slot, text: str) -> Fitted:
    """The lines and type size `text` is set in within `slot`; FieldTooLongError if none fits."""
    fitted = _fitted(slot, text)
    if fitted is None:
        raise FieldTooLongError(slot)
    return fitted


@functools.lru_cache(maxsize=65536)  # a household's 記号 and head's name recur in every layout
def _fitted(slot: Slot, text: str) -> Fitted | None:
    whole = width_em(text, slot.families)
    for size in slot.sizes_pt:
        if whole <= _width_em(slot, size) and text == text.strip():
            return Fitted((text,), size, size != slot.sizes_pt[0])  # most texts: one line
        lines = _lines_within(text, slot, size)
        if lines is not None and len(lines) <= 1:
            return Fitted(lines, size, size != slot.sizes_pt[0])
    size = slot.sizes_pt[-1]
    lines = _lines_within(text, slot, size)
    if lines is None or len(lines) > slot.max_lines:
        return None
    return Fitted(lines, size, size != slot.sizes_pt[0])


def _lines_within(text: str, slot: Slot, size_pt: float) -> tuple[str, ...] | None:
    """`text` broken into lines of the slot's width at `size_pt`; None if a line is still wider
    (a run of characters that may not begin a line, carried over whole)."""
    width = _width_em(slot, size_pt)
    lines = tuple(break_lines(text, width, slot.families))
    if any(width_em(line, slot.families) > width for line in lines):
        return None
    return lines


def _width_em(slot: Slot, size_pt: float) -> float:
    return slot.width_mm * WIDTH_SAFETY / (size_pt * PT_MM)


def width_em(text: str, families: tuple[str, ...]) -> float:
    """The advance width of `text` in em, each character from the first family that has it (as
    the renderer falls back along the font-family list)."""
    advances, fallback = _advances(families)
    return sum(advances.get(char, fallback) for char in text)


@functools.cache
def _advances(families: tuple[str, ...]) -> tuple[dict[str, float], float]:
    """Every character's advance in the first of `families` that has it, and the first family's
    widest advance for a character none has (names and numbers are never bold)."""
    regular = {font.family: font for font in fonts.manifest() if font.weight == 400}
    stack = [fonts.metrics(regular[family].file, regular[family].index) for family in families]
    merged: dict[str, float] = {}
    for metrics in reversed(stack):
        merged.update({chr(code): advance for code, advance in metrics.advances.items()})
    return merged, stack[0].fallback


def content_above_line_em(families: tuple[str, ...], line_height: float) -> float:
    """How far, in em, a line's text may reach above its line box at `line_height`: text whose
    content area is taller than the line overhangs it by half the difference, and a run mixing
    fonts (a Nepali label with "QR") reaches the highest ascent and the lowest descent of them
    (Noto Sans Myanmar's 2.18 em at 1.25: 0.47 em); 0 where the fonts fit their lines."""
    regular = {font.family: font for font in fonts.manifest() if font.weight == 400}
    stack = [fonts.metrics(regular[family].file, regular[family].index) for family in families]
    content = max(m.ascent for m in stack) + max(m.descent for m in stack)
    return max(0.0, (content - line_height) / 2)


def break_lines(text: str, width_em_: float, families: tuple[str, ...]) -> list[str]:
    """Greedy line breaking by advance width, with 行頭禁則, breaking Latin text at spaces where
    it can (a single word longer than the line is broken inside it).

    >>> break_lines("WOLFESCHLEGEL STEINHAUSEN", 12, ("BIZ UDPGothic",))
    ['WOLFESCHLEGEL', 'STEINHAUSEN']
    >>> break_lines("ミホン・タロウ", 3.5, ("BIZ UDPGothic",))
    ['ミホン・', 'タロウ']
    """
    advances, fallback = _advances(families)
    lines: list[str] = []
    current = ""
    width = 0.0  # of `current`, kept as it grows
    for char in text:
        advance = advances.get(char, fallback)
        if (
            current
            and ord(char) not in fonts.VARIATION_SELECTORS  # never inside a variation sequence
            and width + advance > width_em_
        ):
            current, carried = _split_point(current, char)
            lines.append(current.rstrip())
            current = carried.lstrip()
            width = width_em(current, families)
        if current or not char.isspace():  # a line never starts with a space
            current += char
            width += advance
    if current.strip():
        lines.append(current.rstrip())
    return lines


def _split_point(current: str, next_char: str) -> tuple[str, str]:
    """Where to end the line `current` when `next_char` no longer fits: (line, carried over)."""
    if next_char in NO_LINE_START and len(current) > 1:
        # Carry the last characters over, from the last one that may begin a line.
        for cut in range(len(current) - 1, 0, -1):
            if current[cut] not in NO_LINE_START:
                return current[:cut], current[cut:]
    if not next_char.isspace() and " " in current.strip():
        # Inside a word: break at the last space instead of mid-word.
        head, _, tail = current.rpartition(" ")
        if head.strip():
            return head, tail
    return current, ""


# ---------------------------------------------------------------------------------------------
# The design's cells


def font_families(locale: str) -> tuple[str, ...]:
    """The families a part in `locale` is set in: the locale's font, then Latin and Japanese (for
    names and Japanese proper nouns); Japanese parts use the Japanese font alone."""
    if locales.get(locale).reads_wareki:
        return (fonts.family_for("ja"),)
    stack = (fonts.family_for(locale), fonts.family_for("en"), fonts.family_for("ja"))
    return tuple(dict.fromkeys(stack))


def card_label_mm(locale: str, large_print: bool) -> float:
    """A member card's label column: 80 mm, or 64 mm in a translated part at the standard size in
    a Latin script, whose values (long dates with their 和暦) need the width more than its labels;
    CJK labels (やさしい日本語's with readings) are the long part of their cards."""
    if not large_print and locales.get(locale).guide_packing == "latin" and locale != "ja":
        return 64.0
    return 80.0


# print.css: table cells' horizontal padding and the collapsed borders between them.
TABLE_CELL_PADDING_MM = 0.8  # the members table and the reply form
CARD_CELL_PADDING_MM = 1.5
FIELD_CELL_PADDING_MM = 1.5  # page 1's fields, two to a row
ONE_ROW_FIELD_PADDING_MM = 1.0  # the standard Japanese page 1's fields, four in one row
BORDER_MM = 0.3


def card_value_mm(label_mm: float) -> float:
    """The value column of a member card: the rest of the text width after the label."""
    return TEXT_WIDTH_MM - label_mm - 4 * CARD_CELL_PADDING_MM - 3 * BORDER_MM


@dataclass(frozen=True)
class MemberCells:
    """The cells one member's data is set in, in one of the notice's layouts."""

    name: Slot
    kana: Slot
    symbol: Slot  # the 記号 line of 記号・番号・枝番
    number: Slot  # 番号・枝番, or on a card the whole 記号・番号・枝番
    insured_on_one_line: bool = False  # a card's value column has room for 記号・番号・枝番


@dataclass(frozen=True)
class HouseholdCells:
    """The cells of the household's own fields: the head's name and the household id."""

    head_name: Slot | None  # None on the reply form, which does not print it
    household_id: Slot


# The members table of the Japanese notice (print.css `table.members`), type at 12 pt and the
# reading at 10 pt. A name first steps down to 10.5 and 9 pt on its one line, then takes more
# lines at 9 pt: up to three lines are as tall as the reading and a 12 pt name, so the row keeps
# its height; a fourth is for the longest Latin names (40 capitals with their spaces). The reading
# steps to 8 pt, then takes up to three lines. 9 and 8 pt: the smallest sizes still read as a name.
TABLE_NAME_MM = 38.0
TABLE_INSURED_MM = 39.5
# The reply form's columns (`table.form-members`), at 12 pt in every edition; the name column
# takes what the others leave (measured 68.8 mm).
FORM_NAME_MM = 68.5
FORM_INSURED_MM = 38.1
FORM_ID_MM = 40.0  # the household-id box at the form's head (`table.form-id`), 11 pt
# Page 1's fields in one row (the standard Japanese notice): the head's name takes what the others
# leave (measured 30.8 mm), the household id 20 mm; both at 11 pt, stepping down to 9 and 8 pt.
ONE_ROW_HEAD_MM = 30.5
ONE_ROW_ID_MM = 20.0
# Two fields to a row (the other editions): each value column 46.5 mm (measured 46.52).
TWO_ROW_VALUE_MM = 46.5

NAME_SIZES_PT = (12.0, 10.5, 9.0)
NAME_MAX_LINES = 4
KANA_SIZES_PT = (10.0, 8.0)
KANA_MAX_LINES = 3  # the reading of a 40-letter Latin name is up to about 30 katakana
FIELD_SIZES_PT = (11.0, 9.0, 8.0)
CARD_KANA_PT = 13.0  # print.css: table.member-card .kana


def member_cells(locale: str, large_print: bool, form: bool = False) -> MemberCells:
    """The member cells of the part in `locale`: the members table (the standard Japanese notice),
    the member cards (large print and the other locales), or with `form` the reply form's rows."""
    cells = _member_cells(locale, large_print, form)
    return MemberCells(
        *(_in_part(slot, locale, large_print) for slot in (cells.name, cells.kana)),
        *(_in_part(slot, locale, large_print) for slot in (cells.symbol, cells.number)),
        insured_on_one_line=cells.insured_on_one_line,
    )


def household_cells(locale: str, large_print: bool, form: bool = False) -> HouseholdCells:
    """Page 1's fields of the part in `locale` (or with `form`, the reply form's id box)."""
    cells = _household_cells(locale, large_print, form)
    return HouseholdCells(
        None if cells.head_name is None else _in_part(cells.head_name, locale, large_print),
        _in_part(cells.household_id, locale, large_print),
    )


def _in_part(slot: Slot, locale: str, large_print: bool) -> Slot:
    """The slot named for a clerk with the part of the notice it is in."""
    where_ja, where_en = slot.where, slot.where_en
    if locale != "ja":
        name = locales.get(locale)
        where_ja, where_en = (
            f"{name.japanese_name}版の{where_ja}",
            f"{where_en} ({name.english_name})",
        )
    if large_print:
        where_ja, where_en = f"大きな文字の{where_ja}", f"{where_en} in large print"
    return dataclasses.replace(slot, where=where_ja, where_en=where_en)


def _member_cells(locale: str, large_print: bool, form: bool) -> MemberCells:
    families = font_families(locale)
    if form:
        return MemberCells(
            Slot("member_name", "届出書の氏名欄", "the reply form's name column", FORM_NAME_MM,
                 NAME_SIZES_PT, NAME_MAX_LINES, families),
            Slot("member_kana", "届出書のフリガナ", "the reply form's name column (kana)",
                 FORM_NAME_MM, KANA_SIZES_PT, KANA_MAX_LINES, families),
            Slot("insured_symbol", "届出書の記号・番号・枝番欄", "the reply form's insured column",
                 FORM_INSURED_MM, (12.0,), 1, families),
            Slot("insured_number", "届出書の記号・番号・枝番欄", "the reply form's insured column",
                 FORM_INSURED_MM, (12.0,), 1, families),
        )  # fmt: skip
    if locale == "ja" and not large_print:
        return MemberCells(
            Slot("member_name", "加入者の表の氏名欄", "the members table's name column",
                 TABLE_NAME_MM, NAME_SIZES_PT, NAME_MAX_LINES, families),
            Slot("member_kana", "加入者の表のフリガナ", "the members table's name column (kana)",
                 TABLE_NAME_MM, KANA_SIZES_PT, KANA_MAX_LINES, families),
            Slot("insured_symbol", "加入者の表の記号・番号・枝番欄",
                 "the members table's insured column", TABLE_INSURED_MM, (12.0,), 1, families),
            Slot("insured_number", "加入者の表の記号・番号・枝番欄",
                 "the members table's insured column", TABLE_INSURED_MM, (12.0,), 1, families),
        )  # fmt: skip
    # A card's values are set at the page's size (11 pt on page 1, 12 pt after; 16 pt in large
    # print, which keeps its size): fitted at the larger, they fit the smaller too.
    size = 16.0 if large_print else 12.0
    width = card_value_mm(card_label_mm(locale, large_print))
    return MemberCells(
        Slot("member_name", "加入者欄の氏名", "a member card's name", width, (size,),
             3 if large_print else 2, families),
        Slot("member_kana", "加入者欄のフリガナ", "a member card's name (kana)", width,
             (CARD_KANA_PT,), 2, families),
        Slot("insured_symbol", "加入者欄の記号・番号・枝番", "a member card's insured number",
             width, (size,), 1, families),
        Slot("insured_number", "加入者欄の記号・番号・枝番", "a member card's insured number",
             width, (size,), 1, families),
        insured_on_one_line=True,
    )  # fmt: skip


def _household_cells(locale: str, large_print: bool, form: bool) -> HouseholdCells:
    families = font_families(locale)
    if form:
        id_slot = Slot("household_id", "届出書の世帯番号欄", "the reply form's household id box",
                       FORM_ID_MM, (11.0,), 2, families)  # fmt: skip
        return HouseholdCells(None, id_slot)
    if locale == "ja" and not large_print:
        return HouseholdCells(
            Slot("head_name", "1ページ目の世帯主欄", "page 1's head of household field",
                 ONE_ROW_HEAD_MM, FIELD_SIZES_PT, 4, families),
            Slot("household_id", "1ページ目の世帯番号欄", "page 1's household id field",
                 ONE_ROW_ID_MM, FIELD_SIZES_PT, 3, families),
        )  # fmt: skip
    # Large print keeps its 16 pt, on up to five lines (a 40-letter name broken at its spaces;
    # its page 1 holds one member).
    size = 16.0 if large_print else 11.0
    return HouseholdCells(
        Slot("head_name", "1ページ目の世帯主欄", "page 1's head of household field",
             TWO_ROW_VALUE_MM, (size,), 5 if large_print else 3, families),
        Slot("household_id", "1ページ目の世帯番号欄", "page 1's household id field",
             TWO_ROW_VALUE_MM, (size,), 3 if large_print else 2, families),
    )  # fmt: skip


def insured_lines(symbol: str, number: str, branch: str | None) -> tuple[str, str]:
    """記号・番号・枝番 on two lines, always: 「記号・」 then 「番号・枝番」.

    >>> insured_lines("板橋国保", "12345678", "01")
    ('板橋国保・', '12345678・01')
    """
    return f"{symbol}・", f"{number}・{branch}" if branch else number


def insured_text(symbol: str, number: str, branch: str | None) -> str:
    """記号・番号・枝番 on one line, as a card prints it."""
    return "".join(insured_lines(symbol, number, branch))


# ---------------------------------------------------------------------------------------------
# A whole household, for the rule


@dataclass(frozen=True)
class MemberText:
    """One member's texts as printed (the reading already in full-width katakana)."""

    name: str
    kana: str | None
    symbol: str
    number: str
    branch: str | None


@functools.cache
def layouts(language: str | None) -> tuple[tuple[MemberCells, HouseholdCells], ...]:
    """Every layout a household of this language may be printed in: the Japanese notice and its
    translated part, each standard and in large print (any household can be printed in large
    print: the configuration's list, or `noticegen notice --large-print`), and the reply form in
    either part's fonts."""
    found = []
    for locale in dict.fromkeys(("ja", language or "ja")):
        for large_print in (False, True):
            found.append((member_cells(locale, large_print), household_cells(locale, large_print)))
        found.append((member_cells(locale, False, form=True), household_cells(locale, False, True)))
    return tuple(found)


def first_misfit(
    language: str | None, head_name: str, household_id: str, members: list[MemberText]
) -> tuple[Slot, int | None] | None:
    """The first cell a household's text does not fit, and the member's index (None for the
    household's own fields); None when everything fits everywhere."""
    for member_slots, household_slots in layouts(language):
        for slot, text in (
            (household_slots.head_name, head_name),
            (household_slots.household_id, household_id),
        ):
            if slot is not None and not fits(slot, text):
                return slot, None
        for index, member in enumerate(members):
            texts = [(member_slots.name, member.name), (member_slots.kana, member.kana or "")]
            if member_slots.insured_on_one_line:
                insured = insured_text(member.symbol, member.number, member.branch)
                texts.append((member_slots.number, insured))
            else:
                symbol, number = insured_lines(member.symbol, member.number, member.branch)
                texts += [(member_slots.symbol, symbol), (member_slots.number, number)]
            for slot, text in texts:
                if text and not fits(slot, text):
                    return slot, index
    return None


def fits(slot: Slot, text: str) -> bool:
    return _fitted(slot, text) is not None
