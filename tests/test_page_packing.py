"""The translated part of a bilingual notice packed like the Japanese one (issue 17, fewer sheets):
laid out by WeasyPrint, every page keeps its content inside the margins, above the voice codes'
foot and clear of the codes, and the part has exactly the pages its view counted."""

from __future__ import annotations

import datetime as dt

import pytest
from weasyprint.formatting_structure.boxes import TableBox

from noticegen import i18n, locales, notice, pagegeometry, view, voicecode
from noticegen.printing import render
from tests.conftest import read_file
from tests.page_fit import MM_PER_PX, TOLERANCE_MM, problems
from tests.test_cellfit import _household as long_named_household
from tests.test_notice_content import household, member
from tests.test_variable_print import _population_module


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


# The reply form's pages are held to the margins, the foot and the codes like the others (its
# household code's label ran past the right margin in Khmer, a heading over the next in Tagalog,
# and over the form's first instruction in やさしい日本語, where it took seven lines).
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
        assert problems(laid_out) == [], (
            locale,
            count,
            page.number,
            page.kind,
        )


# Issue 11's fitted cells make a member card as tall as its data (a 40-letter name over three
# lines at 16 pt, a long reading over two), and the guide's pages are packed by their text's
# height as well as its bytes: the view's planned pages must be the laid-out ones, every text
# above the voice codes' foot, in every locale and both editions.
LONG_NAMED_COUNTS = (1, 3, 5, 8, 12)


def _laid_out_problems(parts) -> list:
    found = []
    for part in parts:
        document = render.document(part)
        if len(document.pages) != part.page_count:
            found.append((part.lang, "pages", len(document.pages), part.page_count))
        for page, laid_out in zip(part.pages, document.pages, strict=False):
            found += [
                (part.lang, page.number, page.kind, problem) for problem in problems(laid_out)
            ]
    return found


def _long_named_cases():
    for large_print in (False, True):
        for locale in (None, *locales.TRANSLATED):
            for count in LONG_NAMED_COUNTS:
                yield pytest.param(locale, count, large_print)


@pytest.mark.parametrize(("locale", "count", "large_print"), list(_long_named_cases()))
def test_long_named_households_fit_the_pages_the_view_planned(config, locale, count, large_print):
    parts = notice.make_all(
        long_named_household(count, locale), config, voicecode.QrEncoder(), large_print
    )
    assert _laid_out_problems(parts) == []


def _card_wrappers(laid_out) -> list:
    found = []

    def visit(box):
        if getattr(box, "is_table_wrapper", False):
            tables = [child for child in box.children if isinstance(child, TableBox)]
            if tables and "member-card" in (tables[0].element.get("class") or ""):
                found.append(box)
                return
        for child in getattr(box, "children", None) or ():
            visit(child)

    visit(laid_out._page_box)
    return found


# Every edition that prints member cards: the Japanese part's large print, every translated part
# (and やさしい日本語) in both.
def _card_cases():
    for large_print in (False, True):
        for locale in (None, *locales.TRANSLATED):
            lang = locale or i18n.SOURCE_LOCALE
            if view._edition(large_print, lang).member_cards:
                yield pytest.param(
                    locale, large_print, id=f"{lang}-{'large' if large_print else 'standard'}"
                )


# Where the estimate is also held close to the layout (at most CARD_ESTIMATE_SLACK_MM above it).
# Elsewhere it is measured 5-15 mm above (the labels' lines counted at cellfit.WIDTH_SAFETY, the
# Latin parts' 64 mm label column): pages hold fewer cards than they could, but never too many.
TIGHT_CARD_CASES = {
    ("ja", True), ("en", True), ("es", True), ("mn", True), ("vi", False), ("id", False),
    ("zh-Hans", False), ("ko", False), ("ne", False), ("my", False),
    ("my", True), ("th", False), ("th", True), ("km", False),
}  # fmt: skip


