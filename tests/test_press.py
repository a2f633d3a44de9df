"""Files a press accepts (issue 17): black ink only, PDF/X with an output intent, marks that read.

Ink is measured as a press's prepress measures it, with Ghostscript's inkcov device (the CMYK
coverage of each page's separations); the PDF/X structure is checked with pikepdf, object by
object, as a preflight would.
"""

from __future__ import annotations

import dataclasses
import io
import shutil
import subprocess
from pathlib import Path

import pikepdf
import pypdfium2
import pytest
import zxingcpp

from noticegen import batch, cli, notice, press, settings
from noticegen.printing import render, variable_print
from tests.conftest import SAMPLE_UTF8

MM_PER_INCH = 25.4


def ink_coverage(data: bytes, tmp_path: Path) -> list[tuple[float, float, float, float]]:
    """Each page's cyan, magenta, yellow and black coverage (Ghostscript's inkcov device)."""
    assert shutil.which("gs"), "Ghostscript (gs) is needed: scripts/setup.sh installs it"
    path = tmp_path / "inkcov.pdf"
    path.write_bytes(data)
    result = subprocess.run(
        ["gs", "-q", "-dSAFER", "-dNOPAUSE", "-dBATCH", "-o", "-", "-sDEVICE=inkcov", str(path)],
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    pages = []
    for line in result.stdout.splitlines():
        fields = line.split()
        if fields[-2:] == ["CMYK", "OK"]:
            pages.append(tuple(float(value) for value in fields[:4]))
    return pages


def assert_black_ink_only(data: bytes, tmp_path: Path) -> None:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        page_count = len(pdf.pages)
    coverage = ink_coverage(data, tmp_path)
    assert len(coverage) == page_count
    for number, (cyan, magenta, yellow, black) in enumerate(coverage, start=1):
        assert (cyan, magenta, yellow) == (0, 0, 0), f"page {number}: {cyan} {magenta} {yellow}"
        assert black > 0, f"page {number} has no black ink"


# ---------------------------------------------------------------------------------------------
# Preflight: what a PDF/X checker looks at


_RGB_OPERATORS = {"rg", "RG"}


def _is_rgb(space, resources) -> bool:
    """Whether a colour space (a name or an array, possibly a resource name) is RGB."""
    if isinstance(space, pikepdf.Name):
        if space in ("/DeviceRGB", "/RGB", "/CalRGB"):
            return True
        named = resources.get("/ColorSpace", {}).get(space) if resources is not None else None
        return named is not None and _is_rgb(named, None)
    if isinstance(space, pikepdf.Array) and len(space):
        family = space[0]
        if family in ("/CalRGB",):
            return True
        if family == "/ICCBased":
            return int(space[1].get("/N")) == 3
        if family in ("/Indexed", "/Separation", "/DeviceN"):
            base = space[1] if family == "/Indexed" else space[2]
            return _is_rgb(base, resources)
    return False


def _check_content(holder, resources, problems: list[str], where: str, seen: set) -> None:
    for operands, operator in pikepdf.parse_content_stream(holder):
        name = str(operator)
        if name in _RGB_OPERATORS:
            problems.append(f"{where}: RGB colour operator {name}")
        if name in ("cs", "CS") and _is_rgb(operands[0], resources):
            problems.append(f"{where}: RGB colour space {operands[0]}")
        if name == "INLINE IMAGE":
            image = operands[0]
            if _is_rgb(image.obj.get("/CS", image.obj.get("/ColorSpace")), resources):
                problems.append(f"{where}: RGB inline image")
    _check_resources(resources, problems, where, seen)


def _check_resources(resources, problems: list[str], where: str, seen: set) -> None:
    if resources is None:
        return
    for space_name, space in resources.get("/ColorSpace", {}).items():
        if _is_rgb(space, None):
            problems.append(f"{where}: RGB colour space resource {space_name}")
    for name, xobject in resources.get("/XObject", {}).items():
        key = xobject.objgen
        if key != (0, 0) and key in seen:
            continue
        seen.add(key)
        if xobject.get("/Subtype") == "/Image":
            if _is_rgb(xobject.get("/ColorSpace"), resources):
                problems.append(f"{where}: RGB image {name}")
            if "/SMask" in xobject:
                problems.append(f"{where}: image {name} with a soft mask (transparency)")
        elif xobject.get("/Subtype") == "/Form":
            group = xobject.get("/Group")
            if group is not None and _is_rgb(group.get("/CS"), resources):
                problems.append(f"{where}: form {name} blends in RGB")
            _check_content(xobject, xobject.get("/Resources"), problems, f"{where} {name}", seen)
    for name, font in resources.get("/Font", {}).items():
        fonts = [font, *font.get("/DescendantFonts", [])]
        if font.get("/Subtype") == "/Type3":
            continue
        descriptors = [item.get("/FontDescriptor") for item in fonts]
        embedded = any(
            descriptor is not None
            and any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))
            for descriptor in descriptors
        )
        if not embedded:
            problems.append(f"{where}: font {name} ({font.get('/BaseFont')}) not embedded")


