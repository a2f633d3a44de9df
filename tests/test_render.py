"""The rendered notice, read back from the PDF and from WeasyPrint's layout."""

from __future__ import annotations

import io

import pikepdf
import pytest
from weasyprint.formatting_structure.boxes import LineBox, ReplacedBox, TextBox
from weasyprint.layout.absolute import AbsolutePlaceholder

from noticegen import fonts, i18n, voicecode
from noticegen import notice as notice_module
from noticegen.pagegeometry import PAGE
from noticegen.printing import render
from noticegen.wareki import format_wareki
from tests.conftest import MM_PER_PX
from tests.pdf_helpers import font_names, page_texts, squeeze

MIN_WINDOW_CLEARANCE_MM = 2.0
PAGE_MARGIN_MM = PAGE.margin_mm  # noticegen/pagegeometry.py: one definition


def test_every_sample_notice_holds_each_members_details(rendered_samples):
    assert len(rendered_samples) >= 40
    for household_id, notice in rendered_samples.items():
        texts = page_texts(notice.pdf)
        assert len(texts) == notice.view.page_count, household_id
        assert len(texts) % 2 == 0, f"{household_id}: odd page count {len(texts)}"
        whole = squeeze("".join(texts))
        for member in notice.household.members:
            assert squeeze(member.name) in whole, (household_id, member.line)
            assert squeeze(format_wareki(member.birth_date)) in whole, (household_id, member.line)
            assert member.insured_number in whole, (household_id, member.line)
            if member.mynumber_last4 is None:
                assert "登録なし" in whole
            else:
                assert squeeze("＊＊＊＊ ＊＊＊＊ " + member.mynumber_last4) in whole, household_id


def test_page_numbers_and_title(rendered_samples):
    notice = rendered_samples["H0001"]
    texts = page_texts(notice.pdf)
    total = len(texts)
    for number, text in enumerate(texts, start=1):
        assert f"{number} / {total}" in text
    assert squeeze("国民健康保険 加入者情報のお知らせ") in squeeze(texts[0])
    assert "令和6年10月25日" in texts[0]  # the configured issue date, in 和暦
    assert squeeze("内容の確認と届出のお願い") in squeeze(texts[1])
    assert "マイナ保険証とは" in texts[2]
    assert squeeze("令和6年12月2日からの受診のしかた") in squeeze(texts[3])
    assert squeeze("令和7年9月30日") in squeeze(texts[3])
    assert squeeze("国民健康保険 加入者情報の届出書") in squeeze(texts[4])


def test_more_than_five_members_continue_with_the_table_header_repeated(rendered_samples):
    notice = rendered_samples["H0003"]  # twelve members
    assert len(notice.household.members) == 12
    texts = page_texts(notice.pdf)
    first, second = squeeze(texts[0]), squeeze(texts[1])
    for member in notice.household.members[:5]:
        assert squeeze(member.name) in first
    for member in notice.household.members[5:]:
        assert squeeze(member.name) not in first
        assert squeeze(member.name) in second
    for heading in ("氏名（フリガナ）", "生年月日", "マイナンバー（下4桁）"):
        assert squeeze(heading) in first and squeeze(heading) in second
    assert squeeze("12人のうち1〜5人目。続きは次のページにあります") in first
    assert squeeze("12人のうち6〜12人目") in second


def test_five_members_fit_on_page_one_and_the_rest_on_page_two(rendered_samples):
    notice = rendered_samples["H0002"]
    assert len(notice.household.members) == 10
    assert [page.kind for page in notice.view.pages[:3]] == ["personal", "members", "check"]
    first, second = (squeeze(text) for text in page_texts(notice.pdf)[:2])
    assert all(squeeze(member.name) in first for member in notice.household.members[:5])
    assert all(squeeze(member.name) in second for member in notice.household.members[5:])


def _text_boxes(page, element_id: str | None = None):
    """(left, top, right, bottom) in mm of every text box, optionally only inside one element.

    A box is as tall as its font's content area, but no taller than its line: some fonts' content
    area is taller than any usual line spacing (Noto Sans Myanmar's is 2.18 em, for stacked
    marks), so two lines of a paragraph that names a language in Burmese overlap there without
    any glyph touching another."""
    boxes = []

    def visit(box, inside: bool, line):
        element = getattr(box, "element", None)
        if element is not None and element_id is not None and element.get("id") == element_id:
            inside = True
        if isinstance(box, LineBox):
            line = box
        if isinstance(box, TextBox) and (inside or element_id is None) and box.text.strip():
            left = box.position_x * MM_PER_PX
            top, bottom = box.position_y, box.position_y + box.height
            if line is not None:
                top = max(top, line.position_y)
                bottom = min(bottom, line.position_y + line.height)
            boxes.append(
                (
                    left,
                    top * MM_PER_PX,
                    left + box.width * MM_PER_PX,
                    bottom * MM_PER_PX,
                    box.text,
                )
            )
        for child in getattr(box, "children", None) or ():
            visit(child, inside, line)

    visit(page._page_box, element_id is None, None)
    return boxes


