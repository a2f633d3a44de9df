"""CSV cells made safe for the spreadsheet programs that open manifest.csv and rejected.csv.

A spreadsheet evaluates a cell that starts with `=`, `+`, `-` or `@` (and, in some programs, a tab
or a carriage return) as a formula: a household id such as `-1-1` would be computed, and a crafted
one could run a formula (CSV injection). Such a cell is written with a leading apostrophe, which
spreadsheets show as text and hide, as OWASP recommends; a program reading the file strips one
leading apostrophe from a cell to get the value back. No value noticegen writes otherwise starts
with an apostrophe.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def inert(value: object) -> object:
    """`value` as a spreadsheet shows it without evaluating it; numbers stay numbers.

    >>> inert("-1-1"), inert("=SUM(A1)"), inert("H0001"), inert(-3)
    ("'-1-1", "'=SUM(A1)", 'H0001', -3)
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def inert_row(values) -> list:
    return [inert(value) for value in values]
