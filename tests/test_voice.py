"""The voice text: what each page's voice code carries (spec/voice-code.md, "Writing the voice text")."""

from __future__ import annotations

import dataclasses
import datetime as dt
import doctest
import re
import sys

import pytest

from noticegen import i18n, locales, notice, romaji, view, voice, voicecode
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
        # The web address is read as words (「www ドット city ドット …」), never as punctuation.
        assert voice.spoken_url(notice_view.foreign_line.url_text, "ja") in first, where
        assert notice_view.foreign_line.url_text.rstrip("/") not in first, where
        assert "保険証として使うことはできません" in first, where

        segments: dict[int, str] = {}
        for page_number, text in enumerate(member_pages, start=1):
            # Each member's full record (page 1 also names the members printed on later pages,
            # with their digits, in its first code: see test_first_code_of_page_one…).
            found = {
                number: said for number, said in member_segments(text).items() if "生年月日" in said
            }
            # Page 1's members (five, four beside the head's note), the rest on the continuation
            # pages: each on its own page.
            first_page = len(notice_view.pages[0].members.rows)
            assert first_page <= view.STANDARD.members_on_first_page, where
            if page_number == 1:
                assert sorted(found) == list(range(1, first_page + 1)), where
            else:
                assert min(found) > first_page, where
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


def test_members_beyond_page_one_are_on_the_continuation_page(
    sample_households, sample_views, config
):
    first_page = view.STANDARD.members_on_first_page
    big = [h for h in sample_households if len(h.members) > first_page]
    assert big, "the samples have a household of more members than page 1 holds"
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
            page = 1 if number <= first_page else 2 + (number - first_page - 1) // 16
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
                    # Page 1 names every member with their four digits only, as a summary.
                    elsewhere = member_segments(text).get(number, "")
                    if other == 1:
                        assert "生年月日" not in elsewhere, (h.household_id, number)
                        continue
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


@pytest.mark.parametrize(
    "function",
    [
        voice.spell_digits,
        voice.speakable,
        voice.name_for,
        voice.spoken_url,
        voice._without_japanese_asides,
        voice._letters,
        romaji.romanize,
    ],
)
def test_doctests(function):
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    tests = finder.find(
        function, function.__name__, globs=vars(sys.modules[function.__module__]).copy()
    )
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


# ---------------------------------------------------------------------------------------------
# Every locale: the bilingual notice a household of several members receives (issues 14 and 15)

KANA = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f]")
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々〆]")
# A full stop with a letter straight after it: two sentences run together ("costs.Compared",
# "0, 1.It continues"). Abbreviations of single letters (a.m., ค.ศ.) are not sentence ends.
GLUED = re.compile(r"(?<![^\W\d_]\.[^\W\d_])(?<!\b[^\W\d_])[.!?។။।](?=[^\W\d_])")
# The 記号 printed on the insurance card (「板」): kept as printed in every language's speech, since
# the reader compares it with their card and the office reads it the same way; no other Japanese.
CARD_SYMBOL = "板"


def several_members() -> tuple[Member, ...]:
    """Names in kanji, in Latin letters and in Hangul, each with its reading; one member without
    a registered My Number; each member's data told apart (their own birth date and number)."""
    members = (
        member("板橋 太郎", "イタバシ タロウ", "4821", number="0000001", line=2),
        member("板橋 花子", "イタバシ ハナコ", None, number="0000002", line=3),
        member("SMITH JOHN", "スミス・ジョン", "1234", number="0000003", line=4),
        member("김 민준", "キム ミンジュン", "5678", number="0000004", line=5),
    )
    return tuple(
        dataclasses.replace(m, birth_date=dt.date(1970 + 5 * index, 1 + index, 10 + index))
        for index, m in enumerate(members)
    )


