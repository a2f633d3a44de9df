"""The member-file contract of spec/input.md: encodings, header, households and every rejection."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from records_helpers import (
    ADDRESS,
    COLUMNS,
    TODAY,
    WINDOW_MM,
    codes,
    csv_text,
    households,
    later_row,
    member_row,
    mynumber_with_check_digit,
    only_household,
    only_rejection,
    read,
    rejections,
    write_csv,
)

from noticegen import fonts, records, rules
from noticegen.records import Code, InputError, WarningCode

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


@pytest.fixture
def member_csv(tmp_path):
    return tmp_path / "members.csv"


def assert_bilingual(problem, line: int | None = None):
    """A clerk's message: Japanese first, then English, both naming the line."""
    assert JAPANESE.search(problem.message_ja), problem.message_ja
    assert "行目" in problem.message_ja
    assert re.match(r"lines? \d", problem.message_en), problem.message_en
    assert re.search(r"\b[a-z]{4,}\b", problem.message_en), problem.message_en
    assert problem.message == f"{problem.message_ja} / {problem.message_en}"
    if line is not None:
        assert f"{line}行目" in problem.message_ja
        assert re.search(rf"\b{line}\b", problem.message_en)


def assert_rejected(outcomes, household_id: str, code: Code, lines: tuple[int, ...] | None = None):
    rejection = only_rejection(outcomes, household_id)
    assert code in [problem.code for problem in rejection.problems], codes(rejection)
    problem = next(problem for problem in rejection.problems if problem.code == code)
    assert_bilingual(problem)
    if lines is not None:
        assert rejection.lines == lines
    return rejection


# ---------------------------------------------------------------------------------------------
# Encodings


def test_utf8(member_csv):
    write_csv(member_csv, [member_row("H0001", member_name="見本 髙子")])
    member_file, outcomes = read(member_csv)
    assert member_file.encoding == "utf-8"
    assert not [w for w in member_file.warnings if w.code == WarningCode.DECODED_AS_CP932]
    household = only_household(outcomes, "H0001")
    assert household.members[0].name == "見本 髙子"


def test_utf8_with_bom(member_csv):
    write_csv(member_csv, [member_row("H0001", head_name="架空 一郎")], bom=True)
    member_file, outcomes = read(member_csv)
    assert member_file.encoding == "utf-8-sig"
    assert member_file.columns[0] == "household_id"
    household = only_household(outcomes, "H0001")
    assert household.head_name == "架空 一郎"


CP932_NAMES = {"head_name": "髙﨑 一郎", "member_name": "髙﨑 ①子", "address2": "コーポ㈱見本①"}


def test_cp932_names_that_shift_jis_cannot_decode():
    # The premise: these bytes are CP932-only, so a shift_jis decoder would fail on them.
    data = "".join(CP932_NAMES.values()).encode("cp932")
    with pytest.raises(UnicodeDecodeError):
        data.decode("shift_jis")


def test_cp932_is_detected(member_csv):
    rows = [member_row("H0001", **CP932_NAMES), later_row("H0001", member_name="髙橋 﨑")]
    write_csv(member_csv, rows, encoding="cp932")
    member_file, outcomes = read(member_csv)
    assert member_file.encoding == "cp932"
    assert [w.code for w in member_file.warnings] == [WarningCode.DECODED_AS_CP932]
    household = only_household(outcomes, "H0001")
    assert household.head_name == "髙﨑 一郎"
    assert household.address2 == "コーポ㈱見本①"
    assert [member.name for member in household.members] == ["髙﨑 ①子", "髙橋 﨑"]


def test_cp932_bytes_of_the_ibm_extension_rows(member_csv):
    # 髙 as 0xFBFC (IBM extension) instead of 0xEEE0 (NEC-selected): both decode to U+9AD9.
    text = csv_text([member_row("H0001", member_name="@@子")]).encode("cp932")
    member_csv.write_bytes(text.replace(b"@@", b"\xfb\xfc"))
    _, outcomes = read(member_csv)
    assert only_household(outcomes, "H0001").members[0].name == "髙子"


@pytest.mark.parametrize("override", ["cp932", "CP932", "ms932"])
def test_encoding_override_cp932(member_csv, override):
    write_csv(member_csv, [member_row("H0001", **CP932_NAMES)], encoding="cp932")
    member_file, outcomes = read(member_csv, encoding=override)
    assert member_file.encoding == "cp932"
    # An explicit encoding is not a guess, so there is no "read as CP932" warning.
    assert not member_file.warnings
    assert only_household(outcomes, "H0001").members[0].name == "髙﨑 ①子"


def test_encoding_override_is_obeyed(member_csv):
    # A CP932 file read as UTF-8 on request: not silently re-detected; the names are BAD_ROW.
    write_csv(member_csv, [member_row("H0001", **CP932_NAMES)], encoding="cp932")
    member_file, outcomes = read(member_csv, encoding="utf-8")
    assert member_file.encoding == "utf-8-sig"  # UTF-8 that also accepts a BOM
    rejection = only_rejection(outcomes, "H0001")
    assert set(codes(rejection)) == {"BAD_ROW"}


def test_encoding_override_utf8_on_a_file_with_bom(member_csv):
    # spec/input.md: UTF-8 "with or without BOM". Saying the file is UTF-8 must not turn the BOM
    # into part of the first column's name.
    write_csv(member_csv, [member_row("H0001")], bom=True)
    member_file, outcomes = read(member_csv, encoding="utf-8")
    assert member_file.columns[0] == "household_id"
    assert only_household(outcomes, "H0001").head_name == "見本 太郎"


def test_unknown_encoding_is_an_input_error(member_csv):
    write_csv(member_csv, [member_row()])
    with pytest.raises(InputError, match="unknown encoding"):
        records.open_member_file(member_csv, "klingon-8")


# ---------------------------------------------------------------------------------------------
# Header


@pytest.mark.parametrize("missing", records.REQUIRED_COLUMNS)
def test_missing_required_column(member_csv, missing):
    columns = [column for column in COLUMNS if column != missing]
    write_csv(member_csv, [member_row()], columns)
    with pytest.raises(InputError, match=missing):
        records.open_member_file(member_csv)


