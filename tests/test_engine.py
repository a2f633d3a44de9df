"""The contract of noticegen.printing.engine, the one adapter to WeasyPrint and pydyf: what it
asks of their internals, by name and by keyword, and what it gives back. A WeasyPrint upgrade is
checked here first."""

from __future__ import annotations

import dataclasses
import hashlib
import inspect
import io
import pickle

import pikepdf
import pytest

from noticegen import fonts
from noticegen.printing import engine, render

_PAGE = (
    '<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"><style>'
    '@page { size: A4; margin: 0 } body { margin: 0; font-family: "BIZ UDPGothic" }'
    "p { width: 80mm; margin: 10mm; font-size: 12pt }</style></head>"
    "<body><p>国民健康保険 <span>山田 太郎</span></p></body></html>"
)


def test_another_weasyprint_is_refused_naming_the_supported_one(monkeypatch):
    monkeypatch.setattr(engine.importlib.metadata, "version", lambda _name: "71.0")
    with pytest.raises(engine.UnsupportedWeasyPrintError) as refused:
        engine._check_version()
    message = str(refused.value)
    assert "WeasyPrint 70.0" in message and "71.0 is installed" in message
    assert "pyproject.toml" in message


def test_the_internals_engine_calls_by_keyword_take_those_keywords():
    engine.load()
    import pydyf
    from weasyprint.draw.text import draw_first_line
    from weasyprint.pdf.stream import Stream
    from weasyprint.text.fonts import get_pango_font_key
    from weasyprint.text.line_break import Layout, line_size

    expected = {
        Layout.__init__: {"style"},
        line_size: {"line", "style"},
        get_pango_font_key: {"pango_font"},
        Stream.__init__: {
            "fonts",
            "page_rectangle",
            "resources",
            "images",
            "tags",
            "color_profiles",
            "output_intent",
        },
        draw_first_line: {"stream", "textbox", "text_overflow", "block_ellipsis", "matrix"},
        pydyf.Stream.begin_marked_content: {"tag", "property_list"},
    }
    for function, names in expected.items():
        assert names <= set(inspect.signature(function).parameters), function.__qualname__


def _laid_out():
    return engine.lay_out(_PAGE, base_url=".", pdf_variant=None)


def test_boxes_shaped_text_and_drawn_text_agree_with_the_layout():
    document = _laid_out()
    found = []

    def walk(box):
        kinds = engine.box_kinds(box)
        if kinds.placeholder:
            box = engine.placed_box(box)
            kinds = engine.box_kinds(box)
        if kinds.text:
            found.append(box)
        for child in engine.children(box):
            walk(child)

    walk(engine.page_box(document, 0))
    name = next(box for box in found if box.text == "山田 太郎")
    style = engine.detached_style(name.style)
    shaped = engine.shape_text("山田 太郎", style)
    assert shaped.one_line and shaped.fonts
    assert shaped.width == pytest.approx(name.width, abs=1e-6)
    # A style survives pickling as its values, with this process's font configuration.
    restored = engine.restored_style(pickle.loads(pickle.dumps(engine.style_values(style))))
    assert engine.shape_text("山田 太郎", restored).width == shaped.width
    # Its key (the shapes renderer keeps shaped runs by it) is the same for the copy, and
    # another for a style that sets text otherwise, whatever value differs.
    assert engine.style_key(restored) == engine.style_key(style)
    for name_, value in (("font_size", style["font_size"] + 1), ("font_weight", 700)):
        changed = engine.restored_style(engine.style_values(style) | {name_: value})
        assert engine.style_key(changed) != engine.style_key(style)

    used: dict = {}
    states: dict = {"ExtGState": {}}
    operators = engine.draw_text(
        used, states, [engine.Placed("山田 太郎", style, shaped.layout, 10.0, 20.0)]
    )
    (font,) = used.values()
    use = engine.font_use(font)
    assert f"/{use.name} ".encode() in operators and b"TJ" in operators
    assert set(use.text.values()) >= {"山", "田", "太", "郎"}
    assert set(use.widths) >= set(use.text)
    assert use.vector and not use.notdef
    assert use.descriptor["FontName"].endswith("BIZ-UDPGothic")


def test_a_written_documents_fonts_come_from_the_project_files():
    document = _laid_out()
    document.write_pdf()
    uses = engine.document_font_uses(document)
    assert uses
    files = {
        hashlib.sha256(path.read_bytes()).hexdigest()
        for path in fonts.FONT_DIR.iterdir()
        if path.is_file()
    }
    for use in uses:
        assert hashlib.sha256(engine.font_file(use)).hexdigest() in files
        assert use.widths and use.text


