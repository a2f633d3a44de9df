"""A household's finished notice: the view, with each page's voice codes made.

The one entry point for the edges (cli, batch, preview): records → view → voice codes → render.
"""

from __future__ import annotations

import dataclasses

from noticegen import view, voicecode
from noticegen.i18n import Translator
from noticegen.records import Household
from noticegen.settings import Settings


def make(
    household: Household,
    settings: Settings,
    translator: Translator,
    encoder: voicecode.Encoder,
    large_print: bool = False,
) -> view.NoticeView:
    notice = view.build(household, settings, translator, large_print)
    codes = tuple(
        voicecode.page_codes(text, page.number, encoder, translator)
        for page, text in zip(notice.pages, notice.voice_texts, strict=True)
    )
    return dataclasses.replace(notice, voice_codes=codes)
