"""What a member file's rows and households must be: each rule a small named function.

`records` parses: bytes into rows, rows into households. The rules here judge what it parsed. A
rule takes the facts of one row (`RowFacts`) or of one household (`HouseholdFacts`) and yields
findings: problems, which reject the household, or warnings, which do not. Every finding takes its
code and its Japanese and English wording from one table, `MESSAGES`, so the report, the log, the
preview and the tests say the same thing, and no message is written inline. Messages name columns,
lines and positions, never a cell's value (spec/input.md).

Row rules run on every row that parsed; household rules on the rows of a household that parsed,
whatever its other rows hold, so one bad row never hides another rule's finding.

NHI facts (spec/input.md, "Domain rules"): ages are taken on the configuration's reference date
(基準日), a birthday counting as reached on that day.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from noticegen import addressblock, cellfit, postal


class Code(enum.StrEnum):
    """Stable rejection codes: the same names in reports, logs, the preview and the tests."""

    MISSING_FIELD = "MISSING_FIELD"
    BAD_POSTAL_CODE = "BAD_POSTAL_CODE"
    BAD_DATE = "BAD_DATE"
    BAD_MYNUMBER = "BAD_MYNUMBER"
    BAD_FIELD = "BAD_FIELD"  # a cell in the wrong format: household id, 枝番, 負担割合
    HOUSEHOLD_MISMATCH = "HOUSEHOLD_MISMATCH"
    HOUSEHOLD_SPLIT = "HOUSEHOLD_SPLIT"
    UNPRINTABLE_CHAR = "UNPRINTABLE_CHAR"
    ADDRESS_TOO_LONG = "ADDRESS_TOO_LONG"  # the address block cannot fit the envelope window
    FIELD_TOO_LONG = "FIELD_TOO_LONG"  # a name, reading, 記号・番号 or id cannot fit its cell
    NOT_NHI_AGE = "NOT_NHI_AGE"  # 75 or older on the reference date: 後期高齢者医療
    BAD_COPAY = "BAD_COPAY"  # a 負担割合 no member of that age can have
    BAD_ROW = "BAD_ROW"
    ROW_TOO_LONG = "ROW_TOO_LONG"  # a record longer than records.MAX_ROW_LENGTH characters
    HOUSEHOLD_TOO_LARGE = "HOUSEHOLD_TOO_LARGE"  # more than records.MAX_HOUSEHOLD_ROWS rows


class WarningCode(enum.StrEnum):
    UNKNOWN_COLUMN = "UNKNOWN_COLUMN"
    UNKNOWN_LANGUAGE = "UNKNOWN_LANGUAGE"
    KANA_NOT_KATAKANA = "KANA_NOT_KATAKANA"
    DECODED_AS_CP932 = "DECODED_AS_CP932"
    POSTAL_AREA_MISMATCH = "POSTAL_AREA_MISMATCH"  # the address is not in the code's 町域
    INSURED_NUMBER_DIFFERS = "INSURED_NUMBER_DIFFERS"  # one household, several 記号・番号


class _Bilingual:
    """A message for a clerk, in Japanese and in English."""

    message_ja: str
    message_en: str

    @property
    def message(self) -> str:
        return f"{self.message_ja} / {self.message_en}"


@dataclass(frozen=True)
class Problem(_Bilingual):
    code: Code
    lines: Sequence[int]  # a tuple, or a range for a run of rows too long to list
    message_ja: str
    message_en: str


@dataclass(frozen=True)
class InputWarning(_Bilingual):
    code: WarningCode
    lines: tuple[int, ...]
    household_id: str
    message_ja: str
    message_en: str


COLUMN_NAMES_JA = {
    "household_id": "世帯番号",
    "head_name": "世帯主氏名",
    "postal_code": "郵便番号",
    "address": "住所",
    "address2": "方書",
    "language": "言語",
    "member_name": "氏名",
    "member_kana": "フリガナ",
    "birth_date": "生年月日",
    "insured_symbol": "記号",
    "insured_number": "番号",
    "insured_branch": "枝番",
    "acquired_date": "資格取得年月日",
    "copay_ratio": "一部負担金の割合",
    "mynumber_last4": "マイナンバー下4桁",
    "mynumber": "マイナンバー",
}


# ---------------------------------------------------------------------------------------------
# The messages: one entry per finding, its code and its two wordings
#
# Templates fill {where} (line numbers), {column} and {column_ja} (a column's name and its
# Japanese label), and the fields a rule passes; never a cell's value.


@dataclass(frozen=True)
class Message:
    code: Code | WarningCode
    ja: str
    en: str


_FIX_ROW = '区切りの「,」や引用符「"」を確認してください。'

MESSAGES: dict[str, Message] = {
    # Structure: what records finds while parsing.
    "unclosed_quote": Message(
        Code.BAD_ROW,
        '{where}行目: 引用符「"」が閉じられていません。'
        "この行を直してから出力し直してください（次の行からは読み続けます）。",
        'line {where}: a quote (") is opened but never closed; fix this row '
        "(reading went on with the next line)",
    ),
    "row_too_long": Message(
        Code.ROW_TOO_LONG,
        "{where}行目: 1行が{limit:,}文字を超えています。この行の内容を確認して出力し直してください。",
        "line {where}: the row is longer than {limit:,} characters; check this row and export "
        "it again",
    ),
    "cell_count": Message(
        Code.BAD_ROW,
        "{where}行目: 項目の数が{cells}個で、見出しの{columns}個と合いません。" + _FIX_ROW,
        "line {where}: {cells} cells where the header has {columns}; check the commas and "
        'quotes (")',
    ),
    "undecodable": Message(
        Code.BAD_ROW,
        "{where}行目: {column_ja}に文字コード（{encoding}）として読めないバイトがあります。"
        "UTF-8またはCP932で出力し直してください。",
        "line {where}: {column} holds bytes that are not valid text in {encoding}; export the "
        "file as UTF-8 or CP932",
    ),
    "cell_too_long": Message(
        Code.BAD_ROW,
        "{where}行目: {column_ja}が{limit}文字を超えています。",
        "line {where}: {column} is longer than {limit} characters",
    ),
    "unreadable_run": Message(
        Code.BAD_ROW,
        "{where}行目: 世帯番号の読めない行が続けて{rows:,}行あります{listed_ja}。"
        '引用符「"」の閉じ忘れや区切りの「,」を確認してください。',
        "lines {where}: {rows:,} rows in a row have no readable household id{listed_en}; check "
        'for a quote (") left open and for the commas',
    ),
    "household_split": Message(
        Code.HOUSEHOLD_SPLIT,
        "{where}行目: 世帯番号{household_id}の行が連続していません。"
        "世帯の行をまとめて並べてから出力し直してください。",
        "lines {where}: the rows of household {household_id} are not contiguous; export the "
        "household's rows together",
    ),
    "unknown_columns": Message(
        WarningCode.UNKNOWN_COLUMN,
        "{where}行目: 見出しが既知の列名ではない列（{columns_ja}）は無視します。",
        "line {where}: columns {columns_en} have no known column name and are ignored",
    ),
    "decoded_as_cp932": Message(
        WarningCode.DECODED_AS_CP932,
        "ファイルはUTF-8ではないため、CP932（Windows Shift_JIS）として読みました。",
        "the file is not UTF-8, so it was read as CP932 (Windows Shift_JIS)",
    ),
    "household_too_large": Message(
        Code.HOUSEHOLD_TOO_LARGE,
        "{where}行目: 世帯番号{household_id}の行が{rows:,}行あり、1世帯の上限{limit}行"
        "（枝番01〜99）を超えています。世帯番号を確認してください。",
        "lines {where}: household {household_id} has {rows:,} rows, more than the {limit} one "
        "household can have (枝番 01-99); check the household ids",
    ),
    # A row's cells.
    "missing": Message(
        Code.MISSING_FIELD,
        "{where}行目: 必須項目{column_ja}が空です。",
        "line {where}: required column {column} is empty",
    ),
    "date_unreadable": Message(
        Code.BAD_DATE,
        "{where}行目: {column_ja}が日付として読めないか、存在しない日付です（YYYY-MM-DD）。",
        "line {where}: {column} is not a real date written YYYY-MM-DD or YYYY/MM/DD",
    ),
    "birth_in_future": Message(
        Code.BAD_DATE,
        "{where}行目: {column_ja}が未来の日付です。",
        "line {where}: {column} is in the future",
    ),
    "birth_before_1873": Message(
        Code.BAD_DATE,
        "{where}行目: {column_ja}が1873年（明治6年）より前です。",
        "line {where}: {column} is before 1873-01-01, when Japan adopted the Gregorian calendar",
    ),
    "acquired_before_birth": Message(
        Code.BAD_DATE,
        "{where}行目: {column_ja}が生年月日より前です。",
        "line {where}: {column} is before birth_date",
    ),
    "mynumber_not_12_digits": Message(
        Code.BAD_MYNUMBER,
        "{where}行目: マイナンバーが12桁の数字ではありません。登録内容を確認してください。",
        "line {where}: mynumber is not 12 digits; check the registered number",
    ),
    "mynumber_check_digit": Message(
        Code.BAD_MYNUMBER,
        "{where}行目: マイナンバーのチェックデジットが合いません。登録内容を確認してください。",
        "line {where}: mynumber fails its check digit; check the registered number",
    ),
    "last4_not_4_digits": Message(
        Code.BAD_MYNUMBER,
        "{where}行目: マイナンバー下4桁が4桁の数字ではありません。登録内容を確認してください。",
        "line {where}: mynumber_last4 is not 4 digits; check the registered number",
    ),
    "mynumber_last4_disagree": Message(
        Code.BAD_MYNUMBER,
        "{where}行目: マイナンバーと下4桁が一致しません。登録内容を確認してください。",
        "line {where}: mynumber and mynumber_last4 disagree; check the registered number",
    ),
    "branch_format": Message(
        Code.BAD_FIELD,
        "{where}行目: {column_ja}は2桁の数字です（例: 01）。",
        "line {where}: {column} must be two digits (e.g. 01)",
    ),
    "copay_format": Message(
        Code.BAD_FIELD,
        "{where}行目: {column_ja}は1、2、3のいずれかです。",
        "line {where}: {column} must be 1, 2 or 3",
    ),
    "not_nhi_age": Message(
        Code.NOT_NHI_AGE,
        "{where}行目: この方は基準日（{reference}）に75歳以上で、後期高齢者医療の被保険者です。"
        "国民健康保険の加入者から除いてください。",
        "line {where}: the member is 75 or older on the reference date {reference} and is "
        "insured by 後期高齢者医療, not NHI; leave the member out of the file",
    ),
    "copay_for_age": Message(
        Code.BAD_COPAY,
        "{where}行目: {column_ja}が基準日（{reference}）の年齢に合いません"
        "（{stage_ja}は{allowed}割）。負担割合を確認してください。",
        "line {where}: {column} does not fit the member's age on the reference date "
        "{reference} ({stage_en}: {allowed}); check the ratio",
    ),
    "kana_not_katakana": Message(
        WarningCode.KANA_NOT_KATAKANA,
        "{where}行目: {column_ja}にカタカナ以外の文字があります（そのまま印字します）。",
        "line {where}: {column} holds characters other than katakana (printed as given)",
    ),
    # A household.
    "household_mismatch": Message(
        Code.HOUSEHOLD_MISMATCH,
        "{where}行目: 同じ世帯の行で{column_ja}が異なります。"
        "世帯の全行で同じ値にするか、2行目以降を空にしてください。",
        "lines {where}: {column} differs between rows of one household; give every row the "
        "same value or leave it empty after the first",
    ),
    "household_id_format": Message(
        Code.BAD_FIELD,
        "{where}行目: {column_ja}は半角英数字とハイフンで1〜20文字です。",
        "line {where}: {column} must be 1-20 of 0-9, A-Z, a-z and -",
    ),
    "postal_format": Message(
        Code.BAD_POSTAL_CODE,
        "{where}行目: {column_ja}は7桁の数字です（例: 173-0004）。",
        "line {where}: {column} must be 7 digits (e.g. 173-0004)",
    ),
    "postal_unknown": Message(
        Code.BAD_POSTAL_CODE,
        "{where}行目: {column_ja}は日本郵便の郵便番号データにありません。番号を確認してください。",
        "line {where}: {column} is not in Japan Post's postal-code data; check it",
    ),
    "unprintable": Message(
        Code.UNPRINTABLE_CHAR,
        "{where}行目: {column_ja}の{position}文字目 {what} は印字できません。"
        "標準の文字（JIS X 0213の範囲）に置き換えてください。",
        "line {where}: character {position} of {column}, {what}, cannot be printed by any "
        "configured font; replace it with a standard character",
    ),
    "address_too_long": Message(
        Code.ADDRESS_TOO_LONG,
        "{where}行目: 宛名（住所・方書・世帯主氏名）が封筒の窓に収まりません。"
        "{column_ja}を短くしてください（都道府県名や区市町村名は省略できます）。",
        "line {where}: the address block does not fit the envelope window; shorten {column} "
        "(the prefecture and city may be left out)",
    ),
    "field_too_long": Message(
        Code.FIELD_TOO_LONG,
        "{where}行目: {column_ja}が{cell_ja}に収まりません（小さい文字や複数の行にしても"
        "入りきりません）。登録内容を確認し、短い表記にしてください。",
        "line {where}: {column} does not fit {cell} even in smaller type or on more lines; "
        "check it and register a shorter form",
    ),
    "unknown_language": Message(
        WarningCode.UNKNOWN_LANGUAGE,
        "{where}行目: {column_ja}の値は対応言語ではないため、日本語のみで作成します。",
        "line {where}: {column} is not one noticegen writes; the notice is Japanese only",
    ),
    "postal_area_mismatch": Message(
        WarningCode.POSTAL_AREA_MISMATCH,
        "{where}行目: {column_ja}の町域（日本郵便のデータ）と住所が合いません"
        "（そのまま印字します）。郵便番号と住所を確認してください。",
        "line {where}: the address is not in the 町域 Japan Post's data gives for {column} "
        "(printed as given); check the postal code and the address",
    ),
    "insured_number_differs": Message(
        WarningCode.INSURED_NUMBER_DIFFERS,
        "{where}行目: 同じ世帯の加入者で被保険者証の記号・番号が異なります。国民健康保険では"
        "記号・番号は世帯ごとで、加入者は枝番で区別します（そのまま印字します）。",
        "lines {where}: members of one household have different insured_symbol or "
        "insured_number; in NHI they belong to the household and the 枝番 tells members "
        "apart (printed as given)",
    ),
}


def lines_text(lines: Sequence[int], count: int | None = None) -> str:
    """Line numbers for a message or a report: runs of three or more as `first-last`, and how
    many rows were left out when `count` says there are more than `lines` lists.

    >>> lines_text((2, 3, 4, 9)), lines_text((5, 7)), lines_text(range(2, 200002))
    ('2-4;9', '5;7', '2-200001')
    >>> lines_text((2, 4), count=10)
    '2;4 (+8)'
    """
    if isinstance(lines, range) and len(lines) >= 3:
        text = f"{lines[0]}-{lines[-1]}"  # a range is one run, however long
    else:
        runs: list[list[int]] = []
        for line in lines:
            if runs and line == runs[-1][-1] + 1:
                runs[-1].append(line)
            else:
                runs.append([line])
        text = ";".join(
            f"{run[0]}-{run[-1]}" if len(run) >= 3 else ";".join(map(str, run)) for run in runs
        )
    if count is not None and count > len(lines):
        text += f" (+{count - len(lines):,})"
    return text


def _fields(lines: Sequence[int], values: dict, row_count: int | None = None) -> dict:
    filled = {"where": lines_text(lines, row_count), **values}
    if "column" in values:
        filled["column_ja"] = f"「{COLUMN_NAMES_JA[values['column']]}」({values['column']})"
    return filled


def problem(key: str, lines: Sequence[int], *, row_count: int | None = None, **values) -> Problem:
    """The problem `key` of MESSAGES at `lines`, its wording filled with `values`; `row_count`,
    when `lines` lists only the first of more rows, says how many there are."""
    message = MESSAGES[key]
    assert isinstance(message.code, Code), key
    fields = _fields(lines, values, row_count)
    return Problem(message.code, lines, message.ja.format(**fields), message.en.format(**fields))


def warning(key: str, lines: tuple[int, ...], household_id: str, **values) -> InputWarning:
    """The warning `key` of MESSAGES at `lines`."""
    message = MESSAGES[key]
    assert isinstance(message.code, WarningCode), key
    fields = _fields(lines, values)
    return InputWarning(
        message.code,
        lines,
        household_id,
        message.ja.format(**fields),
        message.en.format(**fields),
    )


Finding = Problem | InputWarning


# ---------------------------------------------------------------------------------------------
# Ages on the reference date


def anniversary(birth: dt.date, years: int) -> dt.date:
    """The day a person born on `birth` turns `years`; a 29 February birthday falls on 1 March
    in a common year (the birthday is reached when 28 February has passed).

    >>> anniversary(dt.date(1950, 2, 28), 75), anniversary(dt.date(1952, 2, 29), 75)
    (datetime.date(2025, 2, 28), datetime.date(2027, 3, 1))
    """
    try:
        return birth.replace(year=birth.year + years)
    except ValueError:
        return dt.date(birth.year + years, 3, 1)


def is_nhi_age(birth: dt.date, reference: dt.date) -> bool:
    """Under 75 on `reference`: from the 75th birthday itself a member is insured by 後期高齢者医療."""
    return reference < anniversary(birth, 75)


def preschool_until(birth: dt.date) -> dt.date:
    """The last day before compulsory school age: the 31 March after the 6th birthday, a child
    born on 1 April counting with the year before (it turns 6, in law, on 31 March).

    >>> preschool_until(dt.date(2018, 4, 1)), preschool_until(dt.date(2018, 4, 2))
    (datetime.date(2024, 3, 31), datetime.date(2025, 3, 31))
    """
    sixth = anniversary(birth, 6)
    first_school_year = sixth.year if (sixth.month, sixth.day) <= (4, 1) else sixth.year + 1
    return dt.date(first_school_year, 3, 31)


def elderly_ratio_from(birth: dt.date) -> dt.date:
    """The first day of the 高齢受給者 ratio: the first of the month after the 70th birthday, or of
    the birthday's own month when the birthday is on the 1st.

    >>> elderly_ratio_from(dt.date(1954, 10, 1)), elderly_ratio_from(dt.date(1954, 10, 2))
    (datetime.date(2024, 10, 1), datetime.date(2024, 11, 1))
    """
    seventieth = anniversary(birth, 70)
    if seventieth.day == 1:
        return seventieth
    if seventieth.month == 12:
        return dt.date(seventieth.year + 1, 1, 1)
    return dt.date(seventieth.year, seventieth.month + 1, 1)


@dataclass(frozen=True)
class CopayStage:
    allowed: frozenset[int]
    name_ja: str
    name_en: str


def copay_stage(birth: dt.date, reference: dt.date) -> CopayStage:
    """The 負担割合 a member of this age may have on `reference` (1 never, in NHI)."""
    if reference <= preschool_until(birth):
        return CopayStage(frozenset({2}), "就学前", "before school age")
    if reference >= elderly_ratio_from(birth):
        return CopayStage(frozenset({2, 3}), "70歳から74歳", "aged 70 to 74")
    return CopayStage(frozenset({3}), "就学後70歳未満", "from school age to 69")


def is_70_to_74(birth: dt.date, reference: dt.date) -> bool:
    return anniversary(birth, 70) <= reference < anniversary(birth, 75)


# ---------------------------------------------------------------------------------------------
# Rules of one row


@dataclass(frozen=True)
class RowFacts:
    """One parsed row: its cleaned cells (every known column, "" when empty) and the run's dates."""

    line: int
    cells: dict[str, str]  # the full My Number already dropped by records
    today: dt.date
    reference: dt.date
    household_id: str = ""