@pytest.mark.parametrize("edition", ["rendered_samples", "rendered_large_print"])
def test_address_block_lies_inside_the_window_with_two_millimetres_to_spare(
    edition, request, config
):
    rendered_samples = request.getfixturevalue(edition)
    window = config.envelope
    left_edge = window.window_x_mm + MIN_WINDOW_CLEARANCE_MM
    right_edge = window.window_x_mm + window.window_width_mm - MIN_WINDOW_CLEARANCE_MM
    top_edge = window.window_y_mm + MIN_WINDOW_CLEARANCE_MM
    bottom_edge = window.window_y_mm + window.window_height_mm - MIN_WINDOW_CLEARANCE_MM
    checked = 0
    for household_id, notice in rendered_samples.items():
        page = render.document(notice.view).pages[0]
        boxes = _text_boxes(page, "n1-address-block")
        text = "".join(box[4] for box in boxes)
        assert squeeze(notice.household.head_name) in squeeze(text), household_id
        barcodes = [(*box, "barcode") for box in _image_boxes(page, "n1-address-block")]
        assert len(barcodes) == 1, household_id  # the customer barcode, under the name
        assert barcodes[0][1] >= max(box[3] for box in boxes) + 2 - 0.01  # 2 mm clear above
        for left, top, right, bottom, content in boxes + barcodes:
            assert left >= left_edge, (household_id, content, left)
            assert right <= right_edge, (household_id, content, right)
            assert top >= top_edge, (household_id, content, top)
            assert bottom <= bottom_edge, (household_id, content, bottom)
        checked += 1
    assert checked == len(rendered_samples)


def test_the_longest_sample_address_is_measured_too(rendered_samples):
    # H0024 has a long 方書 on two lines: the test above must have covered a wrapped block.
    lines = rendered_samples["H0024"].view.address
    assert len(lines.address) + len(lines.address2) >= 3


def _image_boxes(page, element_id: str | None = None):
    """(left, top, right, bottom) in mm of every image, optionally only inside one element."""
    boxes = []

    def visit(box, inside: bool):
        if isinstance(box, AbsolutePlaceholder):  # an absolutely positioned box (the voice codes)
            box = box._box
        element = getattr(box, "element", None)
        if element is not None and element_id is not None and element.get("id") == element_id:
            inside = True
        if isinstance(box, ReplacedBox) and inside:
            # The image itself: its content box, without the margins around it.
            left, top = box.content_box_x() * MM_PER_PX, box.content_box_y() * MM_PER_PX
            boxes.append((left, top, left + box.width * MM_PER_PX, top + box.height * MM_PER_PX))
        for child in getattr(box, "children", None) or ():
            visit(child, inside)

    visit(page._page_box, element_id is None)
    return boxes


def _overlap(a, b) -> bool:
    return a[0] < b[2] - 0.01 and b[0] < a[2] - 0.01 and a[1] < b[3] - 0.01 and b[1] < a[3] - 0.01


@pytest.mark.parametrize("edition", ["rendered_samples", "rendered_large_print"])
def test_nothing_on_a_page_overlaps_or_runs_into_the_margins(edition, request):
    for household_id, notice in request.getfixturevalue(edition).items():
        assert len(page_texts(notice.pdf)) == notice.view.page_count, household_id
        for number, page in enumerate(render.document(notice.view).pages, start=1):
            texts = _text_boxes(page)
            images = _image_boxes(page)
            assert len(images) >= 1, (household_id, number)  # at least the voice code
            for left, top, right, bottom, content in texts:
                where = (household_id, number, content)
                assert left >= PAGE_MARGIN_MM - 0.01, where
                assert right <= 210 - PAGE_MARGIN_MM + 0.01, where
                assert top >= PAGE_MARGIN_MM - 0.01, where
                assert bottom <= 297 - PAGE_MARGIN_MM + 0.01, where
                for image in images:
                    assert not _overlap((left, top, right, bottom), image), where
            for index, first in enumerate(texts):
                for second in texts[index + 1 :]:
                    assert not _overlap(first[:4], second[:4]), (
                        household_id,
                        number,
                        first,
                        second,
                    )
            for index, first in enumerate(images):
                for second in images[index + 1 :]:
                    assert not _overlap(first, second), (household_id, number)


