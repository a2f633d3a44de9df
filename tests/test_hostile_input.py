"""The reader against hostile member files: no message quotes a cell, memory stays bounded, and
every row still ends in exactly one outcome.

The files come from tests/hostile_files.py (bench/hostile_input.py times the same files). Memory
is the peak resident size of a real `noticegen check` process, as the kernel counts it (VmHWM), read
as the process ends.
"""

from __future__ import annotations

import csv
import doctest
import io
from pathlib import Path

import pytest

from noticegen import records, report, spreadsheet
from noticegen.records import Code, InputError
from tests import hostile_files
from tests.hostile_files import CheckRun, run_check
from tests.records_helpers import (
    COLUMNS,
    csv_text,
    later_row,
    member_row,
    only_household,
    only_rejection,
    read,
)
from tests.test_batch import read_csv, run_batch

# A `noticegen check` process reading any of these files stays under this. Python, noticegen and
# its fonts' coverage take about 60 MiB; the reader before these limits took 460 MiB and more
# (one household of 200,000 rows) and 750 MiB (a million line breaks in one cell).
PEAK_MEMORY_LIMIT_MIB = 160


@pytest.fixture
def member_csv(tmp_path) -> Path:
    return tmp_path / "members.csv"


@pytest.fixture(scope="module")
def hostile_folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("hostile")


def assert_quotes_nothing(text: str, secrets=hostile_files.SECRETS) -> None:
    for secret in secrets:
        assert secret not in text, f"a message quotes {secret!r}"


# ---------------------------------------------------------------------------------------------
# The header


@pytest.mark.parametrize("maker", [hostile_files.joined_header, hostile_files.joined_header_alone])
def test_a_header_that_lost_its_line_break_is_refused_without_quoting_it(hostile_folder, maker):
    hostile = maker(hostile_folder)
    with pytest.raises(InputError) as raised:
        records.open_member_file(hostile.path)
    message = str(raised.value)
    assert "line break" in message
    assert_quotes_nothing(message)
    run = run_check(hostile.path, hostile_folder / f"{hostile.path.stem}-report.csv")
    assert run.status == 2
    assert run.stdout == "" and run.stderr.count("\n") == 1
    assert_quotes_nothing(run.stderr)
    assert not (hostile_folder / f"{hostile.path.stem}-report.csv").exists()


def test_a_known_column_named_twice_is_named_by_its_positions(hostile_folder):
    hostile = hostile_files.duplicate_header_cells(hostile_folder)
    with pytest.raises(InputError) as raised:
        records.open_member_file(hostile.path)
    message = str(raised.value)
    assert "member_name in columns 7 (G), 19 (S)" in message
    assert_quotes_nothing(message)


def test_equal_unknown_header_cells_are_one_warning_by_position(hostile_folder):
    hostile = hostile_files.duplicate_unknown_header_cells(hostile_folder)
    member_file, outcomes = read(hostile.path)
    (warning,) = member_file.warnings
    assert warning.code == records.WarningCode.UNKNOWN_COLUMN
    assert "17 (Q), 18 (R)" in warning.message_en and "17列目(Q)、18列目(R)" in warning.message_ja
    assert_quotes_nothing(warning.message)
    only_household(outcomes, "H0001")


def test_a_data_row_shorter_than_the_header_is_a_bad_row_not_a_joined_header(member_csv):
    # One short row after the header is an export fault in that row, not a lost line break.
    member_csv.write_text(
        csv_text([list(member_row("H0001").values())[:-1], member_row("H0002")]),
        encoding="utf-8",
    )
    _, outcomes = read(member_csv)
    assert only_rejection(outcomes, "H0001").code == Code.BAD_ROW
    only_household(outcomes, "H0002")


# ---------------------------------------------------------------------------------------------
# A cell, a row, a household: each limit with its code


def test_a_row_over_the_row_limit_rejects_its_own_household_by_id(member_csv):
    long_unknown = "x" * (records.MAX_ROW_LENGTH + 10)
    fits = "x" * (records.MAX_ROW_LENGTH - 1000)
    rows = [
        dict(member_row("H0001"), note=fits),
        dict(member_row("H0002"), note=long_unknown),
        dict(member_row("H0003"), note=""),
    ]
    member_csv.write_text(csv_text(rows, [*COLUMNS, "note"]), encoding="utf-8")
    _, outcomes = read(member_csv)
    only_household(outcomes, "H0001")  # an unknown column may be long; the row still fits
    rejection = only_rejection(outcomes, "H0002")
    assert rejection.code == Code.ROW_TOO_LONG and rejection.lines == (3,)
    assert "65,536" in rejection.message
    only_household(outcomes, "H0003")


