"""Member files a hostile tester (or a broken export) makes, for the reader's tests and its bench.

Each maker writes one file and returns what a run on it must never show: the personal data in its
cells (a full My Number, names, an address, a birth date). Sizes are parameters, so the tests and
`bench/hostile_input.py` run the same files, the bench also at several sizes to show the reading
time grows linearly.
"""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.records_helpers import (
    COLUMNS,
    csv_text,
    later_row,
    member_row,
    mynumber_with_check_digit,
)

# Personal data that no message, report or page may quote.
SECRET_NAME = "秘密 花子"
SECRET_KANA = "ヒミツ ハナコ"
SECRET_ADDRESS = "東京都板橋区大山町9番9号"
SECRET_BIRTH = "1961-07-13"
SECRET_MYNUMBER = mynumber_with_check_digit("82739164550")
SECRETS = (SECRET_NAME, SECRET_KANA, SECRET_ADDRESS, SECRET_BIRTH, SECRET_MYNUMBER)


def secret_row(household_id: str = "H0001", **cells: str) -> dict[str, str]:
    return member_row(
        household_id,
        head_name=SECRET_NAME,
        member_name=SECRET_NAME,
        member_kana=SECRET_KANA,
        address=SECRET_ADDRESS,
        birth_date=SECRET_BIRTH,
        mynumber=SECRET_MYNUMBER,
        **cells,
    )


@dataclass(frozen=True)
class Hostile:
    name: str
    path: Path
    secrets: tuple[str, ...] = SECRETS


@dataclass(frozen=True)
class CheckRun:
    status: int
    stdout: str
    stderr: str
    report_rows: list[dict]
    report_bytes: int
    peak_mib: float


# Runs `noticegen` and, as the process ends, writes its peak resident memory (VmHWM: the kernel's
# high-water mark of this process's own memory since it started) to the file NOTICEGEN_PEAK_FILE
# names. Not wait4's ru_maxrss: Linux carries that over from the parent across fork and exec, so a
# child of a large test process would report the test process's size.
_MEASURED_MAIN = """
import atexit, os, runpy, sys

def report_peak():
    with open("/proc/self/status", encoding="ascii") as status:
        peak = next(line for line in status if line.startswith("VmHWM:"))
    with open(os.environ["NOTICEGEN_PEAK_FILE"], "w", encoding="ascii") as out:
        out.write(peak.split()[1])

atexit.register(report_peak)
sys.argv[0] = "noticegen"
runpy.run_module("noticegen", run_name="__main__", alter_sys=True)
"""


def run_check(path: Path, report_path: Path) -> CheckRun:
    """`noticegen check PATH --report REPORT` in a process of its own, with its peak memory."""
    peak_file = report_path.with_name(report_path.name + ".peak")
    result = subprocess.run(
        [sys.executable, "-c", _MEASURED_MAIN, "check", str(path), "--report", str(report_path)],
        capture_output=True,
        env={**os.environ, "PYTHONIOENCODING": "utf-8", "NOTICEGEN_PEAK_FILE": str(peak_file)},
        timeout=300,
    )
    rows: list[dict] = []
    size = 0
    if report_path.exists():
        data = report_path.read_bytes()
        size = len(data)
        rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    return CheckRun(
        result.returncode,
        result.stdout.decode("utf-8"),
        result.stderr.decode("utf-8"),
        rows,
        size,
        int(peak_file.read_text(encoding="ascii")) / 1024,  # VmHWM is in kB
    )


def joined_header(folder: Path) -> Hostile:
    """The header line lacks its line break: the first data row joins the header."""
    text = csv_text([secret_row("H0001"), member_row("H0002"), member_row("H0003")])
    header, rest = text.split("\r\n", 1)
    path = folder / "joined-header.csv"
    path.write_text(header + "," + rest, encoding="utf-8")
    return Hostile("joined header", path)