@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", b"\r\n", b"\r\n\r\n"])
def test_empty_file(member_csv, data):
    member_csv.write_bytes(data)
    with pytest.raises(InputError, match="empty"):
        records.open_member_file(member_csv)


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        records.open_member_file(tmp_path / "nowhere.csv")


def test_a_folder_is_an_input_error(tmp_path):
    with pytest.raises(InputError):
        records.open_member_file(tmp_path)


def test_duplicated_column(member_csv):
    write_csv(member_csv, [member_row()], [*COLUMNS, "member_name"])
    with pytest.raises(InputError, match="member_name"):
        records.open_member_file(member_csv)


def test_header_only_file_has_no_households(member_csv):
    write_csv(member_csv, [])
    _, outcomes = read(member_csv)
    assert outcomes == []


def test_unknown_columns_give_one_warning(member_csv):
    columns = [*COLUMNS[:3], "note", *COLUMNS[3:], "fax"]
    rows = [
        dict(member_row("H0001"), note="メモ", fax="03"),
        dict(later_row("H0001"), note="別のメモ", fax=""),
        dict(member_row("H0002"), note="", fax="x"),
    ]
    write_csv(member_csv, rows, columns)
    member_file, outcomes = read(member_csv)
    unknown = [w for w in member_file.warnings if w.code == WarningCode.UNKNOWN_COLUMN]
    assert len(unknown) == 1
    # By position, as a spreadsheet shows them; never by the header's own text (spec: no
    # message quotes a cell, and a header that lost its line break holds personal data).
    assert "4 (D)" in unknown[0].message_en and "18 (R)" in unknown[0].message_en
    assert "4列目(D)" in unknown[0].message_ja and "18列目(R)" in unknown[0].message_ja
    assert "note" not in unknown[0].message and "fax" not in unknown[0].message
    assert unknown[0].lines == (1,)
    assert [type(outcome) for outcome in outcomes] == [records.Household] * 2
    assert len(only_household(outcomes, "H0001").members) == 2


def test_no_unknown_column_no_warning(member_csv):
    write_csv(member_csv, [member_row()])
    member_file, _ = read(member_csv)
    assert member_file.warnings == ()


def test_column_order_is_free(member_csv):
    columns = list(reversed(COLUMNS))
    write_csv(member_csv, [member_row("H0001", member_name="見本 次郎")], columns)
    _, outcomes = read(member_csv)
    household = only_household(outcomes, "H0001")
    assert household.members[0].name == "見本 次郎"
    assert household.address == ADDRESS
    assert household.postal_code == "1730004"


def test_minimal_columns_only(member_csv):
    row = member_row("H0001")
    write_csv(member_csv, [row], records.REQUIRED_COLUMNS)
    _, outcomes = read(member_csv)
    member = only_household(outcomes, "H0001").members[0]
    assert member.kana is None
    assert member.mynumber_last4 is None
    assert member.insured_branch is None
    assert member.acquired_date is None
    assert member.copay_ratio is None


def test_header_names_ignore_case_and_surrounding_spaces(member_csv):
    header = [
        f" {name.upper()} " if i % 3 == 0 else f"\u3000{name.title()}" if i % 3 == 1 else name
        for i, name in enumerate(COLUMNS)
    ]
    write_csv(member_csv, [member_row("H0001")], header=header)
    member_file, outcomes = read(member_csv)
    assert member_file.columns == COLUMNS
    assert member_file.warnings == ()
    assert only_household(outcomes, "H0001").members[0].birth_date == dt.date(1970, 4, 1)


# ---------------------------------------------------------------------------------------------
# Households


def test_rows_group_into_households(member_csv):
    rows = [
        member_row("H0001"),
        later_row("H0001"),
        member_row("H0002", head_name="架空 春子", member_name="架空 春子"),
        member_row("H0003", head_name="例題 一郎", member_name="例題 一郎"),
        later_row("H0003", member_name="例題 二郎"),
        later_row("H0003", member_name="例題 三郎"),
    ]
    write_csv(member_csv, rows)
    _, outcomes = read(member_csv)
    assert [(o.household_id, type(o), o.lines) for o in outcomes] == [
        ("H0001", records.Household, (2, 3)),
        ("H0002", records.Household, (4,)),
        ("H0003", records.Household, (5, 6, 7)),
    ]
    third = outcomes[2]
    assert [m.name for m in third.members] == ["例題 一郎", "例題 二郎", "例題 三郎"]
    assert [m.line for m in third.members] == [5, 6, 7]
    assert third.head_name == "例題 一郎"


def test_empty_household_cells_inherit(member_csv):
    rows = [
        member_row("H0001", address2="コーポ見本 101号室", language="vi"),
        later_row("H0001"),
        later_row("H0001", member_name="見本 三郎", head_name="見本 太郎"),
    ]
    write_csv(member_csv, rows)
    _, outcomes = read(member_csv)
    household = only_household(outcomes, "H0001")
    assert household.head_name == "見本 太郎"
    assert household.postal_code == "1730004"
    assert household.address == ADDRESS
    assert household.address2 == "コーポ見本 101号室"
    assert household.language == "vi"
    assert len(household.members) == 3


def test_household_value_given_only_on_a_later_row(member_csv):
    rows = [
        member_row("H0001", head_name="", postal_code="", address2=""),
        later_row("H0001", head_name="見本 太郎", postal_code="173-0004", address2="2階"),
    ]
    write_csv(member_csv, rows)
    _, outcomes = read(member_csv)
    household = only_household(outcomes, "H0001")
    assert (household.head_name, household.postal_code, household.address2) == (
        "見本 太郎",
        "1730004",
        "2階",
    )


def test_empty_address2_is_none(member_csv):
    write_csv(member_csv, [member_row("H0001", address2="")])
    _, outcomes = read(member_csv)
    assert only_household(outcomes, "H0001").address2 is None


