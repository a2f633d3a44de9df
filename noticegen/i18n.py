"""Translators: the words of one locale, from `locales/<locale>/LC_MESSAGES/notice.mo`.

The Japanese source text is the msgid and the authoritative wording, so Japanese needs no catalog:
its translator returns every message as written.
"""

from __future__ import annotations

import gettext
from dataclasses import dataclass

from noticegen import project

SOURCE_LOCALE = "ja"
DOMAIN = "notice"


class UnknownLocaleError(LookupError):
    pass


@dataclass(frozen=True)
class Translator:
    locale: str
    catalog: gettext.NullTranslations

    def gettext(self, message: str) -> str:
        return self.catalog.gettext(message)

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        return self.catalog.ngettext(singular, plural, count)


def available_locales() -> tuple[str, ...]:
    compiled = sorted(
        path.parent.parent.name for path in project.LOCALES.glob(f"*/LC_MESSAGES/{DOMAIN}.mo")
    )
    return (SOURCE_LOCALE, *compiled)


def translator(locale: str = SOURCE_LOCALE) -> Translator:
    if locale == SOURCE_LOCALE:
        return Translator(locale, gettext.NullTranslations())
    try:
        catalog = gettext.translation(DOMAIN, localedir=project.LOCALES, languages=[locale])
    except FileNotFoundError:
        raise UnknownLocaleError(
            f"no catalog for {locale!r}; available: {', '.join(available_locales())}"
        ) from None
    return Translator(locale, catalog)