class SplittingEncoder:
    """Splits as the QR encoder does, with a capacity the test chooses, and draws nothing: what
    these tests read is the texts of the codes."""

    name = "qr"

    def __init__(self, fits) -> None:
        self.fits = fits

    def split(self, page_text, page, translator, passages=None, room=None):
        return voicecode.split_text(page_text, page, translator, self.fits, passages)

    def encode(self, text):
        return voicecode.CodeImage("", 0.0, text, "", 0)


# The QR codes' own capacity (error correction M or stronger, in the largest version the page's
# code area takes), a roomier one (version 25 at L, the codes before issue 15) and a stricter one:
# the organisation of the text holds whatever a code can carry.
CAPACITIES = {
    "roomy": lambda text: len(text.encode("utf-8")) <= 1200,
    "qr": voicecode._fits_any,
    "strict": lambda text: len(text.encode("utf-8")) <= 400,
}


@pytest.fixture(scope="module")
def bilingual(config):
    """locale → capacity → the notice's two parts, as mailed."""
    result = {}
    for locale in locales.TRANSLATED:
        h = dataclasses.replace(household(*several_members()), language=locale)
        result[locale] = {
            name: notice.make_all(h, config, SplittingEncoder(fits))
            for name, fits in CAPACITIES.items()
        }
    return result


def _pages(parts):
    for part in parts:
        for page, text, passages, codes in zip(
            part.pages, part.voice_texts, part.voice_passages, part.voice_codes, strict=True
        ):
            yield part, page, text, passages, codes.texts


@pytest.mark.parametrize("locale", locales.TRANSLATED)
def test_sentences_are_spaced_and_end_as_the_locale_writes(bilingual, locale):
    entry = locales.get(locale)
    for capacity, parts in bilingual[locale].items():
        for part, page, text, passages, codes in _pages(parts):
            gap = locales.get(part.lang).sentence_gap
            sentences = [sentence for passage in passages for sentence in passage.sentences]
            for said in (text, *codes):
                where = (locale, capacity, page.number, said[:80])
                if gap:
                    assert not GLUED.search(said), (where, GLUED.search(said))
                    assert "  " not in said, where
            # Each sentence is followed by the gap, and by nothing else glued to it.
            for sentence in sentences:
                assert sentence in text, (locale, page.number, sentence)
                after = text[text.index(sentence) + len(sentence) :]
                assert not after or after.startswith(gap) or not gap, (locale, sentence)
            if part.lang == locale and gap:
                # Thai has no full stop: its sentences end with the space alone.
                for sentence in sentences:
                    if entry.full_stop:
                        assert not sentence.endswith(" "), (locale, sentence)
        # The list titles are sentences of their own, not glued to their text.
        guide = [text for part in parts if part.lang == locale for text in part.voice_texts]
        title = i18n.translator(locale).gettext("はじめての受診の医療費")
        spoken_title = voice.speakable(title, locale)
        assert any(spoken_title + entry.sentence_gap in text for text in guide), locale


@pytest.mark.parametrize("locale", locales.FOREIGN)
def test_translated_speech_has_no_japanese_its_voice_cannot_read(bilingual, config, locale):
    chinese = locales.get(locale).script in ("Hans", "Hant")
    for capacity, parts in bilingual[locale].items():
        translated = [part for part in parts if part.lang == locale]
        assert len(translated) == 1
        for _part, page, text, _passages, codes in _pages(translated):
            for said in (text, *codes):
                rest = said.replace(CARD_SYMBOL, "")
                assert not KANA.search(rest), (locale, capacity, page.number, KANA.findall(rest))
                if not chinese:
                    assert not HAN.search(rest), (locale, page.number, HAN.findall(rest))
    first = next(part for part in bilingual[locale]["qr"] if part.lang == locale)
    said = " ".join(first.voice_texts)
    # Names: as registered in the locale's script (and Latin, every voice reads it), else the
    # reading romanised.
    assert "Smith John" in said and "SMITH" not in said
    if locale == "ko":
        assert "김 민준" in said
    else:
        assert "Kimu Minjun" in said
    if chinese:
        assert "板橋 太郎" in said
    else:
        assert "Itabashi Tarō" in said and "Itabashi Hanako" in said
    # The foreign-language line (its address read as words) is printed, and read, on the page
    # with the address: in a bilingual notice, the Japanese part's page 1, not the translated one.
    assert not first.shows_address
    assert voice.spoken_url(first.foreign_line.url_text, locale) not in said
    monolingual = notice.make_all(
        dataclasses.replace(household(*several_members()), language=locale),
        config,
        SplittingEncoder(voicecode._fits_any),
        locale=locale,
    )[0]
    assert monolingual.shows_address
    assert voice.spoken_url(first.foreign_line.url_text, locale) in monolingual.voice_texts[0]
    assert "www." not in said and "itabashi.tokyo" not in said


