"""和暦 dates: every era boundary on both sides, 元年, no zero padding, the 1873 limit."""

from __future__ import annotations

import datetime as dt

import pytest

from noticegen import wareki

BOUNDARIES = [
    (dt.date(1912, 7, 29), "明治45年7月29日"),
    (dt.date(1912, 7, 30), "大正元年7月30日"),
    (dt.date(1912, 12, 31), "大正元年12月31日"),
    (dt.date(1913, 1, 1), "大正2年1月1日"),
    (dt.date(1926, 12, 24), "大正15年12月24日"),
    (dt.date(1926, 12, 25), "昭和元年12月25日"),
    (dt.date(1927, 1, 1), "昭和2年1月1日"),
    (dt.date(1989, 1, 7), "昭和64年1月7日"),
    (dt.date(1989, 1, 8), "平成元年1月8日"),
    (dt.date(1990, 1, 1), "平成2年1月1日"),
    (dt.date(2019, 4, 30), "平成31年4月30日"),
    (dt.date(2019, 5, 1), "令和元年5月1日"),
    (dt.date(2020, 1, 1), "令和2年1月1日"),
]


@pytest.mark.parametrize(("date", "expected"), BOUNDARIES, ids=[str(d) for d, _ in BOUNDARIES])
def test_era_boundaries(date, expected):
    assert wareki.format_wareki(date) == expected
    assert str(wareki.to_wareki(date)) == expected


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        (dt.date(2024, 10, 25), "令和6年10月25日"),
        (dt.date(1950, 4, 1), "昭和25年4月1日"),
        (dt.date(2024, 10, 31), "令和6年10月31日"),
        (dt.date(2009, 9, 9), "平成21年9月9日"),
        (dt.date(2025, 9, 30), "令和7年9月30日"),
    ],
)
def test_no_zero_padding(date, expected):
    assert wareki.format_wareki(date) == expected


def test_first_gregorian_day_is_meiji_6():
    assert wareki.format_wareki(dt.date(1873, 1, 1)) == "明治6年1月1日"


def test_wareki_date_fields():
    date = wareki.to_wareki(dt.date(2019, 5, 1))
    assert (date.era.name, date.year, date.month, date.day) == ("令和", 1, 5, 1)
    assert date.year_text == "元"
    showa = wareki.to_wareki(dt.date(1989, 1, 7))
    assert (showa.era.name, showa.year, showa.year_text) == ("昭和", 64, "64")


@pytest.mark.parametrize("date", [dt.date(1872, 12, 31), dt.date(1868, 1, 25), dt.date(1, 1, 1)])
def test_before_1873_is_out_of_range(date):
    with pytest.raises(wareki.OutOfRangeError):
        wareki.to_wareki(date)
    with pytest.raises(wareki.OutOfRangeError):
        wareki.format_wareki(date)