def test_member_fields(member_csv):
    row = member_row(
        "H0001",
        member_name="見本 太郎",
        member_kana="ミホン タロウ",
        birth_date="1950/04/01",
        insured_symbol="板",
        insured_number="0146983",
        insured_branch="02",
        acquired_date="2015-04-01",
        copay_ratio="2",
        mynumber_last4="5638",
    )
    write_csv(member_csv, [row])
    _, outcomes = read(member_csv)
    member = only_household(outcomes, "H0001").members[0]
    assert member == records.Member(
        name="見本 太郎",
        kana="ミホン タロウ",
        birth_date=dt.date(1950, 4, 1),
        insured_symbol="板",
        insured_number="0146983",
        insured_branch="02",
        acquired_date=dt.date(2015, 4, 1),
        copay_ratio=2,
        mynumber_last4="5638",
        line=2,
    )


def test_cells_are_stripped_of_ascii_and_ideographic_spaces(member_csv):
    row = member_row(
        " H0001\u3000",
        head_name="\u3000見本 太郎 ",
        member_name="  見本\u3000太郎\u3000\u3000",
        postal_code=" 173-0004 ",
        insured_number="\u30001234567",
    )
    write_csv(member_csv, [row])
    _, outcomes = read(member_csv)
    household = only_household(outcomes, "H0001")
    assert household.head_name == "見本 太郎"
    assert household.members[0].name == "見本\u3000太郎"  # inner spaces stay
    assert household.members[0].insured_number == "1234567"


def test_copay_ratio_with_wari_and_full_width_branch(member_csv):
    write_csv(member_csv, [member_row("H0001", copay_ratio="３割", insured_branch="０１")])
    _, outcomes = read(member_csv)
    member = only_household(outcomes, "H0001").members[0]
    assert (member.copay_ratio, member.insured_branch) == (3, "01")


# ---------------------------------------------------------------------------------------------
# Rejections, one code at a time; the household after the bad one is always still read.


def read_with_good_neighbours(member_csv, bad_rows, **write_options):
    rows = [member_row("H0001"), *bad_rows, member_row("H0003", member_name="後続 一郎")]
    write_csv(member_csv, rows, **write_options)
    _, outcomes = read(member_csv)
    only_household(outcomes, "H0001")
    assert only_household(outcomes, "H0003").members[0].name == "後続 一郎"
    assert len(outcomes) == 3
    return outcomes


@pytest.mark.parametrize(
    "column",
    [
        "head_name",
        "postal_code",
        "address",
        "member_name",
        "birth_date",
        "insured_symbol",
        "insured_number",
    ],
)
@pytest.mark.parametrize("empty", ["", " ", "\u3000"])
def test_missing_field(member_csv, column, empty):
    outcomes = read_with_good_neighbours(member_csv, [member_row("H0002", **{column: empty})])
    rejection = assert_rejected(outcomes, "H0002", Code.MISSING_FIELD, (3,))
    assert codes(rejection) == ["MISSING_FIELD"]
    assert column in rejection.problems[0].message_en
    assert records.COLUMN_NAMES_JA[column] in rejection.problems[0].message_ja
    assert_bilingual(rejection.problems[0], 3)


def test_missing_member_field_on_a_later_row_rejects_the_household(member_csv):
    outcomes = read_with_good_neighbours(
        member_csv, [member_row("H0002"), later_row("H0002", insured_number="")]
    )
    rejection = assert_rejected(outcomes, "H0002", Code.MISSING_FIELD, (3, 4))
    assert rejection.problems[0].lines == (4,)


def test_missing_household_id(member_csv):
    outcomes = read_with_good_neighbours(member_csv, [member_row("")])
    rejection = assert_rejected(outcomes, "", Code.MISSING_FIELD, (3,))
    assert "household_id" in rejection.message


@pytest.mark.parametrize(
    "postal", ["173000", "17300045", "173-000A", "1730-004", "〒173-0004", "173 0004", "ABCDEFG"]
)
def test_bad_postal_code(member_csv, postal):
    outcomes = read_with_good_neighbours(member_csv, [member_row("H0002", postal_code=postal)])
    rejection = assert_rejected(outcomes, "H0002", Code.BAD_POSTAL_CODE, (3,))
    assert codes(rejection) == ["BAD_POSTAL_CODE"]
    assert_bilingual(rejection.problems[0], 3)


@pytest.mark.parametrize(
    "cells",
    [
        {"birth_date": "1970-02-30"},  # impossible date
        {"birth_date": "2023-02-29"},  # not a leap year
        {"birth_date": "1970-13-01"},
        {"birth_date": "19700401"},
        {"birth_date": "昭和45年4月1日"},
        {"birth_date": "01/04/1970"},
        {"birth_date": "2024-10-26", "acquired_date": ""},  # the day after `today`
        {"birth_date": "2099-01-01", "acquired_date": ""},  # future
        {"birth_date": "1872-12-31"},  # before the Gregorian calendar
        {"acquired_date": "2015-02-29"},
        {"acquired_date": "2015-04"},
        {"birth_date": "1970-04-01", "acquired_date": "1970-03-31"},  # acquired before birth
    ],
)
def test_bad_date(member_csv, cells):
    outcomes = read_with_good_neighbours(member_csv, [member_row("H0002", **cells)])
    rejection = assert_rejected(outcomes, "H0002", Code.BAD_DATE, (3,))
    assert codes(rejection) == ["BAD_DATE"]
    assert_bilingual(rejection.problems[0], 3)


@pytest.mark.parametrize(
    ("birth_text", "acquired_text", "birth", "acquired"),
    [
        ("2024-10-25", "", dt.date(2024, 10, 25), None),  # born `today`
        ("1873-01-01", "1873-01-01", dt.date(1873, 1, 1), dt.date(1873, 1, 1)),
        ("1970/4/1", "2015/04/01", dt.date(1970, 4, 1), dt.date(2015, 4, 1)),
        ("2000-02-29", "2000-02-29", dt.date(2000, 2, 29), dt.date(2000, 2, 29)),
        ("1970-04-01", "", dt.date(1970, 4, 1), None),
    ],
)
def test_good_dates(member_csv, birth_text, acquired_text, birth, acquired):
    # Dates as dates: no 負担割合 to judge, and a reference date at which the member is under 75
    # and born (the NHI rules have tests of their own).
    row = member_row("H0001", birth_date=birth_text, acquired_date=acquired_text, copay_ratio="")
    write_csv(member_csv, [row])
    _, outcomes = read(member_csv, reference=max(birth, dt.date(1900, 1, 1)))
    member = only_household(outcomes, "H0001").members[0]
    assert (member.birth_date, member.acquired_date) == (birth, acquired)