NUMERIC_DATE = re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})")


def parse_date(text: str) -> dt.date | None:
    match = NUMERIC_DATE.fullmatch(text)
    if not match:
        return None
    try:
        return dt.date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def birth_date(row: RowFacts) -> dt.date | None:
    """The row's birth date when it is one a member can have, else None."""
    birth = parse_date(row.cells["birth_date"])
    if birth is None or birth > row.today or birth < dt.date(1873, 1, 1):
        return None
    return birth


def copay_ratio(row: RowFacts) -> int | None:
    ratio = row.cells["copay_ratio"].removesuffix("割")
    return int(ratio) if ratio in ("1", "2", "3") else None


def member_cells_present(row: RowFacts) -> Iterator[Finding]:
    for name in ("member_name", "birth_date", "insured_symbol", "insured_number"):
        if not row.cells[name]:
            yield problem("missing", (row.line,), column=name)


def birth_date_is_real(row: RowFacts) -> Iterator[Finding]:
    text = row.cells["birth_date"]
    if not text:
        return
    birth = parse_date(text)
    if birth is None:
        yield problem("date_unreadable", (row.line,), column="birth_date")
    elif birth > row.today:
        yield problem("birth_in_future", (row.line,), column="birth_date")
    elif birth < dt.date(1873, 1, 1):
        yield problem("birth_before_1873", (row.line,), column="birth_date")


