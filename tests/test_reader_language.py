"""Configuration words in the reader's language (issue 14): [translations.<locale>] in the
configuration, checked at load and by `catalog check`, printed on translated pages with the
Japanese beside them where the reader must match it, and tagged lang="ja" wherever Japanese stays.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import re

import lxml.html
import pytest

from noticegen import catalog, cli, fonts, i18n, locales, notice, settings, view, voicecode
from noticegen.printing import render
from noticegen.records import Household, Member
from noticegen.settings import ConfigError

KANA = r"\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f"
HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々〆"


def write(tmp_path, text: str):
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def member(name: str, kana: str | None, branch: str, last4: str | None) -> Member:
    return Member(
        name=name,
        kana=kana,
        birth_date=dt.date(1980, 5, 5),
        insured_symbol="板",
        insured_number="7654321",
        insured_branch=branch,
        acquired_date=dt.date(2015, 4, 1),
        copay_ratio="3",
        mynumber_last4=last4,
        line=int(branch) + 1,
    )


def household(language: str | None) -> Household:
    members = (
        member("見本 太郎", "ミホン タロウ", "01", "4821"),
        member("見本 花子", "ミホン ハナコ", "02", None),
        # A name registered in Latin letters is not Japanese.
        member("SILVA ANA", None, "03", "1234"),
    )
    return Household(
        household_id="K0042",
        head_name="見本 太郎",
        postal_code="1730004",
        address="東京都板橋区板橋二丁目66番1号",
        address2=None,
        language=language,
        members=members,
        lines=tuple(m.line for m in members),
    )


def japanese_pattern(locale: str) -> re.Pattern[str]:
    """Japanese script: kana, and Han characters except in Chinese, which is written in them."""
    script = locales.get(locale).script
    return re.compile(f"[{KANA}]+" if script in ("Hans", "Hant") else f"[{KANA}{HAN}]+")


def translated_pages(markup: str, locale: str) -> list:
    """The pages of the translated part, with every element tagged lang="ja" taken out."""
    tree = lxml.html.fromstring(markup)
    pages = [
        page
        for page in tree.xpath("//div[contains(concat(' ', @class, ' '), ' page ')]")
        if page.get("lang") == locales.get(locale).bcp47
    ]
    for page in pages:
        for tagged in page.xpath('.//*[@lang="ja"]'):
            tagged.drop_tree()
    return pages


def texts(element) -> list[str]:
    return [text for text in element.itertext() if text.strip()]


@pytest.fixture(scope="module")
def config():
    return settings.load()


@pytest.fixture(scope="module")
def bilingual(config):
    """Every foreign locale's notice as mailed: the Japanese part, then the translated one."""
    encoder = voicecode.QrEncoder()
    result = {}
    for locale in locales.FOREIGN:
        parts = notice.make_all(household(locale), config, encoder)
        result[locale] = (parts, render.html(parts))
    return result


# ---------------------------------------------------------------------------------------------
# the configuration


def test_every_translated_locale_has_every_reader_value(config):
    assert set(config.translations) == set(locales.TRANSLATED)
    for locale in locales.TRANSLATED:
        assert config.missing_translations(locale) == (), locale
        for key in settings.READER_KEYS:
            text = config.in_language(key, locale)
            assert text and text != config.japanese(key), (locale, key)
    assert config.in_language("sender.hours", "ja") == config.sender.hours
    # やさしい日本語 gives every kanji of the office's names its reading.
    for key in settings.READER_KEYS:
        easy = config.in_language(key, "ja-x-easy")
        bare = re.sub(r"｜[^｜《》]+《[^《》]+》", "", easy)
        assert not re.search(f"[{HAN}]", bare), (key, bare)


def test_foreign_values_are_in_the_readers_script(config):
    """No Japanese left in a foreign locale's values (Chinese: no kana)."""
    for locale in locales.FOREIGN:
        for key in settings.READER_KEYS:
            assert not japanese_pattern(locale).search(config.in_language(key, locale)), (
                locale,
                key,
            )


@pytest.mark.parametrize("locale", locales.TRANSLATED)
def test_every_configured_character_is_in_the_locales_fonts(config, locale):
    families = [fonts.family_for(locale), fonts.family_for("en"), fonts.family_for("ja")]
    covered = set()
    for family in families:
        language = next(f.languages[0] for f in fonts.manifest() if f.family == family)
        covered |= fonts.coverage_for(language).codepoints
    missing = {
        f"U+{ord(char):04X} in {key}"
        for key in settings.READER_KEYS
        for char in config.in_language(key, locale)
        if ord(char) not in covered and not char.isspace()
    }
    assert not missing, sorted(missing)