def test_pdf_embeds_only_the_project_fonts(rendered_samples):
    allowed = ("BIZUDGothic", "BIZUDPGothic")  # PostScript names, compared without hyphens
    for household_id, notice in rendered_samples.items():
        # Page 1 names every language in its own font (tests/test_pdf_language.py).
        line = tuple(run.font_family.replace(" ", "") for run in notice.view.foreign_line.runs)
        names = font_names(notice.pdf)
        assert names, household_id
        for name in names:
            # Embedded subsets are named like /ABCDEF+BIZUDPGothic-Regular.
            assert name.split("+")[-1].replace("-", "").startswith(allowed + line), (
                household_id,
                name,
            )


def test_every_character_of_every_notice_is_in_the_fonts(rendered_samples):
    coverage = fonts.coverage()
    import html as html_module
    import re

    for household_id, notice in rendered_samples.items():
        body = notice.html.split("<body>", 1)[1]
        text = html_module.unescape(re.sub(r"<[^>]+>", "", body))
        # Page 1's language names are set in their own fonts, whose coverage
        # tests/test_pdf_language.py checks.
        for run in notice.view.foreign_line.runs:
            text = text.replace(run.text, "")
        assert coverage.unprintable(text) == [], household_id


def test_names_are_escaped_in_html(rendered_samples):
    notice = rendered_samples["H0015"]
    name = 'SAMPLE <b>&"JOHN"'
    assert notice.household.head_name == name
    assert name not in notice.html
    assert "SAMPLE &lt;b&gt;&amp;&#34;JOHN&#34;" in notice.html
    assert name in "".join(page_texts(notice.pdf))


def test_tagged_pdf_with_language_title_and_alt_text(rendered_samples):
    notice = rendered_samples["H0001"]
    with pikepdf.open(io.BytesIO(notice.pdf)) as pdf:
        root = pdf.Root
        assert str(root.Lang) == "ja"
        assert bool(root.MarkInfo.Marked)
        assert "/StructTreeRoot" in root
        assert str(pdf.docinfo["/Title"]) == "国民健康保険 加入者情報のお知らせ"
        alts = []

        def collect(element):
            if isinstance(element, pikepdf.Dictionary):
                if "/Alt" in element:
                    alts.append(str(element.Alt))
                for child in (
                    element.get("/K", [])
                    if isinstance(element.get("/K"), pikepdf.Array)
                    else [element.get("/K")]
                ):
                    if isinstance(child, pikepdf.Dictionary):
                        collect(child)

        collect(root.StructTreeRoot)
        assert any("QRコード" in alt for alt in alts), alts
        tags = set()

        def types(element):
            if isinstance(element, pikepdf.Dictionary):
                if "/S" in element:
                    tags.add(str(element.S))
                kids = element.get("/K")
                for child in kids if isinstance(kids, pikepdf.Array) else [kids]:
                    types(child)

        types(root.StructTreeRoot)
        assert {"/H1", "/Table", "/TH", "/TD"} <= tags, tags


def test_same_notice_gives_identical_bytes(sample_households, config):
    household = sample_households[0]
    first = notice_module.make(household, config, i18n.translator(), voicecode.QrEncoder())
    second = notice_module.make(household, config, i18n.translator(), voicecode.QrEncoder())
    assert render.pdf(first) == render.pdf(second)


def test_png_has_every_page(rendered_samples):
    from PIL import Image

    notice = rendered_samples["H0001"]
    image = Image.open(io.BytesIO(render.png_from_pdf(notice.pdf, dpi=30)))
    page_height = round(297 / 25.4 * 30)
    assert image.height >= notice.view.page_count * page_height


@pytest.mark.parametrize("household_id", ["H0001", "H0018"])
def test_no_full_my_number_in_any_rendered_output(
    rendered_samples, sample_full_mynumbers, household_id
):
    notice = rendered_samples[household_id]
    text = "".join(page_texts(notice.pdf))
    for number in sample_full_mynumbers:
        assert number not in notice.html
        assert number not in text
        assert number.encode() not in notice.pdf


def test_large_print_sets_body_text_at_sixteen_points_or_more(rendered_large_print):
    notice = rendered_large_print["H0002"]
    assert notice.view.large_print
    assert min(size for name, size in notice.view.type_sizes.items() if name != "subheading") >= 16
    texts = page_texts(notice.pdf)
    assert len(texts) % 2 == 0
    whole = squeeze("".join(texts))
    for member in notice.household.members:
        assert squeeze(member.name) in whole
        assert member.insured_number in whole
    # The same voice codes are placed: every page carries its own.
    assert len(notice.view.voice_codes) == len(texts)