def acquired_date_is_real(row: RowFacts) -> Iterator[Finding]:
    text = row.cells["acquired_date"]
    if not text:
        return
    acquired = parse_date(text)
    birth = birth_date(row)
    if acquired is None:
        yield problem("date_unreadable", (row.line,), column="acquired_date")
    elif birth is not None and acquired < birth:
        yield problem("acquired_before_birth", (row.line,), column="acquired_date")


def branch_is_two_digits(row: RowFacts) -> Iterator[Finding]:
    branch = row.cells["insured_branch"]
    if branch and not re.fullmatch(r"\d{2}", branch):
        yield problem("branch_format", (row.line,), column="insured_branch")


def copay_is_a_ratio(row: RowFacts) -> Iterator[Finding]:
    if row.cells["copay_ratio"] and copay_ratio(row) is None:
        yield problem("copay_format", (row.line,), column="copay_ratio")


def member_is_nhi_age(row: RowFacts) -> Iterator[Finding]:
    birth = birth_date(row)
    if birth is not None and not is_nhi_age(birth, row.reference):
        yield problem("not_nhi_age", (row.line,), reference=row.reference.isoformat())


def copay_fits_age(row: RowFacts) -> Iterator[Finding]:
    birth, ratio = birth_date(row), copay_ratio(row)
    if birth is None or ratio is None or not is_nhi_age(birth, row.reference):
        return
    stage = copay_stage(birth, row.reference)
    if ratio not in stage.allowed:
        yield problem(
            "copay_for_age",
            (row.line,),
            column="copay_ratio",
            reference=row.reference.isoformat(),
            stage_ja=stage.name_ja,
            stage_en=stage.name_en,
            allowed="・".join(str(ratio) for ratio in sorted(stage.allowed)),
        )


