"""A household's finished notice: the view, with each page's voice codes made.

The one entry point for the edges (cli, batch, preview): records → view → voice codes → render.
"""

from __future__ import annotations

import dataclasses

from noticegen import i18n, pagegeometry, view, voicecode
from noticegen.i18n import Translator
from noticegen.records import Household
from noticegen.settings import Settings


def make_all(
    household: Household,
    settings: Settings,
    encoder: voicecode.Encoder,
    large_print: bool = False,
    locale: str | None = None,
) -> tuple[view.NoticeView, ...]:
    """The notice as mailed: Japanese, then the household's language when it has one (the
    address page only once, pages numbered through both parts); or, with `locale`, that locale alone.
    """
    if locale is not None:
        return (make(household, settings, i18n.translator(locale), encoder, large_print),)
    japanese = i18n.translator()
    language = household.language
    if language is None or language not in i18n.available_locales():
        return (make(household, settings, japanese, encoder, large_print),)
    translated = i18n.translator(language)
    # Count each part's pages first: the numbers run through both parts. The reply form comes
    # once, at the end of the notice: the translated part carries it (Japanese, with the
    # household's language beside its labels).
    first = view.build(household, settings, japanese, large_print, carries_form=False).page_count
    second = view.build(
        household, settings, translated, large_print, shows_address=False
    ).page_count
    total = first + second
    return (
        make(
            household,
            settings,
            japanese,
            encoder,
            large_print,
            numbering=(1, total),
            carries_form=False,
        ),
        make(
            household,
            settings,
            translated,
            encoder,
            large_print,
            numbering=(first + 1, total),
            shows_address=False,
        ),
    )


def make(
    household: Household,
    settings: Settings,
    translator: Translator,
    encoder: voicecode.Encoder,
    large_print: bool = False,
    numbering: tuple[int, int] | None = None,
    shows_address: bool = True,
    carries_form: bool = True,
) -> view.NoticeView:
    notice = view.build(
        household, settings, translator, large_print, numbering, shows_address, carries_form
    )
    geometry = pagegeometry.PAGE
    codes = tuple(
        voicecode.page_codes(
            text,
            page.number,
            encoder,
            translator,
            passages,
            geometry.max_codes_beside_text if page.codes_beside_text else geometry.max_codes,
        )
        for page, text, passages in zip(
            notice.pages, notice.voice_texts, notice.voice_passages, strict=True
        )
    )
    return dataclasses.replace(notice, voice_codes=codes)