@pytest.mark.parametrize(
    "cells",
    [
        {"mynumber": "621498320258"},  # check digit fails
        {"mynumber": "123456789019"},
        {"mynumber": "62149832025"},  # 11 digits
        {"mynumber": "6214983202570"},  # 13 digits
        {"mynumber": "6214 9832 0257"},
        {"mynumber": "62149832025X"},
        {"mynumber_last4": "257"},
        {"mynumber_last4": "02570"},
        {"mynumber_last4": "O257"},
        {"mynumber": "621498320257", "mynumber_last4": "0258"},  # the two disagree
        {"mynumber": "123456789018", "mynumber_last4": "0257"},
    ],
)
def test_bad_mynumber(member_csv, cells):
    outcomes = read_with_good_neighbours(member_csv, [member_row("H0002", **cells)])
    rejection = assert_rejected(outcomes, "H0002", Code.BAD_MYNUMBER, (3,))
    assert codes(rejection) == ["BAD_MYNUMBER"]
    assert_bilingual(rejection.problems[0], 3)


@pytest.mark.parametrize(
    ("household_id", "cells"),
    [
        ("H 0002", {}),  # a space inside the household id
        ("H0002" * 5, {}),  # 25 characters
        ("H_0002", {}),
        ("H0002", {"insured_branch": "1"}),
        ("H0002", {"insured_branch": "001"}),
        ("H0002", {"insured_branch": "ab"}),
        ("H0002", {"copay_ratio": "4"}),
        ("H0002", {"copay_ratio": "0"}),
        ("H0002", {"copay_ratio": "30%"}),
    ],
)
def test_bad_field(member_csv, household_id, cells):
    outcomes = read_with_good_neighbours(member_csv, [member_row(household_id, **cells)])
    bad = [outcome for outcome in outcomes if outcome.household_id not in ("H0001", "H0003")]
    assert len(bad) == 1 and isinstance(bad[0], records.Rejection)
    assert codes(bad[0]) == ["BAD_FIELD"]
    assert bad[0].lines == (3,)
    assert_bilingual(bad[0].problems[0], 3)


@pytest.mark.parametrize(
    ("column", "first", "second"),
    [
        ("head_name", "見本 太郎", "見本 花子"),
        ("postal_code", "173-0004", "173-0005"),
        ("address", ADDRESS, "東京都板橋区仲宿三丁目16番3号"),
        ("address2", "コーポ見本 101号室", "コーポ見本 102号室"),
        ("language", "en", "vi"),
    ],
)
def test_household_mismatch(member_csv, column, first, second):
    rows = [
        member_row("H0002", **{column: first}),
        later_row("H0002"),
        later_row("H0002", **{column: second}),
    ]
    outcomes = read_with_good_neighbours(member_csv, rows)
    rejection = assert_rejected(outcomes, "H0002", Code.HOUSEHOLD_MISMATCH, (3, 4, 5))
    assert codes(rejection) == ["HOUSEHOLD_MISMATCH"]
    problem = rejection.problems[0]
    assert problem.lines == (3, 5)
    assert column in problem.message_en
    assert "3;5行目" in problem.message_ja


def test_household_split(member_csv):
    rows = [
        member_row("H0001"),
        member_row("H0002", head_name="分割 一郎"),
        later_row("H0002", member_name="分割 二郎"),
        member_row("H0003", head_name="間 一郎", member_name="間 一郎"),
        later_row("H0002", member_name="分割 三郎"),
        member_row("H0004", head_name="後続 一郎", member_name="後続 一郎"),
        later_row("H0002", member_name="分割 四郎"),
    ]
    write_csv(member_csv, rows)
    _, outcomes = read(member_csv)
    assert [(o.household_id, type(o).__name__) for o in outcomes] == [
        ("H0001", "Household"),
        ("H0002", "Rejection"),
        ("H0003", "Household"),
        ("H0004", "Household"),
    ]
    rejection = only_rejection(outcomes, "H0002")
    assert codes(rejection) == ["HOUSEHOLD_SPLIT"]
    assert rejection.lines == (3, 4, 6, 8)
    assert rejection.problems[0].lines == (3, 4, 6, 8)
    assert_bilingual(rejection.problems[0])
    assert "H0002" in rejection.message
    for line in (3, 4, 6, 8):
        assert str(line) in rejection.problems[0].message_en
    assert not any(isinstance(o, records.Household) and o.household_id == "H0002" for o in outcomes)


def test_household_split_overrides_other_problems(member_csv):
    rows = [
        member_row("H0002", birth_date="1970-02-30"),
        member_row("H0003"),
        later_row("H0002", postal_code="999"),
    ]
    write_csv(member_csv, rows)
    _, outcomes = read(member_csv)
    assert len(outcomes) == 2
    rejection = only_rejection(outcomes, "H0002")
    assert codes(rejection) == ["HOUSEHOLD_SPLIT"]
    assert rejection.lines == (2, 4)
    only_household(outcomes, "H0003")


@pytest.mark.parametrize(
    ("column", "text", "position", "codepoint"),
    [
        ("member_name", "見本 \ue000子", 4, "U+E000"),
        ("head_name", "\ue000本 太郎", 1, "U+E000"),
        ("address", ADDRESS + "\uf8ff", len(ADDRESS) + 1, "U+F8FF"),
        ("address2", "コーポ\ue000", 4, "U+E000"),
        ("member_name", "𠮷田 太郎", 1, "U+20BB7"),
        ("head_name", "𠮷田 花子", 1, "U+20BB7"),
        ("member_kana", "ミホン\ue000", 4, "U+E000"),
    ],
)
def test_unprintable_char(member_csv, column, text, position, codepoint):
    outcomes = read_with_good_neighbours(member_csv, [member_row("H0002", **{column: text})])
    rejection = assert_rejected(outcomes, "H0002", Code.UNPRINTABLE_CHAR, (3,))
    assert codes(rejection) == ["UNPRINTABLE_CHAR"]
    problem = rejection.problems[0]
    assert codepoint in problem.message_en and codepoint in problem.message_ja
    assert f"character {position} of {column}" in problem.message_en
    assert_bilingual(problem, 3)


