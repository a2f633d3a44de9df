"""The voice text: what each page's voice code carries (spec/voice-code.md, "Writing the voice text")."""

from __future__ import annotations

import dataclasses
import datetime as dt
import doctest
import re

import pytest

from noticegen import i18n, notice, view, voice
from noticegen.records import Household, Member
from noticegen.wareki import format_wareki
from tests.conftest import read_file

FORBIDDEN_SYMBOLS = "「」（）()＊*・～〜" + "".join(chr(code) for code in range(0x2460, 0x2474))
# Dates are always spoken as 令和6年10月25日, never abbreviated or in Western numerals.
ABBREVIATED_DATES = (
    re.compile(r"[MTSHR]\d{1,2}\.\d{1,2}\.\d{1,2}"),
    re.compile(r"[明大昭平令]\d{1,2}\.\d{1,2}\.\d{1,2}"),
    re.compile(r"\d{4}/\d{1,2}/\d{1,2}"),
    re.compile(r"(?<![0-9-])\d{4}-\d{1,2}-\d{1,2}(?![0-9-])"),
    re.compile(r"\d{4}年"),  # a Western year
)


def member(
    name: str,
    kana: str | None,
    last4: str | None,
    *,
    number: str = "1234567",
    line: int = 2,
) -> Member:
    return Member(
        name=name,
        kana=kana,
        birth_date=dt.date(1980, 4, 1),
        insured_symbol="板",
        insured_number=number,
        insured_branch="01",
        acquired_date=dt.date(2015, 4, 1),
        copay_ratio=3,
        mynumber_last4=last4,
        line=line,
    )


def household(*members: Member, head_name: str | None = None) -> Household:
    return Household(
        household_id="T1",
        head_name=head_name or members[0].name,
        postal_code="1730004",
        address="東京都板橋区板橋二丁目66番1号",
        address2=None,
        language=None,
        members=members,
        lines=tuple(m.line for m in members),
    )


def texts_of(h: Household, config) -> tuple[str, ...]:
    return view.build(h, config, i18n.translator()).voice_texts


def member_segments(text: str) -> dict[int, str]:
    """Each member's part of a page text, from 「N人目、」 to the next member (or the text's end)."""
    starts = [
        (match.start(), int(match.group(1)))
        for match in re.finditer(r"(?<![0-9])([0-9]+)人目、", text)
    ]
    ends = [start for start, _ in starts[1:]] + [len(text)] if starts else []
    return {number: text[start:end] for (start, number), end in zip(starts, ends, strict=True)}


@pytest.fixture(scope="module")
def sample_views(sample_households, config):
    translator = i18n.translator()
    return {h.household_id: view.build(h, config, translator) for h in sample_households}


# ---------------------------------------------------------------------------------------------
# Page numbers


def test_every_page_has_one_text_starting_with_its_number(sample_views):
    assert len(sample_views) >= 40
    for notice_view in sample_views.values():
        assert len(notice_view.voice_texts) == notice_view.page_count
        for page, text in zip(notice_view.pages, notice_view.voice_texts, strict=True):
            assert text.startswith(f"{page.number}ページ目。"), (notice_view.household_id, text)
            # … and the number is said once, at the start: it is not repeated for another page.
            assert not re.search(
                r"(?<![0-9])[0-9]+ページ目。", text[len(f"{page.number}ページ目。") :]
            )


def test_long_household_has_one_text_per_page(config):
    members = tuple(
        member(f"見本 {i}", f"ミホン {i}", None, number=f"{i:07d}", line=i + 2) for i in range(30)
    )
    notice_view = view.build(household(*members), config, i18n.translator())
    # 10 + 16 + 4 members, the check page, two guide pages: even already; then the reply form,
    # four members a page.
    assert notice_view.page_count == 14
    assert [text[: text.index("。") + 1] for text in notice_view.voice_texts] == [
        f"{n}ページ目。" for n in range(1, 15)
    ]


def test_guide_pages_say_the_same_for_every_household(sample_views):
    by_layout: dict[int, set[tuple[str, ...]]] = {}
    for notice_view in sample_views.values():
        personal = sum(page.kind in ("personal", "members") for page in notice_view.pages)
        guide = tuple(
            text
            for page, text in zip(notice_view.pages, notice_view.voice_texts, strict=True)
            if page.kind == "guide"
        )
        by_layout.setdefault(personal, set()).add(guide)
    assert by_layout
    for personal, guides in by_layout.items():
        assert len(guides) == 1, personal


# ---------------------------------------------------------------------------------------------
# My Number, names


