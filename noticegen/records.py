"""The member file: from bytes to households, or to rejections a clerk can act on.

This is the only module that ever sees a full My Number. It checks the number's check digit, keeps
the last four digits and drops the rest before anything else is built. It parses; what is wrong
with what it parsed is decided by the rules in `noticegen.rules`, whose one table holds every
message. Messages name columns, lines and code points, never a cell's value, so a report or a log
carries no personal data.

The file is read twice, as a stream: once for the household ids (to find households whose rows are
not contiguous, which must be rejected whole rather than half printed), then for the households.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import itertools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from noticegen import locales, mynumber, rules
from noticegen.rules import COLUMN_NAMES_JA, HOUSEHOLD_ID, InputWarning, Printable, Problem

# The rules' vocabulary, which callers of the reader use too.
from noticegen.rules import HOUSEHOLD_COLUMNS as HOUSEHOLD_COLUMNS
from noticegen.rules import TEXT_COLUMNS as TEXT_COLUMNS
from noticegen.rules import Code as Code
from noticegen.rules import WarningCode as WarningCode
from noticegen.rules import lines_text as lines_text

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
# The spellings of a `language` cell, lower-cased, and the locale each means; Japanese (the notice's
# own language) means no translated part ("").
_LANGUAGE_LOOKUP = {
    spelling: "" if locale.code == locales.SOURCE else locale.code
    for locale in locales.ALL
    for spelling in (locale.code.lower(), *locale.aliases)
}

_NUMERIC_FOLD = str.maketrans(
    "０１２３４５６７８９－‐‑‒–—―−ー／", "0123456789---------/"
)  # fmt: skip
_CELL_SPACE = " \t\r\n\v\f\u3000"


class InputError(Exception):
    """The file cannot be read as a member file at all (a usage error: exit 2, nothing written)."""


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
    language: str | None  # one of locales.TRANSLATED; None: Japanese only
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


def _open_text(path: Path, encoding: str, digest=None):
    """The file as text. With `digest` (a hashlib object), every byte read from the file is fed
    to it, so a caller knows the digest of exactly the bytes this reading saw."""
    if digest is None:
        # surrogateescape keeps undecodable bytes visible as U+DC80–U+DCFF, so one bad row becomes
        # a BAD_ROW rejection instead of failing the whole file.
        return open(path, encoding=encoding, errors="surrogateescape", newline="")
    raw = _HashingReader(open(path, "rb", buffering=0), digest)  # noqa: SIM115 (closed by the caller)
    return io.TextIOWrapper(
        io.BufferedReader(raw), encoding=encoding, errors="surrogateescape", newline=""
    )


class _HashingReader(io.RawIOBase):
    """A binary file whose bytes, as they are read, also go to a digest."""

    def __init__(self, raw, digest) -> None:
        self._raw, self._digest = raw, digest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        count = self._raw.readinto(buffer)
        if count:
            self._digest.update(memoryview(buffer)[:count])
        return count

    def drain(self) -> None:
        """The rest of the file into the digest (a reading that stopped early, e.g. --limit)."""
        while block := self._raw.read(1 << 20):
            self._digest.update(block)

    def close(self) -> None:
        self._raw.close()
        super().close()


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
            rules.warning(
                "unknown_columns",
                (1,),
                "",
                columns_ja=_columns_text(unknown, japanese=True),
                columns_en=_columns_text(unknown),
            )
        )
    if chosen == "cp932" and encoding is None:
        warnings.append(rules.warning("decoded_as_cp932", (), ""))
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


def _rows(member_file: MemberFile, digest=None) -> Iterator[_RawRow]:
    """Every data row (the header skipped, blank lines dropped); with `digest`, the whole file's
    bytes go to it as they are read (see _open_text), even when the caller stops early."""
    with _open_text(member_file.path, member_file.encoding, digest) as stream:
        try:
            records = _records(stream)
            next(records, None)
            for row in records:
                if row.unclosed_quote or row.too_long or any(map(_clean, row.cells)):
                    yield row
        finally:
            if digest is not None:
                stream.buffer.raw.drain()


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


def _blocks(member_file: MemberFile, digest=None) -> Iterator[_Block]:
    """Contiguous runs of rows with the same household id, and runs of rows with none."""
    block: _Block | None = None
    id_index = member_file.columns.index("household_id")
    for row in _rows(member_file, digest):
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


@dataclass(frozen=True)
class _Judging:
    """What judging a household needs besides its rows."""

    printable: Printable
    today: dt.date  # a birth date after it is in the future
    reference: dt.date  # ages and 負担割合 are taken on this day (基準日)
    window_mm: tuple[float, float]


def read(
    member_file: MemberFile,
    printable: Printable,
    today: dt.date,
    window_mm: tuple[float, float],
    *,
    reference: dt.date | None = None,
    digest=None,
) -> Iterator[Household | Rejection]:
    """Every household of the file in file order, each as a Household or a Rejection.

    `window_mm` is the envelope window's (width, height), which decides whether an address fits;
    `reference` is the configuration's reference date (`[dates] reference`), `today` when None.
    With `digest` (a hashlib object), the bytes the households are read from go to it: a caller
    compares it with the file's digest to know they were the bytes it meant.
    """
    judging = _Judging(printable, today, reference or today, window_mm)
    split = _split_households(member_file)
    reported_split: set[str] = set()
    for block in _blocks(member_file, digest):
        if block.key in split:
            if block.key not in reported_split:
                reported_split.add(block.key)
                yield _split_rejection(block.key, split[block.key])
        elif not block.key:
            yield _unreadable_rejection(member_file, block, judging)
        elif block.count > MAX_HOUSEHOLD_ROWS:
            yield _too_large_rejection(block)
        else:
            yield _household(member_file, block.key, block.rows, judging)


def read_all(
    member_file: MemberFile,
    printable: Printable,
    today: dt.date,
    window_mm: tuple[float, float],
    *,
    reference: dt.date | None = None,
) -> tuple[list[Household], list[Rejection]]:
    households: list[Household] = []
    rejections: list[Rejection] = []
    for outcome in read(member_file, printable, today, window_mm, reference=reference):
        (households if isinstance(outcome, Household) else rejections).append(outcome)
    return households, rejections


def _split_rejection(household_id: str, split: _Split) -> Rejection:
    lines = tuple(split.lines)
    found = rules.problem(
        "household_split", lines, row_count=split.count, household_id=household_id
    )
    return Rejection(household_id, (found,), lines, row_count=split.count)


def _too_large_rejection(block: _Block) -> Rejection:
    found = rules.problem(
        "household_too_large",
        block.lines,
        household_id=block.key,
        rows=block.count,
        limit=MAX_HOUSEHOLD_ROWS,
    )
    return Rejection(block.key, (found,), block.lines, row_count=block.count)


def _unreadable_rejection(member_file: MemberFile, block: _Block, judging: _Judging) -> Rejection:
    """Rows whose household id cannot be read: each is a household of its own, but a run of them
    (the lines of a broken cell, a file of garbage) is one rejection, listing its first rows."""
    listed: list[Problem] = []
    for raw in block.rows[:LISTED_UNREADABLE_ROWS]:
        outcome = _household(member_file, "", [raw], judging)
        assert isinstance(outcome, Rejection)  # a row without an id is never a household
        listed.extend(outcome.problems)
    if block.count == 1:
        return Rejection("", tuple(listed), block.lines)
    # The run comes first, so that rejected.csv's line and code describe all of it.
    more = block.count > LISTED_UNREADABLE_ROWS
    run = rules.problem(
        "unreadable_run",
        block.lines,
        rows=block.count,
        listed_ja=f"（最初の{LISTED_UNREADABLE_ROWS}行の問題を挙げます）" if more else "",
        listed_en=f" (the problems of the first {LISTED_UNREADABLE_ROWS} follow)" if more else "",
    )
    return Rejection("", (run, *listed), block.lines, row_count=block.count)


def _household(
    member_file: MemberFile, key: str, block: list[_RawRow], judging: _Judging
) -> Household | Rejection:
    """One household's rows judged by every rule (noticegen.rules), then built or rejected."""
    rows = [_row(member_file, raw) for raw in block]
    lines = tuple(row.line for row in rows)
    findings: list[Problem | InputWarning] = [p for row in rows for p in row.problems]
    last4s = {row.line: _linked_last4(row, findings) for row in rows if not row.problems}
    facts = rules.HouseholdFacts(
        key,
        tuple(
            rules.RowFacts(row.line, row.cells, judging.today, judging.reference, key)
            for row in rows
            if not row.problems
        ),
        judging.printable,
        judging.window_mm,
        _LANGUAGE_LOOKUP,
    )
    if facts.rows:
        findings += rules.judge(facts)
    problems = tuple(finding for finding in findings if isinstance(finding, Problem))
    warnings = tuple(finding for finding in findings if isinstance(finding, InputWarning))
    if problems:
        return Rejection(key, problems, lines, warnings)
    language = facts.value("language")
    return Household(
        household_id=key,
        head_name=facts.value("head_name"),
        postal_code=rules.postal_digits(facts.value("postal_code")) or "",
        address=facts.value("address"),
        address2=facts.value("address2") or None,
        language=(rules.language_code(facts, language) or None) if language else None,
        members=tuple(_member(row, last4s[row.line]) for row in facts.rows),
        lines=lines,
        warnings=warnings,
    )