def test_unprintable_char_in_a_later_member(member_csv):
    rows = [member_row("H0002"), later_row("H0002", member_name="見本 \ue123")]
    outcomes = read_with_good_neighbours(member_csv, rows)
    rejection = assert_rejected(outcomes, "H0002", Code.UNPRINTABLE_CHAR, (3, 4))
    assert rejection.problems[0].lines == (4,)


def test_every_character_of_the_good_rows_is_printable():
    # The premise of the tests above: the fonts draw the ordinary test data.
    coverage = fonts.coverage()
    for text in member_row().values():
        assert coverage.unprintable(text) == []
    assert coverage.unprintable("\ue000") and coverage.unprintable("𠮷")


@pytest.mark.parametrize(
    ("cells", "column"),
    [
        ({"address": ADDRESS + "あ" * 120}, "address"),
        ({"address2": "コーポラス見本" * 20}, "address2"),
        ({"head_name": "見本" * 30}, "head_name"),
    ],
)
def test_address_too_long(member_csv, cells, column):
    outcomes = read_with_good_neighbours(member_csv, [member_row("H0002", **cells)])
    rejection = assert_rejected(outcomes, "H0002", Code.ADDRESS_TOO_LONG, (3,))
    # A head's name too long for the window is too long for page 1's 世帯主 field as well.
    too_long_field = ["FIELD_TOO_LONG"] if column == "head_name" else []
    assert codes(rejection) == ["ADDRESS_TOO_LONG", *too_long_field]
    assert column in rejection.problems[0].message_en
    assert_bilingual(rejection.problems[0], 3)


@pytest.mark.parametrize(
    ("cells", "column", "cell"),
    [
        ({"member_name": "見本" * 30}, "member_name", "the members table's name column"),
        ({"member_kana": "ミホン" * 20}, "member_kana", "the members table's name column (kana)"),
        ({"insured_symbol": "板橋国保" * 4}, "insured_symbol", "the members table's insured"),
        ({"insured_number": "1" * 40}, "insured_number", "the members table's insured"),
    ],
)
def test_field_too_long(member_csv, cells, column, cell):
    """A text no type step or number of lines fits in its cell rejects the household, before
    anything is printed (noticegen.cellfit, the same fitting the view sets it with)."""
    outcomes = read_with_good_neighbours(member_csv, [member_row("H0002", **cells)])
    rejection = assert_rejected(outcomes, "H0002", Code.FIELD_TOO_LONG, (3,))
    assert codes(rejection) == ["FIELD_TOO_LONG"]
    problem = rejection.problems[0]
    assert column in problem.message_en and cell in problem.message_en
    assert rules.COLUMN_NAMES_JA[column] in problem.message_ja
    assert_bilingual(problem, 3)


def test_the_issues_long_texts_are_accepted(member_csv):
    """4-character 記号, 8-digit numbers, 20-character Japanese and 40-character Latin names."""
    rows = [
        member_row("H0002", insured_symbol="板橋国保", insured_number="12345678"),
        member_row(
            "H0002",
            member_name="寿限無寿限無五劫の擦り切れ海砂利水魚の",
            member_kana="ジュゲムジュゲムゴコウノスリキレカイジャリスイギョノ",
            insured_branch="02",
        ),
        member_row(
            "H0002",
            member_name="ALEXANDRA MARGARITA FERNANDEZ DE LA CRUZ",
            member_kana="",
            insured_branch="03",
            language="en",
        ),
    ]
    household = only_household(read_with_good_neighbours(member_csv, rows), "H0002")
    assert len(household.members) == 3


def test_wrong_cell_count(member_csv):
    extra = [*member_row("H0002").values(), "余分"]
    fewer = list(later_row("H0002").values())[:-1]
    outcomes = read_with_good_neighbours(member_csv, [extra, fewer])
    rejection = assert_rejected(outcomes, "H0002", Code.BAD_ROW, (3, 4))
    assert codes(rejection) == ["BAD_ROW", "BAD_ROW"]
    assert rejection.problems[0].lines == (3,)
    assert str(len(extra)) in rejection.problems[0].message_en
    assert str(len(fewer)) in rejection.problems[1].message_en
    assert_bilingual(rejection.problems[1], 4)


def test_wrong_cell_count_in_the_middle_of_a_household_does_not_split_it(member_csv):
    rows = [member_row("H0002"), [*later_row("H0002").values(), ""], later_row("H0002")]
    outcomes = read_with_good_neighbours(member_csv, rows)
    rejection = assert_rejected(outcomes, "H0002", Code.BAD_ROW, (3, 4, 5))
    assert codes(rejection) == ["BAD_ROW"]


@pytest.mark.parametrize("column", ["member_kana", "insured_symbol", "address2", "language"])
def test_cell_over_200_characters(member_csv, column):
    outcomes = read_with_good_neighbours(member_csv, [member_row("H0002", **{column: "ア" * 201})])
    rejection = assert_rejected(outcomes, "H0002", Code.BAD_ROW, (3,))
    assert codes(rejection) == ["BAD_ROW"]
    assert "200" in rejection.problems[0].message_en
    assert column in rejection.problems[0].message_en


def test_cell_of_exactly_200_characters_is_accepted(member_csv):
    write_csv(member_csv, [member_row("H0001", member_kana="ア" * 200)])
    _, outcomes = read(member_csv)
    # Within the reader's limit (no BAD_ROW); too long to print in the name column (cellfit).
    assert codes(only_rejection(outcomes, "H0001")) == ["FIELD_TOO_LONG"]


