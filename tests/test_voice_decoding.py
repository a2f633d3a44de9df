"""The proof: every printed voice code, read back from the final PDF as a scanner would, says
exactly what `noticegen voice-text` prints for that page (spec/voice-code.md, "Must hold")."""

from __future__ import annotations

import io
import itertools
import subprocess
import sys
from collections import Counter

import pikepdf
import pypdfium2
import pytest
import zxingcpp

from noticegen import i18n, project, settings, voicecode
from noticegen.pagegeometry import PAGE
from tests.conftest import SAMPLE_UTF8, read_file

MM = 72 / 25.4  # PDF points per millimetre
# The page's foot, where the codes and their labels are (noticegen/pagegeometry.py), across the
# whole row that a page's codes may take.
ZONE_HEIGHT_MM = PAGE.foot_mm
ZONE_WIDTH_MM = PAGE.width_mm - PAGE.margin_mm
DPIS = (300, 200)  # the spec's scan resolutions: recommended print, and the minimum
CLI_HOUSEHOLDS = ("H0001", "H0002", "H0003")

HOUSEHOLD_IDS = [household.household_id for household in read_file(SAMPLE_UTF8, settings.load())[0]]


def scan_codes(pdf: bytes, dpi: int) -> list[list[zxingcpp.Result]]:
    """Each page's QR codes in reading order: the rightmost (beside the notch) first."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        pages = []
        for page in document:
            width, height = page.get_size()
            bitmap = page.render(
                scale=dpi / 72,
                crop=(width - ZONE_WIDTH_MM * MM, 0, 0, height - ZONE_HEIGHT_MM * MM),
            )
            picture = bitmap.to_pil()
            bitmap.close()
            page.close()
            results = zxingcpp.read_barcodes(picture, formats=zxingcpp.BarcodeFormat.QRCode)
            pages.append(sorted(results, key=lambda result: -result.position.top_left.x))
        return pages
    finally:
        document.close()


def texts(results: list[zxingcpp.Result]) -> tuple[str, ...]:
    return tuple(result.text for result in results)


@pytest.fixture(scope="module")
def scans(rendered_samples) -> dict[tuple[str, int], list[list[zxingcpp.Result]]]:
    return {
        (household_id, dpi): scan_codes(rendered.pdf, dpi)
        for household_id, rendered in rendered_samples.items()
        for dpi in DPIS
    }


def test_samples_cover_the_long_cases(rendered_samples):
    assert set(rendered_samples) == set(HOUSEHOLD_IDS)
    assert len(HOUSEHOLD_IDS) >= 40
    # H0002's ten members make page 1's text too long for one code: it is split over several.
    assert len(rendered_samples["H0002"].view.voice_codes[0].codes) >= 2
    # H0003's twelve members continue on page 2, which has its own code.
    assert rendered_samples["H0003"].view.pages[1].kind == "members"


@pytest.mark.parametrize("dpi", DPIS)
@pytest.mark.parametrize("household_id", HOUSEHOLD_IDS)
def test_every_printed_code_decodes_to_its_page_text(household_id, dpi, rendered_samples, scans):
    rendered = rendered_samples[household_id]
    notice_view = rendered.view
    pages = scans[(household_id, dpi)]
    assert len(pages) == notice_view.page_count == len(notice_view.voice_codes)
    translator = i18n.translator()
    for number, (found, codes, page_text, passages) in enumerate(
        zip(
            pages,
            notice_view.voice_codes,
            notice_view.voice_texts,
            notice_view.voice_passages,
            strict=True,
        ),
        start=1,
    ):
        where = (household_id, dpi, number)
        assert texts(found) == codes.texts, where
        # … which are the page's voice text, split afresh (no cache involved).
        fresh = voicecode.page_codes(page_text, number, voicecode.QrEncoder(), translator, passages)
        assert texts(found) == fresh.texts, where
        if len(found) == 1:
            # The page's whole text: as written, or on page 1, when that makes it one code, with
            # the members' data in front in place of the summary of their names and digits.
            said = found[0].text
            assert said == page_text or number == 1, where
            assert said.startswith(f"{number}ページ目。") and len(said) <= len(page_text), where
            for passage in passages:
                if passage.first_code != "extra":
                    assert all(sentence in said for sentence in passage.sentences), where
        for result, code in zip(found, codes.codes, strict=True):
            assert result.valid and not result.error, where
            assert result.extra["Version"] == str(code.image.version), where
            assert result.ec_level == code.image.ec_level, where
        # One row, right to left, no code over another.
        for right, left in itertools.pairwise(found):
            right_edge_of_left = max(left.position.top_right.x, left.position.bottom_right.x)
            left_edge_of_right = min(right.position.top_left.x, right.position.bottom_left.x)
            assert right_edge_of_left < left_edge_of_right, where


def _voice_text(household_id: str, page: int | None = None) -> str:
    args = ["voice-text", str(SAMPLE_UTF8), "--household", household_id]
    if page is not None:
        args += ["--page", str(page)]
    result = subprocess.run(
        [sys.executable, "-m", "noticegen", *args],
        capture_output=True,
        text=True,
        cwd=project.ROOT,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("household_id", CLI_HOUSEHOLDS)
def test_cli_voice_text_prints_what_the_codes_say(household_id, rendered_samples, scans):
    notice_view = rendered_samples[household_id].view
    printed_pages = []
    for number in range(1, notice_view.page_count + 1):
        printed = _voice_text(household_id, number).removesuffix("\n").split("\n")
        printed_pages.append(printed)
        for dpi in DPIS:
            decoded = texts(scans[(household_id, dpi)][number - 1])
            assert tuple(printed) == decoded, (household_id, number, dpi)
    # Without --page: every page, pages separated by an empty line.
    assert (
        _voice_text(household_id) == "\n\n".join("\n".join(lines) for lines in printed_pages) + "\n"
    )


def test_split_page_codes_start_with_their_markers(rendered_samples, scans):
    found = texts(scans[("H0002", 300)][0])
    assert len(found) >= 2
    for number, text in enumerate(found, start=1):
        assert text.startswith(f"1ページ目、その{number}。")
    page_text = rendered_samples["H0002"].view.voice_texts[0]
    passages = rendered_samples["H0002"].view.voice_passages[0]
    # Joined without the markers, the codes give back the page's whole text: every sentence, and
    # nothing else. Only the summary of the members' names and digits that page 1's first code
    # holds as far as it has room may be cut short (each member is read in full further on).
    joined = "".join(
        text.removeprefix(f"1ページ目、その{number}。").removesuffix(
            f"続きは、左どなりのコード、その{number + 1}にあります。"
        )
        for number, text in enumerate(found, start=1)
    )
    for passage in passages:
        if passage.first_code != "extra":
            assert all(sentence in joined for sentence in passage.sentences), passage
    assert len("1ページ目。" + joined) <= len(page_text)
    summary = "".join(
        "".join(passage.sentences) for passage in passages if passage.first_code == "extra"
    )
    assert len("1ページ目。" + joined) >= len(page_text) - len(summary)


def _figures(pdf: bytes) -> dict[int, list[str]]:
    """The /Alt texts of the structure tree's elements, by page number (from 1)."""
    alts: dict[int, list[str]] = {}
    with pikepdf.open(io.BytesIO(pdf)) as document:
        numbers = {page.objgen: index for index, page in enumerate(document.pages, start=1)}

        def walk(element, page: int | None) -> None:
            if not isinstance(element, pikepdf.Dictionary):
                return
            if "/Pg" in element:
                page = numbers.get(element.Pg.objgen, page)
            if "/Alt" in element:
                alts.setdefault(page, []).append(str(element.Alt))
            kids = element.get("/K")
            for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
                walk(kid, page)

        walk(document.Root.StructTreeRoot, None)
    return alts


@pytest.mark.parametrize("household_id", ["H0001", "H0002", "H0003", "H0020"])
def test_every_voice_code_has_an_alt_text_in_the_tagged_pdf(household_id, rendered_samples):
    rendered = rendered_samples[household_id]
    alts = _figures(rendered.pdf)
    for number, codes in enumerate(rendered.view.voice_codes, start=1):
        # The reply form's household code says it is not a voice code (「音声コードではありません」).
        on_page = [
            alt
            for alt in alts.get(number, [])
            if "音声コード" in alt and "音声コードではありません" not in alt
        ]
        assert Counter(on_page) == Counter(code.alt for code in codes.codes), (
            household_id,
            number,
            on_page,
        )
        assert len(on_page) == len(codes.codes)
    if len(rendered.view.voice_codes[0].codes) > 1:
        assert all("その" in alt for alt in alts[1] if "音声コード" in alt)
