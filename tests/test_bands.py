"""noticegen.printing.bands: a page put together from separately laid-out bands draws as WeasyPrint
draws the whole page (issue 11's band design; bench/page_bands.py tries the notice's own page 1)."""

from __future__ import annotations

import numpy as np
import pypdfium2
import pytest

from noticegen.printing import bands, engine

SPACER_MM = 10.0
MM_TO_PX = 96 / 25.4

# A page like the notice's page 1: text above a member table of fixed layout with collapsed
# borders and a grey head row, notes after it in the flow, and a box placed at the page's foot.
_CSS = """
  @page { size: A4; margin: 0 }
  body { margin: 0; font-family: "BIZ UDGothic", "Noto Sans"; font-size: 9pt }
  .page { padding: 15mm 16.5mm }
  table { width: 177mm; border-collapse: collapse; table-layout: fixed; margin-top: 2mm }
  th, td { border: 0.3mm solid black; padding: 0.2mm 0.8mm; text-align: left; font-weight: 400;
           white-space: nowrap; vertical-align: middle }
  thead th { background: #e6e6e6; font-weight: 700; line-height: 1.2 }
  tbody { line-height: 1.15 }
  .line { display: block }
  .kana { font-size: 6.5pt }
  .c1 { width: 60mm } .c2 { width: 40mm } .c3 { width: 70mm }
  .note { margin-top: 3mm }
  .foot { position: absolute; left: 16.5mm; bottom: 15mm; width: 100mm; border: 0.4mm solid black;
          padding: 2mm }
"""
_HEAD = (
    "<thead><tr><th class=c1>氏名</th><th class=c2>生年月日</th><th class=c3>番号</th></tr></thead>"
)
_ROWS = [
    "<tr><th class=c1><span class='line kana'>イタバシ タロウ</span><span class=line>板橋 太郎</span>"
    "</th><td class=c2>昭和45年3月12日</td><td class=c3>板国 12345678-01</td></tr>",
    "<tr><th class=c1><span class=line>WOLFESCHLEGELSTEIN</span></th><td class=c2>"
    "<span class=line>令和2年</span><span class=line>12月31日</span></td><td class=c3>登録なし</td></tr>",
    "<tr><th class=c1><span class=line>髙橋 﨑子</span></th><td class=c2>平成元年1月1日</td>"
    "<td class=c3><span class=line>板橋国保</span><span class=line>1-99</span></td></tr>",
]


def _page(
    head: str, rows: list[str], spacer_mm: float = 0.0, before: bool = True, css: str = ""
) -> str:
    body = f"<tbody>{''.join(rows)}</tbody>" if rows else ""
    spacer = f"<div style='height: {spacer_mm}mm'></div>" if spacer_mm else ""
    above = "<h1>加入者情報のお知らせ</h1><p>登録されている内容です。</p>" if before else ""
    after = "<p class=note>「登録なし」の方は、ご連絡ください。</p>" if before else ""
    foot = "<div class=foot>問い合わせ先 03-3579-2406</div>" if before else ""
    return (
        f"<html lang=ja><head><style>{_CSS}{css}</style></head><body><div class=page>{above}"
        f"<table>{head}{body}</table>{spacer}{after}{foot}</div></body></html>"
    )


def _laid_out(html: str) -> bytes:
    return engine.lay_out(html, "/", None).write_pdf()


def _grey(pdf: bytes, dpi: int) -> np.ndarray:
    page = pypdfium2.PdfDocument(pdf)[0]
    return np.asarray(page.render(scale=dpi / 72, grayscale=True).to_pil())


def _placing(content: str) -> list[str]:
    """The operators that place or draw, sorted (the bands draw them in another order)."""
    placing = ("m", "l", "c", "re", "Tm", "cm", "TJ", "f", "S")
    return sorted(line for line in content.split("\n") if line.split(" ")[-1] in placing)


