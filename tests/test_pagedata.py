"""The shapes renderer's page data (noticegen.printing.pagedata): each page's household data as
the templates recorded it while writing the page, checked here against the page's own HTML and
against the view, so that a value left out of the record, or put on another page, fails."""

from __future__ import annotations

import dataclasses

import lxml.html
import pytest

from noticegen import batch, notice
from noticegen.printing import pagedata, render

_TITLE = "noticegen"


def _parts(household, config, encoder, large_print=False, seq=7):
    """The household's notice parts as the batch prints them: with their print marks."""
    parts = notice.make_all(household, config, encoder, large_print)
    total = sum(part.page_count for part in parts)
    return tuple(
        dataclasses.replace(part, print_marks=batch._print_marks(part, seq, total, config.press))
        for part in parts
    )


def _written(markup: str) -> tuple[list[str], list[str]]:
    """The data a page's HTML shows, read by an HTML parser: the text of each class "v" span
    and the source of each class "vi" image, in document order."""
    page = lxml.html.fragment_fromstring(markup)
    texts = [element.text_content() for element in page.iter() if _has_class(element, "v")]
    images = [element.get("src") for element in page.iter("img") if _has_class(element, "vi")]
    return texts, images


def _has_class(element, name: str) -> bool:
    return isinstance(element.tag, str) and name in (element.get("class") or "").split()


@pytest.fixture(scope="module")
def every_part(sample_households, config, encoder):
    """Every sample household's parts (each language), in both editions, with print marks."""
    return [
        part
        for household in sample_households
        for large_print in (False, True)
        for part in _parts(household, config, encoder, large_print)
    ]


def test_each_pages_data_is_what_its_html_shows(every_part):
    """A value written but not recorded, recorded twice, or recorded on another page differs
    here from what the page's own HTML shows there."""
    languages = set()
    for part in every_part:
        pages = pagedata.pages(part)
        assert len(pages) == part.page_count
        for number, page in enumerate(pages, start=1):
            texts, images = _written(page.markup)
            assert list(page.texts) == texts, (part.lang, number)
            assert [source for source, _size in page.images] == images, (part.lang, number)
            assert images and all(source.startswith("data:image/png;base64,") for source in images)
        languages.add(part.lang)
    # Translated parts too: their HTML went through tag_japanese_runs.
    assert {"ja", "ja-x-easy", "en"} <= languages and len(languages) >= 6


def test_each_pages_data_is_the_views_for_that_page(every_part):
    """The view's data for a page (its label, its members, the address, its codes) is in that
    page's record, and its voice codes' sizes are the view's (not read back from a style)."""
    for part in every_part:
        for view_page, page in zip(part.pages, pagedata.pages(part), strict=True):
            assert view_page.label in page.texts
            assert part.print_mark(view_page).sequence in page.texts
            if view_page.members:
                for row in view_page.members.rows:
                    assert set(row.name_fit.lines) <= set(page.texts)
            if view_page.number == 1 and part.shows_address:
                assert part.address.postal_code == page.texts[0]
                assert set(part.address.name) <= set(page.texts)
            codes = part.page_codes(view_page)
            centred = [(source, size) for source, size in page.images if size is not None]
            expected = [
                (code.image.data_uri, (code.image.size_mm * render.MM_TO_PX,) * 2)
                for code in (codes.printed if codes else ())
            ]
            assert centred == expected


def test_the_pages_are_the_documents_bytes(every_part):
    """The pages cut from the recorded document are the full renderer's document, byte for
    byte: recording changes nothing that is laid out, and leaves no mark in the full render."""
    for part in every_part[:12]:
        document = render.document_html([part], _TITLE, part.lang)
        assert "\ufdd0" not in document
        pages = pagedata.pages(part)
        body = "".join(page.markup for page in pages)
        assert document.startswith(pages[0].head + "<body>\n" + body + "</body>")


