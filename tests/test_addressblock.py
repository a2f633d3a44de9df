"""The address block: line breaks from the font's advances, and what does not fit."""

from __future__ import annotations

import pytest

from noticegen import addressblock


def test_short_address_is_one_line_each():
    lines = addressblock.lay_out(
        "1730004", "東京都板橋区板橋二丁目66番1号", None, "見本 太郎", 95, 45
    )
    assert lines.postal_code == "173-0004"
    assert lines.address == ("東京都板橋区板橋二丁目66番1号",)
    assert lines.address2 == ()
    assert lines.name == ("見本 太郎　様",)


def test_no_line_starts_with_a_closing_mark_or_small_kana():
    text = "見本" * 11 + "）号室"
    for width in (10, 21.5, 22, 22.5):
        lines = addressblock.break_lines(text, width)
        assert "".join(lines) == text
        assert all(line[0] not in "）ーッャ、。" for line in lines)


def test_latin_words_break_at_spaces():
    lines = addressblock.break_lines("Sample Heights Building Room 1203", 8)
    assert all(not line.startswith(" ") for line in lines)
    assert " ".join(lines) == "Sample Heights Building Room 1203"


def test_variation_sequence_stays_on_one_line():
    text = "見本" * 5 + "葛\U000e0100" + "本"
    lines = addressblock.break_lines(text, 11)
    assert all(not line.startswith("\U000e0100") for line in lines)


def test_too_long_address_is_refused_and_names_the_field():
    with pytest.raises(addressblock.AddressTooLongError) as error:
        addressblock.lay_out("1730004", "東京都板橋区" * 5, "見本ビル" * 6, "見本 太郎", 95, 45)
    assert error.value.field == "address2"
    with pytest.raises(addressblock.AddressTooLongError) as error:
        addressblock.lay_out("1730004", "東京都", None, "見本" * 20, 95, 45)
    assert error.value.field == "head_name"


def test_every_accepted_block_fits_the_window_height():
    lines = addressblock.lay_out(
        "1730004", "東京都板橋区板橋二丁目66番1号", "見本" * 20, "見本 太郎", 95, 45
    )
    assert addressblock.block_height_mm(lines) <= 45
    assert addressblock.minimum_window_height_mm() < 45
