"""One page geometry (noticegen/pagegeometry.py), and the laid-out pages keep to it: the codes
where the placement says, the notch guides where the manifest tells the vendor to cut."""

from __future__ import annotations

import csv
import io
import re
import subprocess
import sys

import pypdfium2
import pypdfium2.raw as pdfium_c
import pytest

from noticegen import locales, notice, pagegeometry, project, voicecode
from noticegen.pagegeometry import PAGE
from noticegen.printing import render
from tests import phone_capture
from tests.conftest import SAMPLE_UTF8
from tests.page_fit import labels_in_quiet_zones, page_boxes
from tests.pdf_helpers import objects_in_page_space
from tests.test_cellfit import _household as long_named_household

MM = 72 / 25.4
TOLERANCE_MM = 0.05


def notch_guides(page: pypdfium2.PdfPage) -> list[tuple[float, float]]:
    """The centres (x, y from the bottom-left corner, mm) of the notch guides drawn on a page:
    the circles of the notch's diameter."""
    centres = []
    for _obj, bounds in objects_in_page_space(page, [pdfium_c.FPDF_PAGEOBJ_PATH]):
        left, bottom, right, top = (value / MM for value in bounds)
        if all(abs(side - PAGE.notch_diameter_mm) < 0.2 for side in (right - left, top - bottom)):
            centres.append((round((left + right) / 2, 2), round((bottom + top) / 2, 2)))
    return sorted(centres, key=lambda centre: centre[1])


def test_the_css_reads_the_geometry_and_holds_none_of_its_numbers():
    css = (project.TEMPLATES / "notice" / "print.css").read_text(encoding="utf-8")
    for name in ("page-margin", "page-foot", "code-slot", "code-gap", "code-label", "code-area"):
        assert f"var(--{name})" in css, name
    # The numbers themselves live in one place: the sheet never says the foot, the slot, the
    # page's size, and its rules for the codes and the notch hold no length of their own.
    for literal in ("53mm", "32.5mm", "32mm", "210mm", "297mm", "18mm 10mm"):
        assert literal not in css, literal
    rules = [rule for rule in css.split("}") if ".notch-guide" in rule or ".voice-code" in rule]
    assert len(rules) >= 6
    for rule in rules:
        lengths = re.sub(r"border: [\d.]+mm", "", rule)  # a hairline is no geometry
        assert not re.search(r"\d(\.\d+)?mm", lengths), rule
    markup = render.document_html([], "t", "ja")
    assert PAGE.css() in markup
    assert "--page-foot: 53mm;" in PAGE.css()


def test_the_foot_holds_the_tallest_code_and_the_row_fits_the_page():
    from noticegen import voicecode

    largest = max(
        (17 + 4 * version + 2 * voicecode.QUIET_ZONE_MODULES)
        * voicecode.module_mm(17 + 4 * version)
        for version in range(1, voicecode.MAX_VERSION + 1)
    )
    assert largest <= PAGE.code_area_mm <= PAGE.slot_mm
    assert PAGE.zone_width_mm(PAGE.max_codes) <= PAGE.text_width_mm
    assert PAGE.beside_width_mm(PAGE.max_codes_beside_text) >= PAGE.min_beside_mm
    assert PAGE.foot_mm == PAGE.margin_mm + PAGE.label_mm + PAGE.code_area_mm + PAGE.code_gap_mm


@pytest.mark.parametrize("household_id", ["H0001", "H0002"])
def test_codes_sit_where_the_geometry_places_them(household_id, rendered_samples):
    rendered = rendered_samples[household_id]
    document = pypdfium2.PdfDocument(rendered.pdf)
    try:
        for index, codes in enumerate(rendered.view.voice_codes):
            page = document[index]
            boxes = phone_capture.voice_code_boxes(
                page, [code.image.size_mm for code in codes.printed]
            )
            # Right to left from the notch: the first code is the rightmost.
            for number, box in enumerate(reversed(boxes)):
                x, y = PAGE.code_centre_mm(number)
                where = (household_id, index + 1, number + 1)
                assert box.left + box.size / 2 == pytest.approx(x, abs=TOLERANCE_MM), where
                assert box.bottom + box.size / 2 == pytest.approx(y, abs=TOLERANCE_MM), where
                assert box.left >= PAGE.margin_mm - TOLERANCE_MM, where
            page.close()
    finally:
        document.close()