def joined_header_alone(folder: Path) -> Hostile:
    """The same, in a file of one household: nothing after the joined line to compare it with,
    and two of the joined cells are equal (head_name and member_name)."""
    text = csv_text([secret_row("H0001")])
    path = folder / "joined-header-alone.csv"
    path.write_text(text.replace("\r\n", ",", 1), encoding="utf-8")
    return Hostile("joined header, one row", path)


def duplicate_header_cells(folder: Path) -> Hostile:
    """Two unknown header cells hold the same text (a name), and a known column is named twice."""
    header = [*COLUMNS, SECRET_NAME, SECRET_NAME, "member_name"]
    row = list(member_row("H0001").values())
    path = folder / "duplicate-header.csv"
    path.write_text(csv_text([[*row, "", "", "x"]], header=header), encoding="utf-8")
    return Hostile("duplicate header cells", path)


def duplicate_unknown_header_cells(folder: Path) -> Hostile:
    header = [*COLUMNS, SECRET_NAME, SECRET_NAME]
    row = list(member_row("H0001").values())
    path = folder / "duplicate-unknown-header.csv"
    path.write_text(csv_text([[*row, "", ""]], header=header), encoding="utf-8")
    return Hostile("duplicate unknown header cells", path)


def big_cell(folder: Path, megabytes: float = 5) -> Hostile:
    """One household's 方書 is megabytes long, on one physical line."""
    filler = "あ" * int(megabytes * 1024 * 1024 / 3)
    rows = [member_row("H0001"), secret_row("H0002", address2=filler), member_row("H0003")]
    path = folder / f"cell-{megabytes:g}mb.csv"
    path.write_text(csv_text(rows), encoding="utf-8")
    return Hostile(f"{megabytes:g} MB cell", path)


def line_breaks_in_a_cell(folder: Path, breaks: int = 1_000_000) -> Hostile:
    """One quoted cell holds a million line breaks (each line a short text)."""
    cell = "\n".join(["見本"] * (breaks + 1))
    rows = [member_row("H0001"), secret_row("H0002", address2=cell), member_row("H0003")]
    path = folder / f"line-breaks-{breaks}.csv"
    path.write_text(csv_text(rows), encoding="utf-8")
    return Hostile(f"{breaks:,} line breaks in one quoted cell", path)


def one_large_household(folder: Path, rows: int = 200_000) -> Hostile:
    """One household id on every row; written in blocks, so making it takes little memory."""
    path = folder / f"household-{rows}.csv"
    later = list(later_row("H0001", member_name=SECRET_NAME).values())
    with open(path, "w", encoding="utf-8", newline="") as stream:
        stream.write(csv_text([secret_row("H0001")]))
        block = io.StringIO(newline="")
        csv.writer(block, lineterminator="\r\n").writerows([later] * 1000)
        full, rest = divmod(rows - 1, 1000)
        for _ in range(full):
            stream.write(block.getvalue())
        tail = io.StringIO(newline="")
        csv.writer(tail, lineterminator="\r\n").writerows([later] * rest)
        stream.write(tail.getvalue())
    return Hostile(f"{rows:,} rows of one household", path)


def garbage_lines(folder: Path, lines: int = 200_000) -> Hostile:
    """After one good household, lines with no household id: a binary file appended to a CSV."""
    path = folder / f"garbage-{lines}.csv"
    with open(path, "w", encoding="utf-8", newline="") as stream:
        stream.write(csv_text([member_row("H0001")]))
        stream.write(f"{SECRET_NAME};{SECRET_MYNUMBER}\r\n" * lines)
        stream.write(csv_text([member_row("H0002")]).split("\r\n", 1)[1])
    return Hostile(f"{lines:,} lines without a household id", path)


MAKERS: dict[str, Callable[[Path], Hostile]] = {
    "joined-header": joined_header,
    "joined-header-alone": joined_header_alone,
    "duplicate-header": duplicate_header_cells,
    "duplicate-unknown-header": duplicate_unknown_header_cells,
    "big-cell": big_cell,
    "line-breaks": line_breaks_in_a_cell,
    "large-household": one_large_household,
    "garbage": garbage_lines,
}
