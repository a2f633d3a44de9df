"""The member file: from bytes to households, or to rejections a clerk can act on.

This is the only module that ever sees a full My Number. It checks the number's check digit, keeps
the last four digits and drops the rest before anything else is built. Messages name columns, lines
and code points, never a cell's value, so a report or a log carries no personal data.

The file is read twice, as a stream: once for the household ids (to find households whose rows are
not contiguous, which must be rejected whole rather than half printed), then for the households.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import enum
import io
import itertools
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple, Protocol

from noticegen import addressblock, mynumber, postal

# The reader's limits. Each keeps the time and memory of reading any file, however hostile, linear
# and bounded, and each has its own code, so that nothing a clerk needs is lost past it.
MAX_CELL_LENGTH = 200  # characters in a cell of a known column (BAD_ROW, spec/input.md)
# Characters in one record, over every physical line it spans (ROW_TOO_LONG). A valid record is far
# shorter: 16 cells of at most 200 characters, quoted, plus whatever unknown columns the export has.
MAX_ROW_LENGTH = 65_536
# Physical lines one record may span: a quoted cell may hold a line break (an address typed on two
# lines), but a quote still open after this many lines is taken as a typo (BAD_ROW).
MAX_ROW_LINES = 32
# Rows (members) in one household (HOUSEHOLD_TOO_LARGE): the 枝番 that tells a household's members
# apart has two digits, 01-99.
MAX_HOUSEHOLD_ROWS = 99
# Rejections of rows whose household id cannot be read at all come one per run of such rows, with
# this many rows' problems listed; the run's size is stated, never its rows one by one.
LISTED_UNREADABLE_ROWS = 10
HOUSEHOLD_ID = re.compile(r"^[0-9A-Za-z-]{1,20}$")

REQUIRED_COLUMNS = (
    "household_id",
    "head_name",
    "postal_code",
    "address",
    "member_name",
    "birth_date",
    "insured_symbol",
    "insured_number",
)
OPTIONAL_COLUMNS = (
    "address2",
    "language",
    "member_kana",
    "insured_branch",
    "acquired_date",
    "copay_ratio",
    "mynumber_last4",
    "mynumber",
)
HOUSEHOLD_COLUMNS = ("head_name", "postal_code", "address", "address2", "language")
# Cells where full-width digits and hyphens are folded to ASCII. Names and addresses never are.
NUMERIC_COLUMNS = frozenset(
    (
        "postal_code",
        "birth_date",
        "acquired_date",
        "insured_number",
        "insured_branch",
        "copay_ratio",
        "mynumber_last4",
        "mynumber",
    )
)
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

# The locales noticegen writes, and the spellings the core system may export for them.
LANGUAGES = (
    "en", "zh-Hans", "zh-Hant", "ko", "vi", "ne", "tl", "my",
    "pt", "es", "th", "id", "km", "mn", "ja-x-easy",
)  # fmt: skip
LANGUAGE_ALIASES = {
    "zh": "zh-Hans",
    "zh-cn": "zh-Hans",
    "zh-sg": "zh-Hans",
    "zh-hans-cn": "zh-Hans",
    "zh-tw": "zh-Hant",
    "zh-hk": "zh-Hant",
    "zh-mo": "zh-Hant",
    "zh-hant-tw": "zh-Hant",
    "fil": "tl",
    "pt-br": "pt",
    "pt-pt": "pt",
    "es-es": "es",
    "es-mx": "es",
    "en-us": "en",
    "en-gb": "en",
    "ko-kr": "ko",
    "vi-vn": "vi",
    "ne-np": "ne",
    "my-mm": "my",
    "th-th": "th",
    "id-id": "id",
    "km-kh": "km",
    "mn-mn": "mn",
    "ja": "",
    "ja-jp": "",
}
_LANGUAGE_LOOKUP = {code.lower(): code for code in LANGUAGES} | LANGUAGE_ALIASES

_NUMERIC_FOLD = str.maketrans(
    "０１２３４５６７８９－‐‑‒–—―−ー／", "0123456789---------/"
)  # fmt: skip
_CELL_SPACE = " \t\r\n\v\f\u3000"


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
    BAD_ROW = "BAD_ROW"
    ROW_TOO_LONG = "ROW_TOO_LONG"  # a record longer than MAX_ROW_LENGTH characters
    HOUSEHOLD_TOO_LARGE = "HOUSEHOLD_TOO_LARGE"  # more than MAX_HOUSEHOLD_ROWS rows


class WarningCode(enum.StrEnum):
    UNKNOWN_COLUMN = "UNKNOWN_COLUMN"
    UNKNOWN_LANGUAGE = "UNKNOWN_LANGUAGE"
    KANA_NOT_KATAKANA = "KANA_NOT_KATAKANA"
    DECODED_AS_CP932 = "DECODED_AS_CP932"


class InputError(Exception):
    """The file cannot be read as a member file at all (a usage error: exit 2, nothing written)."""


class Printable(Protocol):
    """What the configured fonts can draw (noticegen.fonts.Coverage)."""

    def unprintable(self, text: str) -> list[tuple[int, str]]: ...


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


@dataclass(frozen=True)
class Member:
    name: str
    kana: str | None
    birth_date: dt.date
    insured_symbol: str
    insured_number: str
    insured_branch: str | None
    acquired_date: dt.date | None
    copay_ratio: int | None
    mynumber_last4: str | None  # None: no My Number is linked in the insurance database
    line: int


@dataclass(frozen=True)
class Household:
    household_id: str
    head_name: str
    postal_code: str  # seven ASCII digits
    address: str
    address2: str | None
    language: str | None  # one of LANGUAGES; None: Japanese only
    members: tuple[Member, ...]
    lines: tuple[int, ...]
    warnings: tuple[InputWarning, ...] = ()

    @property
    def rows(self) -> int:
        return len(self.lines)


@dataclass(frozen=True)
class Rejection:
    household_id: str  # empty when the row's household id itself could not be read
    problems: tuple[Problem, ...]
    # The lines the rejected rows start on; for a run of rows too long to list, the range from
    # its first line to its last (blank lines included), and `row_count` says how many rows.
    lines: Sequence[int]
    warnings: tuple[InputWarning, ...] = ()
    row_count: int | None = None  # None: one row per line in `lines`

    @property
    def rows(self) -> int:
        return len(self.lines) if self.row_count is None else self.row_count

    @property
    def code(self) -> Code:
        return self.problems[0].code

    @property
    def message(self) -> str:
        return " | ".join(problem.message for problem in self.problems)


@dataclass(frozen=True)
class MemberFile:
    path: Path
    encoding: str
    columns: tuple[str, ...]
    warnings: tuple[InputWarning, ...]


# ---------------------------------------------------------------------------------------------
# Opening: encoding and header


def detect_encoding(path: Path) -> str:
    """BOM → UTF-8; bytes that are valid UTF-8 throughout → UTF-8; anything else → CP932."""
    with open(path, "rb") as stream:
        if stream.read(3) == codecs.BOM_UTF8:
            return "utf-8-sig"
        stream.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while chunk := stream.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp932"
    return "utf-8"


def _open_text(path: Path, encoding: str):
    # surrogateescape keeps undecodable bytes visible as U+DC80–U+DCFF, so one bad row becomes a
    # BAD_ROW rejection instead of failing the whole file.
    return open(path, encoding=encoding, errors="surrogateescape", newline="")


def column_label(index: int, japanese: bool = False) -> str:
    """A column by its position, as a clerk finds it in a spreadsheet: 1-based, with its letters.

    >>> column_label(0), column_label(16), column_label(27, japanese=True)
    ('1 (A)', '17 (Q)', '28列目(AB)')
    """
    letters, number = "", index + 1
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return f"{index + 1}列目({letters})" if japanese else f"{index + 1} ({letters})"


def _columns_text(indexes: list[int], japanese: bool = False, limit: int = 20) -> str:
    separator = "、" if japanese else ", "
    listed = separator.join(column_label(index, japanese) for index in indexes[:limit])
    return listed + (f"{separator}… ({len(indexes)})" if len(indexes) > limit else "")


# Cells no column name looks like: a date, a postal code, a My Number.
_DATA_LIKE = re.compile(r"\d{4}[-/]\d{1,2}[-/]\d{1,2}|\d{3}-?\d{4}|\d{12}")


def _joined_header(columns: tuple[str, ...], following: list[_RawRow]) -> bool:
    """Whether the header row lost its line break and took the first data row in.

    The signs: a header cell that only data looks like (a date, a postal code, a My Number); or
    rows after it that agree on a cell count n while the header holds about two rows' worth
    (2n - 1 or more cells) and its first n cells already name the required columns.
    """
    if any(_DATA_LIKE.fullmatch(name.translate(_NUMERIC_FOLD)) for name in columns):
        return True
    counts = {
        len(row.cells)
        for row in following
        if not (row.unclosed_quote or row.too_long) and any(map(_clean, row.cells))
    }
    if len(counts) != 1:
        return False
    (n,) = counts
    named = sum(1 for name in REQUIRED_COLUMNS if name in columns[:n])
    return n >= 2 and len(columns) >= 2 * n - 1 and named >= len(REQUIRED_COLUMNS) - 1


def open_member_file(path: Path | str, encoding: str | None = None) -> MemberFile:
    """Check that `path` is a readable member file and find its encoding and columns.

    No message quotes a header cell: a header that lost its line break holds the first row's
    personal data, so columns are named by position unless they are noticegen's own names.
    """
    path = Path(path)
    if encoding is not None:
        try:
            encoding = codecs.lookup(encoding).name
            if encoding == "utf-8":
                encoding = "utf-8-sig"  # "UTF-8 (with or without BOM)"
        except LookupError:
            raise InputError(f"unknown encoding {encoding!r} (use utf-8 or cp932)") from None
    try:
        chosen = encoding or detect_encoding(path)
        with _open_text(path, chosen) as stream:
            head = list(itertools.islice(_records(stream), 4))
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder, not a member file") from None
    except (OSError, csv.Error) as error:
        raise InputError(f"{path}: cannot be read as CSV ({error})") from None
    first = head[0] if head else None
    if first is not None and first.too_long:
        raise InputError(
            f"{path}: the header row is longer than {MAX_ROW_LENGTH:,} characters; "
            "a member file starts with a header row of column names"
        )
    header = first.cells if first is not None and not first.unclosed_quote else None
    if not header:
        raise InputError(
            f"{path}: no header row (the file is empty or its first line is not CSV); "
            "a member file starts with a header row"
        )
    columns = tuple(_clean(name).lstrip("\ufeff").lower() for name in header)
    known = set(REQUIRED_COLUMNS) | set(OPTIONAL_COLUMNS)
    if _joined_header(columns, head[1:]):
        raise InputError(
            f"{path}: the header row holds data, not only column names: its line break is "
            f"missing and the first data row joined it ({len(columns)} cells); put the first "
            "data row on a line of its own"
        )
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise InputError(
            f"{path}: not a member file: the header lacks {', '.join(missing)} "
            f"(it needs {', '.join(REQUIRED_COLUMNS)}; see spec/input.md)"
        )
    duplicated = sorted({name for name in columns if name in known and columns.count(name) > 1})
    if duplicated:
        where = "; ".join(
            f"{name} in columns "
            + _columns_text([i for i, column in enumerate(columns) if column == name])
            for name in duplicated
        )
        raise InputError(f"{path}: the header names a column more than once: {where}")
    warnings = []
    unknown = [index for index, name in enumerate(columns) if name not in known]
    if unknown:
        warnings.append(
            InputWarning(
                WarningCode.UNKNOWN_COLUMN,
                (1,),
                "",
                f"1行目: 見出しが既知の列名ではない列（{_columns_text(unknown, True)}）は"
                "無視します。",
                f"line 1: columns {_columns_text(unknown)} have no known column name and are "
                "ignored",
            )
        )
    if chosen == "cp932" and encoding is None:
        warnings.append(
            InputWarning(
                WarningCode.DECODED_AS_CP932,
                (),
                "",
                "ファイルはUTF-8ではないため、CP932（Windows Shift_JIS）として読みました。",
                "the file is not UTF-8, so it was read as CP932 (Windows Shift_JIS)",
            )
        )
    return MemberFile(path, chosen, columns, tuple(warnings))


# ---------------------------------------------------------------------------------------------
# Reading: physical lines → records → household blocks → households or rejections
#
# Every stage streams and holds at most one record, or one household's first MAX_HOUSEHOLD_ROWS
# rows, so reading takes time linear in the file and memory bounded whatever the file holds.


@dataclass
class _Row:
    line: int
    cells: dict[str, str]  # cleaned; only when the row has the header's cell count
    problems: list[Problem] = field(default_factory=list)


def _clean(cell: str) -> str:
    return cell.strip(_CELL_SPACE)


class _RawRow(NamedTuple):  # a tuple: reading makes one per line, so it is made cheaply
    line: int  # the physical line the record starts on
    cells: list[str]
    unclosed_quote: bool = False
    too_long: bool = False  # longer than MAX_ROW_LENGTH: `cells` are the whole ones before the cut


class _Line(NamedTuple):
    number: int
    text: str  # at most MAX_ROW_LENGTH + 1 characters
    too_long: bool


def _lines(stream, first_line: int) -> Iterator[_Line]:
    """The physical lines, each cut at MAX_ROW_LENGTH + 1 characters: a line of any length costs
    no more memory than that (the rest is read and dropped)."""
    number = first_line
    while text := stream.readline(MAX_ROW_LENGTH + 1):
        too_long = len(text) > MAX_ROW_LENGTH and not text.endswith(("\n", "\r"))
        if too_long:
            while (rest := stream.readline(1 << 16)) and not rest.endswith(("\n", "\r")):
                pass
        yield _Line(number, text, too_long)
        number += 1


def _quote_open(text: str) -> bool:
    # In RFC 4180 every quote is either a delimiter or doubled, so a whole record has an even count.
    return text.count('"') % 2 == 1


def _records(stream, first_line: int = 1) -> Iterator[_RawRow]:
    """Every CSV record with the physical line it starts on.

    A quoted cell may span lines, but no further than a record can be long (MAX_ROW_LENGTH,
    MAX_ROW_LINES): a quote left open (a typo in the export) makes only its own line a bad row,
    and reading resumes on the next line instead of swallowing the rest of the file into one cell.
    """
    source = _lines(stream, first_line)
    pushback: list[_Line] = []

    def next_line() -> _Line | None:
        return pushback.pop() if pushback else next(source, None)

    while (line := next_line()) is not None:
        if line.too_long:
            yield _RawRow(line.number, _parse_record(line.text)[:-1], too_long=True)
            continue
        parts = [line]
        joined = line.text
        while _quote_open(joined):
            following = None
            if len(joined) <= MAX_ROW_LENGTH and len(parts) < MAX_ROW_LINES:
                following = next_line()
            if following is None or following.too_long:
                if following is not None:
                    pushback.append(following)
                pushback.extend(reversed(parts[1:]))
                yield _RawRow(line.number, _parse_record(line.text), unclosed_quote=True)
                break
            parts.append(following)
            joined += following.text
        else:
            yield _RawRow(line.number, _parse_record(joined))


def _parse_record(text: str) -> list[str]:
    if '"' not in text and "\0" not in text:
        # No quoting: the csv module would split at the commas too (and costs more per line).
        bare = text.rstrip("\r\n")
        return bare.split(",") if bare else []
    try:
        return next(csv.reader(io.StringIO(text), strict=False), [])
    except csv.Error:
        return ["\udcff"]  # a NUL byte: an undecodable row


def _rows(member_file: MemberFile) -> Iterator[_RawRow]:
    """Every data row (the header skipped, blank lines dropped)."""
    with _open_text(member_file.path, member_file.encoding) as stream:
        records = _records(stream)
        next(records, None)
        for row in records:
            if row.unclosed_quote or row.too_long or any(c.strip(_CELL_SPACE) for c in row.cells):
                yield row


def _household_key(index: int, cells: list[str]) -> str:
    """The row's household id (in cell `index`), or "" when it cannot be read.

    A row with the wrong cell count still takes its id from the id column when that cell looks
    like an id, so the bad row rejects its own household instead of splitting it in two.
    """
    value = _clean(cells[index]) if index < len(cells) else ""
    if not value or _has_undecodable(value) or not HOUSEHOLD_ID.match(value):
        return ""
    return value


@dataclass
class _Block:
    """A run of contiguous rows with one household id, or of rows whose id cannot be read."""

    key: str
    rows: list[_RawRow]  # the first MAX_HOUSEHOLD_ROWS rows; the rest are only counted
    count: int
    last_line: int

    @property
    def lines(self) -> Sequence[int]:
        if self.count <= len(self.rows):
            return tuple(row.line for row in self.rows)
        return range(self.rows[0].line, self.last_line + 1)


def _blocks(member_file: MemberFile) -> Iterator[_Block]:
    """Contiguous runs of rows with the same household id, and runs of rows with none."""
    block: _Block | None = None
    id_index = member_file.columns.index("household_id")
    for row in _rows(member_file):
        key = _household_key(id_index, row.cells)
        if block is not None and key != block.key:
            yield block
            block = None
        if block is None:
            block = _Block(key, [], 0, row.line)
        block.count += 1
        block.last_line = row.line
        if len(block.rows) < MAX_HOUSEHOLD_ROWS:
            block.rows.append(row)
    if block is not None:
        yield block


@dataclass
class _Split:
    lines: list[int]  # the first MAX_HOUSEHOLD_ROWS lines
    count: int = 0


def _split_households(member_file: MemberFile) -> dict[str, _Split]:
    """Household ids whose rows are not contiguous, with the lines they occupy."""
    seen: set[str] = set()
    split: set[str] = set()
    for block in _blocks(member_file):
        if block.key and block.key in seen:
            split.add(block.key)
        seen.add(block.key)
    if not split:
        return {}
    found = {key: _Split([]) for key in split}
    for block in _blocks(member_file):
        if block.key in found:
            entry = found[block.key]
            entry.count += block.count
            entry.lines.extend(block.lines[: MAX_HOUSEHOLD_ROWS - len(entry.lines)])
    return found


def read(
    member_file: MemberFile, printable: Printable, today: dt.date, window_mm: tuple[float, float]
) -> Iterator[Household | Rejection]:
    """Every household of the file in file order, each as a Household or a Rejection.

    `window_mm` is the envelope window's (width, height), which decides whether an address fits.
    """
    split = _split_households(member_file)
    reported_split: set[str] = set()
    for block in _blocks(member_file):
        if block.key in split:
            if block.key not in reported_split:
                reported_split.add(block.key)
                yield _split_rejection(block.key, split[block.key])
        elif not block.key:
            yield _unreadable_rejection(member_file, block, printable, today, window_mm)
        elif block.count > MAX_HOUSEHOLD_ROWS:
            yield _too_large_rejection(block)
        else:
            yield _household(member_file, block.key, block.rows, printable, today, window_mm)


def read_all(
    member_file: MemberFile, printable: Printable, today: dt.date, window_mm: tuple[float, float]
) -> tuple[list[Household], list[Rejection]]:
    households: list[Household] = []
    rejections: list[Rejection] = []
    for outcome in read(member_file, printable, today, window_mm):
        (households if isinstance(outcome, Household) else rejections).append(outcome)
    return households, rejections


def _split_rejection(household_id: str, split: _Split) -> Rejection:
    where = lines_text(split.lines, split.count)
    return Rejection(
        household_id,
        (
            Problem(
                Code.HOUSEHOLD_SPLIT,
                tuple(split.lines),
                f"{where}行目: 世帯番号{household_id}の行が連続していません。"
                "世帯の行をまとめて並べてから出力し直してください。",
                f"lines {where}: the rows of household {household_id} are not contiguous; "
                "export the household's rows together",
            ),
        ),
        tuple(split.lines),
        row_count=split.count,
    )


def _too_large_rejection(block: _Block) -> Rejection:
    where = lines_text(block.lines)
    return Rejection(
        block.key,
        (
            Problem(
                Code.HOUSEHOLD_TOO_LARGE,
                block.lines,
                f"{where}行目: 世帯番号{block.key}の行が{block.count:,}行あり、1世帯の上限"
                f"{MAX_HOUSEHOLD_ROWS}行（枝番01〜99）を超えています。世帯番号を確認してください。",
                f"lines {where}: household {block.key} has {block.count:,} rows, more than the "
                f"{MAX_HOUSEHOLD_ROWS} one household can have (枝番 01-99); check the household ids",
            ),
        ),
        block.lines,
        row_count=block.count,
    )


def _unreadable_rejection(
    member_file: MemberFile,
    block: _Block,
    printable: Printable,
    today: dt.date,
    window_mm: tuple[float, float],
) -> Rejection:
    """Rows whose household id cannot be read: each is a household of its own, but a run of them
    (the lines of a broken cell, a file of garbage) is one rejection, listing its first rows."""
    listed: list[Problem] = []
    for raw in block.rows[:LISTED_UNREADABLE_ROWS]:
        outcome = _household(member_file, "", [raw], printable, today, window_mm)
        assert isinstance(outcome, Rejection)  # a row without an id is never a household
        listed.extend(outcome.problems)
    if block.count == 1:
        return Rejection("", tuple(listed), block.lines)
    # The run comes first, so that rejected.csv's line and code describe all of it.
    where = lines_text(block.lines)
    more = block.count > LISTED_UNREADABLE_ROWS
    run = Problem(
        Code.BAD_ROW,
        block.lines,
        f"{where}行目: 世帯番号の読めない行が続けて{block.count:,}行あります"
        + (f"（最初の{LISTED_UNREADABLE_ROWS}行の問題を挙げます）" if more else "")
        + '。引用符「"」の閉じ忘れや区切りの「,」を確認してください。',
        f"lines {where}: {block.count:,} rows in a row have no readable household id"
        + (f" (the problems of the first {LISTED_UNREADABLE_ROWS} follow)" if more else "")
        + '; check for a quote (") left open and for the commas',
    )
    return Rejection("", (run, *listed), block.lines, row_count=block.count)


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


def _household(
    member_file: MemberFile,
    key: str,
    block: list[_RawRow],
    printable: Printable,
    today: dt.date,
    window_mm: tuple[float, float],
) -> Household | Rejection:
    rows = [_row(member_file, raw) for raw in block]
    problems = [problem for row in rows for problem in row.problems]
    lines = tuple(row.line for row in rows)
    warnings: list[InputWarning] = []
    good_rows = [row for row in rows if not row.problems]
    shared = _household_values(key, good_rows, problems) if good_rows else {}
    members = []
    for row in good_rows:
        member = _member(row, today, problems, warnings, key)
        if member is not None:
            members.append(member)
    if shared and len(good_rows) == len(rows):
        _check_household(key, shared, rows, printable, window_mm, problems)
    language = _language(key, shared.get("language", ""), lines, warnings) if shared else None
    if problems:
        return Rejection(key, tuple(problems), lines, tuple(warnings))
    return Household(
        household_id=key,
        head_name=shared["head_name"],
        postal_code=shared["postal_code"],
        address=shared["address"],
        address2=shared["address2"] or None,
        language=language,
        members=tuple(members),
        lines=lines,
        warnings=tuple(warnings),
    )


# Python's cp932 codec maps the bytes no character uses (0x80, 0xA0, 0xFD–0xFF) to U+0080 and
# U+F8F0–U+F8F3 instead of failing, so those count as undecodable too.
_UNDECODABLE = frozenset(chr(code) for code in range(0xDC80, 0xDD00)) | frozenset(
    "\u0080\uf8f0\uf8f1\uf8f2\uf8f3"
)


def _has_undecodable(text: str) -> bool:
    return any(char in _UNDECODABLE for char in text)


def _row(member_file: MemberFile, raw_row: _RawRow) -> _Row:
    columns = member_file.columns
    line, raw = raw_row.line, raw_row.cells
    if raw_row.unclosed_quote:
        return _Row(
            line,
            {},
            [
                Problem(
                    Code.BAD_ROW,
                    (line,),
                    f'{line}行目: 引用符「"」が閉じられていません。'
                    "この行を直してから出力し直してください（次の行からは読み続けます）。",
                    f'line {line}: a quote (") is opened but never closed; fix this row '
                    "(reading went on with the next line)",
                )
            ],
        )
    if raw_row.too_long:
        return _Row(
            line,
            {},
            [
                Problem(
                    Code.ROW_TOO_LONG,
                    (line,),
                    f"{line}行目: 1行が{MAX_ROW_LENGTH:,}文字を超えています。"
                    "この行の内容を確認して出力し直してください。",
                    f"line {line}: the row is longer than {MAX_ROW_LENGTH:,} characters; check "
                    "this row and export it again",
                )
            ],
        )
    if len(raw) != len(columns):
        return _Row(
            line,
            {},
            [
                Problem(
                    Code.BAD_ROW,
                    (line,),
                    f"{line}行目: 項目の数が{len(raw)}個で、見出しの{len(columns)}個と合いません。"
                    '区切りの「,」や引用符「"」を確認してください。',
                    f"line {line}: {len(raw)} cells where the header has {len(columns)}; "
                    'check the commas and quotes (")',
                )
            ],
        )
    problems = []
    cells: dict[str, str] = {}
    for name, value in zip(columns, raw, strict=True):
        if name not in COLUMN_NAMES_JA:
            continue  # an unknown column, reported once for the file
        if _has_undecodable(value):
            problems.append(
                Problem(
                    Code.BAD_ROW,
                    (line,),
                    f"{line}行目: {_col_ja(name)}に文字コードとして読めないバイトがあります。"
                    "UTF-8またはCP932で出力し直してください。",
                    f"line {line}: {name} holds bytes that are not valid text in "
                    f"{member_file.encoding}; export the file as UTF-8 or CP932",
                )
            )
            continue
        if len(value) > MAX_CELL_LENGTH:
            problems.append(
                Problem(
                    Code.BAD_ROW,
                    (line,),
                    f"{line}行目: {_col_ja(name)}が{MAX_CELL_LENGTH}文字を超えています。",
                    f"line {line}: {name} is longer than {MAX_CELL_LENGTH} characters",
                )
            )
            continue
        value = _clean(value)
        if name in NUMERIC_COLUMNS:
            value = value.translate(_NUMERIC_FOLD)
        cells[name] = value
    for name in OPTIONAL_COLUMNS:
        cells.setdefault(name, "")
    return _Row(line, cells, problems)


def _col_ja(name: str) -> str:
    return f"「{COLUMN_NAMES_JA[name]}」({name})"


def _missing(name: str, lines: tuple[int, ...]) -> Problem:
    where = lines_text(lines)
    return Problem(
        Code.MISSING_FIELD,
        lines,
        f"{where}行目: 必須項目{_col_ja(name)}が空です。",
        f"line {where}: required column {name} is empty",
    )


def _household_values(key: str, rows: list[_Row], problems: list[Problem]) -> dict[str, str]:
    """The household-level cells, equal on every row; an empty cell inherits from the others."""
    values: dict[str, str] = {}
    for name in HOUSEHOLD_COLUMNS:
        seen = {row.cells[name]: row.line for row in reversed(rows) if row.cells[name]}
        if len(seen) > 1:
            lines = tuple(row.line for row in rows if row.cells[name])
            where = lines_text(lines)
            problems.append(
                Problem(
                    Code.HOUSEHOLD_MISMATCH,
                    lines,
                    f"{where}行目: 同じ世帯の行で{_col_ja(name)}が異なります。"
                    "世帯の全行で同じ値にするか、2行目以降を空にしてください。",
                    f"lines {where}: {name} differs between rows of one household; "
                    "give every row the same value or leave it empty after the first",
                )
            )
        values[name] = min(seen, key=seen.get) if seen else ""
    for name in ("head_name", "postal_code", "address"):
        if not values[name]:
            problems.append(_missing(name, tuple(row.line for row in rows)))
    if not key:
        line = rows[0].line
        if not rows[0].cells["household_id"]:
            problems.append(_missing("household_id", (line,)))
        else:
            problems.append(
                Problem(
                    Code.BAD_FIELD,
                    (line,),
                    f"{line}行目: {_col_ja('household_id')}は半角英数字とハイフンで1〜20文字です。",
                    f"line {line}: household_id must be 1-20 of 0-9, A-Z, a-z and -",
                )
            )
    return values


def _parse_date(text: str) -> dt.date | None:
    match = re.fullmatch(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})", text)
    if not match:
        return None
    try:
        return dt.date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def _bad_date(line: int, name: str, why_ja: str, why_en: str) -> Problem:
    return Problem(
        Code.BAD_DATE,
        (line,),
        f"{line}行目: {_col_ja(name)}{why_ja}",
        f"line {line}: {name} {why_en}",
    )


def _member(
    row: _Row, today: dt.date, problems: list[Problem], warnings: list[InputWarning], key: str
) -> Member | None:
    cells, line = row.cells, row.line
    before = len(problems)
    for name in ("member_name", "birth_date", "insured_symbol", "insured_number"):
        if not cells[name]:
            problems.append(_missing(name, (line,)))
    birth = acquired = None
    if cells["birth_date"]:
        birth = _parse_date(cells["birth_date"])
        if birth is None:
            problems.append(
                _bad_date(
                    line,
                    "birth_date",
                    "が日付として読めないか、存在しない日付です（YYYY-MM-DD）。",
                    "is not a real date written YYYY-MM-DD or YYYY/MM/DD",
                )
            )
        elif birth > today:
            problems.append(_bad_date(line, "birth_date", "が未来の日付です。", "is in the future"))
        elif birth < dt.date(1873, 1, 1):
            problems.append(
                _bad_date(
                    line,
                    "birth_date",
                    "が1873年（明治6年）より前です。",
                    "is before 1873-01-01, when Japan adopted the Gregorian calendar",
                )
            )
    if cells["acquired_date"]:
        acquired = _parse_date(cells["acquired_date"])
        if acquired is None:
            problems.append(
                _bad_date(
                    line,
                    "acquired_date",
                    "が日付として読めないか、存在しない日付です（YYYY-MM-DD）。",
                    "is not a real date written YYYY-MM-DD or YYYY/MM/DD",
                )
            )
        elif birth is not None and acquired < birth:
            problems.append(
                _bad_date(line, "acquired_date", "が生年月日より前です。", "is before birth_date")
            )
    last4 = _mynumber_last4(cells, line, problems)
    branch = cells["insured_branch"] or None
    if branch is not None and not re.fullmatch(r"\d{2}", branch):
        problems.append(
            Problem(
                Code.BAD_FIELD,
                (line,),
                f"{line}行目: {_col_ja('insured_branch')}は2桁の数字です（例: 01）。",
                f"line {line}: insured_branch must be two digits (e.g. 01)",
            )
        )
    copay = None
    if cells["copay_ratio"]:
        ratio = cells["copay_ratio"].removesuffix("割")
        if ratio in ("1", "2", "3"):
            copay = int(ratio)
        else:
            problems.append(
                Problem(
                    Code.BAD_FIELD,
                    (line,),
                    f"{line}行目: {_col_ja('copay_ratio')}は1、2、3のいずれかです。",
                    f"line {line}: copay_ratio must be 1, 2 or 3",
                )
            )
    kana = _kana(cells["member_kana"], line, key, warnings)
    if len(problems) > before or birth is None:
        return None
    return Member(
        name=cells["member_name"],
        kana=kana,
        birth_date=birth,
        insured_symbol=cells["insured_symbol"],
        insured_number=cells["insured_number"],
        insured_branch=branch,
        acquired_date=acquired,
        copay_ratio=copay,
        mynumber_last4=last4,
        line=line,
    )


def _mynumber_last4(cells: dict[str, str], line: int, problems: list[Problem]) -> str | None:
    """The last four digits of the linked My Number. The full number goes no further than here."""
    full = cells["mynumber"]
    last4 = cells["mynumber_last4"] or None
    cells["mynumber"] = ""  # drop the full number as soon as it has been checked
    bad = []
    if full:
        if not (len(full) == 12 and full.isascii() and full.isdigit()):
            bad.append(("マイナンバーが12桁の数字ではありません", "mynumber is not 12 digits"))
        elif not mynumber.is_valid(full):
            bad.append(
                ("マイナンバーのチェックデジットが合いません", "mynumber fails its check digit")
            )
    if last4 is not None and not (len(last4) == 4 and last4.isascii() and last4.isdigit()):
        bad.append(("マイナンバー下4桁が4桁の数字ではありません", "mynumber_last4 is not 4 digits"))
    if not bad and full and last4 is not None and full[-4:] != last4:
        bad.append(("マイナンバーと下4桁が一致しません", "mynumber and mynumber_last4 disagree"))
    if bad:
        for ja, en in bad:
            problems.append(
                Problem(
                    Code.BAD_MYNUMBER,
                    (line,),
                    f"{line}行目: {ja}。登録内容を確認してください。",
                    f"line {line}: {en}; check the registered number",
                )
            )
        return None
    return full[-4:] if full else last4


def _kana(text: str, line: int, key: str, warnings: list[InputWarning]) -> str | None:
    if not text:
        return None
    # NFKC on the reading only: it turns half-width katakana (ﾔﾏﾀﾞ) into full-width (ヤマダ).
    # Names themselves are never normalised.
    kana = unicodedata.normalize("NFKC", text)
    if not all("\u30a0" <= char <= "\u30ff" or char in " 　" for char in kana):
        warnings.append(
            InputWarning(
                WarningCode.KANA_NOT_KATAKANA,
                (line,),
                key,
                f"{line}行目: {_col_ja('member_kana')}にカタカナ以外の文字があります（そのまま印字します）。",
                f"line {line}: member_kana holds characters other than katakana (printed as given)",
            )
        )
    return kana


def _language(
    key: str, value: str, lines: tuple[int, ...], warnings: list[InputWarning]
) -> str | None:
    if not value:
        return None
    code = _LANGUAGE_LOOKUP.get(value.replace("_", "-").lower())
    if code is None:
        warnings.append(
            InputWarning(
                WarningCode.UNKNOWN_LANGUAGE,
                lines[:1],
                key,
                f"{lines[0]}行目: {_col_ja('language')}の値は対応言語ではないため、日本語のみで作成します。",
                f"line {lines[0]}: language is not one noticegen writes; the notice is Japanese only",
            )
        )
        return None
    return code or None


def _check_household(
    key: str,
    shared: dict[str, str],
    rows: list[_Row],
    printable: Printable,
    window_mm: tuple[float, float],
    problems: list[Problem],
) -> None:
    written = shared["postal_code"]
    if written:
        digits = written[:3] + written[4:] if len(written) == 8 and written[3] == "-" else written
        if (
            len(digits) == 7
            and digits.isascii()
            and digits.isdigit()
            and not postal.is_known(digits)
        ):
            line = next(row.line for row in rows if row.cells["postal_code"])
            problems.append(
                Problem(
                    Code.BAD_POSTAL_CODE,
                    (line,),
                    f"{line}行目: {_col_ja('postal_code')}は日本郵便の郵便番号データにありません。"
                    "番号を確認してください。",
                    f"line {line}: postal_code is not in Japan Post's postal-code data; check it",
                )
            )
        elif len(digits) == 7 and digits.isascii() and digits.isdigit():
            shared["postal_code"] = digits
        else:
            line = next(row.line for row in rows if row.cells["postal_code"])
            problems.append(
                Problem(
                    Code.BAD_POSTAL_CODE,
                    (line,),
                    f"{line}行目: {_col_ja('postal_code')}は7桁の数字です（例: 173-0004）。",
                    f"line {line}: postal_code must be 7 digits (e.g. 173-0004)",
                )
            )
    # A household-level cell is checked once, on the row that gives it.
    givers = {name: _first_with(rows, name) for name in HOUSEHOLD_COLUMNS}
    for row in rows:
        for name in TEXT_COLUMNS:
            text = row.cells[name]
            if name in givers and row is not givers[name]:
                continue
            for position, what in printable.unprintable(text):
                problems.append(
                    Problem(
                        Code.UNPRINTABLE_CHAR,
                        (row.line,),
                        f"{row.line}行目: {_col_ja(name)}の{position}文字目 {what} は"
                        "印字できません。標準の文字（JIS X 0213の範囲）に置き換えてください。",
                        f"line {row.line}: character {position} of {name}, {what}, cannot be "
                        "printed by any configured font; replace it with a standard character",
                    )
                )
    if problems or not shared["address"] or not shared["head_name"]:
        return
    try:
        addressblock.lay_out(
            shared["postal_code"],
            shared["address"],
            shared["address2"] or None,
            shared["head_name"],
            *window_mm,
        )
    except addressblock.AddressTooLongError as error:
        line = _first_with(rows, error.field).line
        problems.append(
            Problem(
                Code.ADDRESS_TOO_LONG,
                (line,),
                f"{line}行目: 宛名（住所・方書・世帯主氏名）が封筒の窓に収まりません。"
                f"{_col_ja(error.field)}を短くしてください（都道府県名や区市町村名は省略できます）。",
                f"line {line}: the address block does not fit the envelope window; shorten "
                f"{error.field} (the prefecture and city may be left out)",
            )
        )


def _first_with(rows: list[_Row], name: str) -> _Row:
    return next((row for row in rows if row.cells.get(name)), rows[0])