def test_the_marked_content_hook_is_installed_once_and_carries_each_runs_language():
    import io

    import pikepdf

    render.ready()
    render.ready()  # again: changes nothing
    data = render.pdf_from_html(_PAGE.replace("<span>", '<span lang="en">'))
    with pikepdf.open(io.BytesIO(data)) as pdf:
        languages = [
            str(operands[1].Lang)
            for operands, _operator in pikepdf.parse_content_stream(pdf.pages[0], "BDC")
            if len(operands) > 1 and "/Lang" in operands[1]
        ]
    assert "ja" in languages and "en" in languages


def test_versions_name_what_a_layout_depends_on():
    found = engine.versions()
    assert found["weasyprint"] == engine.VERSION
    assert set(found) == {"weasyprint", "pydyf", "pango"}


def test_the_canvas_background_is_lifted_off_a_page_and_filled_as_weasyprint_fills_it():
    """The shapes renderer paints the canvas background itself, under the data images."""
    page = _PAGE.replace("<style>", "<style>html { background: device-cmyk(0 0 0 0.2) }")
    document = engine.lay_out(page, base_url=".", pdf_variant=None)
    color, area = engine.lift_canvas_background(engine.page_box(document, 0))
    assert area == (0, 0, pytest.approx(793.700787), pytest.approx(1122.519685))
    assert b"0 0 0 0.2 scn" not in _contents(document.write_pdf())
    states = {"ExtGState": {}}
    assert b"0 0 0 0.2 scn" in engine.draw_fill(states, color, area)
    assert engine.lift_canvas_background(engine.page_box(_laid_out(), 0)) is None
    framed = _PAGE.replace("<style>", "<style>@page { background: #eee }")
    with pytest.raises(ValueError, match="page box"):
        engine.lift_canvas_background(
            engine.page_box(engine.lay_out(framed, base_url=".", pdf_variant=None), 0)
        )


def _contents(pdf: bytes) -> bytes:
    with pikepdf.open(io.BytesIO(pdf)) as document:
        return document.pages[0].Contents.read_bytes()


# ---------------------------------------------------------------------------------------------
# Parsed stylesheets, kept


def _style_page(rules: str, body: str = "<p>国民健康保険</p>") -> str:
    return (
        '<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8">'
        f"<style>{rules}</style></head><body>{body}</body></html>"
    )


@pytest.fixture
def no_stylesheets_kept():
    engine.forget_stylesheets()
    yield
    engine.forget_stylesheets()


def _first_box(document, tag: str):
    def walk(box):
        if engine.element_tag(box) == tag:
            return box
        for child in engine.children(box):
            found = walk(child)
            if found is not None:
                return found
        return None

    return walk(engine.page_box(document, 0))


def test_a_documents_stylesheet_is_parsed_once_and_kept(no_stylesheets_kept):
    narrow = _style_page("@page { size: A5; margin: 0 } p { width: 40mm; margin: 0 }")
    wide = narrow.replace("40mm", "60mm")
    first = engine.lay_out(narrow, base_url=".", pdf_variant=None)
    again = engine.lay_out(narrow, base_url=".", pdf_variant=None)
    assert (engine.stylesheet_statistics.parsed, engine.stylesheet_statistics.reused) == (1, 1)
    other = engine.lay_out(wide, base_url=".", pdf_variant=None)
    assert (engine.stylesheet_statistics.parsed, engine.stylesheet_statistics.reused) == (2, 1)
    assert engine.kept_stylesheets() == 2
    widths = [engine.geometry(_first_box(d, "p")).width for d in (first, again, other)]
    assert widths == [pytest.approx(40 * 96 / 25.4), widths[0], pytest.approx(60 * 96 / 25.4)]
    # The kept sheet's @page rules apply to each document laid out with it.
    assert engine.geometry(engine.page_box(again, 0)).width == pytest.approx(148 * 96 / 25.4)
    # Another base URL is another stylesheet (its url() are resolved against it).
    engine.lay_out(narrow, base_url="/", pdf_variant=None)
    assert engine.stylesheet_statistics.parsed == 3


def test_kept_stylesheets_are_bounded_least_recently_used_first(no_stylesheets_kept, monkeypatch):
    monkeypatch.setattr(engine._kept_stylesheets, "size", 2)
    pages = [_style_page(f"p {{ width: {width}mm }}") for width in (10, 20, 30)]
    for page in (pages[0], pages[1], pages[0], pages[2]):  # pages[1] is then the oldest used
        engine.lay_out(page, base_url=".", pdf_variant=None)
    assert engine.kept_stylesheets() == 2
    assert engine.stylesheet_statistics.parsed == 3
    engine.lay_out(pages[0], base_url=".", pdf_variant=None)
    assert engine.stylesheet_statistics.parsed == 3
    engine.lay_out(pages[1], base_url=".", pdf_variant=None)
    assert engine.stylesheet_statistics.parsed == 4