def preflight(data: bytes, options: settings.Press) -> list[str]:
    """What stands between the file and the configured PDF/X conformance (empty: nothing)."""
    problems: list[str] = []
    with pikepdf.open(io.BytesIO(data)) as pdf:
        version = {"PDF/X-4": "1.6", "PDF/X-1a": "1.4"}[options.pdfx]
        if pdf.pdf_version != version:
            problems.append(f"PDF version {pdf.pdf_version}, not {version}")
        if pdf.is_encrypted:
            problems.append("encrypted")
        info = pdf.docinfo
        expected = {"PDF/X-4": "PDF/X-4", "PDF/X-1a": "PDF/X-1:2003"}[options.pdfx]
        if str(info.get("/GTS_PDFXVersion", "")) != expected:
            problems.append(f"GTS_PDFXVersion {info.get('/GTS_PDFXVersion')!s}, not {expected}")
        if options.pdfx == "PDF/X-1a" and str(info.get("/GTS_PDFXConformance")) != "PDF/X-1a:2003":
            problems.append("no GTS_PDFXConformance PDF/X-1a:2003")
        if options.pdfx == "PDF/X-4":
            metadata = pdf.Root.get("/Metadata")
            xmp = metadata.read_bytes() if metadata is not None else b""
            for needed in (
                b"<pdfxid:GTS_PDFXVersion>PDF/X-4<",
                b"<xmpMM:DocumentID>",
                b"<xmpMM:VersionID>",
                b"<xmpMM:RenditionClass>",
                b"<xmp:CreateDate>",
            ):
                if needed not in xmp:
                    problems.append(f"XMP metadata without {needed.decode()}")
        for key in ("/Title", "/CreationDate", "/ModDate"):
            if not str(info.get(key, "")):
                problems.append(f"no {key} in the document information")
        if info.get("/Trapped") not in (pikepdf.Name("/True"), pikepdf.Name("/False")):
            problems.append("Trapped is neither True nor False")
        intents = [
            intent
            for intent in pdf.Root.get("/OutputIntents", [])
            if intent.get("/S") == "/GTS_PDFX"
        ]
        if len(intents) != 1:
            problems.append(f"{len(intents)} GTS_PDFX output intents, not 1")
        else:
            intent = intents[0]
            profile = intent.get("/DestOutputProfile")
            if profile is None:
                problems.append("the output intent embeds no ICC profile")
            else:
                icc = profile.read_bytes()
                if icc[16:20] != b"CMYK" or int(profile.get("/N")) != 4:
                    problems.append("the output intent's profile is not CMYK")
                if icc != Path(options.output_profile).read_bytes():
                    problems.append("the output intent's profile is not the configured one")
            if str(intent.get("/OutputConditionIdentifier", "")) == "":
                problems.append("the output intent has no OutputConditionIdentifier")
        seen: set = set()
        for number, page in enumerate(pdf.pages, start=1):
            where = f"page {number}"
            media = [float(value) for value in page.mediabox]
            for key in ("/TrimBox", "/BleedBox"):
                box = page.obj.get(key)
                if box is None:
                    problems.append(f"{where}: no {key}")
                    continue
                box = [float(value) for value in box]
                if not (
                    box[0] >= media[0] - 1e-3
                    and box[1] >= media[1] - 1e-3
                    and box[2] <= media[2] + 1e-3
                    and box[3] <= media[3] + 1e-3
                ):
                    problems.append(f"{where}: {key} outside the MediaBox")
            if page.obj.get("/Group") is not None and _is_rgb(page.obj.Group.get("/CS"), None):
                problems.append(f"{where}: the page blends in RGB")
            _check_content(page, page.obj.get("/Resources"), problems, where, seen)
            if options.pdfx == "PDF/X-1a":
                for state in page.obj.Resources.get("/ExtGState", {}).values():
                    for key in ("/CA", "/ca"):
                        if key in state and float(state[key]) != 1:
                            problems.append(f"{where}: transparency ({key} {state[key]})")
    return problems


# ---------------------------------------------------------------------------------------------
# The files


BILINGUAL = "H0007"  # English beside the Japanese
JAPANESE = "H0001"


def _household(sample_households, household_id):
    return next(item for item in sample_households if item.household_id == household_id)