@pytest.mark.parametrize(
    "bad_bytes",
    [
        b"\x81",  # a lead byte with no trail byte
        b"\x85\x40",  # a pair in an unassigned row
        b"\xff",  # not a CP932 byte at all
    ],
    ids=["lone-lead-byte", "unassigned-pair", "0xFF"],
)
def test_undecodable_bytes_in_a_cp932_file(member_csv, bad_bytes):
    rows = [
        member_row("H0001", **CP932_NAMES),
        member_row("H0002", insured_symbol="板@@"),
        member_row("H0003", member_name="後続 髙子"),
    ]
    data = csv_text(rows).encode("cp932")
    assert data.count(b"@@") == 1
    member_csv.write_bytes(data.replace(b"@@", bad_bytes))
    member_file, outcomes = read(member_csv)
    assert member_file.encoding == "cp932"
    assert only_household(outcomes, "H0001").members[0].name == "髙﨑 ①子"
    assert only_household(outcomes, "H0003").members[0].name == "後続 髙子"
    rejection = assert_rejected(outcomes, "H0002", Code.BAD_ROW, (3,))
    assert codes(rejection) == ["BAD_ROW"]
    assert "insured_symbol" in rejection.problems[0].message_en
    assert_bilingual(rejection.problems[0], 3)


def test_undecodable_bytes_in_the_household_id(member_csv):
    data = csv_text([member_row("H0001"), member_row("H@@2")]).encode("cp932")
    member_csv.write_bytes(data.replace(b"@@", b"\x81"))
    _, outcomes = read(member_csv)
    only_household(outcomes, "H0001")
    rejection = only_rejection(outcomes, "")
    assert "BAD_ROW" in codes(rejection)
    assert rejection.lines == (3,)


def test_several_problems_in_one_household_are_all_listed(member_csv):
    rows = [
        member_row("H0002", postal_code="999", head_name="見本 \ue000"),
        later_row("H0002", birth_date="1970-02-30", mynumber="621498320258"),
    ]
    outcomes = read_with_good_neighbours(member_csv, rows)
    rejection = only_rejection(outcomes, "H0002")
    assert set(codes(rejection)) == {
        "BAD_POSTAL_CODE",
        "UNPRINTABLE_CHAR",
        "BAD_DATE",
        "BAD_MYNUMBER",
    }
    assert rejection.lines == (3, 4)
    assert rejection.code == rejection.problems[0].code
    assert rejection.message == " | ".join(p.message for p in rejection.problems)


def test_an_unclosed_quote_does_not_swallow_the_households_after_it(member_csv):
    # One stray quote opens a field that runs to the end of the file. Every later row must still
    # end in a notice or a rejection (or the file be refused), never silently vanish.
    rows = [
        member_row("H0001"),
        member_row("H0002", member_name="@@見本 太郎"),
        member_row("H0003", member_name="後続 一郎"),
        member_row("H0004", member_name="後続 二郎"),
    ]
    text = csv_text(rows)
    assert text.count("@@") == 1
    member_csv.write_bytes(text.replace("@@", '"').encode("utf-8"))
    try:
        _, outcomes = read(member_csv)
    except InputError:
        return  # refusing the whole file is an acceptable answer
    accounted = {line for outcome in outcomes for line in outcome.lines}
    assert {2, 3, 4, 5} <= accounted, [(o.household_id, o.lines) for o in outcomes]


# ---------------------------------------------------------------------------------------------
# Line numbers


def test_line_numbers_with_a_quoted_cell_over_two_lines(member_csv):
    text = csv_text(
        [
            member_row("H0001", address2="コーポ見本\n101号室"),  # lines 2-3
            member_row("H0002", head_name="架空 春子"),  # line 4
            [],  # line 5: blank
            member_row("H0003", birth_date="1970-02-30"),  # line 6
            member_row("H0004", member_kana="二行の\r\nフリガナ", postal_code="12"),  # 7-8
            member_row("H0005", mynumber="621498320258"),  # line 9
        ]
    )
    member_csv.write_bytes(text.encode("utf-8"))
    _, outcomes = read(member_csv)
    assert [(o.household_id, o.lines) for o in outcomes] == [
        ("H0001", (2,)),
        ("H0002", (4,)),
        ("H0003", (6,)),
        ("H0004", (7,)),
        ("H0005", (9,)),
    ]
    assert only_household(outcomes, "H0001").address2 == "コーポ見本\n101号室"
    assert only_household(outcomes, "H0002").members[0].line == 4
    assert_bilingual(only_rejection(outcomes, "H0003").problems[0], 6)
    assert_bilingual(only_rejection(outcomes, "H0004").problems[0], 7)
    assert_bilingual(only_rejection(outcomes, "H0005").problems[0], 9)


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_line_numbers_with_each_line_ending(member_csv, newline):
    text = csv_text([member_row("H0001"), member_row("H0002", birth_date="x")])
    member_csv.write_bytes(text.replace("\r\n", newline).encode("utf-8"))
    _, outcomes = read(member_csv)
    assert_rejected(outcomes, "H0002", Code.BAD_DATE, (3,))
    assert_bilingual(only_rejection(outcomes, "H0002").problems[0], 3)


# ---------------------------------------------------------------------------------------------
# Folding and normalisation


@pytest.mark.parametrize(
    "postal", ["１７３－０００４", "173ー0004", "173‐0004", "１７３０００４", "1730004"]
)
def test_full_width_postal_code_is_folded(member_csv, postal):
    write_csv(member_csv, [member_row("H0001", postal_code=postal)])
    _, outcomes = read(member_csv)
    assert only_household(outcomes, "H0001").postal_code == "1730004"


def test_full_width_postal_code_of_eight_digits_is_still_bad(member_csv):
    write_csv(member_csv, [member_row("H0001", postal_code="１７３００００４")])
    _, outcomes = read(member_csv)
    assert_rejected(outcomes, "H0001", Code.BAD_POSTAL_CODE, (2,))


def test_full_width_digits_fold_in_numeric_fields_only(member_csv):
    row = member_row(
        "H0001",
        head_name="見本１号",
        member_name="見本 ２郎－Ａ",
        member_kana="ミホン ジロウ",
        address="東京都板橋区板橋二丁目６６番１号",
        address2="コーポ１０１－Ａ",
        insured_symbol="板１",
        birth_date="１９７０－０４－０１",
        acquired_date="２０１５／０４／０１",
        insured_number="１２３４５６７",
        insured_branch="０２",
        copay_ratio="３",
        mynumber="６２１４９８３２０２５７",
        mynumber_last4="０２５７",
    )
    write_csv(member_csv, [row])
    _, outcomes = read(member_csv)
    household = only_household(outcomes, "H0001")
    member = household.members[0]
    assert household.head_name == "見本１号"
    assert household.address == "東京都板橋区板橋二丁目６６番１号"
    assert household.address2 == "コーポ１０１－Ａ"
    assert member.name == "見本 ２郎－Ａ"
    assert member.insured_symbol == "板１"
    assert member.birth_date == dt.date(1970, 4, 1)
    assert member.acquired_date == dt.date(2015, 4, 1)
    assert member.insured_number == "1234567"
    assert member.insured_branch == "02"
    assert member.copay_ratio == 3
    assert member.mynumber_last4 == "0257"