def test_a_page_with_member_rows_is_its_stub_and_its_rows(every_part):
    """A page whose template marks member rows (the member table's rows, the reply form's
    members, the member cards) is cut into bands: the page without its rows and each row alone,
    inside the elements it is in. Each band's data is what its own HTML shows, and the bands'
    data, the rows put in after `texts_before`, is the page's."""
    kinds = set()
    for part in every_part:
        for view_page, page in zip(part.pages, pagedata.pages(part), strict=True):
            bands = page.bands
            if view_page.kind == "form":
                rows, kind = len(view_page.form_rows), "form"
                anchor, block, each = "form-members", None, '<tbody class="form-member">'
            else:
                rows = len(view_page.members.rows) if view_page.members else 0
                if part.member_cards:
                    kind, anchor, each = "cards", "cards-caption", '<table class="member-card">'
                    block = ("table", "member-card")
                else:
                    kind, anchor, block, each = "table", "members", None, "<tr>"
            if not rows:
                assert bands is None, (part.lang, view_page.number)
                continue
            kinds.add((kind, part.lang_tag == "ja"))
            assert len(bands.rows) == rows
            assert (bands.anchor_class, bands.block, bands.in_table) == (
                anchor, block, block is None
            )  # fmt: skip
            texts = list(bands.stub.texts)
            images = list(bands.stub.images)
            for row in reversed(bands.rows):
                texts[bands.texts_before : bands.texts_before] = row.texts
                images[bands.images_before : bands.images_before] = row.images
            assert texts == list(page.texts) and images == list(page.images)
            for band in (bands.stub, *bands.rows):
                written_texts, written_images = _written(band.markup)
                assert list(band.texts) == written_texts
                assert [source for source, _size in band.images] == written_images
            assert bands.stub.markup.count(each) == page.markup.count(each) - rows
            for row in bands.rows:
                assert row.markup.startswith(page.markup[: page.markup.index(">") + 1])
                assert row.markup.count(each) == 1
            assert (
                len({band.shape for band in (bands.stub, *bands.rows)} | {page.shape})
                == len({row.shape for row in bands.rows}) + 2
            )
    # Every kind, in a part written in Japanese and in a translated one (the tagging of its
    # Japanese runs keeps the marks where they were).
    assert {(kind, japanese) for kind in ("form", "cards") for japanese in (True, False)} | {
        ("table", True)
    } <= kinds


def test_markup_characters_in_a_name_round_trip(sample_households, config, encoder):
    """A name with &, <, > and quotes is recorded as written, escaped in the page's HTML, and
    left out of the page's shape like any other name, in Japanese and in a translated part."""
    plain = next(household for household in sample_households if household.language)
    for language in (None, plain.language):
        odd = dataclasses.replace(
            plain,
            language=language,
            head_name='R&D <TARO> "O\'NEIL"',
            members=(dataclasses.replace(plain.members[0], name="A&B <C> 'D'"), *plain.members[1:]),
        )
        same = dataclasses.replace(
            odd,
            head_name="RXD XTAROX XO'NEILX",
            members=(dataclasses.replace(plain.members[0], name="AXB XCX XDX"), *plain.members[1:]),
        )
        first = pagedata.pages(_parts(odd, config, encoder)[0])[0]
        other = pagedata.pages(_parts(same, config, encoder)[0])[0]
        recorded = "\n".join(first.texts)
        assert "R&D <TARO>" in recorded and "A&B <C> 'D'" in recorded
        assert "R&amp;D &lt;TARO&gt;" in first.markup and "R&D <TARO>" not in first.markup
        assert _written(first.markup)[0] == list(first.texts)
        assert len(first.texts) == len(other.texts)
        assert first.shape == other.shape, language