@pytest.fixture(scope="module")
def small_batch(tmp_path_factory):
    """A real batch run of the first households (H0001–H0008: one bilingual, in English)."""
    outdir = tmp_path_factory.mktemp("geometry") / "out"
    result = subprocess.run(
        [
            *(sys.executable, "-m", "noticegen", "batch", str(SAMPLE_UTF8), "-o", str(outdir)),
            *("--limit", "8", "--workers", "1"),
        ],
        capture_output=True,
        text=True,
        cwd=project.ROOT,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr
    text = (outdir / "manifest.csv").read_text(encoding="utf-8")
    return outdir, list(csv.DictReader(io.StringIO(text)))


def test_the_manifest_says_where_the_laid_out_pages_mark_each_sheets_notches(small_batch):
    outdir, rows = small_batch
    assert any("+" in row["language"] for row in rows)  # a bilingual notice among them
    documents = {}
    try:
        for row in rows:
            name = row["file"]
            if name not in documents:
                documents[name] = pypdfium2.PdfDocument(outdir / name)
            document = documents[name]
            first, count = int(row["first_page"]), int(row["page_count"])
            sheets = row["notches_mm"].split(";")
            assert len(sheets) == int(row["sheets"]) == count // 2, row["household_id"]
            assert row["notch_edge"] == "right"
            assert float(row["notch_diameter_mm"]) == PAGE.notch_diameter_mm
            for sheet, notches in enumerate(sheets):
                centres = [float(value) for value in notches.split("+")]
                # Every page has its code: both notches, beside the front's code and at the top.
                assert centres == [PAGE.notch_centre_mm, PAGE.upper_notch_centre_mm]
                for side, x in (("front", PAGE.width_mm), ("back", 0.0)):
                    number = first + 2 * sheet + (side == "back")
                    page = document[number - 1]
                    found = notch_guides(page)
                    page.close()
                    where = (row["household_id"], number, side)
                    # The cut edge is the front's right edge, which is the back's left edge.
                    assert [round(cx, 1) for cx, _cy in found] == [x] * len(centres), where
                    assert [cy for _cx, cy in found] == pytest.approx(centres, abs=0.05), where
    finally:
        for document in documents.values():
            document.close()


def test_sheet_notches_for_pages_with_and_without_codes():
    both = pagegeometry.sheet_notches([True, True, True, True])
    assert [str(sheet) for sheet in both] == ["34.0+263.0", "34.0+263.0"]
    # A front alone has the one notch beside its code; a sheet with no code has none.
    front_only = pagegeometry.sheet_notches([True, False, False, False])
    assert [sheet.centres_mm for sheet in front_only] == [(34.0,), ()]


@pytest.mark.parametrize("locale", [None, *locales.TRANSLATED])
def test_no_code_label_reaches_into_its_codes_quiet_zone(config, locale):
    """The label under each code starts below the code's square, quiet zone included, in every
    locale: the tall scripts' fonts (Burmese's content area is 2.18 em at the label's 1.25)
    overhang their lines, and the label sets its text down by as much (view.code_label_padding_mm).
    Three members, so the parts have several pages of codes."""
    checked = 0
    for part in notice.make_all(long_named_household(3, locale), config, voicecode.QrEncoder()):
        for laid_out in render.document(part).pages:
            assert labels_in_quiet_zones(laid_out) == [], part.lang
            checked += len(page_boxes(laid_out)[1])  # the codes' squares
    assert checked >= 4
