"""Japanese era (和暦) dates, from our own era table.

Babel has no Japanese calendar, and glibc's ja_JP zero-pads years (令和06年); official notices write
令和6年10月25日 and 令和元年 for an era's first year.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Era:
    name: str
    reading: str
    first_day: dt.date


# Newest first. 明治 is counted from the adoption of the solar calendar (1873-01-01 = 明治6年), as
# glibc does; the era began in 1868, so its year is computed from that start.
ERAS = (
    Era("令和", "れいわ", dt.date(2019, 5, 1)),
    Era("平成", "へいせい", dt.date(1989, 1, 8)),
    Era("昭和", "しょうわ", dt.date(1926, 12, 25)),
    Era("大正", "たいしょう", dt.date(1912, 7, 30)),
    Era("明治", "めいじ", dt.date(1868, 1, 25)),
)
_MEIJI_GREGORIAN_START = dt.date(1873, 1, 1)


class OutOfRangeError(ValueError):
    """The date is before the Gregorian calendar was used in Japan (1873-01-01)."""


@dataclass(frozen=True)
class WarekiDate:
    era: Era
    year: int
    month: int
    day: int

    @property
    def year_text(self) -> str:
        return "元" if self.year == 1 else str(self.year)

    def __str__(self) -> str:
        return f"{self.era.name}{self.year_text}年{self.month}月{self.day}日"


def to_wareki(date: dt.date) -> WarekiDate:
    """The era date of a Gregorian date.

    >>> str(to_wareki(dt.date(2024, 10, 25)))
    '令和6年10月25日'
    >>> str(to_wareki(dt.date(2019, 5, 1)))
    '令和元年5月1日'
    """
    if date < _MEIJI_GREGORIAN_START:
        raise OutOfRangeError(f"{date.isoformat()} is before 1873-01-01 (明治6年)")
    for era in ERAS:
        if date >= era.first_day:
            return WarekiDate(era, date.year - era.first_day.year + 1, date.month, date.day)
    raise AssertionError("unreachable: 明治 covers every date from 1873")


def format_wareki(date: dt.date) -> str:
    """`令和6年10月25日`-style text for a Gregorian date."""
    return str(to_wareki(date))