def test_my_number_digits_are_spoken_one_by_one(config):
    texts = texts_of(
        household(
            member("試験 結衣", "シケン ユイ", "4821"), member("試験 美咲", "シケン ミサキ", None)
        ),
        config,
    )
    first_page = texts[0]
    segments = member_segments(first_page)
    assert "マイナンバーの下4桁は、4、8、2、1です。" in segments[1]
    assert "マイナンバーは、登録されていません。" in segments[2]
    assert "マイナンバーの下4桁は" not in segments[2]
    for text in texts:
        assert "4821" not in text
        assert "４８２１" not in text


def test_sample_my_numbers_are_never_a_run_of_digits(sample_households, sample_views, config):
    checked = 0
    for h in sample_households:
        texts = sample_views[h.household_id].voice_texts
        joined = "\n".join(texts).replace(config.sender.phone, "")
        for m in h.members:
            if m.mynumber_last4 is None:
                continue
            checked += 1
            assert m.mynumber_last4 not in joined, h.household_id
            assert f"マイナンバーの下4桁は、{voice.spell_digits(m.mynumber_last4)}です。" in joined
        # Nothing that is not a quantity is read as a number: no long runs of digits at all.
        assert not re.findall(r"[0-9０-９]{5,}", joined), h.household_id
    assert checked > 20


def test_kana_is_read_for_the_name_when_given_and_the_written_name_otherwise(config):
    first_page = texts_of(
        household(
            member("試験 結衣", "シケン ユイ", "4821"),
            member("試験 美咲", None, None, line=3),
        ),
        config,
    )[0]
    segments = member_segments(first_page)
    assert segments[1].startswith("1人目、シケン ユイさん。")
    assert "試験 結衣" not in segments[1]
    assert segments[2].startswith("2人目、試験 美咲さん。")


def test_sample_members_are_read_by_their_kana(sample_households, sample_views):
    for h in sample_households:
        segments: dict[int, str] = {}
        for text in sample_views[h.household_id].voice_texts:
            segments |= member_segments(text)
        assert sorted(segments) == list(range(1, len(h.members) + 1)), h.household_id
        for number, m in enumerate(h.members, start=1):
            assert segments[number].startswith(f"{number}人目、{m.kana or m.name}さん。")
            if m.kana:
                assert m.name not in segments[number]


def test_name_of_the_addressee_is_read_by_its_kana(sample_households, sample_views):
    """spec: "Names: the フリガナ is used when given (speech engines misread names)". The address
    sentence names the head of the household, who is a member with a フリガナ in every sample."""
    checked = 0
    for h in sample_households:
        heads = [m for m in h.members if m.name == h.head_name and m.kana]
        if not heads:
            continue
        checked += 1
        first_page = sample_views[h.household_id].voice_texts[0]
        assert h.head_name not in first_page, (h.household_id, h.head_name)
        assert first_page.count(heads[0].kana) >= 2, h.household_id  # the address and the table
    assert checked >= 40


def test_kana_with_a_middle_dot_is_read_without_the_symbol(tmp_path, config):
    """Foreign residents' フリガナ is written with 「・」 (スミス・ジョン); the reader accepts it
    without a warning, and the voice text must not carry the symbol."""
    path = tmp_path / "members.csv"
    path.write_text(
        "household_id,member_name,member_kana,birth_date,head_name,postal_code,address,"
        "address2,language,insured_symbol,insured_number,insured_branch,acquired_date,"
        "copay_ratio,mynumber_last4,mynumber\n"
        "T0001,スミス ジョン,スミス・ジョン,1980-04-01,スミス ジョン,173-0004,"
        "東京都板橋区板橋二丁目66番1号,,,板,1234567,01,2015-04-01,3,4821,\n",
        encoding="utf-8",
    )
    accepted = read_file(path, config)[0]
    assert [h.household_id for h in accepted] == ["T0001"]
    assert accepted[0].members[0].kana == "スミス・ジョン"
    texts = texts_of(accepted[0], config)
    assert "スミス" in texts[0] and "ジョンさん。" in texts[0]
    for text in texts:
        assert "・" not in text, text


# ---------------------------------------------------------------------------------------------
# Nothing printed on page 1 is missing from its voice text


