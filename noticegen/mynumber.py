"""The My Number (個人番号): check digit and masking.

Only `records` ever holds a full number, and only long enough to verify its check digit and keep its
last four digits. Everything downstream sees `last4` alone.
"""

from __future__ import annotations

# Weights applied left to right over the first 11 digits (総務省令第85号 第5条, restated).
_WEIGHTS = (6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


def check_digit(first11: str) -> int:
    """The check digit for 11 base digits.

    >>> check_digit("62149832025")
    7
    >>> check_digit("12345678901")
    8
    """
    if len(first11) != 11 or not first11.isascii() or not first11.isdigit():
        raise ValueError("check_digit needs exactly 11 ASCII digits")
    remainder = sum(int(d) * w for d, w in zip(first11, _WEIGHTS, strict=True)) % 11
    return 0 if remainder <= 1 else 11 - remainder


def is_valid(number: str) -> bool:
    """Whether `number` is 12 ASCII digits with a correct check digit.

    >>> is_valid("621498320257"), is_valid("621498320258"), is_valid("000000000060")
    (True, False, True)
    """
    if len(number) != 12 or not number.isascii() or not number.isdigit():
        return False
    return check_digit(number[:11]) == int(number[11])


def mask(last4: str, pattern: str) -> str:
    """The printed form of a linked number: `pattern` with `{last4}` replaced by the four digits.

    >>> mask("1234", "＊＊＊＊ ＊＊＊＊ {last4}")
    '＊＊＊＊ ＊＊＊＊ 1234'
    """
    if len(last4) != 4 or not last4.isascii() or not last4.isdigit():
        raise ValueError("mask needs the last four digits")
    return pattern.replace("{last4}", last4)
