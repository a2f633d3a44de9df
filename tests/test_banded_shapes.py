"""Page shapes put together from bands (issue 11): the shapes renderer measures a page with member
rows as its stub (the page without its rows) and each row alone (noticegen.printing.measure:
measure_band, composed), so that the pages of households with other members share the layouts.
A shape put together so must draw what the page's shape measured whole draws: the data in the same
places, the same pixels; where that cannot be made sure, the page is measured whole."""

from __future__ import annotations

import base64
import dataclasses
import io

import numpy as np
import pikepdf
import pypdfium2
import pytest
from PIL import Image

from noticegen import batch, notice
from noticegen.printing import fontsharing, measure, pagedata, variable_print
from noticegen.printing.assembly import _plain_png

# A page like page 1: a member table with collapsed borders, a note after it in the flow, a box
# placed at the page's foot (tests/test_bands.py's page, with data runs).
_CSS = """
  @page { size: A4; margin: 0 }
  body { margin: 0; font-family: "BIZ UDGothic"; font-size: 9pt }
  .page { padding: 15mm 16.5mm }
  table { width: 177mm; border-collapse: collapse; table-layout: fixed; margin-top: 2mm }
  th, td { border: 0.3mm solid black; padding: 0.2mm 0.8mm; text-align: left; font-weight: 400;
           white-space: nowrap }
  thead th { background: #e6e6e6; font-weight: 700 }
  .line { display: block }
  .c1 { width: 60mm } .c2 { width: 40mm } .c3 { width: 77mm }
  .note { margin-top: 3mm }
  .foot { position: absolute; left: 16.5mm; bottom: 15mm; width: 100mm; border: 0.4mm solid black }
"""
_HEAD_ROW = (
    "<thead><tr><th class=c1>氏名</th><th class=c2>生年月日</th><th class=c3>番号</th></tr></thead>"
)
_ROWS = [
    (
        "<tr><th class=c1><span class=line><span class=v>{}</span></span></th>"
        "<td class=c2><span class=v>{}</span></td><td class=c3>板国 <span class=v>{}</span></td></tr>"
    ),
    (
        "<tr><th class=c1><span class=line><span class=v>{}</span></span><span class=line>"
        "<span class=v>{}</span></span></th><td class=c2>—</td>"
        "<td class=c3><span class=v>{}</span></td></tr>"
    ),
]
_DATA = [("板橋 太郎", "昭和45年3月12日", "12345678"), ("WOLFESCHLEGEL", "STEIN", "登録なし")]


def _png_uri() -> str:
    image = Image.new("L", (4, 4), 255)
    image.putpixel((1, 2), 0)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


# A row with a data image (a row's images move with it as its runs do).
_IMAGE = _png_uri()
_ROWS.append(
    "<tr><th class=c1><span class=line><span class=v>{}</span></span></th><td class=c2>"
    f'<img class="vi" src="{_IMAGE}" alt="" style="width: 3mm; height: 3mm; '
    'image-rendering: pixelated"></td><td class=c3><span class=v>{}</span></td></tr>'
)
_DATA.append(("髙橋 﨑子", "1-99"))
_IMAGES = [(), (), ((_IMAGE, None),)]


def _head(css: str = "") -> str:
    return (
        '<!DOCTYPE html>\n<html lang="ja">\n<head>\n<meta charset="utf-8">\n<title>t</title>\n'
        f"<style>{_CSS}{css}</style>\n</head>\n"
    )


def _page_markup(rows: str, extra: str = "", note: str = "ご連絡ください。") -> str:
    return (
        '<div class="page"><p>お知らせ <span class="v">板橋 花子</span></p>'
        f'<table class="members">{_HEAD_ROW}<tbody>{rows}</tbody></table>'
        f'<p class="note">{note} <span class="v">03-3579</span></p>{extra}'
        '<div class="foot">問い合わせ先</div></div>\n'
    )


def _synthetic(css: str = "", extra: str = "", rows=(0, 1)):
    """The page whole, and as its bands (pagedata.Bands), with the member rows `rows`."""
    head = _head(css)
    filled = [_ROWS[row].format(*_DATA[row]) for row in rows]
    texts = [text for row in rows for text in _DATA[row]]
    whole = pagedata.PageData(
        f"whole{css}{extra}{rows}",
        head,
        _page_markup("".join(filled), extra),
        ("板橋 花子", *texts, "03-3579"),
        tuple(image for row in rows for image in _IMAGES[row]),
    )
    stub = pagedata.PageData(
        f"stub{css}{extra}", head, _page_markup("", extra), ("板橋 花子", "03-3579"), ()
    )
    row_pages = tuple(
        pagedata.PageData(
            f"row{css}{row}",
            head,
            f'<div class="page"><table class="members"><tbody>{markup}</tbody></table></div>',
            _DATA[row],
            _IMAGES[row],
        )
        for row, markup in zip(rows, filled, strict=True)
    )
    return whole, pagedata.Bands(stub, row_pages, 1, 0, "table", "members", True)