def test_japanese_parts_keep_japanese_readings(bilingual):
    for locale in ("ja-x-easy", "en"):
        japanese = bilingual[locale]["qr"][0]
        assert japanese.lang == "ja"
        said = " ".join(japanese.voice_texts)
        assert "イタバシ タロウ" in said and "スミス ジョン" in said
        assert "www ドット city ドット itabashi ドット tokyo ドット jp" in said
    easy = bilingual["ja-x-easy"]["qr"][1]
    assert "イタバシ タロウ" in " ".join(easy.voice_texts)


@pytest.mark.parametrize("locale", locales.TRANSLATED)
def test_page_totals_are_the_printed_ones(bilingual, locale):
    for capacity, parts in bilingual[locale].items():
        total = sum(part.page_count for part in parts)
        assert total > parts[0].page_count  # both parts are counted
        numbers = []
        for part, page, text, _passages, codes in _pages(parts):
            _ = i18n.translator(part.lang).gettext
            assert part.pages_in_all == total
            assert page.label == _("{page} / {total}").format(page=page.number, total=total)
            numbers.append(page.number)
            assert text.startswith(_("{page}ページ目。").format(page=page.number)), text[:40]
            if len(codes) > 1:
                for number, code in enumerate(codes, start=1):
                    marker = _("{page}ページ目、その{part}。").format(page=page.number, part=number)
                    assert code.startswith(marker), (locale, capacity, code[:40])
            if page.kind == "personal":
                # In the first code; where a long script leaves no room there (the member's name
                # and digits go first), straight after it.
                said = _("このお知らせは、全{total}ページです。").format(total=total)
                assert said in codes[0] or said in codes[1], (locale, capacity, page.number)
        assert numbers == list(range(1, total + 1))


@pytest.mark.parametrize("locale", locales.TRANSLATED)
def test_first_code_of_page_one_holds_who_the_digits_and_the_phone(bilingual, locale, config):
    for capacity, parts in bilingual[locale].items():
        for part in parts:
            page = part.pages[0]
            assert page.kind == "personal"
            first = part.voice_codes[0].texts[0]
            where = (locale, capacity, part.lang)
            assert config.sender.phone in first, where
            title = voice.speakable(part.title, part.lang)
            assert title in first or title in part.voice_codes[0].texts[1], where
            # Who, with their four digits: the household's members in order, as many as the code
            # holds: all four in a roomy code, at least the first in any.
            members = several_members()
            named = [m for m in members if voice.name_for(part.lang, m.name, m.kana) in first]
            assert named == list(members[: len(named)]), where
            # Scripts of stacked marks take three bytes a letter, and Mongolian two: in the
            # strict capacity no member's name fits beside the markers and the phone number.
            small = locales.get(part.lang).script in ("Mymr", "Khmr", "Thai", "Deva", "Cyrl")
            least = {"roomy": 1, "qr": 1, "strict": 0 if small else 1}
            assert len(named) >= least[capacity], (where, named)
            for m in named:
                if m.mynumber_last4:
                    digits = voice.spell_digits_for(part.lang, m.mynumber_last4)
                    assert digits in first, (where, digits)
            if capacity == "roomy" and not small:
                heading = voice.speakable(part.contact.heading, part.lang)
                assert heading in first, where
                if len(named) < len(members):
                    # No room for every name in the summary: the first code reads the members
                    # in full instead (that saved a code), as many as it holds.
                    assert voice.spell_digits_for(part.lang, "0000001") in first, where


