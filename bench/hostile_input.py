"""The member-file reader on hostile files: time and peak memory of `noticegen check` on each.

    .venv/bin/python bench/hostile_input.py [--quick]

Every file of tests/hostile_files.py is checked by a `noticegen check` process of its own, whose
peak resident memory the kernel reports (VmHWM). One household of 8,000 to 200,000 rows shows how
the time grows with the rows (linear: the rows per second stay level), beside a baseline in the
same run: a well-formed file of as many rows in ordinary households of 1-4 members.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests import hostile_files
from tests.records_helpers import csv_text, later_row, member_row


def well_formed(folder: Path, rows: int) -> hostile_files.Hostile:
    """Ordinary households of 1-4 members, `rows` rows in all: the baseline."""
    path = folder / f"well-formed-{rows}.csv"
    with open(path, "w", encoding="utf-8", newline="") as stream:
        stream.write(csv_text([]))
        written = number = 0
        while written < rows:
            number += 1
            size = min(1 + number % 4, rows - written)
            household = f"H{number:07d}"
            members = [member_row(household)] + [
                later_row(household, insured_branch=f"{n:02d}") for n in range(2, size + 1)
            ]
            stream.write(csv_text(members).split("\r\n", 1)[1])
            written += size
    return hostile_files.Hostile(f"well-formed, {rows:,} rows (baseline)", path)


def measure(hostile: hostile_files.Hostile, folder: Path) -> None:
    started = time.perf_counter()
    run = hostile_files.run_check(hostile.path, folder / f"{hostile.path.stem}-report.csv")
    elapsed = time.perf_counter() - started
    quoted = [secret for secret in hostile.secrets if secret in run.stdout + run.stderr]
    outcome = (
        run.stderr.strip().splitlines()[-1].split(f"{hostile.path}: ", 1)[-1][:70]
        if run.status == 2
        else f"{len(run.report_rows)} rejection rows, report {run.report_bytes:,} B"
    )
    size_mb = hostile.path.stat().st_size / 1e6
    print(
        f"| {hostile.name} | {size_mb:.1f} MB | {elapsed:.2f} s | {run.peak_mib:.0f} MiB | "
        f"exit {run.status} | {outcome} | {'QUOTED ' + str(quoted) if quoted else 'none'} |",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the smaller sizes only")
    args = parser.parse_args()
    sizes = (8_000, 16_000, 32_000) if args.quick else (8_000, 16_000, 32_000, 200_000)
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        print("| file | size | time | peak memory | exit | outcome | data quoted |")
        print("|---|---|---|---|---|---|---|")
        for make in hostile_files.MAKERS.values():
            measure(make(folder), folder)
        for rows in sizes:
            measure(hostile_files.one_large_household(folder, rows), folder)
            measure(well_formed(folder, rows), folder)


if __name__ == "__main__":
    main()