@pytest.mark.parametrize(
    ("text", "key", "words"),
    [
        ('[translations.xx]\nsender.hours = "x"\n', "translations.xx", "unknown locale"),
        ('[translations.zh]\nsender.hours = "x"\n', "translations.zh", 'did you mean "zh-Hans"'),
        ('[translations.ja]\nsender.hours = "x"\n', "translations.ja", "configuration's own"),
        ('[translations.en]\nsender.phone = "x"\n', "translations.en.sender.phone", "unknown key"),
        ('[translations.en]\nsender = "x"\n', "translations.en.sender", "unknown key"),
        ("[translations.en]\nsender.hours = 9\n", "translations.en.sender.hours", "a string"),
        ('translations = "en"\n', "translations", "must be a table"),
        ('[translations]\nen = "x"\n', "translations.en", "must be a table"),
        (
            '[translations.ja-x-easy]\nsender.hours = "｜平日《へいじつ》｜9時"\n',
            "translations.ja-x-easy.sender.hours",
            "reading notation",
        ),
    ],
)
def test_translation_mistakes_are_configuration_errors(tmp_path, text, key, words):
    with pytest.raises(ConfigError) as caught:
        settings.load(write(tmp_path, text))
    assert caught.value.key == key
    assert words in str(caught.value)


def test_a_changed_value_drops_the_shipped_translations_of_it(tmp_path):
    """Another city keeps none of Itabashi's office hours: its changed hours are untranslated
    until its file translates them; the values it left alone keep their translations."""
    path = write(
        tmp_path,
        '[sender]\nhours = "平日 9時～17時"\n\n[translations.en]\nsender.hours = "Weekdays 9 to 5"\n',
    )
    config = settings.load(path)
    assert config.in_language("sender.hours", "en") == "Weekdays 9 to 5"
    assert config.missing_translations("en") == ()
    for locale in set(locales.TRANSLATED) - {"en"}:
        assert config.missing_translations(locale) == ("sender.hours",), locale
    assert config.in_language("sender.address", "ko") == settings.load().in_language(
        "sender.address", "ko"
    )


def test_a_translation_is_part_of_the_digest(tmp_path):
    changed = settings.load(write(tmp_path, '[translations.en]\nsender.hours = "Weekdays"\n'))
    assert changed.digest != settings.load().digest
    same = '[translations.en]\nmunicipality.name = "Itabashi City"\n'
    assert settings.load(write(tmp_path, same)).digest == settings.load().digest


def test_an_empty_translation_is_missing(tmp_path):
    config = settings.load(write(tmp_path, '[translations.vi]\nsender.hours = ""\n'))
    assert config.in_language("sender.hours", "vi") is None
    assert config.missing_translations("vi") == ("sender.hours",)


# ---------------------------------------------------------------------------------------------
# catalog check


def test_catalog_check_reports_a_missing_or_empty_value_by_key_and_locale(tmp_path):
    config = settings.load(
        write(
            tmp_path,
            '[sender]\nhours = "平日 9時～17時"\n\n[translations.en]\nsender.hours = "Weekdays"\n'
            '\n[translations.ko]\nsender.section = ""\n',
        )
    )
    findings = catalog.configuration_findings(config)
    problems = {(f.locale, f.config_key): str(f) for f in findings}
    assert ("en", "sender.hours") not in problems
    assert set(problems) == {
        *((locale, "sender.hours") for locale in locales.TRANSLATED if locale != "en"),
        ("ko", "sender.section"),
    }
    assert problems[("vi", "sender.hours")] == (
        'vi: configuration sender.hours: missing: give it as [translations.vi] sender.hours = "…"'
        " in the configuration (the Japanese: 「平日 9時～17時」)"
    )
    assert problems[("ko", "sender.section")].startswith(
        "ko: configuration sender.section: empty translation"
    )
    # Only the locales asked for (`--locale`), like the catalogs' own findings.
    assert {f.locale for f in catalog.configuration_findings(config, ["th"])} == {"th"}
    assert catalog.configuration_findings(settings.load()) == []


def test_catalog_check_command_fails_on_a_missing_value(tmp_path, capsys):
    path = write(tmp_path, '[sender]\naddress = "東京都見本市1番"\n')
    status = cli.main(["catalog", "check", "--config", str(path), "--locale", "mn"])
    out = capsys.readouterr().out
    assert status == cli.EXIT_REJECTED
    assert "mn: configuration sender.address: missing" in out
    assert cli.main(["catalog", "check", "--locale", "mn"]) == cli.EXIT_OK


# ---------------------------------------------------------------------------------------------
# the notice


