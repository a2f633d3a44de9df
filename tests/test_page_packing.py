"""The translated part of a bilingual notice packed like the Japanese one (issue 17, fewer sheets):
laid out by WeasyPrint, every page keeps its content inside the margins, above the voice codes'
foot and clear of the codes, and the part has exactly the pages its view counted."""

from __future__ import annotations

import datetime as dt

import pytest

from noticegen import locales, notice, pagegeometry, voicecode
from noticegen.printing import render
from tests.page_fit import problems
from tests.test_notice_content import household, member


def _members(count: int, head_is_member: bool):
    # Every third member without a linked My Number, so the 「登録なし」 note is printed; a head
    # who is not a member adds the 擬制世帯主 note: the longest notes there are.
    return tuple(
        member(
            f"見本 {index}",
            f"ミホン {index}",
            dt.date(1960 + index, 12, 28),
            f"{index:02d}",
            None if index % 3 == 0 or not head_is_member else f"{1000 + index}",
        )
        for index in range(1, count + 1)
    )


@pytest.mark.parametrize("locale", locales.TRANSLATED)
@pytest.mark.parametrize(
    ("count", "head_is_member"), [(1, False), (1, True), (2, True), (3, False), (8, True)]
)
def test_a_packed_translated_part_fits_its_pages(config, locale, count, head_is_member):
    members = _members(count, head_is_member)
    head = "見本 1" if head_is_member else "見本 世帯主"
    japanese, translated = notice.make_all(
        household(*members, head_name=head, language=locale), config, voicecode.QrEncoder()
    )
    document = render.document(translated)
    assert len(document.pages) == translated.page_count  # nothing spilled onto another page
    assert (japanese.page_count + translated.page_count) % 2 == 0
    kinds = [page.kind for page in translated.pages]
    # The notes are printed once, after the last members; the contact block no longer takes a
    # page of its own beside a single member (the check page gives the same details).
    assert sum(page.shows_notes for page in translated.pages) == 1
    if count == 1:
        assert kinds[:2] in (["personal", "check"], ["personal", "members"])
    if count == 2 and locale in ("zh-Hans", "zh-Hant", "ko"):
        # Two members and the notes on page 1, the check page next.
        assert len(translated.pages[0].members.rows) == 2 and kinds[1] == "check"
    for page, laid_out, codes in zip(
        translated.pages, document.pages, translated.voice_codes, strict=True
    ):
        # The page's voice text fits the one row of codes it has room for (and at the sizes a
        # phone reads: tests/test_voice_tiers.py).
        room = pagegeometry.PAGE.max_codes
        if page.codes_beside_text:
            room = pagegeometry.PAGE.max_codes_beside_text
        assert len(codes.codes) <= room, (locale, count, page.number)
        if page.kind == "form":
            continue  # the reply form's own layout is tested in test_notice_content
        assert problems(laid_out) == [], (locale, count, page.number, page.kind)