def test_a_value_outside_a_page_is_refused(sample_households, config, encoder):
    """Data written where no page has opened (the template's pages not in the view's page
    loop) stops the batch instead of being drawn on the wrong page."""
    part = _parts(sample_households[0], config, encoder)[0]
    environment = render._environment(True)
    template = environment.from_string("{{ value | var }}")
    assert template.render(value="x&y") == '<span class="v">x&amp;y</span>'
    token = render._RECORDING.set(render._Recording())
    try:
        with pytest.raises(AssertionError, match="outside its page"):
            template.render(value="x&y")
    finally:
        render._RECORDING.reset(token)
    assert pagedata.pages(part)  # the recording was closed


def test_values_like_the_placeholders_are_written_as_themselves(sample_households, config, encoder):
    """The one render writes each value as a numbered placeholder and fills it in afterwards: a
    value of digits, with a noncharacter beside the placeholder's mark, or with the mark itself
    (which the reader refuses as unprintable) is filled in as itself (the pages are the full
    renderer's bytes; digits leave the same shape as other digits); a mark the template writes
    outside a placeholder stops the batch instead of being taken for a placeholder."""
    plain = next(household for household in sample_households if household.language)

    def named(head: str, member: str, language):
        first = dataclasses.replace(plain.members[0], name=member)
        return dataclasses.replace(
            plain, language=language, head_name=head, members=(first, *plain.members[1:])
        )

    for language in (None, plain.language):
        for head, member in (("0 1\ufdd2", "３ 10"), ("A\ufdd10\ufdd1", "\ufdd1")):
            part = _parts(named(head, member, language), config, encoder)[0]
            pages = pagedata.pages(part)
            document = render.document_html([part], _TITLE, part.lang)
            body = "".join(page.markup for page in pages)
            assert document.startswith(pages[0].head + "<body>\n" + body + "</body>")
            assert head in pages[0].texts and member in "\n".join(pages[0].texts)
        digits = pagedata.pages(_parts(named("12 3", "45 6", language), config, encoder)[0])
        others = pagedata.pages(_parts(named("78 9", "01 2", language), config, encoder)[0])
        assert [page.shape for page in digits] == [page.shape for page in others], language
    environment = render._environment(True)
    page = dataclasses.replace(part.pages[0], number=1)
    for stray in ("\ufdd1", "\ufdd10\ufdd1"):
        template = environment.from_string(
            "{{ start(page) }}{{ value | var }}" + stray + "{{ end() }}"
        )
        recording = render._Recording()
        token = render._RECORDING.set(recording)
        try:
            markup = template.render(
                page=page, value="x", start=render._data_page_start, end=render._data_pages_end
            )
        finally:
            render._RECORDING.reset(token)
        with pytest.raises(AssertionError, match="placeholders"):
            recording.filled(markup)


def test_a_member_without_acquired_date_or_copay_leaves_the_pages_shapes_alone(
    sample_households, config, encoder
):
    """A 資格取得年月日 or 負担割合 not given prints blank in runs of its own (no-break spaces), so
    the page has the shape it has with them: one shape measured serves both households. Without
    it, a member file with such members multiplies the page-1 shapes (each row's cells differ)."""
    household = next(h for h in sample_households if len(h.members) >= 2)
    given = [m for m in household.members if m.acquired_date and m.copay_ratio]
    assert given, "a sample member with both given"
    member = given[0]
    blank = dataclasses.replace(member, acquired_date=None, copay_ratio=None)
    without = dataclasses.replace(
        household,
        members=tuple(blank if m is member else m for m in household.members),
    )
    with_pages = [
        page for part in _parts(household, config, encoder) for page in pagedata.pages(part)
    ]
    without_pages = [
        page for part in _parts(without, config, encoder) for page in pagedata.pages(part)
    ]
    assert [page.shape for page in with_pages] == [page.shape for page in without_pages]
    blanks = [
        (a, b)
        for page, other in zip(with_pages, without_pages, strict=True)
        for a, b in zip(page.texts, other.texts, strict=True)
        if a != b
    ]
    # The date's lines and the ratio, each blank: nothing printed where a value would be.
    assert blanks and all(b == "\u00a0" for _a, b in blanks), blanks
