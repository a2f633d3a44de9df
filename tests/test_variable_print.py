"""The batch's variable-data renderer: the same pages as laying every notice out in full.

The samples are built to reach every layout case (1 to 12 members, unregistered numbers, 方書,
large print, every language, long names and addresses), so comparing the two renderers on them,
pixel for pixel, is what shows that drawing over measured shapes is safe.
"""

from __future__ import annotations

import base64
import dataclasses
import importlib.util
import io
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pikepdf
import pypdfium2
import pytest
from PIL import ImageChops

from noticegen import batch, i18n, notice, project, settings
from noticegen.printing import engine, fontsharing, formblocks, render, variable_print
from tests.conftest import SAMPLE_UTF8, MemoryShapeStore, read_file
from tests.pdf_helpers import page_texts

CHUNK_SIZE = 6


def _run(outdir: Path, renderer: str, workers: int = 1) -> None:
    """A batch run in its own process, as a vendor's run is."""
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from noticegen import batch\n"
        "sys.exit(batch.run(batch.Options(input=Path(sys.argv[1]), outdir=Path(sys.argv[2]),"
        f" chunk_size={CHUNK_SIZE}, workers={workers}, renderer=sys.argv[3])))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(SAMPLE_UTF8), str(outdir), renderer],
        cwd=project.ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 3, result.stderr  # the samples include rejected households