@pytest.fixture(scope="module")
def chunk_run(tmp_path_factory) -> Path:
    """A batch run of the samples' first households (Japanese and bilingual notices) in one chunk."""
    outdir = tmp_path_factory.mktemp("press") / "out"
    status = cli.main(
        ["batch", str(SAMPLE_UTF8), "-o", str(outdir), "--limit", "9", "--workers", "1"]
    )
    assert status == 0
    return outdir


def _chunk(outdir: Path) -> bytes:
    (path,) = sorted((outdir / "notices").glob("*.pdf"))
    return path.read_bytes()


def test_a_batch_chunk_is_black_ink_only(chunk_run, tmp_path):
    assert_black_ink_only(_chunk(chunk_run), tmp_path)


def test_render_pdfs_are_black_ink_only(sample_households, config, encoder, tmp_path):
    for household_id in (JAPANESE, BILINGUAL):
        parts = notice.make_all(_household(sample_households, household_id), config, encoder)
        if household_id == BILINGUAL:
            assert len(parts) == 2  # the Japanese part and the English one
        assert_black_ink_only(render.pdf(parts), tmp_path)


def test_the_tagged_notice_stays_pdf_ua_and_is_no_press_file(sample_households, config, encoder):
    parts = notice.make_all(_household(sample_households, BILINGUAL), config, encoder)
    with pikepdf.open(io.BytesIO(render.pdf(parts))) as pdf:
        assert "/StructTreeRoot" in pdf.Root
        assert b"pdfuaid:part" in pdf.Root.Metadata.read_bytes()
        assert "/OutputIntents" not in pdf.Root


def test_a_batch_chunk_passes_the_pdfx4_preflight(chunk_run, config):
    assert config.press.pdfx == "PDF/X-4"  # the default
    assert preflight(_chunk(chunk_run), config.press) == []


def test_the_preflight_finds_what_it_looks_for(chunk_run, config):
    """The checks can fail: a file without intent, boxes or metadata, with RGB drawing."""
    with pikepdf.open(io.BytesIO(_chunk(chunk_run))) as pdf:
        del pdf.Root["/OutputIntents"]
        del pdf.pages[0].obj["/TrimBox"]
        page = pdf.pages[1]
        page.contents_add(pdf.make_stream(b"1 0 0 rg 0 0 10 10 re f"), prepend=False)
        out = io.BytesIO()
        pdf.save(out)
    problems = preflight(out.getvalue(), config.press)
    assert "0 GTS_PDFX output intents, not 1" in problems
    assert "page 1: no /TrimBox" in problems
    assert "page 2: RGB colour operator rg" in problems


@pytest.mark.parametrize("renderer", ["shapes", "full"])
def test_pdfx1a_where_the_vendor_asks(sample_households, config, encoder, renderer, tmp_path):
    """Both renderers' files as PDF/X-1a:2003; drawn from shapes, and laid out in full."""
    x1a = dataclasses.replace(config, press=dataclasses.replace(config.press, pdfx="PDF/X-1a"))
    households = [_household(sample_households, key) for key in (JAPANESE, BILINGUAL)]
    chunk = batch.Chunk(index=1, first_seq=1, spool=Path(), entries=())
    state = batch._WorkerState(x1a, renderer=renderer, encoder=encoder)
    data, _rows, _laid_out = batch._chunk_output(chunk, households, state)
    assert preflight(data, x1a.press) == []
    assert_black_ink_only(data, tmp_path)


def test_a_wrong_press_profile_stops_the_run_before_it_starts(tmp_path):
    for content, problem in ((None, "cannot be read"), (b"not a profile", "not an ICC profile")):
        profile = tmp_path / "press.icc"
        if content is not None:
            profile.write_bytes(content)
        config_file = tmp_path / "config.toml"
        config_file.write_text(f'[press]\noutput_profile = "{profile}"\n')
        with pytest.raises(press.ProfileError, match=problem):
            batch.run(
                batch.Options(
                    input=SAMPLE_UTF8, outdir=tmp_path / "out", config=config_file, limit=1
                )
            )
        assert not (tmp_path / "out").exists()
    rgb = Path("/usr/share/color/icc/ghostscript/default_rgb.icc")
    with pytest.raises(press.ProfileError, match="not a CMYK printer profile"):
        press.output_profile(dataclasses.replace(settings.load().press, output_profile=str(rgb)))


# ---------------------------------------------------------------------------------------------
# Marks


def sheet_fronts(data: bytes, manifest_rows: list[dict]) -> list[int]:
    """0-based indexes of the pages that are a sheet's front (odd pages of each notice)."""
    fronts = []
    for row in manifest_rows:
        first = int(row["first_page"]) - 1
        fronts.extend(range(first, first + int(row["page_count"]), 2))
    return fronts