def test_a_kept_stylesheet_lays_out_as_weasyprint_parsing_it_does(no_stylesheets_kept, monkeypatch):
    """Same PDF bytes, tagged too; still an author stylesheet (a style attribute's !important
    beats its !important, which a user stylesheet's would not); @counter-style rules given again
    to each document."""
    page = _style_page(
        '@page { size: A6; margin: 5mm } body { font-family: "BIZ UDPGothic" }'
        "@counter-style kana { system: cyclic; symbols: イ ロ ハ; suffix: ' ' }"
        "ol { list-style: kana } li { color: blue !important }",
        '<ol><li style="color: red !important">国民</li><li>健康</li><li>保険</li></ol>',
    )

    def pdfs():
        laid = [engine.lay_out(page, base_url=".", pdf_variant=None) for _ in range(2)]
        tagged = engine.lay_out(page, base_url=".", pdf_variant="pdf/ua-1")
        first = _first_box(laid[1], "li")
        return [d.write_pdf() for d in laid] + [tagged.write_pdf(pdf_identifier=b"x")], first

    kept, first_item = pdfs()
    assert engine.stylesheet_statistics.reused == 2
    # The style attribute's red: its !important beats the author sheet's by specificity.
    assert str(engine.style_value(first_item, "color")) == "color(srgb 1.0 0.0 0.0 / 1.0)"
    monkeypatch.setattr(engine, "_keepable", lambda _elements: False)
    parsed, _ = pdfs()
    assert engine.stylesheet_statistics.not_kept == 3
    # Byte for byte, markers included (イ ロ ハ from the @counter-style: without it, 1. 2. 3.).
    assert kept == parsed


def test_documents_of_several_stylesheets_are_left_to_weasyprint(no_stylesheets_kept):
    page = _style_page("p { width: 40mm }").replace(
        "</head>", "<style>p { width: 50mm }</style></head>"
    )
    document = engine.lay_out(page, base_url=".", pdf_variant=None)
    assert engine.stylesheet_statistics.not_kept == 1 and engine.kept_stylesheets() == 0
    assert engine.geometry(_first_box(document, "p")).width == pytest.approx(50 * 96 / 25.4)


# ---------------------------------------------------------------------------------------------
# Box accessors (the shapes renderer's measuring, bench/fast_renderer.py's diagnosis)


def test_box_accessors_give_the_layouts_geometry_style_and_element():
    page = _PAGE.replace("<span>", '<span class="v">').replace(
        "p { width: 80mm;", "p { padding: 2mm; text-align: right; width: 80mm;"
    )
    document = engine.lay_out(page, base_url=".", pdf_variant=None)
    paragraph = _first_box(document, "p")
    mm = 96 / 25.4
    block = engine.geometry(paragraph)
    assert (block.x, block.y) == (pytest.approx(0), pytest.approx(0))
    assert block.content_x == pytest.approx(12 * mm) and block.padding_x == pytest.approx(10 * mm)
    assert block.width == pytest.approx(80 * mm) and block.padding_width == pytest.approx(84 * mm)
    assert block.padding_height == pytest.approx(block.height + 4 * mm)
    assert block.margin_width == pytest.approx(104 * mm)
    assert block.margin_height == pytest.approx(block.padding_height + 20 * mm)
    assert block.baseline is None
    assert engine.style_value(paragraph, "text_align_all") == "right"
    assert engine.style_value(paragraph, "width") != "auto"
    assert engine.element_class(paragraph) is None and engine.element_tag(paragraph) == "p"
    assert engine.box_tag(paragraph) == "p"

    texts = []

    def walk(box):
        if engine.box_kinds(box).text:
            texts.append(box)
        for child in engine.children(box):
            walk(child)

    walk(paragraph)
    name = next(box for box in texts if engine.text_of_text_box(box) == "山田 太郎")
    static = next(box for box in texts if box is not name)
    assert engine.element_class(name) == "v" and engine.element_class(static) is None
    assert engine.element_id(name) != engine.element_id(static)
    assert engine.element_id(static) == engine.element_id(paragraph)  # its anonymous text
    where = engine.geometry(name)
    shaped = engine.shape_text("山田 太郎", engine.detached_style(engine.style_of(name)))
    assert where.width == pytest.approx(shaped.width, abs=1e-6)
    # Right-aligned: the name ends at the content box's end; its baseline is inside the line.
    assert where.x + where.width == pytest.approx(block.content_x + block.width, abs=1e-3)
    assert 0 < where.baseline < where.height + 1
    assert engine.text_of_text_box(paragraph) is None
    inside = list(engine.descendants(paragraph))
    assert inside[0] is paragraph and name in inside and static in inside
    with pytest.raises(dataclasses.FrozenInstanceError):
        where.x = 0.0


# ---------------------------------------------------------------------------------------------
# Writing a form whose font programs fontsharing cuts


