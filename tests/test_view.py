"""The NoticeView: pages, masking and wording decided before anything is drawn."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from noticegen import i18n, view
from noticegen.records import Household, Member


def household(members: int, linked: bool = True, head_name: str = "見本 0") -> Household:
    return Household(
        household_id="T1",
        head_name=head_name,
        postal_code="1730004",
        address="東京都板橋区板橋二丁目66番1号",
        address2=None,
        language=None,
        members=tuple(
            Member(
                name=f"見本 {index}",
                kana=None,
                birth_date=dt.date(1980, 1, 1),
                insured_symbol="板",
                insured_number=f"{index:07d}",
                insured_branch=None,
                acquired_date=None,
                copay_ratio=None,
                mynumber_last4="4821" if linked else None,
                line=index + 2,
            )
            for index in range(members)
        ),
        lines=tuple(range(2, members + 2)),
    )


@pytest.mark.parametrize("members", [1, 2, 4, 5, 6, 21, 22, 23, 43])
def test_page_count_is_even_and_members_are_split_five_then_sixteen(members, config):
    notice = view.build(household(members), config, i18n.translator())
    assert notice.page_count % 2 == 0
    tables = [page.members for page in notice.pages if page.members is not None]
    assert len(tables[0].rows) == min(members, 5)
    assert all(len(table.rows) <= 16 for table in tables[1:])
    assert sum(len(table.rows) for table in tables) == members
    kinds = [page.kind for page in notice.pages]
    assert kinds[len(tables) : len(tables) + 3] == ["check", "guide", "guide"]
    assert [page.label for page in notice.pages] == [
        f"{number} / {notice.page_count}" for number in range(1, notice.page_count + 1)
    ]
    # The reply form starts on the front of a sheet (an odd page) after the notice, four rows a
    # page, and the notice stays even.
    forms = [page for page in notice.pages if page.kind == "form"]
    assert forms[0].number % 2 == 1
    assert kinds[forms[0].number - 1 :] == ["form"] * len(forms) + ["blank"] * (len(forms) % 2)
    assert [len(page.form_rows) for page in forms] == [
        min(4, members - start) for start in range(0, members, 4)
    ]
    before_form = kinds[: forms[0].number - 1]
    assert before_form.count("blank") == (len(tables) + 3) % 2
    blank = [page for page in notice.pages if page.kind == "blank"]
    assert all("白紙" in page.note for page in blank)


def test_masked_number_and_registration_note(config):
    linked = view.build(household(1), config, i18n.translator())
    row = linked.pages[0].members.rows[0]
    assert row.mynumber == "＊＊＊＊ ＊＊＊＊ 4821"
    assert row.mask_groups == ("＊＊＊＊", "＊＊＊＊") and row.mynumber_last4 == "4821"
    assert linked.no_number_note is None

    unlinked = view.build(household(1, linked=False), config, i18n.translator())
    assert unlinked.pages[0].members.rows[0].mynumber == "登録なし"
    assert "登録なし" in unlinked.no_number_note


def test_configured_mask_pattern_and_dates(config):
    custom = dataclasses.replace(
        config,
        notice=dataclasses.replace(config.notice, mask_pattern="XXXX-XXXX-{last4}"),
        dates=dataclasses.replace(config.dates, issue=dt.date(2019, 5, 1)),
    )
    notice = view.build(household(1), custom, i18n.translator())
    assert notice.pages[0].members.rows[0].mynumber == "XXXX-XXXX-4821"
    assert notice.issue_date == "令和元年5月1日"
    assert notice.pages[0].members.rows[0].birth_date == "昭和55年1月1日"


def test_guide_pages_take_their_dates_and_names_from_the_configuration(config):
    changed = dataclasses.replace(
        config,
        dates=dataclasses.replace(
            config.dates, transition=dt.date(2024, 12, 2), paper_card_limit=dt.date(2025, 7, 31)
        ),
        municipality=dataclasses.replace(config.municipality, insurer="見本市国民健康保険"),
    )
    notice = view.build(household(1), changed, i18n.translator())
    text = repr([page.sections for page in notice.pages if page.kind == "guide"])
    assert "令和7年7月31日" in text and "令和7年9月30日" not in text
    assert "見本市国民健康保険" in text and "板橋区国民健康保険" not in text
    assert "令和6年12月1日" in text  # the last day of the paper card, derived


def test_view_holds_no_full_my_number_or_member_lines(config):
    notice = view.build(household(3), config, i18n.translator())
    assert "4821" in repr(notice)


def with_notice(config, **changes):
    return dataclasses.replace(config, notice=dataclasses.replace(config.notice, **changes))


def test_the_reply_form_can_be_turned_off(config):
    notice = view.build(household(3), with_notice(config, reply_form=False), i18n.translator())
    assert notice.reply_form is None
    assert [page.kind for page in notice.pages] == ["personal", "check", "guide", "guide"]
    text = repr([page.sections for page in notice.pages if page.kind == "check"])
    assert "届出書" not in text and "電話か窓口でご連絡ください" in text


def test_fields_reference_date_and_the_head_of_household(config):
    notice = view.build(household(2, head_name="見本 太郎"), config, i18n.translator())
    fields = {field.label: field for field in notice.fields}
    assert fields["保険者名"].value == "板橋区国民健康保険"
    assert fields["保険者番号"].value == "131193"
    assert fields["世帯主"].value == "見本 太郎" and fields["世帯主"].household_data
    assert fields["世帯番号"].value == "T1" and fields["世帯番号"].household_data
    assert notice.reference_note == "令和6年10月1日現在の登録内容です"
    # 見本 太郎 is not one of the members 見本 0, 見本 1: a 擬制世帯主.
    assert "世帯主の方が板橋区国民健康保険に加入していなくても" in notice.head_note
    assert view.build(household(2), config, i18n.translator()).head_note is None


def test_the_head_note_takes_a_member_rows_place_on_the_standard_page_one(config):
    outside = view.build(household(12, head_name="見本 太郎"), config, i18n.translator())
    assert len(outside.pages[0].members.rows) == 4
    assert len(view.build(household(12), config, i18n.translator()).pages[0].members.rows) == 5
    # Large print and translations have room after their one member.
    large = view.build(household(12, head_name="見本 太郎"), config, i18n.translator(), True)
    assert len(large.pages[0].members.rows) == 1


def test_reference_date_is_a_translated_date_in_translations(config):
    notice = view.build(household(1), config, i18n.translator("en"))
    assert "(令和6年10月1日)" in notice.reference_note


@pytest.mark.parametrize(
    ("birth_date", "reminded"),
    [
        (dt.date(1954, 10, 1), True),  # 70 on the reference date 2024-10-01
        (dt.date(1954, 10, 2), False),  # 70 the day after
        (dt.date(1949, 10, 2), True),  # 74
        (dt.date(1949, 10, 1), False),  # 75 on the day
    ],
)
def test_the_70_to_74_reminder_is_for_ages_on_the_reference_date(config, birth_date, reminded):
    member = dataclasses.replace(household(1).members[0], birth_date=birth_date)
    notice = view.build(
        dataclasses.replace(household(1), members=(member,)), config, i18n.translator()
    )
    text = repr([page.sections for page in notice.pages if page.kind == "check"])
    assert ("高齢受給者証" in text) is reminded