def test_page_one_says_everything_it_prints(sample_households, sample_views, config):
    issue = format_wareki(config.dates.issue)
    for h in sample_households:
        notice_view = sample_views[h.household_id]
        texts = notice_view.voice_texts
        first = texts[0]
        member_pages = [
            text
            for page, text in zip(notice_view.pages, texts, strict=True)
            if page.kind in ("personal", "members")
        ]
        where = h.household_id
        assert f"全{notice_view.page_count}ページ" in first, where
        assert issue in first, where
        assert config.sender.phone in first, where
        assert config.municipality.name in first and config.sender.section in first, where
        assert notice_view.title in first, where
        assert voice.spell_digits(h.postal_code) in first, where
        assert h.address in first, where
        if h.address2:
            assert h.address2 in first, where
        assert voice.speakable(config.sender.address).removesuffix("。") in first, where
        assert voice.speakable(config.sender.hours).removesuffix("。") in first, where
        assert voice.spell_digits(config.sender.postal_code.replace("-", "")) in first, where
        assert notice_view.foreign_line.url_text in first, where
        assert "保険証として使うことはできません" in first, where

        segments: dict[int, str] = {}
        for page_number, text in enumerate(member_pages, start=1):
            found = member_segments(text)
            # Ten members on page 1, the rest on the continuation pages: each on its own page.
            if page_number == 1:
                assert sorted(found) == list(range(1, min(len(h.members), 10) + 1)), where
            else:
                assert min(found) > 10, where
            segments |= found
        assert sorted(segments) == list(range(1, len(h.members) + 1)), where
        for number, m in enumerate(h.members, start=1):
            said = segments[number]
            assert (m.kana or m.name) in said, (where, number)
            assert format_wareki(m.birth_date) in said, (where, number)
            if m.acquired_date is not None:
                assert format_wareki(m.acquired_date) in said, (where, number)
            else:
                assert "資格取得日" not in said, (where, number)
            assert voice.spell_digits(m.insured_number) in said, (where, number)
            assert voice.spell_digits(m.insured_symbol) in said, (where, number)
            if m.insured_branch:
                assert f"枝番は、{voice.spell_digits(m.insured_branch)}" in said, (where, number)
            if m.copay_ratio:
                assert f"{m.copay_ratio}割" in said, (where, number)
            if m.mynumber_last4 is not None:
                assert voice.spell_digits(m.mynumber_last4) in said, (where, number)
            else:
                assert "マイナンバーは、登録されていません。" in said, (where, number)
        if any(m.mynumber_last4 is None for m in h.members):
            assert "マイナンバーが登録されていません" in first, where


def test_members_beyond_ten_are_on_the_continuation_page(sample_households, sample_views, config):
    big = [h for h in sample_households if len(h.members) > 10]
    assert big, "the samples have a household of more than 10 members"
    members = tuple(
        member(f"見本 {i}", f"ミホン {chr(0x30A2 + i)}", None, number=f"{i + 5:07d}", line=i + 2)
        for i in range(30)
    )
    synthetic = household(*members)
    cases = [(h, sample_views[h.household_id]) for h in big]
    cases.append((synthetic, view.build(synthetic, config, i18n.translator())))
    for h, notice_view in cases:
        texts = notice_view.voice_texts
        for number, m in enumerate(h.members, start=1):
            page = 1 if number <= 10 else 2 + (number - 11) // 16
            # A household shares one 記号・番号: the 枝番 tells its members apart.
            said = f"番号は、{voice.spell_digits(m.insured_number)}" + (
                f"、枝番は、{voice.spell_digits(m.insured_branch)}" if m.insured_branch else ""
            )
            assert f"{number}人目、{m.kana or m.name}さん。" in texts[page - 1], (
                h.household_id,
                number,
            )
            # The reply form names the members again (its own pages, after the notice).
            for other, text in enumerate(texts, start=1):
                if other != page and notice_view.pages[other - 1].kind != "form":
                    assert not re.search(rf"(?<![0-9]){number}人目、", text), (
                        h.household_id,
                        number,
                        other,
                    )
                    assert said not in text, (h.household_id, number, other)
        # The continuation page says what it is, like its printed heading.
        assert "続き" in texts[1]


# ---------------------------------------------------------------------------------------------
# No symbols, no bracketed asides, dates in full


def _all_texts(sample_households, config, encoder):
    translator = i18n.translator()
    for h in sample_households:
        finished = notice.make(h, config, translator, encoder)
        for number, text in enumerate(finished.voice_texts, start=1):
            yield h.household_id, number, text
        for number, codes in enumerate(finished.voice_codes, start=1):
            for text in codes.texts:
                yield h.household_id, number, text


def test_no_decorative_symbols_or_bracketed_asides(sample_households, config, encoder):
    count = 0
    for household_id, number, text in _all_texts(sample_households, config, encoder):
        count += 1
        found = sorted({char for char in text if char in FORBIDDEN_SYMBOLS})
        assert not found, (household_id, number, found)
        assert "\u3000" not in text and "\n" not in text, (household_id, number)
    assert count > 150