def decoded_sheet_marks(data: bytes, fronts: list[int], dpi: int = 150) -> dict[int, tuple]:
    """Each front's DataMatrix texts read from the page rasterised at `dpi`, with the mark's
    distance (mm) to the nearest edge."""
    document = pypdfium2.PdfDocument(data)
    found = {}
    try:
        for index in fronts:
            page = document[index]
            picture = page.render(scale=dpi / 72).to_pil().convert("L")
            page.close()
            results = zxingcpp.read_barcodes(picture, formats=zxingcpp.BarcodeFormat.DataMatrix)
            marks = [result for result in results if "-" in result.text]
            found[index] = tuple(
                (
                    result.text,
                    min(
                        min(point.x, point.y, picture.width - point.x, picture.height - point.y)
                        for point in (
                            result.position.top_left,
                            result.position.top_right,
                            result.position.bottom_left,
                            result.position.bottom_right,
                        )
                    )
                    * MM_PER_INCH
                    / dpi,
                )
                for result in marks
            )
    finally:
        document.close()
    return found


def test_the_sheet_marks_read_at_150_dpi_at_least_5_mm_from_the_edges(chunk_run):
    import csv

    rows = list(csv.DictReader(io.StringIO((chunk_run / "manifest.csv").read_text())))
    data = _chunk(chunk_run)
    fronts = sheet_fronts(data, rows)
    marks = decoded_sheet_marks(data, fronts)
    for row in rows:
        first, sheets = int(row["first_page"]) - 1, int(row["sheets"])
        for sheet in range(1, sheets + 1):
            ((text, edge_mm),) = marks[first + 2 * (sheet - 1)]
            assert text == f"{int(row['seq']):06d}-{sheet}/{sheets}"
            assert edge_mm >= 5


def test_mark_positions_follow_the_configuration(sample_households, config, encoder):
    moved = dataclasses.replace(
        config,
        press=dataclasses.replace(config.press, sheet_mark_left_mm=150.0, sheet_mark_top_mm=4.0),
    )
    chunk = batch.Chunk(index=1, first_seq=1, spool=Path(), entries=())
    state = batch._WorkerState(moved, encoder=encoder, shapes=variable_print.Renderer())
    data, _rows, _ = batch._chunk_output(chunk, [_household(sample_households, JAPANESE)], state)
    ((text, _edge),) = decoded_sheet_marks(data, [0])[0]
    document = pypdfium2.PdfDocument(data)
    try:
        picture = document[0].render(scale=150 / 72).to_pil()
    finally:
        document.close()
    results = zxingcpp.read_barcodes(picture, formats=zxingcpp.BarcodeFormat.DataMatrix)
    (mark,) = [result for result in results if result.text == text]
    # Top right, left of the page number: the symbol's corner 150 mm from the left and 4 mm from
    # the top, inside its quiet zone (0.5 mm).
    x_mm = mark.position.top_left.x * MM_PER_INCH / 150
    y_mm = mark.position.top_left.y * MM_PER_INCH / 150
    assert 150 <= x_mm <= 151.5 and 4 <= y_mm <= 5.5


def test_grey_rgb_images_become_devicegray_and_colour_stays(config):
    """What an external encoder's 1-bit PNG becomes in a full layout (RGB), made black ink."""
    from PIL import Image

    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    grey = Image.new("RGB", (8, 8), (255, 255, 255))
    grey.paste((0, 0, 0), (2, 2, 6, 6))
    red = Image.new("RGB", (8, 8), (255, 0, 0))
    images = []
    for picture in (grey, red):
        images.append(
            pdf.make_stream(
                picture.tobytes(),
                Type=pikepdf.Name.XObject,
                Subtype=pikepdf.Name.Image,
                Width=8,
                Height=8,
                ColorSpace=pikepdf.Name.DeviceRGB,
                BitsPerComponent=8,
            )
        )
    page = pdf.pages[0]
    page.obj.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(G=images[0], R=images[1]))
    page.obj.Contents = pdf.make_stream(b"q 8 0 0 8 0 0 cm /G Do Q q 8 0 0 8 20 0 cm /R Do Q")
    version = press.finish(
        pdf, "test", config.press, config.dates.issue, press.output_profile(config.press)
    )
    grey_image, red_image = images
    assert grey_image.ColorSpace == "/DeviceGray"
    assert pikepdf.PdfImage(grey_image).as_pil_image().tobytes() == grey.convert("L").tobytes()
    assert red_image.ColorSpace == "/DeviceRGB"
    out = io.BytesIO()
    pdf.save(out, force_version=version)
    problems = preflight(out.getvalue(), config.press)
    assert problems == ["page 1: RGB image /R"], problems
