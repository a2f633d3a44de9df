"""What a run tells about the member file: counts, and the rejections in the form of rejected.csv."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from noticegen import spreadsheet
from noticegen.records import Household, Rejection, lines_text

REJECTED_COLUMNS = ("household_id", "line", "code", "message")


@dataclass
class Counts:
    households: int = 0
    members: int = 0
    accepted: int = 0
    rejected: int = 0
    warnings: int = 0

    def add(self, outcome: Household | Rejection) -> None:
        self.households += 1
        self.warnings += len(outcome.warnings)
        if isinstance(outcome, Household):
            self.accepted += 1
            self.members += len(outcome.members)
        else:
            self.rejected += 1
            self.members += outcome.rows


def rejected_csv(rejections: list[Rejection]) -> bytes:
    """One row per rejected household: its id, the lines and code of its first problem, and every
    problem's message in Japanese and English. UTF-8 with a BOM, so that spreadsheet programs used
    at the counter open it with the right encoding; no cell is one they would evaluate."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(REJECTED_COLUMNS)
    for rejection in rejections:
        first = rejection.problems[0]
        writer.writerow(
            spreadsheet.inert_row(
                (rejection.household_id, lines_text(first.lines), first.code, rejection.message)
            )
        )
    return out.getvalue().encode("utf-8-sig")