def _bands(css: str = ""):
    """The page's stub, the stub with the spacer, and its rows laid out alone, in full."""
    with engine.numbers_in_full():
        stub = bands.page_content(_laid_out(_page(_HEAD, [], css=css)))
        spaced = bands.page_content(_laid_out(_page(_HEAD, [], SPACER_MM, css=css)))
        rows = [
            bands.row_band(bands.page_content(_laid_out(_page("", [row], before=False, css=css))))
            for row in _ROWS
        ]
    return stub, spaced, rows


@pytest.fixture(scope="module")
def put_together():
    """The page with three member rows: whole, its bands, and put together from them."""
    whole = _laid_out(_page(_HEAD, _ROWS))
    stub, spaced, rows = _bands()
    moving = bands.moving_operands(
        bands.lines_of(stub), bands.lines_of(spaced), SPACER_MM * MM_TO_PX
    )
    return whole, (stub, spaced, rows), bands.put_together(stub, moving, rows)


def test_a_page_put_together_from_bands_draws_as_the_whole_layout(put_together):
    """Every placing operator is the whole layout's, number for number (laid out with six-decimal
    numbers, or not printed back as the writer prints them, some are not), and so every pixel."""
    whole, _, drawn = put_together
    assert _placing(drawn) == _placing(bands.page_content(whole))
    for dpi in (150, 300):
        assert np.array_equal(
            _grey(bands.with_page_content(whole, drawn), dpi), _grey(whole, dpi)
        ), dpi


def test_the_notes_move_by_the_rows_height_and_the_placed_box_stays(put_together):
    _whole, (stub, spaced, rows), drawn = put_together
    stub_lines, drawn_lines = bands.lines_of(stub), drawn.split("\n")
    moving = bands.moving_operands(stub_lines, bands.lines_of(spaced), SPACER_MM * MM_TO_PX)
    # The note's one line of text moves, by its Tm's y; nothing of the box at the page's foot.
    assert [stub_lines[number].split(" ")[-1] for number in moving] == ["Tm"]
    ((number, operands),) = moving.items()
    assert operands == [5]
    total = sum(row.height for row in rows)
    note_y = float(stub_lines[number].split(" ")[5]) + total
    assert any(
        line.endswith(" Tm") and abs(float(line.split(" ")[5]) - note_y) < 1e-6
        for line in drawn_lines
    )
    # The foot box's border, stroked below everything else: the stub's, unmoved.
    foot = max(bands.segments(stub_lines), key=lambda segment: segment.at)
    for line in stub_lines[foot.first : foot.end]:
        assert bands.printed_as_written(line) in drawn_lines


def test_what_moves_is_found_from_the_notes_boxes_as_the_spacer_finds_it(put_together):
    """The operators within the note's padding box in the stub's own layout are those the spacer
    moves: a stub needs one layout."""
    _whole, (stub, spaced, _rows), _drawn = put_together
    with engine.numbers_in_full():
        document = engine.lay_out(_page(_HEAD, []), "/", None)
    notes = [
        engine.geometry(box)
        for box in engine.descendants(engine.page_box(document, 0))
        if engine.element_class(box) == "note"
    ]
    top = min(note.padding_y for note in notes)
    bottom = max(note.padding_y + note.padding_height for note in notes)
    found = bands.moving_within(bands.lines_of(stub), top, bottom)
    spacer = bands.moving_operands(
        bands.lines_of(stub), bands.lines_of(spaced), SPACER_MM * MM_TO_PX
    )
    assert found and found == spacer
    # The note's margin box reaches up to the table's bottom border, which stays.
    margin_top = min(note.y for note in notes)
    assert bands.moving_within(bands.lines_of(stub), margin_top, bottom) != spacer


def test_rows_whose_shared_border_differs_from_the_one_above_are_not_put_together():
    """With collapsed borders of different widths a row's height in the table is not its height
    alone: such rows are refused, not drawn a pixel off."""
    stub, spaced, rows = _bands("thead th { border-bottom-width: 0.8mm }")
    moving = bands.moving_operands(
        bands.lines_of(stub), bands.lines_of(spaced), SPACER_MM * MM_TO_PX
    )
    with pytest.raises(bands.NotBandable):
        bands.put_together(stub, moving, rows)
    with pytest.raises(bands.NotBandable):
        bands.put_together(stub, moving, [])