def _member_passages(passages):
    return [passage for passage in passages if passage.names_member]


@pytest.mark.parametrize("locale", locales.TRANSLATED)
def test_a_code_never_starts_inside_a_members_data(bilingual, locale):
    continued = 0
    for capacity, parts in bilingual[locale].items():
        for part, page, _text, passages, codes in _pages(parts):
            _ = i18n.translator(part.lang).gettext
            for number, code in enumerate(codes[1:], start=2):
                marker = _("{page}ページ目、その{part}。").format(page=page.number, part=number)
                body = code.removeprefix(marker).lstrip()
                for passage in _member_passages(passages):
                    name, *data = passage.sentences
                    for sentence in data:
                        assert not body.startswith(sentence), (locale, capacity, page.number)
                    # A member whose data runs over two codes is named again in the second.
                    earlier = codes[number - 2]
                    if body.startswith(name) and any(sentence in earlier for sentence in data):
                        continued += 1
    if locale in ("my", "km", "ne", "th", "mn"):
        # Their members' data are long enough that the strict capacity cuts through them.
        assert continued, locale


@pytest.mark.parametrize("locale", ["th", "en", "my", "km"])
def test_codes_break_between_sentences_not_inside_dates(bilingual, locale):
    """A Thai date (「1 เมษายน ค.ศ. 1980」) stays in one code: the abbreviation's dots are no
    sentence ends, and codes break between whole sentences."""
    for capacity, parts in bilingual[locale].items():
        for part, page, _text, passages, codes in _pages(parts):
            sentences = [sentence for passage in passages for sentence in passage.sentences]
            _ = i18n.translator(part.lang).gettext
            for number, code in enumerate(codes, start=1):
                marker = _("{page}ページ目、その{part}。").format(page=page.number, part=number)
                if len(codes) == 1:
                    marker = _("{page}ページ目。").format(page=page.number)
                follows = _("続きは、左どなりのコード、その{part}にあります。").format(
                    part=number + 1
                )
                body = code.removeprefix(marker).removesuffix(follows).strip()
                # Every code starts and ends where a sentence does, or where a sentence longer
                # than a code may be cut (between words, beside no digit or abbreviation).
                starts = [
                    sentence[point:]
                    for sentence in sentences
                    for point in (0, *voicecode._cut_points(sentence, level=2))
                ]
                ends = [
                    sentence[:point].rstrip()
                    for sentence in sentences
                    for point in (*voicecode._cut_points(sentence, level=2), len(sentence))
                ]
                where = (locale, capacity, page.number, body[:60])
                assert any(body.startswith(s[:30]) or s.startswith(body) for s in starts), where
                assert any(body.endswith(e[-30:]) or e.endswith(body) for e in ends), where
                assert not body.endswith("ค.ศ."), (locale, page.number)


def test_thai_dates_are_not_sentence_ends():
    text = "เกิดวันที่ 1 เมษายน ค.ศ. 1980 หมายเลข 0, 1. Next sentence. e.g. this one."
    assert voicecode.split_sentences(text) == [
        "เกิดวันที่ 1 เมษายน ค.ศ. 1980 หมายเลข 0, 1.",
        "Next sentence.",
        "e.g. this one.",
    ]
    # A sentence longer than a code is cut between words, but never inside a date or a number.
    sentence = "วันเกิด 1 เมษายน ค.ศ. 1980 สัญลักษณ์ 板 หมายเลข 0, 0, 1 ต่อไป"
    cuts = [sentence[:point] for point in voicecode._cut_points(sentence)]
    assert cuts == [
        "วันเกิด 1 เมษายน ค.ศ. 1980 สัญลักษณ์ ",
        "วันเกิด 1 เมษายน ค.ศ. 1980 สัญลักษณ์ 板 ",
    ]