# Member cards: a table each, apart, after a caption; margins that collapse between them.
_CARD = (
    '<table class="card"><caption>{}</caption><tbody><tr><th>氏名</th><td>'
    '<span class="v">{}</span></td></tr><tr><th>番号</th><td><span class="v">{}</span></td></tr>'
    "</tbody></table>"
)
_CARDS_CSS = (
    ".card { width: 100%; border-collapse: collapse; margin-top: 2mm; margin-bottom: 1mm }"
    " .card th, .card td { border: 0.3mm solid black } .caption { margin-bottom: 3mm }"
    " .note { margin-top: 1.5mm }"
)
_CARD_DATA = [("Member 1", "TAYLOR, JOHN", "1234"), ("Member 2", "LÊ VĂN AN", "登録なし")]


def _card_page(cards: str) -> str:
    return (
        '<div class="page"><p>Notice <span class="v">板橋 花子</span></p>'
        f'<p class="caption">Members</p>{cards}'
        '<p class="note">Call us. <span class="v">03-3579</span></p>'
        f'<div class="foot">問い合わせ先</div></div>\n'
    )


def _synthetic_cards(css: str = ""):
    head = _head(_CARDS_CSS + css)
    cards = [_CARD.format(*data) for data in _CARD_DATA]
    texts = [text for _caption, *data in _CARD_DATA for text in data]
    whole = pagedata.PageData(
        "cards whole" + css, head, _card_page("".join(cards)), ("板橋 花子", *texts, "03-3579"), ()
    )
    stub = pagedata.PageData("cards stub" + css, head, _card_page(""), ("板橋 花子", "03-3579"), ())
    row_pages = tuple(
        pagedata.PageData(
            f"card{css}{number}", head, f'<div class="page">{card}</div>', tuple(data[1:]), ()
        )
        for number, (card, data) in enumerate(zip(cards, _CARD_DATA, strict=True))
    )
    bands = pagedata.Bands(stub, row_pages, 1, 0, "p", "caption", False, ("table", "card"))
    return whole, bands


def test_member_cards_put_together_from_bands_are_the_page_measured_whole():
    """Blocks (a table each) put in after the caption, each where the margins between them
    collapse, the note after them moved down: the places and the pixels of the page measured
    whole."""
    whole_page, page_bands = _synthetic_cards()
    composed, whole = _composed(page_bands), measure.measure(whole_page)
    _same_places(composed, whole)
    _same_pixels(_drawn(composed, whole_page), _drawn(whole, whole_page))


@pytest.mark.parametrize(
    ("css", "reason"),
    [
        # A negative margin does not collapse as the larger of the two.
        (".card { margin-top: -1mm }", "margins"),
        # The caption inside a box with what follows it outside that box: the cards would move
        # that otherwise than by their heights.
        ("", "nested"),
    ],
)
def test_blocks_whose_margins_or_flow_do_not_simply_stack_are_not_put_together(css, reason):
    _whole, page_bands = _synthetic_cards(css)
    if reason == "nested":

        def nested(page):
            markup = page.markup.replace('<p class="caption">', '<div><p class="caption">')
            markup = markup.replace('<p class="note">', '</div><p class="note">')
            return dataclasses.replace(page, markup=markup)

        page_bands = dataclasses.replace(page_bands, stub=nested(page_bands.stub))
    with pytest.raises(measure.NotDrawable, match=reason):
        _composed(page_bands)


def _composed(page_bands: pagedata.Bands) -> measure.Shape:
    anchor = (page_bands.anchor_tag, page_bands.anchor_class)
    stub = measure.measure_band(page_bands.stub, anchor, stub=True)
    rows = [measure.measure_band(row, page_bands.block) for row in page_bands.rows]
    return measure.composed(stub, rows, page_bands.texts_before, page_bands.images_before)