def test_a_stub_that_sets_state_outside_a_group_is_not_put_together():
    """A page put together is drawn as two forms, the stub's, then the rows' in the state the
    page's preamble sets: a stub that changed the state outside a group would have drawn the
    rows otherwise in one stream, so it is refused."""
    stub, spaced, rows = _bands()
    moving = bands.moving_operands(
        bands.lines_of(stub), bands.lines_of(spaced), SPACER_MM * MM_TO_PX
    )
    lines = bands.lines_of(stub)
    stated = "\n".join([*lines[:-1], "2 w", lines[-1]])  # after its groups, before its Q
    with pytest.raises(bands.NotBandable, match="outside a q"):
        bands.put_together_parts(stated, moving, rows)
    stub_part, rows_part = bands.put_together_parts(stub, moving, rows)
    assert bands.joined(stub_part, rows_part) == bands.put_together(stub, moving, rows)


# Bands of several rows, as the reply form's members: a row of columns, then one cell across them
# (the border between two bands meets the columns of the band below only).
_MEMBERS = [
    f"<tbody><tr><th class=c1 rowspan=2>{number}</th><td class=c2>{name}</td>"
    f"<td class=c3>{insured}</td></tr><tr><td colspan=2>訂正する内容</td></tr></tbody>"
    for number, name, insured in (
        (1, "板橋 太郎", "板国 12345678-01"),
        (2, "<span class=line>WOLFESCHLEGEL</span><span class=line>STEIN</span>", "登録なし"),
        (3, "髙橋 﨑子", "1-99"),
    )
]


def _members_page(members: list[str], before: bool = True, spacer_mm: float = 0.0) -> str:
    return _page(_HEAD if before else "", [], spacer_mm, before).replace(
        "</table>", "".join(members) + "</table>", 1
    )


def test_bands_whose_shared_border_meets_other_columns_draw_as_the_whole_layout():
    """Between two members the whole layout draws the border as the band below strokes its top
    (reaching past the corners where its columns meet it), not as the band above strokes its
    bottom (one cell, no corners): the band whose border covers the other's draws it."""
    whole = _laid_out(_members_page(_MEMBERS))
    with engine.numbers_in_full():
        stub = bands.page_content(_laid_out(_members_page([])))
        spaced = bands.page_content(_laid_out(_members_page([], spacer_mm=SPACER_MM)))
        members = [
            bands.row_band(bands.page_content(_laid_out(_members_page([member], before=False))))
            for member in _MEMBERS
        ]
    moving = bands.moving_operands(
        bands.lines_of(stub), bands.lines_of(spaced), SPACER_MM * MM_TO_PX
    )
    drawn = bands.put_together(stub, moving, members)
    assert _placing(drawn) == _placing(bands.page_content(whole))
    for dpi in (150, 300):
        assert np.array_equal(
            _grey(bands.with_page_content(whole, drawn), dpi), _grey(whole, dpi)
        ), dpi
    # The bands' own borders there differ: what is drawn depends on the choice.
    above, below = members[0], members[1]

    def extents(lines, y):
        return [(segment.start, segment.stop) for segment in bands.rules_at(lines, y)]

    assert extents(above.lines, above.top + above.height) != extents(below.lines, below.top)


def test_a_band_that_draws_what_its_operands_do_not_place_is_refused():
    for line in ("/x0 Do", "/p0 sh", "0 -12 Td", "/P0 scn"):
        with pytest.raises(bands.NotBandable):
            bands.check_movable(["q", "1 2 m", line, "Q"])
    bands.check_movable(["q", "/DeviceCMYK cs", "0 0 0 1 scn", "1 2 3 4 re", "f", "Q"])
    # An image, placed by its own group's cm, moves with it; not after that group.
    bands.check_movable(["q", "8 0 0 -8 5 20 cm", "/I0 Do", "Q"])
    with pytest.raises(bands.NotBandable):
        bands.check_movable(["q", "8 0 0 -8 5 20 cm", "/I0 Do", "Q", "/I0 Do"])