def kana_is_katakana(row: RowFacts) -> Iterator[Finding]:
    kana = reading(row.cells["member_kana"])
    if kana and not all("\u30a0" <= char <= "\u30ff" or char in " 　" for char in kana):
        yield warning("kana_not_katakana", (row.line,), row.household_id, column="member_kana")


def reading(text: str) -> str | None:
    # NFKC on the reading only: it turns half-width katakana (ﾔﾏﾀﾞ) into full-width (ヤマダ).
    # Names themselves are never normalised.
    return unicodedata.normalize("NFKC", text) if text else None


ROW_RULES: tuple[Callable[[RowFacts], Iterator[Finding]], ...] = (
    member_cells_present,
    birth_date_is_real,
    acquired_date_is_real,
    branch_is_two_digits,
    copay_is_a_ratio,
    member_is_nhi_age,
    copay_fits_age,
    kana_is_katakana,
)


# ---------------------------------------------------------------------------------------------
# Rules of one household


class Printable(Protocol):
    """What the configured fonts can draw (noticegen.fonts.Coverage)."""

    def unprintable(self, text: str) -> list[tuple[int, str]]: ...


HOUSEHOLD_COLUMNS = ("head_name", "postal_code", "address", "address2", "language")
# Printed as given, so every character must be one the fonts can draw.
TEXT_COLUMNS = (
    "head_name",
    "address",
    "address2",
    "member_name",
    "member_kana",
    "insured_symbol",
    "insured_number",
)
HOUSEHOLD_ID = re.compile(r"^[0-9A-Za-z-]{1,20}$")