def _same_places(composed: measure.Shape, whole: measure.Shape) -> None:
    """The data goes where the whole page's layout puts it: every run on the same line, from the
    same start, on the same baseline (within a millionth of a pixel); every image."""
    assert composed.fonts == whole.fonts and composed.style_keys == whole.style_keys
    assert len(composed.lines) == len(whole.lines)
    for ours, theirs in zip(composed.lines, whole.lines, strict=True):
        assert dataclasses.replace(ours, baselines=()) == dataclasses.replace(theirs, baselines=())
        assert np.allclose(ours.baselines, theirs.baselines, rtol=0, atol=1e-6)
    assert np.allclose(composed.images, whole.images, rtol=0, atol=1e-6) or (
        composed.images == whole.images == ()
    )


def _drawn(shape: measure.Shape, page: pagedata.PageData) -> bytes:
    """The page drawn from `shape` as the renderer draws it, in a chunk file of its own."""
    chunk = variable_print.ChunkFile("t")
    runs = [
        measure._shape_text(text, style)
        for text, style in zip(page.texts, shape.styles, strict=True)
    ]
    pictures = [_plain_png(uri) for uri, _size in page.images]
    chunk.add_drawn_page((page.shape, shape.fonts), shape, runs, page, pictures)
    return chunk.finish()


def _grey(pdf: bytes, dpi: int) -> np.ndarray:
    document = pypdfium2.PdfDocument(pdf)
    try:
        return np.asarray(document[0].render(scale=dpi / 72, grayscale=True).to_pil())
    finally:
        document.close()


def _same_pixels(ours: bytes, theirs: bytes) -> None:
    for dpi in (150, 300):
        assert np.array_equal(_grey(ours, dpi), _grey(theirs, dpi)), dpi


def test_a_synthetic_page_put_together_from_bands_is_the_page_measured_whole():
    """Rows with data runs on one and two lines and a data image, the note after them (with a
    run) moved down by the rows' height, the data numbered in the page's order: the places and
    the pixels of the page measured whole."""
    whole_page, page_bands = _synthetic(rows=(0, 2, 1))
    composed, whole = _composed(page_bands), measure.measure(whole_page)
    _same_places(composed, whole)
    assert [line.runs for line in composed.lines] == [(number,) for number in range(10)]
    assert len(composed.images) == 1
    note = composed.lines[-1]
    assert note.baselines[0] > max(line.baselines[0] for line in composed.lines[:-1])
    _same_pixels(_drawn(composed, whole_page), _drawn(whole, whole_page))


def test_the_fonts_of_the_rows_are_one_font_holding_the_glyphs_of_all():
    """The rows' glyphs join in one font (widths and text), in the rows' form itself too: a chunk
    file that keeps the form's own subset cuts it from the form's widths. The stub's form keeps
    the stub's fonts as they were."""
    _whole, page_bands = _synthetic()
    stub = measure.measure_band(page_bands.stub, ("table", "members"), stub=True)
    rows = [measure.measure_band(row) for row in page_bands.rows]
    composed = measure.composed(stub, rows, 1, 0)
    held = composed.embedded_fonts()
    for row in rows:
        for name, (widths, text) in row.embedded_fonts().items():
            assert widths.items() <= held[name][0].items()
            assert text.items() <= held[name][1].items()
    written = fontsharing.embedded_fonts(composed.form.Resources.Font)
    assert written == held
    assert any(
        len(held[name][0]) > len(rows[0].embedded_fonts().get(name, ({}, {}))[0]) for name in held
    )
    stub_fonts = fontsharing.embedded_fonts(composed.stub_form.form.Resources.Font)
    assert stub_fonts == stub.embedded_fonts() == composed.stub_form.embedded_fonts()


def test_pages_of_one_stub_whose_rows_are_as_high_share_its_form_in_a_chunk_file():
    """A page put together draws two forms: the stub as moved, the same for the pages of one
    stub whose rows are as high (here the same rows in another order), which a chunk file holds
    once, then the rows. Rows of another height move the stub otherwise: a form of its own."""
    pages = {rows: _synthetic(rows=rows) for rows in [(0, 1), (1, 0), (0, 2, 1)]}
    shapes = {rows: _composed(page_bands) for rows, (_whole, page_bands) in pages.items()}
    keys = {rows: shape.stub_form_key for rows, shape in shapes.items()}
    assert keys[(0, 1)] == keys[(1, 0)] != keys[(0, 2, 1)]
    chunk = variable_print.ChunkFile("t")
    for rows, (whole_page, _bands) in pages.items():
        shape = shapes[rows]
        runs = [
            measure._shape_text(text, style)
            for text, style in zip(whole_page.texts, shape.styles, strict=True)
        ]
        pictures = [_plain_png(uri) for uri, _size in whole_page.images]
        chunk.add_drawn_page((whole_page.shape, shape.fonts), shape, runs, whole_page, pictures)
    with pikepdf.open(io.BytesIO(chunk.finish())) as pdf:
        drawn = [page.obj.Resources.XObject for page in pdf.pages]
        stubs = [xobjects.B.objgen for xobjects in drawn]
        assert stubs[0] == stubs[1] != stubs[2]
        assert len({xobjects.S.objgen for xobjects in drawn}) == 3
        assert all(b"q /B Do Q\nq /S Do Q" in page.Contents.read_bytes() for page in pdf.pages)
    for rows, (whole_page, _bands) in pages.items():
        whole = measure.measure(whole_page)
        _same_pixels(_drawn(shapes[rows], whole_page), _drawn(whole, whole_page))