def test_names_are_never_normalised(member_csv):
    char = "\ufa10" if not fonts.coverage().unprintable("\ufa10") else "\ufa11"
    name = f"見{char} 太郎"
    write_csv(member_csv, [member_row("H0001", head_name=name, member_name=name)])
    _, outcomes = read(member_csv)
    household = only_household(outcomes, "H0001")
    assert household.head_name == name
    assert household.members[0].name == name
    assert char in household.members[0].name
    if char == "\ufa10":
        assert unicodedata.normalize("NFKC", name) != name  # the premise: NFKC would change it


def test_half_width_kana_becomes_full_width(member_csv):
    rows = [
        member_row("H0001", member_name="ﾐﾎﾝ", member_kana="ﾐﾎﾝ"),
        later_row("H0001", member_kana="ﾀﾞｲﾁ ﾊﾟﾊﾟ"),
    ]
    write_csv(member_csv, rows)
    _, outcomes = read(member_csv)
    household = only_household(outcomes, "H0001")
    assert [m.kana for m in household.members] == ["ミホン", "ダイチ パパ"]
    assert household.members[0].name == "ﾐﾎﾝ"  # the name itself stays as given
    assert household.warnings == ()


def test_kana_that_is_not_katakana_is_a_warning(member_csv):
    write_csv(member_csv, [member_row("H0001", member_kana="みほん")])
    _, outcomes = read(member_csv)
    household = only_household(outcomes, "H0001")
    assert household.members[0].kana == "みほん"
    assert [w.code for w in household.warnings] == [WarningCode.KANA_NOT_KATAKANA]


# ---------------------------------------------------------------------------------------------
# Languages


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("zh-CN", "zh-Hans"),
        ("zh_TW", "zh-Hant"),
        ("fil", "tl"),
        ("pt-BR", "pt"),
        ("EN", "en"),
        ("en", "en"),
        ("zh-hans", "zh-Hans"),
        ("ZH-HANT", "zh-Hant"),
        ("ja-x-easy", "ja-x-easy"),
        ("Vi", "vi"),
        ("ja", None),
        ("", None),
    ],
)
def test_language_aliases(member_csv, value, expected):
    write_csv(member_csv, [member_row("H0001", language=value)])
    _, outcomes = read(member_csv)
    household = only_household(outcomes, "H0001")
    assert household.language == expected
    assert household.warnings == ()


@pytest.mark.parametrize("value", ["xx", "klingon", "zh-XX", "fr"])
def test_unknown_language_is_a_warning_not_a_rejection(member_csv, value):
    write_csv(
        member_csv, [member_row("H0001"), later_row("H0001"), member_row("H0002", language=value)]
    )
    _, outcomes = read(member_csv)
    household = only_household(outcomes, "H0002")
    assert household.language is None
    assert [w.code for w in household.warnings] == [WarningCode.UNKNOWN_LANGUAGE]
    warning = household.warnings[0]
    assert warning.lines == (4,)
    assert warning.household_id == "H0002"
    assert "4行目" in warning.message_ja and "line 4" in warning.message_en
    assert only_household(outcomes, "H0001").warnings == ()


# ---------------------------------------------------------------------------------------------
# My Number: only the last four digits are kept


@pytest.mark.parametrize(
    ("cells", "last4"),
    [
        ({"mynumber": "621498320257"}, "0257"),
        ({"mynumber": "123456789018", "mynumber_last4": "9018"}, "9018"),
        ({"mynumber": "000000000060"}, "0060"),
        ({"mynumber_last4": "5638"}, "5638"),
        ({}, None),
    ],
)
def test_only_the_last_four_digits_are_kept(member_csv, cells, last4):
    write_csv(member_csv, [member_row("H0001", **cells)])
    _, outcomes = read(member_csv)
    member = only_household(outcomes, "H0001").members[0]
    assert member.mynumber_last4 == last4
    assert not hasattr(member, "mynumber")
    if "mynumber" in cells:
        assert cells["mynumber"] not in repr(outcomes)


def test_privacy_no_full_my_number_anywhere(member_csv):
    generated = [mynumber_with_check_digit(f"{seed:011d}") for seed in (35792468013, 98765432109)]
    valid = ["621498320257", "123456789018", *generated]
    invalid = ["621498320258", "123456789010", "999999999999"]
    full_width = "６２１４９８３２０２５７"
    columns = [*COLUMNS, "note"]
    rows = [
        # accepted households
        dict(member_row("H0001", mynumber=valid[0]), note=valid[1]),
        dict(later_row("H0001", mynumber=valid[1], mynumber_last4=valid[1][-4:])),
        dict(member_row("H0002", mynumber=full_width, language="xx", member_kana="みほん")),
        # BAD_MYNUMBER: check digit, mismatch, too long
        dict(member_row("H0003", mynumber=invalid[0])),
        dict(later_row("H0003", mynumber=invalid[1])),
        dict(member_row("H0004", mynumber=valid[2], mynumber_last4="0000")),
        dict(member_row("H0005", mynumber=valid[3] + "1")),
        dict(member_row("H0006", mynumber=invalid[2])),
        # rejected for other reasons while holding a valid number
        dict(member_row("H0007", mynumber=valid[0], postal_code="12", head_name="見本\ue000")),
        dict(later_row("H0007", mynumber=valid[2], birth_date="2099-01-01")),
        dict(member_row("H0008", mynumber=valid[3], member_kana="ア" * 201)),
        [*member_row("H0009", mynumber=valid[1]).values(), valid[0], "余分"],
        dict(member_row("H0010", mynumber=valid[2], address=ADDRESS + "あ" * 120)),
        # a split household holding numbers in both blocks
        dict(member_row("H0011", mynumber=valid[0])),
        dict(member_row("H0012", mynumber=valid[1])),
        dict(later_row("H0011", mynumber=valid[3])),
    ]
    write_csv(member_csv, rows, columns)
    member_file, outcomes = read(member_csv)
    accepted = households(outcomes)
    assert {h.household_id for h in accepted} == {"H0001", "H0002", "H0012"}
    assert {r.household_id for r in rejections(outcomes)} == {
        f"H{n:04d}" for n in (3, 4, 5, 6, 7, 8, 9, 10, 11)
    }
    assert [m.mynumber_last4 for m in only_household(outcomes, "H0001").members] == [
        valid[0][-4:],
        valid[1][-4:],
    ]

    texts = [repr(member_file), str(member_file)]
    for outcome in outcomes:
        texts += [repr(outcome), str(outcome)]
        for warning in outcome.warnings:
            texts += [warning.message, warning.message_ja, warning.message_en]
        if isinstance(outcome, records.Rejection):
            texts.append(outcome.message)
            for problem in outcome.problems:
                texts += [problem.message, problem.message_ja, problem.message_en]
        else:
            for member in outcome.members:
                texts += [str(getattr(member, f)) for f in member.__dataclass_fields__]
    texts += [w.message for w in member_file.warnings]
    everything = "\n".join(texts)
    assert "H0011" in everything and "BAD_MYNUMBER" in everything  # the texts are really there
    for number in [*valid, *invalid, full_width]:
        assert number not in everything, number