def test_a_household_of_the_most_rows_the_branch_numbers_allow_is_read(member_csv):
    limit = records.MAX_HOUSEHOLD_ROWS
    rows = [member_row("H0001")] + [
        later_row("H0001", insured_branch=f"{n:02d}") for n in range(2, limit + 1)
    ]
    member_csv.write_text(csv_text([*rows, member_row("H0002")]), encoding="utf-8")
    _, outcomes = read(member_csv)
    assert len(only_household(outcomes, "H0001").members) == limit
    member_csv.write_text(
        csv_text([*rows, later_row("H0001"), member_row("H0002")]), encoding="utf-8"
    )
    _, outcomes = read(member_csv)
    rejection = only_rejection(outcomes, "H0001")
    assert rejection.code == Code.HOUSEHOLD_TOO_LARGE and rejection.rows == limit + 1
    assert records.lines_text(rejection.lines) == f"2-{limit + 2}"
    only_household(outcomes, "H0002")


def test_a_cell_over_the_cell_limit_stays_a_bad_row(member_csv):
    rows = [member_row("H0001", address2="あ" * (records.MAX_CELL_LENGTH + 1))]
    member_csv.write_text(csv_text(rows), encoding="utf-8")
    _, outcomes = read(member_csv)
    assert only_rejection(outcomes, "H0001").code == Code.BAD_ROW


def test_a_run_of_rows_without_an_id_is_one_rejection_listing_its_first_rows(member_csv):
    garbage = "\r\n".join(f"壊れた行{n};{n}" for n in range(25)) + "\r\n"
    text = csv_text([member_row("H0001")]) + garbage + csv_text([member_row("H0002")], header=[])
    member_csv.write_text(text.replace("\r\n\r\n", "\r\n"), encoding="utf-8")
    _, outcomes = read(member_csv)
    assert [o.household_id for o in outcomes] == ["H0001", "", "H0002"]
    run = outcomes[1]
    assert run.rows == 25 and records.lines_text(run.lines) == "3-27"
    assert len(run.problems) == 1 + records.LISTED_UNREADABLE_ROWS
    assert run.code == Code.BAD_ROW and records.lines_text(run.problems[0].lines) == "3-27"
    assert "25 rows in a row" in run.problems[0].message_en


# ---------------------------------------------------------------------------------------------
# Large hostile files, read by a real `check` process


@pytest.fixture(scope="module")
def big_cell_run(hostile_folder):
    hostile = hostile_files.big_cell(hostile_folder, megabytes=5)
    return run_check(hostile.path, hostile_folder / "big-cell-report.csv")


@pytest.fixture(scope="module")
def line_breaks_run(hostile_folder):
    hostile = hostile_files.line_breaks_in_a_cell(hostile_folder, breaks=1_000_000)
    return run_check(hostile.path, hostile_folder / "line-breaks-report.csv")


@pytest.fixture(scope="module")
def large_household_run(hostile_folder):
    hostile = hostile_files.one_large_household(hostile_folder, rows=200_000)
    return run_check(hostile.path, hostile_folder / "large-household-report.csv")


@pytest.fixture(scope="module")
def garbage_run(hostile_folder):
    hostile = hostile_files.garbage_lines(hostile_folder, lines=200_000)
    return run_check(hostile.path, hostile_folder / "garbage-report.csv")


def summary_counts(run: CheckRun) -> str:
    return run.stdout.strip().splitlines()[-2]


def test_a_5_mb_cell_rejects_its_household_as_a_row_too_long(big_cell_run):
    run = big_cell_run
    assert run.status == 3
    assert [(row["household_id"], row["code"], row["line"]) for row in run.report_rows] == [
        ("H0002", "ROW_TOO_LONG", "3")
    ]
    assert "3 households (3 members): 2 accepted, 1 rejected" in summary_counts(run)
    assert_quotes_nothing(run.stdout + run.stderr)
    assert run.peak_mib < PEAK_MEMORY_LIMIT_MIB