@dataclass(frozen=True)
class HouseholdFacts:
    """The rows of one household that parsed, and what judging them needs."""

    key: str  # the household id; "" when it could not be read
    rows: tuple[RowFacts, ...]
    printable: Printable
    window_mm: tuple[float, float]
    language_codes: dict[str, str] = field(default_factory=dict)  # lower-case spelling → locale

    def givers(self, name: str) -> list[RowFacts]:
        """The rows that give a household-level column a value (later rows may leave it empty)."""
        return [row for row in self.rows if row.cells[name]]

    def value(self, name: str) -> str:
        """A household-level column's value: the first row's that gives one."""
        givers = self.givers(name)
        return givers[0].cells[name] if givers else ""


def postal_digits(written: str) -> str | None:
    """Seven ASCII digits from `1730004` or `173-0004`, else None."""
    digits = written[:3] + written[4:] if len(written) == 8 and written[3] == "-" else written
    return digits if len(digits) == 7 and digits.isascii() and digits.isdigit() else None


def household_cells_agree(household: HouseholdFacts) -> Iterator[Finding]:
    for name in HOUSEHOLD_COLUMNS:
        givers = household.givers(name)
        if len({row.cells[name] for row in givers}) > 1:
            yield problem("household_mismatch", tuple(row.line for row in givers), column=name)