@pytest.mark.parametrize(("locale", "large_print"), list(_card_cases()))
def test_a_cards_estimated_height_is_at_least_its_laid_out_height(config, locale, large_print):
    """view's card heights (from cellfit's lines, the card rules and the fonts' taller mixed
    lines) are never below the laid-out cards': a page is never packed with a card that does not
    fit. Long names over several lines, and members without a linked My Number."""
    lang = locale or i18n.SOURCE_LOCALE
    households = (
        long_named_household(8, locale),
        household(*_members(8, False), head_name="見本 世帯主", language=locale),
    )
    compared = 0
    for one in households:
        part = notice.make_all(one, config, voicecode.QrEncoder(), large_print)[-1]
        assert part.lang == lang
        edition = view._edition(large_print, lang)
        card_text = view._card_text(edition, i18n.translator(lang), len(one.members))
        for page, laid_out in zip(part.pages, render.document(part).pages, strict=True):
            if page.kind != "members" or page.members is None:
                continue  # page 1's cards are set at its own size (the personal page's 11 pt)
            for row, box in zip(page.members.rows, _card_wrappers(laid_out), strict=True):
                laid = box.margin_height() * MM_PER_PX
                estimate = view._card_height_mm(row, edition, card_text)
                where = (page.number, row.name, round(laid, 2), round(estimate, 2))
                assert laid - TOLERANCE_MM <= estimate, where
                if (lang, large_print) in TIGHT_CARD_CASES:
                    assert estimate <= laid + view.CARD_ESTIMATE_SLACK_MM, where
                compared += 1
    assert compared >= 8


def test_the_realistic_population_fits_its_pages_in_large_print(config, tmp_path):
    """bench/population.py's first household of every kind (1-12 members, 記号 of 1-4
    characters, names up to 40 letters, every language), each in large print."""
    population = _population_module()
    path = tmp_path / "members.csv"
    population.write_households(path, population.sample(per_kind=1, seed=1))
    households, rejections = read_file(path, config)
    assert rejections == [] and len(households) >= 30
    found = []
    for one in households:
        parts = notice.make_all(one, config, voicecode.QrEncoder(), True)
        found += [(one.household_id, *problem) for problem in _laid_out_problems(parts)]
    assert found == []


# Large print's page 1 keeps its card only where view._first_page_room_mm leaves it room: held
# here to the layout, every locale whose page 1 has a card, the Japanese part (under the window)
# and the translated one. The estimate errs on the tall side, by what its line counts (at
# cellfit.WIDTH_SAFETY, bold at BOLD_WIDTH_SHARE) add: measured 0.1 mm (Japanese) to 16.6 mm
# (やさしい日本語, whose title and introduction count a line more each).
PAGE_ONE_ESTIMATE_SLACK_MM = 17.0


@pytest.mark.parametrize(
    "locale",
    [None, *(code for code in locales.TRANSLATED if not locales.get(code).short_page_one)],
)
def test_page_ones_room_for_cards_is_at_most_what_it_lays_out(config, monkeypatch, locale):
    estimated = {}
    room_mm = view._first_page_room_mm

    def room_recorded(page, edition, families):
        # Every card kept on page 1, so that each part's first card shows where the room begins.
        estimated[(page.authority_note, page.foreign_line is None)] = room_mm(
            page, edition, families
        )
        return float("inf")

    monkeypatch.setattr(view, "_first_page_room_mm", room_recorded)
    parts = notice.make_all(long_named_household(1, locale), config, voicecode.QrEncoder(), True)
    foot_top = pagegeometry.PAGE.height_mm - pagegeometry.PAGE.foot_mm
    compared = 0
    for index, part in enumerate(parts):
        shows_address = index == 0
        note = view._authority_note(i18n.translator(part.lang))
        cards = _card_wrappers(render.document(part).pages[0])
        laid_top = cards[0].position_y * MM_PER_PX
        estimated_top = foot_top - estimated[(note, not shows_address)]
        assert laid_top - TOLERANCE_MM <= estimated_top, (part.lang, laid_top, estimated_top)
        assert estimated_top <= laid_top + PAGE_ONE_ESTIMATE_SLACK_MM, (part.lang, laid_top)
        compared += 1
    assert compared == len(parts)