def test_a_spacer_that_changes_more_than_places_is_not_taken_for_a_move():
    still = ["q", "1 2 m", "3 4 l", "S", "Q"]
    with pytest.raises(bands.NotBandable):
        bands.moving_operands(still, ["q", "1 2 m", "S", "Q"], 10.0)
    with pytest.raises(bands.NotBandable):
        bands.moving_operands(still, ["q", "1 12 m", "3 9 l", "S", "Q"], 10.0)
    with pytest.raises(bands.NotBandable):
        bands.moving_operands(["/a1.0 gs"], ["/a2.0 gs"], 10.0)
    # A number the spacer leaves within SAME_PX stays; one moved by the spacer moves.
    assert bands.moving_operands(
        still, ["q", "1.0000000000001 12 m", "3 14 l", "S", "Q"], 10.0
    ) == {1: [1], 2: [1]}


def test_relocating_moves_a_transformed_group_by_its_matrix_alone():
    lines = [
        "q", "10 0 0 -10 5 20 cm", "0 0 1 1 re", "q", "2 0 0 2 1 1 cm", "0 0 1 1 re", "Q", "f", "Q",
        "q", "1 0 0 -1 3 4 Tm", "3 4.5 m", "Q",
    ]  # fmt: skip
    assert bands.relocated(lines, 100.0) == [
        "q", "10 0 0 -10 5 120.0 cm", "0 0 1 1 re", "q", "2 0 0 2 1 1 cm", "0 0 1 1 re", "Q",
        "f", "Q", "q", "1 0 0 -1 3 104.0 Tm", "3 104.5 m", "Q",
    ]  # fmt: skip
    # A cm outside any group of the band: everything after it is in its space.
    assert bands.relocated(["1 0 0 1 0 5 cm", "0 0 1 1 re"], 10.0) == [
        "1 0 0 1 0 15.0 cm",
        "0 0 1 1 re",
    ]


def test_numbers_are_printed_back_as_the_writer_prints_them():
    content = (
        "600.000000000010 12.3456789 m\n/a1.0 gs\n[<04fb>-39<>-40.9375<0501>] TJ\n"
        "[3.401574803150 1.700000000000] 0.5 d"
    )
    assert bands.printed_as_written(content) == (
        f"{engine.pdf_number(600.00000000001)} {engine.pdf_number(12.3456789)} m\n/a1.0 gs\n"
        f"[<04fb>-39<>-40.9375<0501>] TJ\n[{engine.pdf_number(3.40157480315)} "
        f"{engine.pdf_number(1.7)}] 0.5 d"
    )
    assert engine.pdf_number(12.3456789) == "12.345679"


def test_groups_that_paint_nothing_are_left_out_and_the_rest_kept():
    """A q … Q group without painting operators (a hidden image's clip) is left out, nested ones
    too; a group that paints, or holds one that does, stays, as does content this cannot read
    line by line."""
    content = "\n".join(
        [
            "1 0 0 -1 0 841.889764 cm",
            "q",
            "q",  # a clip alone, inside an empty group: both go
            "q",
            "10 10 5 5 re",
            "W",
            "n",
            "Q",
            "Q",
            "q",  # a clip around a fill: stays
            "0 0 20 20 re",
            "W",
            "n",
            "q",
            "0 0 5 5 re",
            "f",
            "Q",
            "Q",
            "Q",
        ]
    )
    cleaned = bands.without_empty_groups(content).split("\n")
    assert cleaned == content.split("\n")[:2] + content.split("\n")[9:]
    for unreadable in (content.replace("f\n", "(f) Tj\n"), "q 1 0 0 1 0 0 cm\n" + content):
        assert bands.without_empty_groups(unreadable) == unreadable