def household_cells_present(household: HouseholdFacts) -> Iterator[Finding]:
    lines = tuple(row.line for row in household.rows)
    for name in ("head_name", "postal_code", "address"):
        if not household.value(name):
            yield problem("missing", lines, column=name)


def household_id_is_readable(household: HouseholdFacts) -> Iterator[Finding]:
    if household.key:
        return
    first = household.rows[0]
    if not first.cells["household_id"]:
        yield problem("missing", (first.line,), column="household_id")
    else:
        yield problem("household_id_format", (first.line,), column="household_id")


def postal_code_is_known(household: HouseholdFacts) -> Iterator[Finding]:
    givers = household.givers("postal_code")
    if not givers:
        return
    digits = postal_digits(givers[0].cells["postal_code"])
    if digits is None:
        yield problem("postal_format", (givers[0].line,), column="postal_code")
    elif not postal.is_known(digits):
        yield problem("postal_unknown", (givers[0].line,), column="postal_code")


def text_is_printable(household: HouseholdFacts) -> Iterator[Finding]:
    # A household-level cell is checked once, on the row that gives it.
    givers = {name: household.givers(name)[:1] for name in HOUSEHOLD_COLUMNS}
    for row in household.rows:
        for name in TEXT_COLUMNS:
            if name in givers and row not in givers[name]:
                continue
            for position, what in household.printable.unprintable(row.cells[name]):
                yield problem("unprintable", (row.line,), column=name, position=position, what=what)