def _programs(data: bytes) -> list[tuple[str, bytes]]:
    """Each embedded font program of a PDF: its kind (/FontFile2, /FontFile3) and its bytes."""
    found = []
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for candidate in pdf.objects:
            if isinstance(candidate, pikepdf.Dictionary) and candidate.get("/Type") == (
                "/FontDescriptor"
            ):
                for kind in ("/FontFile2", "/FontFile3"):
                    if kind in candidate:
                        found.append((kind, candidate[kind].read_bytes()))
    return sorted(found)


def test_a_pdf_written_leaving_programs_uncut_differs_only_in_the_programs_left():
    page = _PAGE.replace("国民健康保険", "国民健康保険 Notice 통지")  # TrueType and CFF faces
    write = engine.write_pdf_leaving_programs_uncut
    cut = engine.lay_out(page, base_url=".", pdf_variant=None).write_pdf()
    none_left = write(engine.lay_out(page, base_url=".", pdf_variant=None), lambda _use: False)
    assert none_left == cut  # WeasyPrint's own writing, byte for byte
    left = []
    uncut = write(
        engine.lay_out(page, base_url=".", pdf_variant=None), lambda use: left.append(use) or True
    )
    assert len(left) >= 2 and all(use.vector for use in left)
    programs, placeholders = _programs(cut), _programs(uncut)
    assert len(programs) == len(placeholders) == len(left)
    assert any(program[:4] == b"OTTO" for _kind, program in programs)  # the CFF face (a .ttc)
    for (kind, program), (placeholder_kind, placeholder) in zip(
        programs, placeholders, strict=True
    ):
        assert not engine.is_uncut_program(program) and engine.is_uncut_program(placeholder)
        # WeasyPrint's choice of FontFile2 or FontFile3 (and of CIDFontType) follows the subset's.
        assert kind == placeholder_kind and placeholder[:4] == program[:4]


def test_font_files_read_when_used_write_the_same_pdfs(monkeypatch):
    """WeasyPrint's own writing (its subsets, tagged or not) is unchanged by fonts reading their
    files only when used: the same bytes as with WeasyPrint copying each file when it meets it."""
    engine.load()
    import weasyprint.pdf.fonts
    import weasyprint.text.fonts

    page = _PAGE.replace("国民健康保険", "国民健康保険 Notice 통지")

    def written():
        return [
            engine.lay_out(page, base_url=".", pdf_variant=variant).write_pdf()
            for variant in (None, "pdf/ua-1")
        ]

    read_when_used = written()
    copying = weasyprint.text.fonts.get_hb_object_data  # WeasyPrint's: the file, when met
    monkeypatch.setattr(weasyprint.pdf.fonts, "get_hb_object_data", copying)
    assert written() == read_when_used


def test_numbers_are_printed_in_full_only_in_the_block_and_its_thread():
    """engine.numbers_in_full: a page written in the block prints its non-integer numbers with
    twelve decimals, the same page outside it as pydyf prints them (six, trailing zeros dropped),
    and a page written meanwhile in another thread is not touched."""
    import re
    import threading

    markup = (
        "<html><head><style>@page { size: A4; margin: 0 } body { margin: 0 }"
        " div { margin: 3.3mm 0 0 7.7mm; width: 11.1mm; height: 5.5mm; border: 0.3mm solid }"
        "</style></head><body><div></div></body></html>"
    )

    def content() -> str:
        data = engine.lay_out(markup, "/", None).write_pdf()
        with pikepdf.open(io.BytesIO(data)) as pdf:
            return pdf.pages[0].Contents.read_bytes().decode("latin-1")

    def decimals(text: str) -> set[int]:
        """The decimals of each number (a whole operand) that has some."""
        return {
            len(found.group(1))
            for part in text.split()
            if (found := re.fullmatch(r"-?\d+\.(\d+)", part))
        }

    plain = content()
    assert max(decimals(plain)) <= 6
    in_thread: list[str] = []
    with engine.numbers_in_full():
        full = content()
        other = threading.Thread(target=lambda: in_thread.append(content()))
        other.start()
        other.join()
    assert decimals(full) == {engine.FULL_PRECISION_DECIMALS}
    assert in_thread == [plain] and content() == plain
    # The same operators, and each number in full printed back as pydyf prints it is pydyf's.
    plain_lines, full_lines = plain.split("\n"), full.split("\n")
    assert len(plain_lines) == len(full_lines)
    for plain_line, full_line in zip(plain_lines, full_lines, strict=True):
        reprinted = " ".join(
            engine.pdf_number(float(part)) if re.fullmatch(r"-?\d+\.\d+", part) else part
            for part in full_line.split(" ")
        )
        assert reprinted == plain_line
    assert engine.pdf_number(2.0) == "2" and engine.pdf_number(0.75) == "0.75"