@pytest.mark.parametrize("other", ["row", "stub"])
def test_a_glyph_of_two_widths_in_the_bands_is_not_put_together(other):
    """Two rows alike hold one font of each name in the rows' form: a glyph of two widths there
    is refused. The stub's form holds its own, but a whole layout would place the glyphs of one
    of the widths otherwise (see the next test): refused too."""
    # One row alone: its glyphs can only meet the stub's.
    _whole, page_bands = _synthetic(rows=(0, 0) if other == "row" else (0,))
    stub = measure.measure_band(page_bands.stub, ("table", "members"), stub=True)
    rows = [measure.measure_band(row) for row in page_bands.rows]
    fonts = (rows[-1] if other == "row" else stub).embedded_fonts()
    name, glyph = next(
        (name, glyph)
        for name, (widths, _text) in rows[0].embedded_fonts().items()
        for glyph in widths
        if glyph in fonts.get(name, ({}, {}))[0]
    )
    widths, text = rows[0].embedded_fonts()[name]
    rows[0]._embedded_fonts = {name: ({**widths, glyph: widths[glyph] + 7}, text)}
    with pytest.raises(measure.NotDrawable, match="two widths"):
        measure.composed(stub, rows, 1, 0)


def test_a_font_at_two_sizes_in_the_stub_and_a_row_is_not_put_together():
    """One font at 10.1 pt in a row and the stub's size in its note: the space glyph is 333
    thousandths of an em wide in the stub and 334 in the row. A whole layout places the row's by
    offsets from the stub's width; drawn from two forms, each with its own, 289 pixels differed at
    300 dpi. Such a page is measured whole."""
    letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    head = _head(' body { font-family: "BIZ UDPGothic" } .c3 { font-size: 10.1pt } ')
    row = (
        "<tr><th class=c1><span class=line><span class=v>{}</span></span></th>"
        "<td class=c2><span class=v>{}</span></td>"
        "<td class=c3>abc def ghi jkl mno <span class=v>{}</span></td></tr>"
    ).format(*_DATA[0])
    stub = pagedata.PageData(
        "s", head, _page_markup("", note=f"Note {letters}"), ("板橋 花子", "03-3579"), ()
    )
    row_page = pagedata.PageData(
        "r",
        head,
        f'<div class="page"><table class="members"><tbody>{row}</tbody></table></div>',
        _DATA[0],
        (),
    )
    with pytest.raises(measure.NotDrawable, match="two widths"):
        _composed(pagedata.Bands(stub, (row_page,), 1, 0, "table", "members", True))


def test_rows_that_would_push_the_notes_off_the_page_are_not_put_together():
    """A whole layout would break such a page in two (measure refuses it): put together, the
    note would be drawn below the page's end."""
    _whole, page_bands = _synthetic()
    stub = measure.measure_band(page_bands.stub, ("table", "members"), stub=True)
    rows = [measure.measure_band(row) for row in page_bands.rows]
    measure.composed(stub, rows, 1, 0)  # with the room the page has
    height = sum(row.height for row in map(_row_band, rows))
    tight = dataclasses.replace(stub.flow_after, room=height)
    with pytest.raises(measure.NotDrawable, match="off the page"):
        measure.composed(dataclasses.replace(stub, flow_after=tight), rows, 1, 0)


def test_a_page_the_rows_would_not_fit_is_not_put_together():
    """Pushed down the page: where the whole layout breaks the page in two, the bands are not put
    together either; where the notes would end within the page's last half pixel or below, the
    rows are refused (the room is counted with the boxes' paddings around them)."""
    breaking = _synthetic(".page { padding-top: 270mm }")
    with pytest.raises(measure.NotDrawable, match="one page"):
        measure.measure(breaking[0])
    with pytest.raises(measure.NotDrawable):
        _composed(breaking[1])
    with pytest.raises(measure.NotDrawable, match="off the page"):
        _composed(_synthetic(".page { padding-top: 250mm }")[1])
    _composed(_synthetic(".page { padding-top: 240mm }")[1])  # room enough