def test_dates_are_in_full_wareki(sample_households, config, encoder):
    for household_id, number, text in _all_texts(sample_households, config, encoder):
        for pattern in ABBREVIATED_DATES:
            assert not pattern.search(text), (household_id, number, pattern.pattern)
    first = texts_of(household(member("試験 結衣", "シケン ユイ", "4821")), config)[0]
    assert "生年月日は、昭和55年4月1日。" in first
    assert "資格取得日は、平成27年4月1日。" in first
    assert f"{format_wareki(config.dates.issue)}に発行" in first


def test_voice_texts_are_made_from_the_view_alone(config):
    """The texts come from the same NoticeView as the printed page, so the two never disagree."""
    h = household(member("試験 結衣", "シケン ユイ", "4821"))
    built = view.build(h, config, i18n.translator())
    assert built.voice_texts == voice.page_texts(
        dataclasses.replace(built, voice_texts=()), i18n.translator()
    )


# ---------------------------------------------------------------------------------------------
# spell_digits and speakable


@pytest.mark.parametrize("function", [voice.spell_digits, voice.speakable])
def test_doctests(function):
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    tests = finder.find(function, function.__name__, globs=vars(voice).copy())
    assert sum(len(test.examples) for test in tests) >= 1
    for test in tests:
        runner.run(test)
    assert runner.failures == 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4821", "4、8、2、1"),
        ("４８２１", "４、８、２、１"),  # full-width digits too
        ("板12", "板、1、2"),
        ("0", "0"),
        ("板", "板"),
        ("", ""),
        ("0890", "0、8、9、0"),  # a leading zero is a digit like any other
    ],
)
def test_spell_digits(text, expected):
    assert voice.spell_digits(text) == expected


def test_spell_digits_with_another_separator():
    assert voice.spell_digits("4821", separator=" ") == "4 8 2 1"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ""),
        ("内容を確かめてください。", "内容を確かめてください。"),  # already a sentence
        ("終わりですか？", "終わりですか？"),
        ("。", "。"),
        ("「登録なし」の方", "登録なしの方。"),
        ("（板橋区役所）", "板橋区役所。"),
        (
            "東京都板橋区板橋二丁目66番1号（板橋区役所）",
            "東京都板橋区板橋二丁目66番1号、板橋区役所。",
        ),
        (
            "紙の保険証が使えなくなった方（有効期限が切れた方を含む）",
            "紙の保険証が使えなくなった方、有効期限が切れた方を含む。",
        ),
        ("平日 8時30分〜17時", "平日 8時30分から17時。"),
        ("土日・祝日", "土日、祝日。"),
        ("あ\u3000い", "あ い。"),
        ("  、あ、  ", "あ。"),
    ],
)
def test_speakable(text, expected):
    assert voice.speakable(text) == expected


def test_speakable_leaves_no_symbol_behind():
    text = "「注意」（その1）＊重要＊ A(B)・C～D〜E『F』"
    spoken = voice.speakable(text)
    assert not any(char in FORBIDDEN_SYMBOLS for char in spoken), spoken
    assert spoken.endswith("。")
    assert voice.speakable(spoken) == spoken  # idempotent


def test_the_reply_form_says_what_it_is_and_how_to_return_it(config):
    members = tuple(
        member(f"見本 {i}", f"ミホン {i}", None, number=f"{i:07d}", line=i + 2) for i in range(5)
    )
    notice_view = view.build(household(*members), config, i18n.translator())
    forms = [
        (page, text)
        for page, text in zip(notice_view.pages, notice_view.voice_texts, strict=True)
        if page.kind == "form"
    ]
    assert len(forms) == 2  # four members a page
    for page, text in forms:
        assert text.startswith(
            f"{page.number}ページ目。この用紙は、国民健康保険 加入者情報の届出書です。"
        )
        assert "郵送するか、窓口にお持ちください" in text
        assert voice.spell_digits(config.sender.postal_code.replace("-", "")) in text
        assert config.sender.address.split("（")[0] in text
        assert "世帯番号は、T、1です。" in text
        assert "12桁は、書かないでください" in text
    assert "1人目、ミホン 0さん。" in forms[0][1] and "5人目、ミホン 4さん。" in forms[1][1]


def test_page_one_reads_the_head_of_household_and_the_insurer(config):
    first = view.build(household(member("見本 一", "ミホン イチ", None)), config, i18n.translator())
    text = first.voice_texts[0]
    assert "世帯主は、" in text and "保険者番号は、1、3、1、1、9、3です。" in text
    assert "令和6年10月1日現在の登録内容です。" in text
