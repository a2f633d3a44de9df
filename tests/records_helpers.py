"""Shared helpers for the member-file tests: building CSV bytes and reading them back."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from noticegen import fonts, records

TODAY = dt.date(2024, 10, 25)
WINDOW_MM = (95.0, 45.0)

# Every column of spec/input.md, in the spec's order.
COLUMNS = (
    "household_id",
    "head_name",
    "postal_code",
    "address",
    "address2",
    "language",
    "member_name",
    "member_kana",
    "birth_date",
    "insured_symbol",
    "insured_number",
    "insured_branch",
    "acquired_date",
    "copay_ratio",
    "mynumber_last4",
    "mynumber",
)

ADDRESS = "東京都板橋区板橋二丁目66番1号"


def member_row(household_id: str = "H0001", **cells: str) -> dict[str, str]:
    """A valid member row; keyword arguments replace single cells."""
    row = {
        "household_id": household_id,
        "head_name": "見本 太郎",
        "postal_code": "173-0004",
        "address": ADDRESS,
        "address2": "",
        "language": "",
        "member_name": "見本 太郎",
        "member_kana": "ミホン タロウ",
        "birth_date": "1970-04-01",
        "insured_symbol": "板",
        "insured_number": "1234567",
        "insured_branch": "01",
        "acquired_date": "2015-04-01",
        "copay_ratio": "3",
        "mynumber_last4": "",
        "mynumber": "",
    }
    unknown = set(cells) - set(row)
    assert not unknown, f"member_row: no such column {unknown}"
    row.update(cells)
    return row


def later_row(household_id: str = "H0001", **cells: str) -> dict[str, str]:
    """A further member of a household: household-level cells left empty (they inherit)."""
    row = member_row(
        household_id,
        head_name="",
        postal_code="",
        address="",
        address2="",
        language="",
        member_name="見本 花子",
        member_kana="ミホン ハナコ",
        birth_date="1972-08-15",
        insured_branch="02",  # the household's 記号・番号, its own 枝番 (NHI)
    )
    row.update(cells)
    return row


def csv_text(
    rows: Iterable[Mapping[str, str] | Sequence[str]],
    columns: Sequence[str] = COLUMNS,
    header: Sequence[str] | None = None,
) -> str:
    """The CSV text (CRLF line ends) of a header and rows given as dicts or as raw cell lists."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(list(header if header is not None else columns))
    for row in rows:
        if isinstance(row, Mapping):
            writer.writerow([row.get(column, "") for column in columns])
        else:
            writer.writerow(list(row))
    return buffer.getvalue()


def write_csv(
    path: Path,
    rows: Iterable[Mapping[str, str] | Sequence[str]],
    columns: Sequence[str] = COLUMNS,
    *,
    header: Sequence[str] | None = None,
    encoding: str = "utf-8",
    bom: bool = False,
) -> Path:
    """Write a member file as bytes in `encoding` (optionally with a UTF-8 BOM); return its path."""
    data = csv_text(rows, columns, header).encode(encoding)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return path


REFERENCE = dt.date(2024, 10, 1)  # the shipped configuration's [dates] reference


def read(
    path: Path,
    *,
    encoding: str | None = None,
    today: dt.date = TODAY,
    reference: dt.date = REFERENCE,
) -> tuple[records.MemberFile, list[records.Household | records.Rejection]]:
    member_file = records.open_member_file(path, encoding)
    outcomes = list(
        records.read(member_file, fonts.coverage(), today, WINDOW_MM, reference=reference)
    )
    return member_file, outcomes


def households(outcomes) -> list[records.Household]:
    return [outcome for outcome in outcomes if isinstance(outcome, records.Household)]


def rejections(outcomes) -> list[records.Rejection]:
    return [outcome for outcome in outcomes if isinstance(outcome, records.Rejection)]


def only_rejection(outcomes, household_id: str) -> records.Rejection:
    found = [outcome for outcome in outcomes if outcome.household_id == household_id]
    assert len(found) == 1, f"{household_id}: {found!r}"
    assert isinstance(found[0], records.Rejection), found[0]
    return found[0]


def only_household(outcomes, household_id: str) -> records.Household:
    found = [outcome for outcome in outcomes if outcome.household_id == household_id]
    assert len(found) == 1, f"{household_id}: {found!r}"
    assert isinstance(found[0], records.Household), found[0]
    return found[0]


def codes(rejection: records.Rejection) -> list[str]:
    return [str(problem.code) for problem in rejection.problems]


def mynumber_with_check_digit(first11: str) -> str:
    """A 12-digit My Number, its check digit computed here from the ordinance's own wording.

    Pn is the n-th digit from the right of the 11 base digits, Qn = n + 1 for n <= 6 and n - 5
    for 7 <= n <= 11; the check digit is 11 - (sum mod 11), or 0 when the remainder is <= 1.
    Independent of noticegen.mynumber (which weights left to right).
    """
    assert len(first11) == 11 and first11.isascii() and first11.isdigit()
    total = 0
    for n, digit in enumerate(reversed(first11), start=1):
        q = n + 1 if n <= 6 else n - 5
        total += int(digit) * q
    remainder = total % 11
    return first11 + str(0 if remainder <= 1 else 11 - remainder)