def test_a_million_line_breaks_in_one_cell_are_one_rejection(line_breaks_run):
    run = line_breaks_run
    assert run.status == 3
    found = [(row["household_id"], row["code"], row["line"]) for row in run.report_rows]
    assert found == [("H0002", "BAD_ROW", "3"), ("", "BAD_ROW", "4-1000003")]
    assert "1,000,000 rows in a row" in run.report_rows[1]["message"]
    assert "4 households (1000003 members): 2 accepted, 2 rejected" in summary_counts(run)
    assert run.report_bytes < 10_000
    assert_quotes_nothing(run.stdout + run.stderr)
    assert run.peak_mib < PEAK_MEMORY_LIMIT_MIB


def test_200_000_rows_of_one_household_are_one_rejection(large_household_run):
    run = large_household_run
    assert run.status == 3
    assert [(row["household_id"], row["code"], row["line"]) for row in run.report_rows] == [
        ("H0001", "HOUSEHOLD_TOO_LARGE", "2-200001")
    ]
    assert "200,000 rows" in run.report_rows[0]["message"]
    assert "1 households (200000 members): 0 accepted, 1 rejected" in summary_counts(run)
    assert_quotes_nothing(run.stdout + run.stderr + run.report_rows[0]["message"])
    assert run.peak_mib < PEAK_MEMORY_LIMIT_MIB


def test_200_000_lines_without_an_id_are_one_rejection(garbage_run):
    run = garbage_run
    found = [(row["household_id"], row["code"], row["line"]) for row in run.report_rows]
    assert found == [("", "BAD_ROW", "3-200002")]
    assert "3 households (200002 members): 2 accepted, 1 rejected" in summary_counts(run)
    assert_quotes_nothing(run.stdout + run.stderr)
    assert run.peak_mib < PEAK_MEMORY_LIMIT_MIB


# ---------------------------------------------------------------------------------------------
# Reports a spreadsheet opens


def test_cells_a_spreadsheet_would_evaluate_are_written_inert():
    for value in ("-1-1", "=1+1", "+81", "@SUM(A1)", "\t=1", "\r=1"):
        assert spreadsheet.inert(value) == "'" + value
    for value in ("H0001", "1-1", "", "見本", 3, "'quoted"):
        assert spreadsheet.inert(value) == value


def test_rejected_csv_makes_a_household_id_starting_with_a_minus_inert(member_csv):
    member_csv.write_text(
        csv_text([member_row("-1-1", birth_date="x"), member_row("H0002")]), encoding="utf-8"
    )
    _, outcomes = read(member_csv)
    rejection = only_rejection(outcomes, "-1-1")
    (row,) = list(csv.DictReader(io.StringIO(report.rejected_csv([rejection]).decode("utf-8-sig"))))
    assert row["household_id"] == "'-1-1" and row["code"] == "BAD_DATE"


@pytest.mark.parametrize("module", [records, spreadsheet])
def test_docstring_examples(module):
    failed, attempted = doctest.testmod(module)
    assert attempted > 0 and failed == 0


def test_the_batch_writes_ids_starting_with_a_minus_inert_and_reconciles(tmp_path):
    source = tmp_path / "members.csv"
    source.write_text(
        csv_text([member_row("-1-1"), member_row("H0002"), member_row("-2", birth_date="x")]),
        encoding="utf-8",
    )
    outdir = tmp_path / "out"
    result = run_batch(outdir, "--workers", "1", input_path=source)
    assert result.returncode == 3, result.stderr
    manifest = read_csv(outdir / "manifest.csv")
    assert sorted(row["household_id"] for row in manifest) == ["'-1-1", "H0002"]
    (rejected,) = read_csv(outdir / "rejected.csv", encoding="utf-8-sig")
    assert rejected["household_id"] == "'-2"


def test_the_batch_refuses_a_symlinked_output_folder(tmp_path):
    target = tmp_path / "elsewhere"
    target.mkdir(mode=0o755)
    target.chmod(0o755)
    link = tmp_path / "out"
    link.symlink_to(target)
    result = run_batch(link, "--workers", "1")
    assert result.returncode == 2
    assert "symbolic link" in result.stderr
    assert list(target.iterdir()) == []
    assert target.stat().st_mode & 0o777 == 0o755