def _member(row: rules.RowFacts, last4: str | None) -> Member:
    cells = row.cells
    birth = rules.birth_date(row)
    assert birth is not None  # a row without a real birth date has a problem
    return Member(
        name=cells["member_name"],
        kana=rules.reading(cells["member_kana"]),
        birth_date=birth,
        insured_symbol=cells["insured_symbol"],
        insured_number=cells["insured_number"],
        insured_branch=cells["insured_branch"] or None,
        acquired_date=rules.parse_date(cells["acquired_date"]) if cells["acquired_date"] else None,
        copay_ratio=rules.copay_ratio(row),
        mynumber_last4=last4,
        line=row.line,
    )


# Python's cp932 codec maps the bytes no character uses (0x80, 0xA0, 0xFD–0xFF) to U+0080 and
# U+F8F0–U+F8F3 instead of failing, so those count as undecodable too.
_UNDECODABLE = frozenset(chr(code) for code in range(0xDC80, 0xDD00)) | frozenset(
    "\u0080\uf8f0\uf8f1\uf8f2\uf8f3"
)


def _has_undecodable(text: str) -> bool:
    return any(char in _UNDECODABLE for char in text)


def _row(member_file: MemberFile, raw_row: _RawRow) -> _Row:
    """A record's cells by column, cleaned, or the structural problem that keeps it from being
    read (its quoting, length, cell count, bytes)."""
    columns = member_file.columns
    line, raw = raw_row.line, raw_row.cells
    if raw_row.unclosed_quote:
        return _Row(line, {}, [rules.problem("unclosed_quote", (line,))])
    if raw_row.too_long:
        return _Row(line, {}, [rules.problem("row_too_long", (line,), limit=MAX_ROW_LENGTH)])
    if len(raw) != len(columns):
        return _Row(
            line,
            {},
            [rules.problem("cell_count", (line,), cells=len(raw), columns=len(columns))],
        )
    problems = []
    cells: dict[str, str] = {}
    for name, value in zip(columns, raw, strict=True):
        if name not in COLUMN_NAMES_JA:
            continue  # an unknown column, reported once for the file
        if _has_undecodable(value):
            problems.append(
                rules.problem("undecodable", (line,), column=name, encoding=member_file.encoding)
            )
            continue
        if len(value) > MAX_CELL_LENGTH:
            problems.append(
                rules.problem("cell_too_long", (line,), column=name, limit=MAX_CELL_LENGTH)
            )
            continue
        value = _clean(value)
        if name in NUMERIC_COLUMNS:
            value = value.translate(_NUMERIC_FOLD)
        cells[name] = value
    for name in OPTIONAL_COLUMNS:
        cells.setdefault(name, "")
    return _Row(line, cells, problems)


def _linked_last4(row: _Row, findings: list[Problem | InputWarning]) -> str | None:
    """The last four digits of the linked My Number, after checking the full number when the row
    gives one. The full number goes no further than here: its cell is emptied at once, so the
    rules and everything after them never see it."""
    cells, line = row.cells, row.line
    full, last4 = cells["mynumber"], cells["mynumber_last4"]
    cells["mynumber"] = ""  # drop the full number as soon as it has been read
    bad = []
    if full:
        if not (len(full) == 12 and full.isascii() and full.isdigit()):
            bad.append("mynumber_not_12_digits")
        elif not mynumber.is_valid(full):
            bad.append("mynumber_check_digit")
    if last4 and not (len(last4) == 4 and last4.isascii() and last4.isdigit()):
        bad.append("last4_not_4_digits")
    if not bad and full and last4 and full[-4:] != last4:
        bad.append("mynumber_last4_disagree")
    findings.extend(rules.problem(key, (line,)) for key in bad)
    if bad:
        return None
    return full[-4:] if full else (last4 or None)
