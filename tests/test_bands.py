"""noticegen.printing.bands: a page put together from separately laid-out bands draws as WeasyPrint
draws the whole page (issue 11's band design; bench/page_bands.py tries the notice's own page 1)."""

from __future__ import annotations

import io

import numpy as np
import pikepdf
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


def _page(head: str, rows: list[str], spacer_mm: float = 0.0, before: bool = True) -> str:
    body = f"<tbody>{''.join(rows)}</tbody>" if rows else ""
    spacer = f"<div style='height: {spacer_mm}mm'></div>" if spacer_mm else ""
    above = "<h1>加入者情報のお知らせ</h1><p>登録されている内容です。</p>" if before else ""
    after = "<p class=note>「登録なし」の方は、ご連絡ください。</p>" if before else ""
    foot = "<div class=foot>問い合わせ先 03-3579-2406</div>" if before else ""
    return (
        f"<html lang=ja><head><style>{_CSS}</style></head><body><div class=page>{above}"
        f"<table>{head}{body}</table>{spacer}{after}{foot}</div></body></html>"
    )


def _laid_out(html: str) -> bytes:
    return engine.lay_out(html, "/", None).write_pdf()


def _content(pdf: bytes) -> str:
    with pikepdf.open(io.BytesIO(pdf)) as document:
        return document.pages[0].Contents.read_bytes().decode("latin-1")


def _with_content(pdf: bytes, content: str) -> bytes:
    with pikepdf.open(io.BytesIO(pdf)) as document:
        document.pages[0].Contents = document.make_stream(content.encode("latin-1"))
        out = io.BytesIO()
        document.save(out)
        return out.getvalue()


def _grey(pdf: bytes, dpi: int) -> np.ndarray:
    page = pypdfium2.PdfDocument(pdf)[0]
    return np.asarray(page.render(scale=dpi / 72, grayscale=True).to_pil())


def _placing(content: str) -> list[str]:
    """The operators that place or draw, each number rounded to a thousandth of a pixel."""
    placing = ("m", "l", "c", "re", "Tm", "cm", "TJ", "f", "S")
    rounded = []
    for line in content.split("\n"):
        parts = line.split(" ")
        if parts[-1] not in placing:
            continue
        rounded.append(
            " ".join(f"{float(part):.3f}" if bands._is_number(part) else part for part in parts)
        )
    return sorted(rounded)


@pytest.fixture(scope="module")
def put_together():
    """The page with three member rows, whole and put together from its bands."""
    whole = _laid_out(_page(_HEAD, _ROWS))
    with engine.numbers_in_full():
        stub = _content(_laid_out(_page(_HEAD, [])))
        spaced = _content(_laid_out(_page(_HEAD, [], SPACER_MM)))
        rows = [
            bands.row_band(_content(_laid_out(_page("", [row], before=False)))) for row in _ROWS
        ]
    drawn = bands.put_together(stub, spaced, rows, SPACER_MM * MM_TO_PX)
    return whole, drawn


def test_a_page_put_together_from_bands_draws_as_the_whole_layout(put_together):
    whole, drawn = put_together
    assert _placing(drawn) == _placing(_content(whole))
    for dpi in (150, 300):
        assert np.array_equal(_grey(_with_content(whole, drawn), dpi), _grey(whole, dpi)), dpi


def test_the_notes_move_with_the_rows_and_the_placed_box_stays(put_together):
    """The rows' height moved the note down; the box at the page's foot is where it was."""
    whole, drawn = put_together
    with engine.numbers_in_full():
        stub = bands.lines_of(_content(_laid_out(_page(_HEAD, []))))
        spaced = bands.lines_of(_content(_laid_out(_page(_HEAD, [], SPACER_MM))))
    moving = bands.moving_operands(stub, spaced, SPACER_MM * MM_TO_PX)
    moved_operators = {stub[number].rsplit(" ", 1)[-1] for number in moving}
    assert moved_operators == {"Tm"}  # the note's one line of text, nothing of the placed box
    assert _content(whole).count(" Tm") == drawn.count(" Tm")


def test_a_spacer_that_changes_more_than_places_is_not_taken_for_a_move():
    still = ["q", "1 2 m", "3 4 l", "S", "Q"]
    with pytest.raises(bands.NotBandable):
        bands.moving_operands(still, ["q", "1 2 m", "S", "Q"], 10.0)
    with pytest.raises(bands.NotBandable):
        bands.moving_operands(still, ["q", "1 12 m", "3 9 l", "S", "Q"], 10.0)
    assert bands.moving_operands(still, ["q", "1 12 m", "3 14 l", "S", "Q"], 10.0) == {
        1: [1],
        2: [1],
    }


def test_relocating_moves_a_transformed_group_by_its_matrix_alone():
    lines = ["q", "10 0 0 -10 5 20 cm", "0 0 1 1 re", "f", "Q", "1 0 0 -1 3 4 Tm", "3 4.5 m"]
    assert bands.relocated(lines, 100.0) == [
        "q",
        "10 0 0 -10 5 120.0 cm",
        "0 0 1 1 re",
        "f",
        "Q",
        "1 0 0 -1 3 104.0 Tm",
        "3 104.5 m",
    ]


def test_numbers_are_printed_back_as_the_writer_prints_them():
    assert bands.printed_as_written("600.000000000010 12.3456789 m\n/a1.0 gs\n[<04fb>0] TJ") == (
        f"{engine.pdf_number(600.00000000001)} {engine.pdf_number(12.3456789)} m\n"
        "/a1.0 gs\n[<04fb>0] TJ"
    )
    assert engine.pdf_number(12.3456789) == "12.345679"