@pytest.fixture(scope="module")
def both_runs(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("renderers")
    _run(folder / "shapes", "shapes", workers=2)
    _run(folder / "full", "full")
    return folder / "shapes", folder / "full"


def _pixels(document: pypdfium2.PdfDocument, index: int, dpi: int):
    page = document[index]
    try:
        return page.render(scale=dpi / 72).to_pil().convert("L")
    finally:
        page.close()


def test_every_sample_page_is_pixel_identical_to_a_full_layout(both_runs):
    shapes, full = both_runs
    assert (shapes / "manifest.csv").read_bytes() == (full / "manifest.csv").read_bytes()
    files = sorted(path.name for path in (full / "notices").iterdir())
    assert files == sorted(path.name for path in (shapes / "notices").iterdir())
    compared = 0
    for name in files:
        drawn = pypdfium2.PdfDocument(shapes / "notices" / name)
        laid_out = pypdfium2.PdfDocument(full / "notices" / name)
        try:
            assert len(drawn) == len(laid_out)
            for index in range(len(drawn)):
                # 150 dpi for every page; 300 dpi (the voice codes' reading test) for the first
                # notice's pages of each file.
                for dpi in (150, 300) if index < 4 else (150,):
                    difference = ImageChops.difference(
                        _pixels(drawn, index, dpi), _pixels(laid_out, index, dpi)
                    )
                    assert difference.getbbox() is None, f"{name} page {index + 1} at {dpi} dpi"
                compared += 1
        finally:
            drawn.close()
            laid_out.close()
    assert compared == 324


def _ghostscript_pages(pdfs: Path | list[Path], folder: Path) -> list[bytes]:
    """Each page (of each file, in order) as Ghostscript draws it at 150 dpi (grey), its PNG's
    pixels."""
    from PIL import Image

    assert shutil.which("gs"), "Ghostscript (gs) is needed: scripts/setup.sh installs it"
    folder.mkdir()
    command = ["gs", "-q", "-dSAFER", "-dNOPAUSE", "-dBATCH", "-dPDFSTOPONERROR"]
    command += ["-sDEVICE=pnggray", "-r150", f"-sOutputFile={folder}/%04d.png"]
    command += [str(pdf) for pdf in (pdfs if isinstance(pdfs, list) else [pdfs])]
    subprocess.run(
        command,
        capture_output=True,
        timeout=900,
        check=True,
    )
    return [Image.open(page).tobytes() for page in sorted(folder.iterdir())]


def test_ghostscript_draws_the_drawn_pages_as_the_full_layouts(both_runs, tmp_path):
    """A second rasteriser, not the one the tests above use: Ghostscript draws every page of a
    chunk file from the shapes renderer (its forms, form blocks, inline images) as it draws the
    full layout's, pixel for pixel."""
    shapes, full = both_runs
    name = "chunk-00001.pdf"
    drawn = _ghostscript_pages(shapes / "notices" / name, tmp_path / "drawn")
    laid_out = _ghostscript_pages(full / "notices" / name, tmp_path / "laid-out")
    assert len(drawn) == len(laid_out) > 8
    differing = [
        number
        for number, (one, other) in enumerate(zip(drawn, laid_out, strict=True), 1)
        if one != other
    ]
    assert differing == []


def test_drawn_pages_read_back_as_the_same_text(both_runs):
    shapes, full = both_runs
    for path in sorted((full / "notices").iterdir()):
        drawn = page_texts((shapes / "notices" / path.name).read_bytes())
        laid_out = page_texts(path.read_bytes())
        for number, (one, other) in enumerate(zip(drawn, laid_out, strict=True), start=1):
            # The runs are drawn after the page's static content, so the text's order may
            # differ; its characters may not.
            assert Counter("".join(one.split())) == Counter("".join(other.split())), (
                f"{path.name} page {number}"
            )


def test_most_sample_notices_are_drawn_and_the_rest_laid_out_in_full(
    sample_households, config, encoder
):
    """Every notice goes one way or the other; the samples' hard cases go the slow, exact way."""
    renderer = variable_print.Renderer()
    target = variable_print.ChunkFile("test")
    drawn = {}
    for seq, household in enumerate(sample_households, start=1):
        parts = _with_marks(notice.make_all(household, config, encoder), seq)
        drawn[household.household_id] = renderer.add_notice(target, parts, i18n.SOURCE_LOCALE)
    target.finish()
    laid_out = sorted(key for key, value in drawn.items() if not value)
    # Every one, H0015's long name too (noticegen.cellfit sets it on lines of its own; it went to
    # a full layout when its cell wrapped it).
    assert laid_out == []
    assert target.pages_drawn + target.pages_laid_out == 324
    # Page 1 and the reply form's pages are shaped by each household's members (which cells
    # hold a reading, a number or 「登録なし」); the check, guide and blank pages are shared.
    assert renderer.shapes_measured < len(sample_households) * 3


def _with_marks(parts, seq):
    total = sum(part.page_count for part in parts)
    return tuple(
        dataclasses.replace(
            part, print_marks=batch._print_marks(part, seq, total, settings.load().press)
        )
        for part in parts
    )


def test_shapes_leave_out_the_household_data(sample_households, config, encoder):
    by_id = {household.household_id: household for household in sample_households}
    views = {key: notice.make_all(by_id[key], config, encoder)[0] for key in by_id}
    kinds = [page.kind for page in views["H0004"].pages]
    # H0004 and H0027 differ in names, dates, numbers and address, not in layout; but H0027 has a
    # member aged 70–74, so its check page carries the 高齢受給者証 reminder.
    one, other = (variable_print.pages(views[key]) for key in ("H0004", "H0027"))
    assert [page.kind for page in views["H0027"].pages] == kinds
    for kind, mine, theirs in zip(kinds, one, other, strict=True):
        assert (mine.shape == theirs.shape) is (kind != "check"), kind
    assert one[0].texts != other[0].texts
    assert "仮名" in "".join(one[0].texts)
    # A household with another number of members has another page 1 and reply form, the same
    # check and guide pages.
    third = variable_print.pages(views["H0005"])
    assert [page.kind for page in views["H0005"].pages] == kinds
    assert third[0].shape != one[0].shape
    for kind, mine, theirs in zip(kinds, one, third, strict=True):
        assert (mine.shape == theirs.shape) is (kind not in ("personal", "form")), kind


def test_what_is_drawn_does_not_depend_on_which_household_a_shape_was_measured_with(
    sample_households, config, encoder
):
    """Chunks must be byte-identical whatever the worker count: a shape measured with one
    household draws another exactly as if measured with a third."""
    by_shapes: dict[tuple, list] = {}
    for household in sample_households:
        parts = notice.make_all(household, config, encoder)
        key = tuple(page.shape for part in parts for page in variable_print.pages(part))
        by_shapes.setdefault(key, []).append(parts)
    group = max(by_shapes.values(), key=len)
    assert len(group) >= 3
    results = []
    for first in group[:2]:
        renderer = variable_print.Renderer()
        warm = variable_print.ChunkFile("warm")
        assert renderer.add_notice(warm, _with_marks(first, 1), "ja")
        warm.finish()
        measured = renderer.shapes_measured
        target = variable_print.ChunkFile("test")
        assert renderer.add_notice(target, _with_marks(group[2], 7), "ja")
        assert renderer.shapes_measured == measured  # drawn from the shapes measured before
        results.append(target.finish())
    assert results[0] == results[1]


def test_a_chunk_is_the_same_whichever_households_its_shapes_were_measured_with(
    sample_households, config, encoder
):
    """The same households drawn by a renderer that met them first in the reverse order, so
    measured its shapes (stubs, rows, whole pages) with other households: the same bytes. A
    hidden voice code left its clip, sized by the household's code, in the forms."""
    households = sample_households[:6]

    def chunk(renderer, group) -> bytes:
        target = variable_print.ChunkFile("test")
        for seq, household in enumerate(group, start=1):
            parts = notice.make_all(household, config, encoder)
            assert renderer.add_notice(target, _with_marks(parts, seq), "ja")
        return target.finish()

    expected = chunk(variable_print.Renderer(), households)
    renderer = variable_print.Renderer()
    chunk(renderer, list(reversed(households)))
    assert renderer.shapes_composed > 0
    assert chunk(renderer, households) == expected


def test_drawn_pages_reuse_one_form_per_shape_and_embed_their_fonts(both_runs):
    shapes, _ = both_runs
    with pikepdf.open(shapes / "notices" / "chunk-00001.pdf") as pdf:
        forms, drawn = set(), 0
        for page in pdf.pages:
            xobjects = page.obj.Resources.XObject
            if "/S" not in xobjects:  # a notice laid out in full
                continue
            drawn += 1
            forms.add(xobjects.S.objgen)
            for _name, font in page.obj.Resources.Font.items():
                descendant = font.DescendantFonts[0]
                assert "/FontFile2" in descendant.FontDescriptor  # embedded, never referenced
                assert "/ToUnicode" in font  # text can be copied and read aloud
        assert drawn >= len(pdf.pages) - 8  # at most two notices laid out in full
        assert len(forms) < drawn  # guide pages share their form


def test_images_shown_once_are_inline_and_shared_ones_are_one_xobject(both_runs):
    """A drawn page's own images (its codes, sheet mark, barcode) are written inline, each
    readable from its own data (zxing-cpp reads the QR codes among them); an image XObject is
    one several pages show, or too large to be inline; and the forms' static images are in the
    file once each, however many forms show them."""
    import zxingcpp

    from noticegen.printing import assembly

    shapes, _ = both_runs
    inline, decoded, xobject_uses, xobjects, form_images = 0, 0, Counter(), {}, {}
    with pikepdf.open(shapes / "notices" / "chunk-00001.pdf") as pdf:
        for page in pdf.pages:
            resources = page.obj.Resources.XObject
            if "/S" not in resources:  # a notice laid out in full
                continue
            for operands, operator in pikepdf.parse_content_stream(page):
                if str(operator) != "INLINE IMAGE":
                    continue
                inline += 1
                picture = operands[0].as_pil_image()
                assert picture.mode in ("1", "L")
                framed = picture.convert("L").resize(
                    (picture.width * 4, picture.height * 4), resample=0
                )
                found = zxingcpp.read_barcodes(framed, formats=zxingcpp.BarcodeFormat.QRCode)
                decoded += bool(found)
            for _name, image in resources.items():
                if image.get("/Subtype") == "/Image":
                    xobject_uses[image.objgen] += 1
                    xobjects[image.objgen] = image
            # A page put together from bands draws its stub's form (B) and its rows' (S).
            for form in (resources[name] for name in ("/B", "/S") if name in resources):
                for _name, image in form.Resources.get("/XObject", {}).items():
                    if image.get("/Subtype") == "/Image":
                        form_images.setdefault(image.read_raw_bytes(), set()).add(image.objgen)
    assert inline > 0 and decoded > 0
    assert form_images and all(len(copies) == 1 for copies in form_images.values())
    for key, uses in xobject_uses.items():
        assert uses > 1 or len(xobjects[key].read_bytes()) > assembly.INLINE_IMAGE_BYTES, key


@pytest.mark.parametrize(
    "text",
    [
        "two  spaces",
        " leading",
        "trailing ",
        "tab\there",
        "山田\u2028太郎",
        "山田\u2029太郎",
        "a\x07b",
    ],
)
def test_a_run_a_full_layout_could_break_or_collapse_goes_to_a_full_layout(text):
    page = variable_print.PageData("shape", "", "", (text,), ())
    with pytest.raises(variable_print.NotDrawable):
        variable_print.Renderer()._plan(page)


def _png_uri(mode: str, **options) -> str:
    from PIL import Image

    out = io.BytesIO()
    Image.new(mode, (4, 4)).save(out, format="PNG", **options)
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


@pytest.mark.parametrize(
    ("uri", "drawable"),
    [
        (_png_uri("1"), True),
        (_png_uri("L"), True),
        (_png_uri("RGBA"), False),  # an external encoder's colour or transparent code
        (_png_uri("L", transparency=0), False),
        ("data:image/svg+xml;base64,PHN2Zy8+", False),
    ],
)
def test_only_images_drawn_as_a_full_render_draws_them_are_drawn(uri, drawable):
    page = variable_print.PageData("shape", "", "", (), ((uri, None),))
    renderer = variable_print.Renderer()
    for _time in range(2):  # the second time from what the renderer kept of the first
        if drawable:
            renderer._check_image(uri)
        else:
            with pytest.raises(variable_print.NotDrawable):
                renderer._plan(page)


def test_every_font_subset_in_a_chunk_has_a_tag_of_its_own(both_runs):
    """PDF 9.6.4: different subsets in one file, different tags (a RIP may cache by name)."""
    shapes, full = both_runs
    for path in (shapes / "notices" / "chunk-00001.pdf", full / "notices" / "chunk-00001.pdf"):
        with pikepdf.open(path) as pdf:
            programs: dict[str, set[bytes]] = {}
            for candidate in pdf.objects:
                if (
                    isinstance(candidate, pikepdf.Dictionary)
                    and candidate.get("/Subtype") == "/Type0"
                ):
                    descriptor = candidate.DescendantFonts[0].FontDescriptor
                    name = str(candidate.BaseFont)
                    assert name == str(descriptor.FontName), name
                    # TrueType (FontFile2), or CFF (FontFile3: Noto Sans CJK, for page 1's
                    # language names).
                    program = descriptor.get("/FontFile2") or descriptor.FontFile3
                    programs.setdefault(name, set()).add(program.read_raw_bytes())
            assert len(programs) >= 2
            assert all(len(versions) == 1 for versions in programs.values()), path


_HEAD = (
    '<!DOCTYPE html>\n<html lang="ja">\n<head>\n<meta charset="utf-8">\n<title>t</title>\n<style>\n'
    '@page { size: A4; margin: 0; } body { margin: 0; font-family: "BIZ UDPGothic"; }\n'
    ".box { width: 60mm; margin: 20mm; font-size: 12pt; line-height: 1.5; }\n"
    "</style>\n</head>\n"
)


def _page(static: str, data: str) -> variable_print.PageData:
    markup = f'<div class="page page-test"><p class="box">{static} <span class="v">{data}</span></p></div>\n'
    return variable_print.PageData("test-" + static, _HEAD, markup, (data,), ())


def test_a_run_whose_width_decides_the_lines_of_its_block_is_not_drawn():
    """On a line that wrapped, a narrower run would go up onto the line before, as a full layout
    shows; such a page is laid out in full, whichever household its shape was measured with."""
    static = "Ｎ" * 16  # full-width letters fill the first line
    assert _line_count(_page(static, "Ｗwwwwwwwwwwwwww")) == 2
    assert _line_count(_page(static, "ii")) == 1
    for data in ("Ｗwwwwwwwwwwwwww", "ii"):
        page = _page(static, data)
        if _line_count(page) == 2:
            with pytest.raises(variable_print.NotDrawable, match="more than one line"):
                variable_print.measure(page)
        else:
            variable_print.measure(page)  # on one line: drawable


@pytest.mark.parametrize(("background", "drawable"), [("none", True), ("#eee", False)])
def test_a_data_image_over_a_painted_background_is_not_drawn(background, drawable):
    """Data images are drawn under the form (a full layout paints later content, a Burmese code's
    label, over a code's edge); what the form paints before them would then cover them."""
    uri = _png_uri("L")
    markup = (
        f'<div class="page page-test"><p class="box" style="background: {background}">'
        f'<img class="vi" src="{uri}" alt="" style="width: 10mm; height: 10mm;'
        ' image-rendering: pixelated"></p></div>\n'
    )
    page = variable_print.PageData("test-image-" + background, _HEAD, markup, (), ((uri, None),))
    if drawable:
        assert len(variable_print.measure(page).images) == 1
    else:
        with pytest.raises(variable_print.NotDrawable, match="background"):
            variable_print.measure(page)


def test_a_run_followed_by_a_wrapped_line_is_not_drawn():
    """Content that wrapped after a run would come up next to a narrower one."""
    word = "Internationalizationsabc"  # one word, no break opportunity inside
    markup = (
        f'<div class="page page-test"><p class="box"><span class="v">名前</span> {word}</p></div>\n'
    )
    page = variable_print.PageData("wrap", _HEAD, markup, ("名前",), ())
    assert _line_count(page) == 2
    with pytest.raises(variable_print.NotDrawable, match="more than one line"):
        variable_print.measure(page)


def _font_programs(pdf) -> dict[str, list[bytes]]:
    """Each embedded Type0 font's program, by font name (without its subset tag)."""
    found: dict[str, list[bytes]] = {}
    for candidate in pdf.objects:
        if isinstance(candidate, pikepdf.Dictionary) and candidate.get("/Subtype") == "/Type0":
            descriptor = candidate.DescendantFonts[0].FontDescriptor
            program = descriptor.get("/FontFile2") or descriptor.FontFile3
            name = str(candidate.BaseFont).split("+", 1)[-1]
            found.setdefault(name, []).append(program.read_bytes())
    return found


def test_a_form_keeping_its_own_font_gets_a_subset_cut_from_the_project_file(monkeypatch):
    """Forms are written without their fonts' subsets (the chunk's shared fonts replace them);
    a form whose font gives a glyph another width keeps its own font, and its subset is then cut
    from the project's file: the chunk draws the same pixels as from forms WeasyPrint subset."""
    pages = [_page("国民健康保険のお知らせ", "山田"), _page("保険料の納付について", "太郎")]

    def chunk() -> bytes:
        target = variable_print.ChunkFile("test")
        renderer = variable_print.Renderer()
        planned = [renderer._plan(page) for page in pages]
        # The second shape's form: the first glyph of its first font gets another width than the
        # first form's and the data runs' (as when WeasyPrint met the font at another size first).
        name, font = next(iter(planned[1][1].form.Resources.Font.items()))
        widths = font.DescendantFonts[0].W
        widths[1][0] = int(widths[1][0]) + 7
        for plan in planned:
            target.add_drawn_page(*plan)
        assert name in target._font_holders[0]
        return target.finish()

    drawn = chunk()
    monkeypatch.setattr(
        engine, "write_pdf_leaving_programs_uncut", lambda document, _cut_here: document.write_pdf()
    )
    subset_by_weasyprint = chunk()
    assert drawn != subset_by_weasyprint
    with pikepdf.open(io.BytesIO(drawn)) as pdf:
        programs = _font_programs(pdf)
    assert not any(engine.is_uncut_program(p) for found in programs.values() for p in found)
    assert max(len(found) for found in programs.values()) == 2  # the shared one and the kept one
    new, old = pypdfium2.PdfDocument(drawn), pypdfium2.PdfDocument(subset_by_weasyprint)
    for index in range(len(pages)):
        assert (
            ImageChops.difference(_pixels(new, index, 150), _pixels(old, index, 150)).getbbox()
            is None
        )


def _line_count(page: variable_print.PageData) -> int:
    from weasyprint.formatting_structure.boxes import LineBox

    document = render.lay_out_untagged(f"{page.head}<body>\n{page.markup}</body>\n</html>\n")
    found = []

    def walk(box):
        if isinstance(box, LineBox):
            found.append(box)
        for child in getattr(box, "children", ()):
            walk(child)

    walk(document.pages[0]._page_box)
    return len(found)


def test_a_shape_measured_by_one_worker_draws_the_same_in_another(
    sample_households, config, encoder
):
    """Workers share measured shapes through the run folder; a shape read back draws the same
    bytes as the one measured in the process."""
    by_id = {household.household_id: household for household in sample_households}
    store = MemoryShapeStore()
    measuring = variable_print.Renderer(store)
    warm = variable_print.ChunkFile("warm")
    assert measuring.add_notice(
        warm, _with_marks(notice.make_all(by_id["H0004"], config, encoder), 1), "ja"
    )
    warm.finish()
    laid_out = (measuring.shapes_measured, measuring.shapes_composed, measuring.bands_measured)
    assert store.files and sum(laid_out) == len(store.files)

    results = []
    reading = variable_print.Renderer(store)
    for renderer in (measuring, reading):
        target = variable_print.ChunkFile("test")
        parts = _with_marks(notice.make_all(by_id["H0027"], config, encoder), 2)
        assert renderer.add_notice(target, parts, "ja")
        results.append(target.finish())
    # every shape came from the store
    assert reading.shapes_measured == reading.shapes_composed == reading.bands_measured == 0
    assert results[0] == results[1]


def test_a_shape_read_back_holds_what_its_form_was_found_to_hold(
    sample_households, config, encoder, monkeypatch
):
    """A worker reads a shape back each time it meets it again after dropping it: the form's fonts
    and q … Q groups come with it, as they were found when it was measured, not read again."""
    store = MemoryShapeStore()
    renderer = variable_print.Renderer(store)
    target = variable_print.ChunkFile("test")
    assert renderer.add_notice(
        target, _with_marks(notice.make_all(sample_households[0], config, encoder), 1), "ja"
    )
    target.finish()
    measured = {}  # what each form holds, read from the form itself (and its stub's form's)
    for name, data in store.files.items():
        shape = variable_print.Shape.from_bytes(data)
        for form in _forms_of(shape):
            form._embedded_fonts = form._groups = None
        measured[name] = [
            (form.embedded_fonts(), form.content_groups()) for form in _forms_of(shape)
        ]
    held = [what for forms in measured.values() for what in forms]
    assert any(groups for _fonts, groups in held)
    assert any(fonts for fonts, _groups in held)
    assert any(len(forms) == 2 for forms in measured.values())  # pages put together

    def not_again(*_args, **_kwargs):
        raise AssertionError("the form was read again")

    monkeypatch.setattr(fontsharing, "embedded_fonts", not_again)
    monkeypatch.setattr(formblocks, "groups", not_again)
    for name, data in store.files.items():
        shape = variable_print.Shape.from_bytes(data)
        found = [(form.embedded_fonts(), form.content_groups()) for form in _forms_of(shape)]
        assert found == measured[name]


def _forms_of(shape: variable_print.Shape) -> list[variable_print.Shape]:
    """The shape and, for a page put together from bands, the form of its stub as moved."""
    return [shape] + ([shape.stub_form] if shape.stub_form is not None else [])


def test_stored_shapes_hold_no_household_data(sample_households, config, encoder):
    """Shapes are written to the run folder for other workers: static layout only, the household
    data hidden and never drawn, so no name, reading or address is in them."""
    store = MemoryShapeStore()
    renderer = variable_print.Renderer(store)
    words = set()
    for seq, household in enumerate(sample_households[:12], start=1):
        target = variable_print.ChunkFile("test")
        renderer.add_notice(
            target, _with_marks(notice.make_all(household, config, encoder), seq), "ja"
        )
        target.finish()
        words.update({household.head_name, household.address, household.address2 or ""})
        words.update(text for member in household.members for text in (member.name, member.kana))
    words = {"".join(word.split()) for word in words if word}
    assert store.files and len(words) > 30
    for data in store.files.values():
        shape = variable_print.Shape.from_bytes(data)
        templates = [form.template_pdf for form in _forms_of(shape)]
        text = "".join("".join(page.split()) for pdf in templates for page in page_texts(pdf))
        geometry = repr(shape.styles) + repr(shape.lines)
        for word in words:
            assert word not in text, word
            assert not any(word.encode() in template for template in templates), word
            assert word not in geometry, word


# ---------------------------------------------------------------------------------------------
# A realistic population (issue 11): 記号 of 1-4 characters, 8-digit numbers, Japanese names up
# to 20 characters, Latin ones up to 40, long readings, 1-12 members, every language, large print.


def _population_module():
    spec = importlib.util.spec_from_file_location(
        "population", project.ROOT / "bench" / "population.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules["population"] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def population_sample(tmp_path_factory, config):
    """bench/population.py's first household of every kind it generates, read as the batch reads
    them; and the ids of the large-print ones."""
    population = _population_module()
    chosen = population.sample(per_kind=1, seed=1)
    path = tmp_path_factory.mktemp("population") / "members.csv"
    large_print = set(population.write_households(path, chosen))
    households, rejections = read_file(path, config)
    return chosen, households, rejections, large_print


def test_the_realistic_population_is_accepted(population_sample):
    """No household of the population's ranges is refused for a cell its text cannot fit."""
    chosen, households, rejections, _large_print = population_sample
    assert [rejection.household_id for rejection in rejections] == []
    assert len(households) == len(chosen)
    symbols = {
        len(member.insured_symbol) for household in households for member in household.members
    }
    assert symbols == {1, 2, 3, 4}
    assert max(len(member.name) for household in households for member in household.members) >= 35


def _drawn_and_laid_out(population_sample, config, encoder):
    """Each sample household through the shapes renderer and laid out in full: the ids of those
    laid out in full, and every page whose pixels differ (id, language, page, differing box)."""
    _chosen, households, _rejections, large_print = population_sample
    renderer = variable_print.Renderer()
    laid_out_in_full, differing, files = [], [], []
    for seq, household in enumerate(households, start=1):
        parts = notice.make_all(household, config, encoder, household.household_id in large_print)
        parts = _with_marks(parts, seq)
        target = variable_print.ChunkFile("test")
        if not renderer.add_notice(target, parts, i18n.SOURCE_LOCALE):
            laid_out_in_full.append(household.household_id)
        files.append((target.finish(), None))
        drawn = pypdfium2.PdfDocument(files[-1][0])
        # Laid out in full as the full renderer does: in a chunk file of its own, whose font
        # subsets are made as the drawn file's are (tests/test_fontsharing.py checks those).
        whole = variable_print.ChunkFile("test")
        variable_print.add_laid_out(whole, parts, i18n.SOURCE_LOCALE)
        files[-1] = (files[-1][0], whole.finish())
        laid_out = pypdfium2.PdfDocument(files[-1][1])
        try:
            assert len(drawn) == len(laid_out) == sum(part.page_count for part in parts)
            for index in range(len(drawn)):
                difference = ImageChops.difference(
                    _pixels(drawn, index, 150), _pixels(laid_out, index, 150)
                ).getbbox()
                if difference is not None:
                    differing.append(
                        (household.household_id, household.language, index + 1, difference)
                    )
        finally:
            drawn.close()
            laid_out.close()
    return laid_out_in_full, differing, renderer, files


@pytest.fixture(scope="module")
def population_rendered(population_sample, config, encoder):
    return _drawn_and_laid_out(population_sample, config, encoder)


def test_the_populations_member_pages_are_put_together_from_bands(population_rendered):
    """Pages with member rows are put together from their bands (tests/test_banded_shapes.py),
    and those pages are among the ones compared pixel for pixel with full layouts here."""
    _laid_out_in_full, _differing, renderer, _files = population_rendered
    assert renderer.shapes_composed >= 10


def test_a_realistic_population_is_drawn_not_laid_out_in_full(population_rendered):
    """Every household of the sample is drawn by the shapes renderer: that is what fitting every
    data cell buys (42% of such notices were laid out in full before, issue 11)."""
    laid_out_in_full, _differing, _renderer, _files = population_rendered
    assert laid_out_in_full == []


def test_a_realistic_population_is_drawn_pixel_for_pixel_as_laid_out(population_rendered):
    """Every page of the sample, the Burmese household's (299) included: its codes' labels reach
    up into the codes' white margin, and are painted over it as a full layout paints them."""
    _laid_out_in_full, differing, _renderer, _files = population_rendered
    assert differing == []


def test_ghostscript_draws_the_populations_pages_as_laid_out(population_rendered, tmp_path):
    """The population's pages through a second rasteriser, not the one the test above uses:
    Ghostscript draws each sample household's drawn file (its pages put together from bands:
    a stub's form and a rows' form, drawn one after the other) as it draws its full layout, pixel
    for pixel. The samples' chunk (test_ghostscript_draws_the_drawn_pages_as_the_full_layouts)
    has few such pages; the population has every 記号 length, long names and 1-12 members."""
    _laid_out_in_full, _differing, renderer, files = population_rendered
    assert renderer.shapes_composed >= 10
    paths = {"drawn": [], "laid-out": []}
    for number, pair in enumerate(files):
        for kind, data in zip(paths, pair, strict=True):
            path = tmp_path / f"{kind}-{number:03d}.pdf"
            path.write_bytes(data)
            paths[kind].append(path)
    drawn = _ghostscript_pages(paths["drawn"], tmp_path / "drawn")
    laid_out = _ghostscript_pages(paths["laid-out"], tmp_path / "laid-out")
    assert len(drawn) == len(laid_out) >= 3 * len(files)
    differing = [
        number
        for number, (one, other) in enumerate(zip(drawn, laid_out, strict=True), 1)
        if one != other
    ]
    assert differing == []
