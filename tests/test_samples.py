"""The shipped sample files: fictional, complete, and the same in both encodings."""

from __future__ import annotations

from noticegen import records, rules
from tests.conftest import SAMPLE_CP932, SAMPLE_UTF8, load_sample_generator, read_file


def test_samples_are_what_the_generator_writes():
    generator = load_sample_generator()
    text = generator.to_csv(generator.build())
    assert SAMPLE_UTF8.read_bytes() == text.encode("utf-8")
    assert SAMPLE_CP932.read_bytes() == text.encode("cp932")


def test_at_least_fifty_households_and_every_rejection_code(sample_outcomes):
    households, rejections = sample_outcomes
    assert len(households) + len(rejections) >= 50
    produced = {problem.code for rejection in rejections for problem in rejection.problems}
    # The size limits take files of megabytes to show (a 65,536-character row, a household of
    # 100 rows): tests/test_hostile_input.py makes them; the samples show every other rule.
    size_limits = {records.Code.ROW_TOO_LONG, records.Code.HOUSEHOLD_TOO_LARGE}
    assert produced == set(records.Code) - size_limits


def test_each_household_built_to_be_rejected_is_rejected_for_its_reason(sample_outcomes):
    households, rejections = sample_outcomes
    expected = load_sample_generator().EXPECTED_REJECTIONS
    actual = {rejection.household_id: rejection.code for rejection in rejections}
    assert actual == expected
    assert not {household.household_id for household in households} & set(expected)


def test_the_accepted_households_are_nhi_households_and_give_every_warning(sample_outcomes, config):
    households, _ = sample_outcomes
    reference = config.dates.reference
    expected = load_sample_generator().EXPECTED_WARNINGS
    actual = {h.household_id: [str(w.code) for w in h.warnings] for h in households if h.warnings}
    assert actual == expected
    file_warnings = {str(w.code) for w in records.open_member_file(SAMPLE_CP932).warnings}
    given = {code for codes in actual.values() for code in codes} | file_warnings
    assert given == set(records.WarningCode)
    for household in households:
        for member in household.members:
            assert rules.is_nhi_age(member.birth_date, reference)
            if member.copay_ratio is not None:
                allowed = rules.copay_stage(member.birth_date, reference).allowed
                assert member.copay_ratio in allowed, household.household_id
    assert any(
        rules.is_70_to_74(member.birth_date, reference)
        for household in households
        for member in household.members
    )


def test_utf8_and_cp932_copies_read_the_same(sample_outcomes, config):
    cp932 = read_file(SAMPLE_CP932, config)
    assert records.open_member_file(SAMPLE_CP932).encoding == "cp932"
    assert records.open_member_file(SAMPLE_UTF8).encoding == "utf-8"
    assert cp932[0] == sample_outcomes[0]
    assert [(r.household_id, r.problems) for r in cp932[1]] == [
        (r.household_id, r.problems) for r in sample_outcomes[1]
    ]


def test_samples_exercise_the_input_rules(sample_outcomes):
    households = {household.household_id: household for household in sample_outcomes[0]}
    assert households["H0004"].postal_code == "1730023"  # full-width digits folded
    assert households["H0005"].members[0].kana == "ミホン タロウ"  # half-width kana widened
    assert households["H0006"].head_name not in {m.name for m in households["H0006"].members}
    assert households["H0008"].language == "zh-Hans"
    assert households["H0009"].language == "tl"
    assert households["H0011"].language == "ko"
    assert households["H0012"].language is None
    assert [w.code for w in households["H0012"].warnings] == ["UNKNOWN_LANGUAGE"]
    assert households["H0014"].head_name == "髙見本 﨑子"
    assert households["H0016"].address2 == "見本ハイツ, 202号室"
    assert households["H0017"].members[0].mynumber_last4 == "0257"
    assert households["H0018"].members[0].mynumber_last4 is None
    assert households["H0019"].members[0].name == "見本 春子"  # ideographic spaces stripped
    assert len(households["H0002"].members) == 10
    assert len(households["H0003"].members) == 12
    assert all(len(h.members) >= 1 for h in households.values())
