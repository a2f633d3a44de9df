"""やさしい日本語 (ja-x-easy) edited to the 2020 guideline (在留支援のためのやさしい日本語ガイドライン,
出入国在留管理庁・文化庁): dates with the Western year and the era read in hiragana, readings on every
kanji, one word for 世帯 on paper and on the web, a 負担割合 label that says who pays."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from babel.messages.pofile import read_po

from noticegen import i18n, notice, project, settings, site, view, voicecode

CATALOG = project.ROOT / "locales" / "ja-x-easy" / "LC_MESSAGES" / "notice.po"
KANJI = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
ERA_NAMES = re.compile(r"令和|平成|昭和|大正|明治")


def catalog_entries() -> list[tuple[str, str, set[str]]]:
    """(msgid, msgstr, the files that use it) for every translated entry."""
    with CATALOG.open("rb") as file:
        catalog = read_po(file)
    return [
        (message.id, message.string, {path for path, _line in message.locations})
        for message in catalog
        if message.id and message.string
    ]


@pytest.mark.parametrize(
    ("date", "printed"),
    [
        (dt.date(2024, 10, 25), "2024年（れいわ 6年）10月25日"),
        (dt.date(2019, 5, 1), "2019年（れいわ 1年）5月1日"),
        (dt.date(2019, 4, 30), "2019年（へいせい 31年）4月30日"),
        (dt.date(1989, 1, 7), "1989年（しょうわ 64年）1月7日"),
        (dt.date(1926, 12, 24), "1926年（たいしょう 15年）12月24日"),
        (dt.date(1912, 7, 29), "1912年（めいじ 45年）7月29日"),
    ],
)
def test_a_date_gives_the_western_year_and_the_era_read_in_hiragana(date, printed):
    assert view._date(date, "ja-x-easy") == printed
    # Split for a narrow cell, the same words, a line each.
    assert "".join(view._date_groups(date, "ja-x-easy")) == printed
    # Japanese itself is unchanged: 和暦 as printed, 元年 for an era's first year.
    assert view._date(dt.date(2019, 5, 1), "ja") == "令和元年5月1日"


@pytest.fixture(scope="module")
def easy_notice():
    config = settings.load()
    encoder = voicecode.encoder_for(config.voice_code)
    japanese, easy = notice.make_all(site.sample_household("ja-x-easy"), config, encoder)
    return japanese, easy


def test_every_date_of_an_easy_notice_carries_the_western_year_and_a_reading(easy_notice):
    japanese, easy = easy_notice
    row = next(page.members for page in easy.pages if page.members is not None).rows[0]
    assert row.birth_date == "1980年（しょうわ 55年）4月1日"
    assert row.acquired_date == "2010年（へいせい 22年）4月1日"
    assert easy.issue_date == "2024年（れいわ 6年）10月25日"
    assert "2024年（れいわ 6年）10月1日" in easy.reference_note
    # No era name in kanji is left in the easy part's words, while the Japanese part keeps 和暦.
    # (The reply form is the office's Japanese form, its labels translated: its rows are 和暦.)
    pages = [page for page in easy.pages if page.kind != "form"]
    words = repr(pages) + easy.issue_date + easy.reference_note
    assert not ERA_NAMES.search(words), ERA_NAMES.findall(words)
    assert japanese.issue_date == "令和6年10月25日"


def test_every_kanji_in_the_catalog_has_its_reading():
    """The guideline: kanji in moderation, each with its reading (｜漢字《かんじ》)."""
    for msgid, msgstr, _files in catalog_entries():
        bare = i18n.RUBY.sub("", msgstr)
        assert not KANJI.search(bare), (msgid, KANJI.findall(bare))
        for _word, reading in i18n.RUBY.findall(msgstr):
            assert not KANJI.search(reading), (msgid, reading)


def test_spacing_is_consistent_and_sentences_are_short():
    """Wakachigaki with single half-width spaces, no space before punctuation; sentences of at
    most 90 characters (readings not counted); no double negatives."""
    for msgid, msgstr, _files in catalog_entries():
        assert "　" not in msgstr and "  " not in msgstr, msgid
        assert not re.search(r" [、。）」]|[（「] ", msgstr), msgid
        assert msgstr == msgstr.strip(), msgid
        plain = i18n.RUBY.sub(r"\1", msgstr)
        for sentence in re.split(r"(?<=。)", plain):
            assert len(sentence) <= 90, (msgid, sentence)
        assert not re.search(r"ない(わけ|こと)は(ない|ありません)|なくも ない", plain), msgid


def test_setai_is_one_word_on_paper_and_on_the_web():
    """世帯 is 「｜世帯《せたい》」 in every entry, the notice's and the site's alike: never 家族 in
    its place, never せたい written without its kanji."""
    entries = [(msgid, msgstr) for msgid, msgstr, _files in catalog_entries() if "世帯" in msgid]
    files = {path for msgid, _s, paths in catalog_entries() if "世帯" in msgid for path in paths}
    assert {"noticegen/site.py", "noticegen/view.py"} <= files
    for msgid, msgstr in entries:
        readings = dict(i18n.RUBY.findall(msgstr))
        setai = [word for word in readings if word.startswith("世帯")]
        assert setai, (msgid, msgstr)
        assert all(readings[word].startswith("せたい") for word in setai), msgstr
        without_readings = i18n.RUBY.sub(r"\1", msgstr)
        # 家族 appears only inside the one explanation of what a 世帯 is.
        assert (
            without_readings.replace("世帯（いっしょに 住んで いる 家族）", "").count("家族") == 0
        ), msgstr
    for _msgid, msgstr, paths in catalog_entries():
        if paths & {"noticegen/view.py", "noticegen/site.py"}:
            assert "せたい" not in i18n.RUBY.sub("", msgstr), msgstr


def test_the_copay_label_says_who_pays_and_where():
    translator = i18n.translator("ja-x-easy")
    label = i18n.RUBY.sub(r"\1", translator.gettext("負担割合"))
    assert label == "病院で 自分が はらう お金の わりあい"
    spoken = translator.gettext("負担割合は、{copay}。")
    assert "びょういんで じぶんが はらう" in spoken
    listed = i18n.RUBY.sub(
        r"\1", translator.gettext("氏名、生年月日、記号・番号・枝番、負担割合など")
    )
    assert label in listed
