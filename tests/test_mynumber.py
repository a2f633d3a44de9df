"""My Number check digit and masking, against the vectors of research §2."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from records_helpers import mynumber_with_check_digit

from noticegen import mynumber
from noticegen import settings as noticegen_settings

VALID = ("621498320257", "123456789018", "000000000060", "000000000000")
INVALID = ("621498320258", "123456789010", "123456789019")


@pytest.mark.parametrize("number", VALID)
def test_valid_vectors(number):
    assert mynumber.is_valid(number)


@pytest.mark.parametrize("number", INVALID)
def test_invalid_vectors(number):
    assert not mynumber.is_valid(number)


@pytest.mark.parametrize(
    ("first11", "expected"),
    [
        ("62149832025", 7),
        ("12345678901", 8),
        ("00000000006", 0),  # remainder 1: the "≤ 1 → 0" branch
        ("00000000000", 0),  # remainder 0
        ("00000000001", 9),  # 1 × 2 = 2 → 11 - 2
        ("00000000010", 8),  # 1 × 3 = 3 → 11 - 3
        ("10000000000", 5),  # 1 × 6 = 6 → 11 - 6
        ("00000100000", 4),  # 1 × 7 = 7 → 11 - 7 (the weight 7 sits sixth from the left)
    ],
)
def test_check_digit(first11, expected):
    assert mynumber.check_digit(first11) == expected


@pytest.mark.parametrize(
    "first11",
    [
        "",
        "6214983202",  # 10 digits
        "621498320257",  # 12 digits
        "６２１４９８３２０２５",  # full-width digits
        "٦٢١٤٩٨٣٢٠٢٥",  # Arabic-Indic digits: isdigit() but not ASCII
        "6214983202a",
        "6214-983202",
        " 6214983202",
    ],
)
def test_check_digit_rejects_anything_but_11_ascii_digits(first11):
    with pytest.raises(ValueError):
        mynumber.check_digit(first11)


@pytest.mark.parametrize(
    "number",
    [
        "",
        "62149832025",  # 11 digits
        "6214983202570",  # 13 digits
        "６２１４９８３２０２５７",  # full-width form of a valid number
        "٦٢١٤٩٨٣٢٠٢٥٧",  # Arabic-Indic form of a valid number
        "6214 9832 0257",
        "6214-9832-0257",
        " 621498320257",
        "621498320257 ",
        "62149832025x",
        "²21498320257",  # superscript two: isdigit() is True
    ],
)
def test_is_valid_rejects_non_digits_and_wrong_lengths(number):
    assert mynumber.is_valid(number) is False


def test_mask_with_the_default_pattern():
    pattern = noticegen_settings.load().notice.mask_pattern
    assert pattern == "＊＊＊＊ ＊＊＊＊ {last4}"
    assert mynumber.mask("0257", pattern) == "＊＊＊＊ ＊＊＊＊ 0257"


def test_mask_with_a_custom_pattern():
    assert mynumber.mask("9018", "XXXX-XXXX-{last4}（下4桁）") == "XXXX-XXXX-9018（下4桁）"
    assert mynumber.mask("0000", "{last4}") == "0000"


@pytest.mark.parametrize("last4", ["", "123", "12345", "12a4", "621498320257"])
def test_mask_rejects_anything_but_four_digits(last4):
    with pytest.raises(ValueError):
        mynumber.mask(last4, "＊＊＊＊ ＊＊＊＊ {last4}")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789", min_size=11, max_size=11))
def test_exactly_one_twelfth_digit_is_valid(first11):
    valid = [digit for digit in "0123456789" if mynumber.is_valid(first11 + digit)]
    assert len(valid) == 1
    assert first11 + valid[0] == mynumber_with_check_digit(first11)
    assert mynumber.check_digit(first11) == int(valid[0])
