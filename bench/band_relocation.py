"""Can a band laid out once be drawn lower on a page, pixel for pixel as WeasyPrint lays it out
there? The question behind the "band" design of issue 11 (page 1 made of separately measured
blocks, each drawn where the blocks above it end).

A band (a bordered table of member rows: kanji, kana, Latin letters, digits, a filled cell) is laid
out by WeasyPrint below a spacer of BASE_MM, then again below a spacer BASE_MM + d for random d.
The first page's operators are moved down by d in two ways and drawn beside the second layout:
- **rewritten**: the y operand of each operator that places something (m, l, c, re, Tm, cm) gets
  d added, printed as WeasyPrint prints numbers (what WeasyPrint itself writes there, but for the
  last decimal digit where it sums the same floats in another order);
- **translated**: the operators unchanged, under `1 0 0 1 0 d cm` (what a form XObject drawn
  lower does; formblocks found PDFium moves glyph edges then).
Printed for each way: the offsets whose page differs from WeasyPrint's own layout at all, at 150
and 300 dpi in PDFium and at 150 dpi in Ghostscript, and the largest grey-level difference.

Then rows as bands: a member table styled as the notice's (print.css: fixed layout, collapsed
0.3 mm borders, a grey head row, cells of 1-3 lines) with 1-12 random rows is laid out whole, and
each of its rows alone (the head row alone in a table of its own, each member row alone in
another); the rows are then stacked, each moved (rewritten) to where the rows above it end, by the
heights they were measured with, without the top border a row shares with the one above (the
table draws it once). The rows are laid out twice: with their numbers printed as WeasyPrint's
writer prints them (six decimals), and in full (engine.numbers_in_full), each number printed as
the writer prints it once moved. Printed: the tables whose stacked page differs from the whole
table's, for each.

    .venv/bin/python bench/band_relocation.py [--offsets 40] [--tables 40] [--seed 1]
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import random
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pypdfium2

from noticegen.printing import bands, engine

BASE_MM = 20.0
MM_TO_PX = 96 / 25.4
# The page's own transformation: WeasyPrint's first three lines (the flip, q, points to px).
PAGE_PREAMBLE_LINES = 3

ROWS = (
    (
        "板橋 太郎",
        "イタバシ タロウ",
        "昭和45年 3月 12日",
        "板国 12345678-01",
        "＊＊＊＊ ＊＊＊＊ 1234",
    ),
    ("WOLFESCHLEGELSTEINHAUSEN", "ウォルフ", "平成1年 1月 1日", "3割", "登録なし"),
    (
        "髙橋 﨑子",
        "タカハシ サキコ",
        "令和2年 12月 31日",
        "板橋国保 1-99",
        "＊＊＊＊ ＊＊＊＊ 0007",
    ),
)


def band_page(offset_mm: float) -> bytes:
    cells = "".join(
        f"<tr><td>{name}<br><span class=kana>{kana}</span></td>"
        + "".join(f"<td>{value}</td>" for value in values)
        + "</tr>"
        for name, kana, *values in ROWS
    )
    html = f"""<html lang="ja"><head><style>
      @page {{ size: A4; margin: 0 }}
      body {{ margin: 0; font-family: "BIZ UDGothic", "Noto Sans"; font-size: 10pt }}
      .spacer {{ height: {offset_mm}mm }}
      table {{ border-collapse: collapse; width: 180mm; margin-left: 15mm }}
      td {{ border: 0.3mm solid black; padding: 1mm 1.5mm }}
      tr:nth-child(2) td {{ background: #e6e6e6 }}
      .kana {{ font-size: 7pt }}
    </style></head><body><div class="spacer"></div><table>{cells}</table></body></html>"""
    return lay_out(html)


_NUMBER = re.compile(r"-?\d+\.\d+")


def printed_as_weasyprint_prints(content: str) -> str:
    """The operators with every number printed as WeasyPrint's writer prints it (six decimals),
    for operators laid out with their numbers in full (engine.numbers_in_full)."""
    return "\n".join(
        " ".join(
            engine.pdf_number(float(part)) if _NUMBER.fullmatch(part) else part
            for part in line.split(" ")
        )
        for line in content.split("\n")
    )


# The operand positions (from the operator back) that are y coordinates, for each operator.
_Y_OPERANDS = {"m": (1,), "l": (1,), "c": (1, 3, 5), "re": (3,), "Tm": (1,), "cm": (1,)}


def rewritten(content: str, dy_px: float) -> str:
    """The page's operators (one per line, as WeasyPrint writes them) with every placing y moved
    by dy_px; the page's own transformation left as it is."""
    lines = content.split("\n")
    moved = lines[:PAGE_PREAMBLE_LINES]
    for line in lines[PAGE_PREAMBLE_LINES:]:
        parts = line.split(" ")
        for back in _Y_OPERANDS.get(parts[-1], ()):
            index = len(parts) - 1 - back
            if index >= 0:
                parts[index] = engine.pdf_number(float(parts[index]) + dy_px)
        moved.append(" ".join(parts))
    return "\n".join(moved)


def translated(content: str, dy_px: float) -> str:
    lines = content.split("\n")
    return "\n".join(
        [
            *lines[:PAGE_PREAMBLE_LINES],
            f"1 0 0 1 0 {engine.pdf_number(dy_px)} cm",
            *lines[PAGE_PREAMBLE_LINES:],
        ]
    )


def largest_number_gap(ours: str, theirs: str) -> float:
    """The largest difference between the numbers of two operator lists of the same operators
    (infinity when the operators themselves differ)."""
    gap = 0.0
    ours_lines, their_lines = ours.split("\n"), theirs.split("\n")
    if len(ours_lines) != len(their_lines):
        return float("inf")
    for mine, their in zip(ours_lines, their_lines, strict=True):
        if mine == their:
            continue
        a, b = mine.split(" "), their.split(" ")
        if len(a) != len(b) or a[-1] != b[-1]:
            return float("inf")
        for x, y in zip(a[:-1], b[:-1], strict=True):
            if x != y:
                try:
                    gap = max(gap, abs(float(x) - float(y)))
                except ValueError:
                    return float("inf")
    return gap


def pdfium_grey(pdf_data: bytes, dpi: int) -> np.ndarray:
    page = pypdfium2.PdfDocument(pdf_data)[0]
    return np.asarray(page.render(scale=dpi / 72, grayscale=True).to_pil())


def ghostscript_grey(pdf_data: bytes, dpi: int, folder: Path) -> np.ndarray:
    from PIL import Image

    source, target = folder / "page.pdf", folder / "page.pgm"
    source.write_bytes(pdf_data)
    subprocess.run(
        ["gs", "-q", "-dSAFER", "-dNOPAUSE", "-dBATCH", "-sDEVICE=pgmraw", f"-r{dpi}",
         "-dTextAlphaBits=4", "-dGraphicsAlphaBits=4", f"-sOutputFile={target}", str(source)],
        check=True,
    )  # fmt: skip
    with Image.open(target) as image:
        return np.asarray(image)


NO_BREAK_SPACE = "\u00a0"  # what the notice's cells print for a value not given

# The member table's rules (templates/notice/print.css), in plain colours.
_TABLE_CSS = """
  @page { size: A4; margin: 0 }
  body { margin: 0; font-family: "BIZ UDGothic", "Noto Sans"; font-size: 9pt }
  .spacer { height: %smm }
  table { width: 177mm; margin-left: 16.5mm; border-collapse: collapse; table-layout: fixed }
  th, td { border: 0.3mm solid black; padding: 0.2mm 0.8mm; vertical-align: middle;
           text-align: left; font-weight: 400; white-space: nowrap }
  thead th { background: #e6e6e6; font-weight: 700; line-height: 1.2 }
  tbody { line-height: 1.15 }
  .line { display: block }
  .kana { font-size: 6.5pt }
  .c1 { width: 38mm } .c2 { width: 21.5mm } .c3 { width: 39.5mm } .c4 { width: 21.5mm }
  .c5 { width: 8.8mm } .c6 { width: 48mm }
"""
_HEAD = (
    "<thead><tr><th class=c1>氏名</th><th class=c2>生年月日</th><th class=c3>記号・番号・枝番</th>"
    "<th class=c4>資格取得年月日</th><th class=c5>割合</th><th class=c6>マイナンバー</th></tr></thead>"
)


def random_row(rng: random.Random) -> str:
    """A member row of 1-3 lines a cell, as the notice's member table sets them."""

    def lines(*texts: str) -> str:
        return "".join(f"<span class=line>{text}</span>" for text in texts)

    name = rng.choice(
        ["板橋 太郎", "WOLFESCHLEGELSTEINHAUSEN", "髙橋 﨑子", "李 小龍", "NGUYEN VAN A"]
    )
    names = [name] if rng.random() < 0.7 else [name, rng.choice(["ミドル", "JOHN PAUL"])]
    kana = [] if rng.random() < 0.3 else ["<span class=kana>イタバシ タロウ</span>"]
    birth = rng.choice([["昭和45年 3月 12日"], ["令和2年", "12月 31日"]])
    insured = rng.choice([["板国 12345678-01"], ["板橋国保", "1234567-99"]])
    acquired = rng.choice([birth, [NO_BREAK_SPACE] * len(birth)])
    number = rng.choice(["＊＊＊＊ ＊＊＊＊ 1234", "登録なし"])
    copay = rng.choice(["3割", "2割", NO_BREAK_SPACE])
    # Each cell names its column's width: a row laid out alone has no head row to take them from.
    cells = [lines(*birth), lines(*insured), lines(*acquired), copay, number]
    return (
        f"<tr><th class=c1>{lines(*kana, *names)}</th>"
        + "".join(f"<td class=c{column}>{cell}</td>" for column, cell in enumerate(cells, 2))
        + "</tr>"
    )


def table_page(head: str, rows: list[str]) -> str:
    body = f"<tbody>{''.join(rows)}</tbody>" if rows else ""
    return (
        f"<html lang=ja><head><style>{_TABLE_CSS % BASE_MM}</style></head><body>"
        f"<div class=spacer></div><table>{head}{body}</table></body></html>"
    )


def _horizontal_rules(lines: list[str]) -> list[float]:
    """The y of each horizontal line the operators stroke (m then l at the same y)."""
    return sorted(
        {
            float(start.split(" ")[1])
            for start, end in itertools.pairwise(lines)
            if start.endswith(" m")
            and end.endswith(" l")
            and start.split(" ")[1] == end.split(" ")[1]
        }
    )


# How WeasyPrint strokes one border segment: q q gs RG w (x y m) (x y l) S Q Q.
_SEGMENT_LINES = 10


def without_rules_at(lines: list[str], y: float) -> list[str]:
    """The operators without the border segments stroked along y (the top border a row shares
    with the row above it, which the whole table strokes once)."""
    kept, index = [], 0
    while index < len(lines):
        group = lines[index : index + _SEGMENT_LINES]
        if len(group) == _SEGMENT_LINES and group[:2] == ["q", "q"] and group[7] == "S":
            start, end = group[5].split(" "), group[6].split(" ")
            along = start[-1] == "m" and end[-1] == "l" and start[1] == end[1]
            if along and abs(float(start[1]) - y) < 1e-4:
                index += _SEGMENT_LINES
                continue
        kept.append(lines[index])
        index += 1
    return kept


def stacked_rows(bands: list[str]) -> str:
    """The bands' operators (each laid out alone at the same place) as one page: each moved to
    where the one above it ends, less the top border they share."""
    page = bands[0].split("\n")[:PAGE_PREAMBLE_LINES]
    y = None
    for band in bands:
        lines = band.split("\n")
        rules = _horizontal_rules(lines)
        top, bottom = rules[0], rules[-1]
        if y is None:
            y = top
        moved = rewritten(band, y - top).split("\n")[PAGE_PREAMBLE_LINES:-1]  # its closing Q
        page += (
            moved if y == top and len(page) == PAGE_PREAMBLE_LINES else without_rules_at(moved, y)
        )
        y += bottom - top
    return "\n".join([*page, "Q"])


def _placing(content: str) -> list[str]:
    """The operators that place or draw something, sorted (the stacked rows open and close a
    text object and set the colour each, where the whole table does it once)."""
    return sorted(
        line
        for line in content.split("\n")
        if line.split(" ")[-1] in (*_Y_OPERANDS, "TJ", "f", "S")
    )


def lay_out(html: str) -> bytes:
    return engine.lay_out(html, "/", None).write_pdf()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--offsets", type=int, default=40)
    parser.add_argument("--tables", type=int, default=40)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    have_gs = shutil.which("gs") is not None
    first = band_page(BASE_MM)
    content = bands.page_content(first)
    pdfium_grey(first, 300)  # PDFium draws a font's first file differently (see test_formblocks)
    renderers = [("PDFium 150 dpi", lambda data, _f: pdfium_grey(data, 150))]
    renderers.append(("PDFium 300 dpi", lambda data, _f: pdfium_grey(data, 300)))
    if have_gs:
        renderers.append(("Ghostscript 150 dpi", lambda data, f: ghostscript_grey(data, 150, f)))
    differing = {(way, name): 0 for way in ("rewritten", "translated") for name, _ in renderers}
    worst = dict.fromkeys(differing, 0)
    operators_differing, number_gap = 0, 0.0
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(args.offsets):
            d_mm = round(rng.uniform(0.1, 150.0), 3)
            expected = band_page(BASE_MM + d_mm)
            own = bands.page_content(expected)
            moved = rewritten(content, d_mm * MM_TO_PX)
            operators_differing += moved != own
            number_gap = max(number_gap, largest_number_gap(moved, own))
            for way, text in (
                ("rewritten", moved),
                ("translated", translated(content, d_mm * MM_TO_PX)),
            ):
                drawn = bands.with_page_content(first, text)
                for name, draw in renderers:
                    a, b = draw(drawn, Path(folder)), draw(expected, Path(folder))
                    gap = int(np.abs(a.astype(int) - b.astype(int)).max())
                    differing[way, name] += gap > 0
                    worst[way, name] = max(worst[way, name], gap)
    print(
        f"{args.offsets} offsets (seed {args.seed}); the rewritten operators differ from "
        f"WeasyPrint's own at {operators_differing}, by at most {number_gap:g} px in a number"
    )
    for (way, name), count in differing.items():
        print(
            f"{way:>10}, {name}: {count} of {args.offsets} pages differ from WeasyPrint's layout "
            f"there; largest grey-level difference {worst[way, name]}"
        )
    ways = ("six decimals", "in full")
    keys = [(way, name) for way in ways for name, _ in renderers]
    tables_differing, table_worst, table_pixels = (dict.fromkeys(keys, 0) for _ in range(3))
    row_count, numbers_as_weasyprints = 0, dict.fromkeys(ways, 0)
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(args.tables):
            rows = [random_row(rng) for _ in range(rng.randint(1, 12))]
            row_count += len(rows)
            whole = lay_out(table_page(_HEAD, rows))
            for way in ways:
                # The rows laid out alone, with their numbers as printed or in full.
                with engine.numbers_in_full() if way == "in full" else contextlib.nullcontext():
                    row_contents = [bands.page_content(lay_out(table_page(_HEAD, [])))]
                    row_contents += [
                        bands.page_content(lay_out(table_page("", [row]))) for row in rows
                    ]
                stacked = printed_as_weasyprint_prints(stacked_rows(row_contents))
                numbers_as_weasyprints[way] += _placing(stacked) == _placing(
                    bands.page_content(whole)
                )
                drawn = bands.with_page_content(whole, stacked)
                for name, draw in renderers:
                    a, b = draw(drawn, Path(folder)), draw(whole, Path(folder))
                    gaps = np.abs(a.astype(int) - b.astype(int))
                    tables_differing[way, name] += int(gaps.max()) > 0
                    table_worst[way, name] = max(table_worst[way, name], int(gaps.max()))
                    table_pixels[way, name] += int((gaps > 0).sum())
    print(
        f"{args.tables} member tables of 1-12 random rows ({row_count} rows), stacked from rows; "
        "every placing operator as in the whole table's: "
        + ", ".join(f"{numbers_as_weasyprints[way]} with numbers {way}" for way in ways)
    )
    for (way, name), count in tables_differing.items():
        print(
            f"  rows laid out with numbers {way}, {name}: {count} of {args.tables} pages differ "
            f"from the whole table's ({table_pixels[way, name]} pixels in all); largest "
            f"grey-level difference {table_worst[way, name]}"
        )
    if not have_gs:
        print("(Ghostscript not found: scripts/setup.sh installs it)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