def _row_band(shape: measure.Shape):
    from noticegen.printing import bands

    return bands.row_band(bands.page_content(shape.template_pdf))


@pytest.mark.parametrize(
    ("css", "extra", "reason"),
    [
        # A box placed over the note: it would move with the note if the page were put together.
        ("", '<div style="position: absolute; top: 0; left: 0; width: 5mm; height: 297mm">x</div>',
         "reaches into"),
        # The page's box strokes a border: its bottom would move down with the rows.
        (".page { border: 1px solid black }", "", "paints"),
        (".note { float: left; width: 100mm }", "", "float"),
        # A border outside the note's padding box would stay behind when the note moves.
        (".note { border-top: 0.6mm solid black }", "", "border of its own"),
        # What the table holds after the rows would stay where the rows go.
        ("caption { caption-side: bottom }", "<!--caption-->", "caption below"),
        ("", "<!--tfoot-->", "besides its head"),
    ],
)  # fmt: skip
def test_a_stub_whose_flow_after_the_table_cannot_just_move_is_measured_whole(css, extra, reason):
    _whole, page_bands = _synthetic(css, "" if extra.startswith("<!--") else extra)
    if extra == "<!--caption-->":
        page_bands = _with_stub_markup(
            page_bands, '<table class="members">', "<caption>注</caption>"
        )
    elif extra == "<!--tfoot-->":
        page_bands = _with_stub_markup(
            page_bands, "<tbody>", "<tfoot><tr><td colspan=3>計</td></tr></tfoot>", before=True
        )
    with pytest.raises(measure.NotDrawable, match=reason):
        measure.measure_band(page_bands.stub, ("table", "members"), stub=True)


def _with_stub_markup(page_bands, at: str, markup: str, before: bool = False):
    stub = page_bands.stub
    new = markup + at if before else at + markup
    return dataclasses.replace(
        page_bands, stub=dataclasses.replace(stub, markup=stub.markup.replace(at, new, 1))
    )


def test_a_last_row_whose_bottom_border_is_not_the_head_rows_is_not_put_together():
    """With collapsed borders, the table's bottom border is drawn half inside it: a last row
    whose bottom border is wider than the head row's makes the table taller than the rows."""
    css = "thead th { border-bottom: 1mm solid black } tbody th, tbody td { border-top: 1mm solid black }"
    for rows in ((0,), (0, 1)):
        with pytest.raises(measure.NotDrawable, match="border"):
            _composed(_synthetic(css, rows=rows)[1])


@pytest.fixture(scope="module")
def pages_with_rows(sample_households, config, encoder):
    """Page 1 of the Japanese part of the sample households with two or more member rows."""
    found = []
    for seq, household in enumerate(sample_households, start=1):
        parts = notice.make_all(household, config, encoder)
        total = sum(part.page_count for part in parts)
        part = dataclasses.replace(
            parts[0], print_marks=batch._print_marks(parts[0], seq, total, config.press)
        )
        page = pagedata.pages(part)[0]
        if page.bands is not None and len(page.bands.rows) >= 2:
            found.append(page)
    assert len(found) >= 3
    return found[:4]


def test_the_notices_page_1_put_together_from_bands_is_the_page_measured_whole(pages_with_rows):
    """On the notice's own page 1: the data's places, and the page drawn, pixel for pixel at 150
    and 300 dpi."""
    for page in pages_with_rows:
        composed, whole = _composed(page.bands), measure.measure(page)
        _same_places(composed, whole)
        _same_pixels(_drawn(composed, page), _drawn(whole, page))


def test_the_renderer_puts_page_1_together_and_lays_out_each_band_once(pages_with_rows):
    """The stub and each distinct row are laid out once, whatever pages they are on: the pages
    with rows are put together, none measured whole."""
    renderer = variable_print.Renderer()
    for page in pages_with_rows:
        renderer._plan(page)
    stubs = {page.bands.stub.shape for page in pages_with_rows}
    rows = {row.shape for page in pages_with_rows for row in page.bands.rows}
    assert renderer.shapes_composed == len({page.shape for page in pages_with_rows})
    assert renderer.shapes_measured == 0
    assert renderer.bands_measured == len(stubs) + len(rows)