# ---------------------------------------------------------------------------------------------
# Property tests

HEADER_BYTES = csv_text([]).encode("utf-8")
PROPERTY = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

BYTE_PIECES = [
    b",",
    b"\r\n",
    b"\n",
    b"\r",
    b'"',
    b'""',
    b"H1",
    b"H2",
    b" ",
    b"\x00",
    b"\xff",
    b"\x81",
    b"\xef\xbb\xbf",
    "見本".encode(),
    "見本".encode("cp932"),
    b"173-0004",
    b"1970-04-01",
    b"621498320257",
    csv_text([member_row("H1")]).encode("utf-8").split(b"\r\n", 1)[1],
]


@PROPERTY
@given(
    data=st.one_of(
        st.binary(max_size=400),
        st.binary(max_size=300).map(lambda tail: HEADER_BYTES + tail),
        st.lists(st.sampled_from(BYTE_PIECES), max_size=40).map(
            lambda pieces: HEADER_BYTES + b"".join(pieces)
        ),
    ),
    encoding=st.sampled_from([None, None, "utf-8", "cp932"]),
)
def test_arbitrary_bytes_never_crash(tmp_path, data, encoding):
    path = tmp_path / "arbitrary.csv"
    path.write_bytes(data)
    try:
        member_file = records.open_member_file(path, encoding)
    except InputError as error:
        assert str(error)
        return
    households_, rejections_ = records.read_all(member_file, fonts.coverage(), TODAY, WINDOW_MM)
    for outcome in [*households_, *rejections_]:
        assert outcome.lines
    for rejection in rejections_:
        assert rejection.problems


CELL_SPACE = " \t\r\n\v\f\u3000"
HOUSEHOLD_IDS = ["H1", "H2", "H3", "h1", " H2 ", "", "bad id", "H" * 21]
ODD_CELLS = [
    "",
    " ",
    "\u3000",
    '"',
    ",",
    "\r\n",
    "\n",
    "\r",
    'a"b,c\nd',
    "1970-02-30",
    "2099-01-01",
    "１７３－０００４",
    "621498320257",
    "621498320258",
    "ﾐﾎﾝ",
    "\ue000",
    "𠮷",
    "zh_TW",
    "xx",
    "ア" * 201,
    "あ" * 150,
]
random_cell = st.one_of(
    st.sampled_from(ODD_CELLS),
    st.text(max_size=12),
    st.text(alphabet=' ,"\r\n\u3000H1-あ0', max_size=8),
)


@st.composite
def data_row(draw) -> list[str]:
    kind = draw(st.sampled_from(["first", "later", "mutated", "random"]))
    household_id = draw(st.sampled_from(HOUSEHOLD_IDS))
    if kind == "random":
        return draw(st.lists(random_cell, max_size=len(COLUMNS) + 2))
    base = member_row if kind != "later" else later_row
    cells = list(base(household_id).values())
    if kind == "mutated":
        for _ in range(draw(st.integers(1, 3))):
            cells[draw(st.integers(0, len(cells) - 1))] = draw(random_cell)
        change = draw(st.sampled_from([0, 0, 0, 1, -1]))
        cells = [*cells, ""] if change > 0 else cells[:-1] if change < 0 else cells
    return cells


def physical_lines(text: str) -> int:
    return len(re.findall(r"\r\n|\r|\n", text))


def row_text(cells: list[str]) -> str:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n").writerow(cells)
    return buffer.getvalue()


@PROPERTY
@given(rows=st.lists(data_row(), max_size=12))
def test_every_row_ends_in_exactly_one_outcome(tmp_path, rows):
    header = row_text(list(COLUMNS))
    text = header
    line = 1 + physical_lines(header)
    expected = []
    for cells in rows:
        written = row_text(cells)
        if any(cell.strip(CELL_SPACE) for cell in cells):
            expected.append(line)
        line += physical_lines(written)
        text += written
    path = tmp_path / "random.csv"
    path.write_bytes(text.encode("utf-8"))

    _, outcomes = read(path)

    for first_line in expected:
        holders = [outcome for outcome in outcomes if first_line in outcome.lines]
        assert len(holders) == 1, (first_line, holders)
    event("some household accepted" if households(outcomes) else "every household rejected")
    all_lines = [line for outcome in outcomes for line in outcome.lines]
    assert sorted(all_lines) == expected  # nothing twice, nothing invented
    for outcome in outcomes:
        if isinstance(outcome, records.Household):
            assert [member.line for member in outcome.members] == list(outcome.lines)
            assert re.fullmatch(r"\d{7}", outcome.postal_code)
        else:
            assert outcome.problems
            for problem in outcome.problems:
                assert set(problem.lines) <= set(outcome.lines)
