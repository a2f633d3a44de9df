"""The member file's NHI rules at their boundaries, the warnings, and the one table of messages."""

from __future__ import annotations

import datetime as dt
import doctest
import string

import pytest

from noticegen import rules
from noticegen.rules import Code, WarningCode
from tests.records_helpers import (
    REFERENCE,
    later_row,
    member_row,
    only_household,
    only_rejection,
    read,
    write_csv,
)

D = dt.date


@pytest.fixture
def member_csv(tmp_path):
    return tmp_path / "members.csv"


def outcome_of(member_csv, reference=REFERENCE, **cells):
    write_csv(member_csv, [member_row("H0001", **cells)])
    _, outcomes = read(member_csv, reference=reference)
    (outcome,) = outcomes
    return outcome


def codes_of(outcome) -> list[str]:
    return [str(problem.code) for problem in getattr(outcome, "problems", ())]


# ---------------------------------------------------------------------------------------------
# NOT_NHI_AGE: 75 on the reference date, the birthday counting as reached on the day


@pytest.mark.parametrize(
    ("birth", "reference", "rejected"),
    [
        (D(1949, 10, 1), D(2024, 10, 1), True),  # the 75th birthday is the reference date
        (D(1949, 10, 2), D(2024, 10, 1), False),  # 75 tomorrow: still NHI
        (D(1949, 9, 30), D(2024, 10, 1), True),
        (D(1948, 2, 29), D(2023, 2, 28), False),  # 29 February: the birthday is 1 March
        (D(1948, 2, 29), D(2023, 3, 1), True),
    ],
)
def test_a_member_of_75_on_the_reference_date_is_not_nhi(member_csv, birth, reference, rejected):
    outcome = outcome_of(
        member_csv, reference, birth_date=birth.isoformat(), copay_ratio="", acquired_date=""
    )
    assert codes_of(outcome) == (["NOT_NHI_AGE"] if rejected else [])
    if rejected:
        assert reference.isoformat() in outcome.problems[0].message_en
        assert birth.isoformat() not in outcome.problems[0].message  # no cell is quoted


# ---------------------------------------------------------------------------------------------
# BAD_COPAY


@pytest.mark.parametrize(
    ("birth", "reference", "allowed"),
    [
        # Before school age: 2, until the 31 March after the 6th birthday.
        (D(2018, 4, 2), D(2025, 3, 31), {2}),  # turned 6 on 2 April 2024: school from April 2025
        (D(2018, 4, 2), D(2025, 4, 1), {3}),
        (D(2018, 4, 1), D(2024, 3, 31), {2}),  # a 1 April birthday counts with the year before
        (D(2018, 4, 1), D(2024, 4, 1), {3}),
        (D(2019, 1, 15), D(2025, 3, 31), {2}),
        # 70 to 74: from the first of the month after the 70th birthday.
        (D(1954, 10, 2), D(2024, 10, 31), {3}),
        (D(1954, 10, 2), D(2024, 11, 1), {2, 3}),
        (D(1954, 10, 1), D(2024, 9, 30), {3}),  # a birthday on the 1st: that month itself
        (D(1954, 10, 1), D(2024, 10, 1), {2, 3}),
        (D(1954, 12, 15), D(2025, 1, 1), {2, 3}),  # December rolls into the next year
        (D(1954, 12, 15), D(2024, 12, 31), {3}),
        (D(1985, 6, 1), D(2024, 10, 1), {3}),
    ],
)
def test_the_copay_ratio_each_age_may_have(member_csv, birth, reference, allowed):
    for ratio in (1, 2, 3):
        outcome = outcome_of(
            member_csv,
            reference,
            birth_date=birth.isoformat(),
            copay_ratio=str(ratio),
            acquired_date="",
        )
        expected = [] if ratio in allowed else ["BAD_COPAY"]
        assert codes_of(outcome) == expected, (ratio, birth, reference)
    assert rules.copay_stage(birth, reference).allowed == allowed


def test_an_empty_copay_ratio_is_not_judged(member_csv):
    outcome = outcome_of(member_csv, birth_date="2022-05-05", copay_ratio="", acquired_date="")
    assert codes_of(outcome) == []