def _summary_page(members: int, fits, filler: int = 8):
    """Page 1 of a notice: the title, each member's name and digits, the phone number, then some
    text and each member's full data."""
    names = [f"{number}人目、ミホン {number}さん。" for number in range(1, members + 1)]
    digits = "マイナンバーの下4桁は、1、2、3、4です。"
    record = "生年月日は、昭和55年4月1日。被保険者証の記号は、板、番号は、1、2、3、4、5、6、7。"
    passages = (
        voicecode.Passage(("国民健康保険 加入者情報のお知らせ。",), first_code="lead"),
        *(
            voicecode.Passage((name, digits), True, "extra", number)
            for number, name in enumerate(names, start=1)
        ),
        voicecode.Passage(("電話 03-3964-1111。",), first_code="must"),
        voicecode.Passage(("発行したお知らせです。" * filler,)),
        *(
            voicecode.Passage((name, record, digits), True, "", number)
            for number, name in enumerate(names, start=1)
        ),
    )
    text = voicecode.joined(("1ページ目。", *(s for p in passages for s in p.sentences)), "")
    return text, voicecode.split_text(text, 1, i18n.translator(), fits, passages)


def test_page_one_summarises_the_members_when_that_costs_no_code():
    # Room to spare in the first code: every member's name and digits are said there first.
    _text, codes = _summary_page(3, lambda t: len(t) <= 300, filler=2)
    assert all(f"{n}人目、ミホン {n}さん。マイナンバー" in codes[0] for n in (1, 2, 3))
    assert "電話 03-3964-1111。" in codes[0]
    assert sum("生年月日" in code for code in codes) >= 1  # the full data follow
    # Where the summary would cost a code, the members' data come first instead, each said once,
    # the first member's in the first code with the phone number.
    chosen = set()
    for capacity in range(200, 600, 5):
        _text, codes = _summary_page(8, lambda t, capacity=capacity: len(t) <= capacity)
        summary = "1人目、ミホン 1さん。マイナンバー" in codes[0]
        chosen.add(summary)
        assert "電話 03-3964-1111。" in codes[0], capacity
        if not summary:
            joined = "".join(codes)
            assert all(joined.count(f"{n}人目、ミホン {n}さん。") == 1 for n in range(1, 9))
            assert "1人目、ミホン 1さん。生年月日" in codes[0], capacity
    assert chosen == {True, False}


def test_every_sentence_of_a_page_is_in_its_codes(sample_households, config):
    """Nothing a page's voice text says is lost on the way into its codes (a page 1 member summary
    excepted: those members are read in full there). A continuation page of five members once
    came out as one code holding its heading alone. A sentence may continue in the next code
    (cut between words, where a page's codes would not fit their row otherwise)."""
    encoder = voicecode.QrEncoder()
    for h in sample_households:
        for part in notice.make_all(h, config, encoder):
            _ = i18n.translator(part.lang).gettext
            gap = locales.get(part.lang).sentence_gap
            for page, passages, codes in zip(
                part.pages, part.voice_passages, part.voice_codes, strict=True
            ):
                bodies = []
                for number, code in enumerate(codes.texts, start=1):
                    marker = _("{page}ページ目、その{part}。").format(page=page.number, part=number)
                    follows = _("続きは、左どなりのコード、その{part}にあります。").format(
                        part=number + 1
                    )
                    bodies.append(code.removeprefix(marker).removesuffix(follows).strip())
                said = gap.join(bodies)
                for passage in passages:
                    if passage.first_code == "extra":
                        continue
                    for sentence in passage.sentences:
                        assert sentence in said, (h.household_id, part.lang, page.number, sentence)
