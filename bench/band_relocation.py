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

    .venv/bin/python bench/band_relocation.py [--offsets 40] [--seed 1]
"""

from __future__ import annotations

import argparse
import io
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pikepdf
import pypdfium2

from noticegen.printing import engine

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
    return engine.lay_out(html, "/", None).write_pdf()


def _number(value: float) -> str:
    # As WeasyPrint prints a number in a content stream: fixed, six decimals, no trailing zeros.
    text = f"{value:f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


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
                parts[index] = _number(float(parts[index]) + dy_px)
        moved.append(" ".join(parts))
    return "\n".join(moved)


def translated(content: str, dy_px: float) -> str:
    lines = content.split("\n")
    return "\n".join(
        [
            *lines[:PAGE_PREAMBLE_LINES],
            f"1 0 0 1 0 {_number(dy_px)} cm",
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


def with_content(pdf_data: bytes, content: str) -> bytes:
    with pikepdf.open(io.BytesIO(pdf_data)) as pdf:
        pdf.pages[0].Contents = pdf.make_stream(content.encode("latin-1"))
        out = io.BytesIO()
        pdf.save(out)
        return out.getvalue()


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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--offsets", type=int, default=40)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    have_gs = shutil.which("gs") is not None
    first = band_page(BASE_MM)
    with pikepdf.open(io.BytesIO(first)) as pdf:
        content = pdf.pages[0].Contents.read_bytes().decode("latin-1")
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
            with pikepdf.open(io.BytesIO(expected)) as pdf:
                own = pdf.pages[0].Contents.read_bytes().decode("latin-1")
            moved = rewritten(content, d_mm * MM_TO_PX)
            operators_differing += moved != own
            number_gap = max(number_gap, largest_number_gap(moved, own))
            for way, text in (
                ("rewritten", moved),
                ("translated", translated(content, d_mm * MM_TO_PX)),
            ):
                drawn = with_content(first, text)
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
    if not have_gs:
        print("(Ghostscript not found: scripts/setup.sh installs it)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
