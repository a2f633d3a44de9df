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

    def gettext(self, message: str) -> str:
        return self._usable(message, self.catalog.gettext(message))

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        source = singular if count == 1 else plural
        return self._usable(source, self.catalog.ngettext(singular, plural, count))

    def _usable(self, msgid: str, text: str) -> str:
        if text == msgid:
            return text
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
