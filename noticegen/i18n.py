"""Translators: the words of one locale, from `locales/<locale>/LC_MESSAGES/notice.mo`.

The Japanese source text is the msgid and the authoritative wording, so Japanese needs no catalog:
its translator returns every message as written.

A translation that would break the page (a placeholder, markup or reading notation that is not the
Japanese's, or an empty string) is never used: the Japanese is shown for that entry, and one
warning per entry is logged. `noticegen catalog compile` refuses such entries in the first place.
"""

from __future__ import annotations

import functools
import gettext
import logging
import re
from dataclasses import dataclass, field

from noticegen import project

SOURCE_LOCALE = "ja"
DOMAIN = "notice"
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")
MARKUP = re.compile(r"</?[a-zA-Z][^>]*>")
RUBY = re.compile(r"｜([^｜《》]+)《([^《》]+)》")

# Japanese inside a translation: the terms a reader meets at the counter, kept in brackets after
# their translation (マイナ保険証), and the 和暦 beside a Gregorian date. A run starts and ends with
# kana or kanji and may hold digits and ・ー between (令和6年12月2日 is one run).
KANA = "\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f"
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々〆"
_JAPANESE_RUN = re.compile(f"[{KANA}{HAN}](?:[{KANA}{HAN}0-9０-９・ー]*[{KANA}{HAN}])?")
_HAS_KANA = re.compile(f"[{KANA}]")


def japanese_pattern(locale: str) -> re.Pattern[str]:
    """A character that is Japanese in `locale`'s text: kana, and kanji except in Chinese, whose
    own script the Han characters are."""
    from noticegen import locales

    chinese = locales.get(locale).script in ("Hans", "Hant")
    return re.compile(f"[{KANA}]" if chinese else f"[{KANA}{HAN}]")


def japanese_runs(text: str, locale: str) -> list[re.Match[str]]:
    """The runs of Japanese inside a text of `locale` (none in Japanese itself).

    >>> [m.group() for m in japanese_runs("card (マイナ保険証), 2024 (令和6年12月2日)", "en")]
    ['マイナ保険証', '令和6年12月2日']
    >>> [m.group() for m in japanese_runs("个人编号卡保险证（マイナ保険証）", "zh-Hans")]
    ['マイナ保険証']
    """
    from noticegen import locales

    entry = locales.get(locale)
    if entry.is_japanese:
        return []
    runs = _JAPANESE_RUN.finditer(text)
    if entry.script in ("Hans", "Hant"):
        return [run for run in runs if _HAS_KANA.search(run.group())]
    return list(runs)


log = logging.getLogger("noticegen")


def translation_problems(msgid: str, text: str) -> list[str]:
    """What makes `text` unusable as the translation of `msgid` (empty: usable)."""
    found = []
    if sorted(PLACEHOLDER.findall(msgid)) != sorted(PLACEHOLDER.findall(text)):
        found.append("placeholders differ from the Japanese")
    if sorted(MARKUP.findall(msgid)) != sorted(MARKUP.findall(text)):
        found.append("markup differs from the Japanese")
    if text.count("｜") != len(RUBY.findall(text)) or text.count("《") != text.count("》"):
        found.append("unbalanced reading notation ｜漢字《かんじ》")
    return found


class UnknownLocaleError(LookupError):
    pass


@dataclass(frozen=True)
class Translator:
    locale: str
    catalog: gettext.NullTranslations
    # The entries found broken and already warned of (once each).
    broken: set[str] = field(default_factory=set, compare=False, repr=False)
    # What `_usable` made of each (msgid, translation) met: the catalog does not change while it
    # is open, and a notice's view asks for the same few hundred labels for every household.
    _checked: dict[tuple[str, str], str] = field(default_factory=dict, compare=False, repr=False)

    def gettext(self, message: str) -> str:
        return self._usable(message, self.catalog.gettext(message))

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        source = singular if count == 1 else plural
        return self._usable(source, self.catalog.ngettext(singular, plural, count))

    def _usable(self, msgid: str, text: str) -> str:
        if text == msgid:
            return text
        usable = self._checked.get((msgid, text))
        if usable is None:
            usable = self._checked[(msgid, text)] = self._checked_now(msgid, text)
        return usable

    def _checked_now(self, msgid: str, text: str) -> str:
        problems = translation_problems(msgid, text) if text.strip() else ["empty"]
        if not problems:
            return text
        if msgid not in self.broken:
            self.broken.add(msgid)
            excerpt = msgid if len(msgid) <= 30 else msgid[:29] + "…"
            log.warning(
                "catalog %s: 「%s」: %s; the Japanese is shown instead",
                self.locale,
                excerpt,
                "; ".join(problems),
            )
        return msgid


def available_locales() -> tuple[str, ...]:
    compiled = sorted(
        path.parent.parent.name for path in project.LOCALES.glob(f"*/LC_MESSAGES/{DOMAIN}.mo")
    )
    return (SOURCE_LOCALE, *compiled)


def translator(locale: str = SOURCE_LOCALE) -> Translator:
    return _translator(locale, project.LOCALES)


@functools.cache  # one per locale, folder and process: a broken entry is warned of once
def _translator(locale: str, folder) -> Translator:
    if locale == SOURCE_LOCALE:
        return Translator(locale, gettext.NullTranslations())
    try:
        catalog = gettext.translation(DOMAIN, localedir=folder, languages=[locale])
    except FileNotFoundError:
        raise UnknownLocaleError(
            f"no catalog for {locale!r}; available: {', '.join(available_locales())}"
        ) from None
    return Translator(locale, catalog)