def test_a_ratio_that_is_not_1_2_or_3_stays_a_bad_field(member_csv):
    assert codes_of(outcome_of(member_csv, copay_ratio="4")) == ["BAD_FIELD"]


def test_70_to_74_on_the_reference_date():
    assert rules.is_70_to_74(D(1954, 10, 1), D(2024, 10, 1))
    assert not rules.is_70_to_74(D(1954, 10, 2), D(2024, 10, 1))
    assert rules.is_70_to_74(D(1949, 10, 2), D(2024, 10, 1))
    assert not rules.is_70_to_74(D(1949, 10, 1), D(2024, 10, 1))


# ---------------------------------------------------------------------------------------------
# Warnings


def test_a_postal_code_whose_area_is_not_the_address_is_a_warning(member_csv):
    # 173-0001 is 板橋区本町; the address is in 板橋区大山町.
    write_csv(
        member_csv,
        [member_row("H0001", postal_code="173-0001", address="東京都板橋区大山町9番9号")],
    )
    _, outcomes = read(member_csv)
    household = only_household(outcomes, "H0001")
    assert [w.code for w in household.warnings] == [WarningCode.POSTAL_AREA_MISMATCH]
    assert household.warnings[0].lines == (2,)
    assert (
        "大山町" not in household.warnings[0].message
        and "本町" not in household.warnings[0].message
    )


@pytest.mark.parametrize(
    "address", ["東京都板橋区本町5番1号", "板橋区本町5番1号", "東京都 板橋区本町5番1号"]
)
def test_an_address_in_its_area_gives_no_warning(member_csv, address):
    write_csv(member_csv, [member_row("H0001", postal_code="1730001", address=address)])
    _, outcomes = read(member_csv)
    assert only_household(outcomes, "H0001").warnings == ()


def test_members_with_different_insured_numbers_are_a_warning(member_csv):
    write_csv(
        member_csv,
        [member_row("H0001"), later_row("H0001", insured_number="7654321"), later_row("H0001")],
    )
    _, outcomes = read(member_csv)
    (warning,) = only_household(outcomes, "H0001").warnings
    assert warning.code == WarningCode.INSURED_NUMBER_DIFFERS and warning.lines == (2, 3, 4)
    assert "7654321" not in warning.message


def test_members_sharing_the_household_number_give_no_warning(member_csv):
    write_csv(member_csv, [member_row("H0001"), later_row("H0001"), later_row("H0001")])
    _, outcomes = read(member_csv)
    assert only_household(outcomes, "H0001").warnings == ()


# ---------------------------------------------------------------------------------------------
# Household rules run on the rows that parsed, whatever the others hold


def test_household_rules_run_beside_a_bad_row(member_csv):
    write_csv(
        member_csv,
        [
            member_row("H0001", member_name="見本\ue000太郎"),  # a gaiji the fonts cannot draw
            later_row("H0001", birth_date="x"),
        ],
    )
    _, outcomes = read(member_csv)
    assert set(codes_of(only_rejection(outcomes, "H0001"))) == {"UNPRINTABLE_CHAR", "BAD_DATE"}


# ---------------------------------------------------------------------------------------------
# The table


def test_every_code_has_its_messages():
    used = {message.code for message in rules.MESSAGES.values()}
    assert used == set(Code) | set(WarningCode)


def _placeholders(template: str) -> set[str]:
    # column_ja and column, listed_ja and listed_en …: one field in two languages.
    names = {name for _, name, _, _ in string.Formatter().parse(template) if name}
    return {name.removesuffix("_ja").removesuffix("_en") for name in names}


@pytest.mark.parametrize("key", sorted(rules.MESSAGES))
def test_every_message_says_the_same_in_both_languages(key):
    message = rules.MESSAGES[key]
    assert _placeholders(message.ja) == _placeholders(message.en)
    assert message.ja != message.en


def test_docstring_examples():
    failed, attempted = doctest.testmod(rules)
    assert attempted > 0 and failed == 0