def test_a_missing_value_prints_the_japanese_tagged_and_warns_once(tmp_path, caplog):
    config = settings.load(write(tmp_path, '[sender]\nhours = "平日 9時～17時"\n'))
    view._warn_untranslated.cache_clear()
    encoder = voicecode.QrEncoder()
    # Two members: the second alone on page 2, where the contact block follows them (a translated
    # part prints it after the last members where their page has room; else the check page's
    # 「連絡のしかた」 gives the same details).
    three = household("en")
    two = dataclasses.replace(three, members=three.members[:2], lines=three.lines[:2])
    with caplog.at_level(logging.WARNING, logger="noticegen"):
        for _ in range(2):
            finished = notice.make(two, config, i18n.translator("en"), encoder)
    warnings = [r.getMessage() for r in caplog.records if "sender.hours" in r.getMessage()]
    assert warnings == [
        "configuration: no en translation of sender.hours ([translations.en] sender.hours); "
        "the Japanese is shown"
    ]
    assert finished.contact.hours == "平日 9時～17時"
    assert finished.contact.in_japanese == ("hours",)
    tree = lxml.html.fromstring(render.html(finished))
    contact = tree.xpath("//div[@class='contact']")[0]
    assert [span.text for span in contact.xpath(".//span[@lang='ja']")][:2] == [
        "板橋区 健康生きがい部 国保年金課",
        "平日 9時～17時",
    ]


@pytest.mark.parametrize("locale", locales.FOREIGN)
def test_translated_pages_hold_no_untagged_japanese(bilingual, config, locale):
    """Everything Japanese on the translated part of a mailed notice is tagged lang="ja" (names,
    the card's 記号, the office's Japanese name and address beside their translation, the reply
    form's Japanese, a catalog's term in brackets after its translation 「My Number health
    insurance card (マイナ保険証)」 and the 和暦 beside a date: render.tag_japanese_runs)."""
    _parts, markup = bilingual[locale]
    japanese = japanese_pattern(locale)
    pages = translated_pages(markup, locale)
    assert pages, locale
    untagged = []
    for page in pages:
        for text in texts(page):
            # No configuration value is printed in Japanese without its tag.
            for key in settings.READER_KEYS:
                assert config.japanese(key) not in text, (locale, key, text)
            if japanese.search(text):
                untagged.append(text)
    assert untagged == [], (locale, untagged[:5])


@pytest.mark.parametrize("locale", locales.FOREIGN)
def test_translated_pages_print_the_configuration_in_the_readers_language(
    bilingual, config, locale
):
    parts, markup = bilingual[locale]
    translated = parts[-1]
    tree = lxml.html.fromstring(markup)
    tag = locales.get(locale).bcp47
    pages = [p for p in tree.xpath("//div[@lang]") if p.get("lang") == tag]
    text = " ".join(" ".join(texts(page)) for page in pages)
    for key in settings.READER_KEYS:
        assert config.in_language(key, locale) in text, (locale, key)
    # The office's name and address stand in Japanese beside their translation, tagged.
    beside = [
        span.text_content()
        for page in pages
        for span in page.xpath(".//span[@lang='ja' and contains(@class, 'japanese-beside')]")
    ]
    assert "板橋区 健康生きがい部 国保年金課" in beside
    assert config.sender.address in beside
    assert f"（{config.municipality.insurer}）" in beside  # as on the card
    # Registered names: Japanese script tagged ja, Latin letters in the page's language.
    names = [
        (span.text_content(), span.get("lang"))
        for page in pages
        for span in page.xpath(".//span[@class='name']")
    ]
    assert ("見本 太郎", "ja") in names and ("SILVA ANA", None) in names
    assert {lang for name, lang in names if name == "SILVA ANA"} == {None}
    # The voice codes read the translated values, not the Japanese ones.
    spoken = " ".join(translated.voice_texts)
    for key in ("sender.hours", "sender.address", "sender.section"):
        assert config.japanese(key) not in spoken, (locale, key)


def test_the_japanese_notice_is_unchanged_by_translations(config):
    finished = notice.make(household(None), config, i18n.translator("ja"), voicecode.QrEncoder())
    assert finished.contact.office == "板橋区 健康生きがい部 国保年金課"
    assert finished.contact.office_ja is None and finished.contact.address_ja is None
    assert finished.sender == ("板橋区", "健康生きがい部 国保年金課")
    assert finished.fields[0].value == "板橋区国民健康保険" and finished.fields[0].value_ja is None


def test_the_reply_forms_japanese_is_tagged_and_its_translation_is_not(bilingual):
    """The form is a Japanese document with the reader's language beside its labels."""
    _parts, markup = bilingual["en"]
    tree = lxml.html.fromstring(markup)
    title = tree.xpath("//h2[@class='form-title']")[0]
    assert [span.text for span in title.xpath("span[@lang='ja']")] == [
        "国民健康保険 加入者情報の届出書"
    ]
    assert title.text_content().startswith("国民健康保険 加入者情報の届出書 / National Health")
    form = tree.xpath("//div[@class='form']")[0]
    for element in form.iter():
        if element.get("lang") == "ja":
            assert not re.search("[A-Za-z]{3,}", element.text_content()), element.text_content()