def address_fits_window(household: HouseholdFacts) -> Iterator[Finding]:
    address, head = household.value("address"), household.value("head_name")
    digits = postal_digits(household.value("postal_code"))
    if not address or not head or digits is None:
        return  # the missing or bad cell has its own problem
    try:
        addressblock.lay_out(
            digits, address, household.value("address2") or None, head, *household.window_mm
        )
    except addressblock.AddressTooLongError as error:
        line = household.givers(error.field)[0].line
        yield problem("address_too_long", (line,), column=error.field)


def cells_fit(household: HouseholdFacts) -> Iterator[Finding]:
    """Every name, reading, 記号・番号・枝番 and the household id fits its cell in every layout the
    household may be printed in, by the same fitting the view sets them with (noticegen.cellfit):
    no text overprints another box, and the print batch can draw every page over its shape."""
    language = household.value("language")
    locale = language_code(household, language) if language else None
    rows = [row for row in household.rows if row.cells["member_name"]]
    members = [
        cellfit.MemberText(
            row.cells["member_name"],
            reading(row.cells["member_kana"]),
            row.cells["insured_symbol"],
            row.cells["insured_number"],
            row.cells["insured_branch"] or None,
        )
        for row in rows
    ]
    misfit = cellfit.first_misfit(locale, household.value("head_name"), household.key, members)
    if misfit is None:
        return
    slot, index = misfit
    if index is not None:
        line = rows[index].line
    elif slot.field == "head_name":
        line = household.givers("head_name")[0].line
    else:
        line = household.rows[0].line
    yield problem(
        "field_too_long", (line,), column=slot.field, cell=slot.where_en, cell_ja=slot.where
    )


