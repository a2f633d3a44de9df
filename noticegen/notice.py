"""A household's finished notice: the view, with each page's voice codes made.

The one entry point for the edges (cli, batch, preview): records → view → voice codes → render.
"""

from __future__ import annotations

import dataclasses

from noticegen import caches, i18n, pagegeometry, view, voicecode
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
    codes = tuple(
        _page_codes(page, text, passages, encoder, translator)
        for page, text, passages in zip(
            notice.pages, notice.voice_texts, notice.voice_passages, strict=True
        )
    )
    return dataclasses.replace(notice, voice_codes=codes)


# The codes of guide, check and blank pages, which many households share (a page's text holds its
# number, so a few variants of each): kept apart from the encoder's own cache of recent codes,
# through which every household's personal codes pass. By everything the codes depend on.
_SHARED_CODES = caches.Bounded(1024)


def _page_codes(
    page: view.Page,
    text: str,
    passages: tuple[voicecode.Passage, ...],
    encoder: voicecode.Encoder,
    translator: Translator,
) -> voicecode.PageCodes:
    geometry = pagegeometry.PAGE
    room = geometry.max_codes_beside_text if page.codes_beside_text else geometry.max_codes
    encoder_key = getattr(encoder, "cache_key", None)  # an encoder without one: not kept
    if page.kind in ("personal", "members", "form") or encoder_key is None:
        return voicecode.page_codes(text, page.number, encoder, translator, passages, room)
    key = (text, page.number, passages, room, translator, encoder_key)
    codes = _SHARED_CODES.get(key)
    if codes is None:
        codes = voicecode.page_codes(text, page.number, encoder, translator, passages, room)
        _SHARED_CODES.put(key, codes)
    return codes