def language_is_known(household: HouseholdFacts) -> Iterator[Finding]:
    givers = household.givers("language")
    if givers and language_code(household, givers[0].cells["language"]) is None:
        yield warning(
            "unknown_language", (household.rows[0].line,), household.key, column="language"
        )


def language_code(household: HouseholdFacts, value: str) -> str | None:
    return household.language_codes.get(value.replace("_", "-").lower())


def postal_area_matches_address(household: HouseholdFacts) -> Iterator[Finding]:
    givers = household.givers("postal_code")
    digits = postal_digits(household.value("postal_code"))
    address = household.value("address")
    if digits and address and postal.address_in_area(digits, address) is False:
        yield warning(
            "postal_area_mismatch", (givers[0].line,), household.key, column="postal_code"
        )


def one_insured_number(household: HouseholdFacts) -> Iterator[Finding]:
    numbers = {(row.cells["insured_symbol"], row.cells["insured_number"]) for row in household.rows}
    if len(numbers) > 1:
        yield warning(
            "insured_number_differs", tuple(row.line for row in household.rows), household.key
        )


# Run before the rows' own rules, so that a household's first problem is the one a clerk fixes
# first: which household it is and what its shared cells say.
HOUSEHOLD_IDENTITY_RULES: tuple[Callable[[HouseholdFacts], Iterator[Finding]], ...] = (
    household_id_is_readable,
    household_cells_agree,
    household_cells_present,
)
HOUSEHOLD_RULES: tuple[Callable[[HouseholdFacts], Iterator[Finding]], ...] = (
    postal_code_is_known,
    text_is_printable,
    address_fits_window,
    cells_fit,
    language_is_known,
    postal_area_matches_address,
    one_insured_number,
)


def judge(household: HouseholdFacts) -> list[Finding]:
    """Every finding on a household's parsed rows: its identity, then each row, then the rest."""
    findings = [finding for rule in HOUSEHOLD_IDENTITY_RULES for finding in rule(household)]
    findings += [finding for row in household.rows for rule in ROW_RULES for finding in rule(row)]
    findings += [finding for rule in HOUSEHOLD_RULES for finding in rule(household)]
    return findings
