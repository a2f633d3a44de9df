"""Page 1 drawn from bands, on the notice's own template: the band design of issue 11 tried on
real pages, not on a table styled like one (bench/band_relocation.py).

For each of N households of bench/population.py, page 1 of its Japanese part (data shown) is laid
out by WeasyPrint whole, and again as bands, with their numbers in full (engine.numbers_in_full):
- the *stub*: the page with its member table cut to the head row;
- the stub again with a spacer of SPACER_MM after the table: the operators whose numbers change
  are those of the page below the table in its flow (the notes), which move with the table's
  height; the rest stays (the address window, the contact block and the voice codes, placed at
  the page's foot, and what is above the table);
- each member row alone: the table of that row only, on an otherwise empty page.
The page is then put together by noticegen.printing.bands: the stub, its moving operators moved
down by the rows' total height, and each row moved to where the rows above it end (by the height
it was measured with), less the top border it shares with the row above, which the head row or the
row above strokes; every number then printed as WeasyPrint's writer prints it.

A row laid out alone takes its columns' widths from its own cells (a fixed-layout table's first
row): the template names each member cell's column, as the head row's.

Printed: the pages whose put-together drawing differs from the whole layout's at all, in PDFium at
150 and 300 dpi and in Ghostscript at 150 dpi, the largest grey-level difference, and how many
pages have every placing operator (m, l, c, re, Tm, cm, TJ, f, S) the whole layout's own; on how
many pages the moving operators found from the notes' boxes in the stub's own layout (their y
operands within the notes' padding boxes) are the spacer's (if always, the stub needs one layout,
not two); and what the bands cost to lay out beside the whole page.

    .venv/bin/python bench/page_bands.py [--households 20] [--seed 1] [--min-rows 1] [--show]
"""

from __future__ import annotations

import argparse
import dataclasses
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

import band_relocation as probe  # bench/band_relocation.py, beside this script
import numpy as np
import warm_path

from noticegen import batch, notice, voicecode
from noticegen.printing import bands, engine, pagedata

SPACER_MM = 10.0
MM_TO_PX = 96 / 25.4
_MEMBERS = re.compile(r'(<table class="members">.*?<tbody>)(.*?)(</tbody>\s*</table>)', re.S)
_ROW = re.compile(r"<tr>.*?</tr>", re.S)


@dataclasses.dataclass
class Page1:
    head: str  # the document up to <body>
    before: str  # the page's markup up to the member rows
    rows: list[str]
    after: str  # from the end of the member rows on

    def html(self, rows: list[str], spacer_mm: float = 0.0) -> str:
        after = self.after
        if spacer_mm:
            end = after.index("</table>") + len("</table>")
            spacer = f'<div style="height: {spacer_mm}mm; margin: 0; padding: 0"></div>'
            after = after[:end] + spacer + after[end:]
        return f"{self.head}<body>\n{self.before}{''.join(rows)}{after}</body>\n</html>\n"

    def row_html(self, row: str) -> str:
        """The row alone: its table on the page, with nothing else."""
        page_open = self.before[: self.before.index(">") + 1]  # the page's own <div>
        return (
            f'{self.head}<body>\n{page_open}<div class="personal-body">'
            f'<table class="members"><tbody>{row}</tbody></table></div></div></body>\n</html>\n'
        )


def page_one(part) -> Page1 | None:
    page = pagedata.pages(part)[0]
    found = _MEMBERS.search(page.markup)
    if found is None:
        return None
    rows = _ROW.findall(found.group(2))
    return Page1(
        head=page.head,
        before=page.markup[: found.start()] + found.group(1),
        rows=rows,
        after=found.group(3) + page.markup[found.end() :],
    )


def notes_extent(document) -> tuple[float, float]:
    """The top and bottom (CSS px) of the page's notes after the member table (class "note"), from
    the layout's boxes: what moves with the table's height, found without a second layout. Their
    padding boxes: a note's margin box starts where the table's bottom border is drawn."""
    extents = [
        (where.padding_y, where.padding_y + where.padding_height)
        for box in engine.descendants(engine.page_box(document, 0))
        if "note" in (engine.element_class(box) or "").split()
        for where in (engine.geometry(box),)
    ]
    if not extents:
        return (0.0, 0.0)
    return min(top for top, _ in extents), max(bottom for _, bottom in extents)


ROUNDED_PX = 0.001


def _rounded(content: str) -> list[str]:
    """The placing operators with their operands rounded to ROUNDED_PX (text left as it is)."""

    def token(text: str) -> str:
        return f"{float(text):.3f}" if bands._is_number(text) else text

    return sorted(
        " ".join(token(part) for part in line.split(" ")) for line in probe._placing(content)
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--min-rows", type=int, default=1, help="pages with this many rows or more")
    parser.add_argument("--show", action="store_true", help="print operators that differ")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        households, config = warm_path._households(
            4 * args.min_rows * args.households, args.seed, Path(folder)
        )
    encoder = voicecode.encoder_for(config.voice_code)
    renderers = [("PDFium 150 dpi", lambda data, _f: probe.pdfium_grey(data, 150))]
    renderers.append(("PDFium 300 dpi", lambda data, _f: probe.pdfium_grey(data, 300)))
    if shutil.which("gs") is not None:
        renderers.append(
            ("Ghostscript 150 dpi", lambda data, f: probe.ghostscript_grey(data, 150, f))
        )
    names = [name for name, _draw in renderers]
    differing, worst = dict.fromkeys(names, 0), dict.fromkeys(names, 0)
    failures: list[str] = []
    same_operators = near_operators = same_moving = pages = rows_in_all = 0
    seconds = dict.fromkeys(("whole", "stub", "rows"), 0.0)

    def timed(what: str, html: str) -> str:
        started = time.process_time()
        content = bands.page_content(probe.lay_out(html))
        seconds[what] += time.process_time() - started
        return content

    with tempfile.TemporaryDirectory() as folder:
        for seq, household in enumerate(households, 1):
            if pages == args.households:
                break
            parts = notice.make_all(household, config, encoder)
            count = sum(part.page_count for part in parts)
            part = dataclasses.replace(
                parts[0], print_marks=batch._print_marks(parts[0], seq, count, config.press)
            )
            page = page_one(part)
            if page is None or len(page.rows) < args.min_rows:
                continue
            pages += 1
            rows_in_all += len(page.rows)
            started = time.process_time()
            whole = probe.lay_out(page.html(page.rows))
            seconds["whole"] += time.process_time() - started
            own = bands.page_content(whole)
            with engine.numbers_in_full():
                rows = [timed("rows", page.row_html(row)) for row in page.rows]
                started = time.process_time()
                document = engine.lay_out(page.html([]), "/", None)
                stub = bands.page_content(document.write_pdf())
                seconds["stub"] += time.process_time() - started
                spaced = bands.page_content(probe.lay_out(page.html([], SPACER_MM)))
                extent = notes_extent(document)  # the stub's own layout, not another
            try:
                by_spacer = bands.moving_operands(
                    bands.lines_of(stub), bands.lines_of(spaced), SPACER_MM * MM_TO_PX
                )
                same_moving += bands.moving_within(bands.lines_of(stub), *extent) == by_spacer
                drawn_content = bands.put_together(
                    stub, by_spacer, [bands.row_band(row) for row in rows]
                )
            except bands.NotBandable as error:
                failures.append(f"{household.household_id}: {error}")
                continue
            same_operators += probe._placing(drawn_content) == probe._placing(own)
            near_operators += _rounded(drawn_content) == _rounded(own)
            if args.show and _rounded(drawn_content) != _rounded(own):
                ours, theirs = _rounded(drawn_content), _rounded(own)
                print(household.household_id, "ours:", sorted(set(ours) - set(theirs)))
                print(household.household_id, "WeasyPrint's:", sorted(set(theirs) - set(ours)))
            drawn = bands.with_page_content(whole, drawn_content)
            for name, draw in renderers:
                a, b = draw(drawn, Path(folder)), draw(whole, Path(folder))
                gap = int(np.abs(a.astype(int) - b.astype(int)).max())
                differing[name] += gap > 0
                worst[name] = max(worst[name], gap)
    if not pages:
        print("no page 1 with a member table met")
        return 1
    done = pages - len(failures)
    print(
        f"{pages} pages 1 ({rows_in_all} member rows, seed {args.seed}) put together from bands: "
        f"{len(failures)} could not be; of {done}, {same_operators} have every placing operator "
        f"the whole layout's own, {near_operators} to within {ROUNDED_PX} px"
    )
    print(
        f"  the moving operators found from the notes' boxes in the one layout (their y within "
        f"the notes' extent) are the spacer's on {same_moving} of {pages} pages"
    )
    for failure in failures:
        print(f"    {failure}")
    for name in names:
        print(
            f"  {name}: {differing[name]} of {done} pages differ from the whole layout; largest "
            f"grey-level difference {worst[name]}"
        )
    print(
        f"laying out and writing, CPU ms: a whole page {1000 * seconds['whole'] / pages:.0f}, "
        f"the page without its rows {1000 * seconds['stub'] / pages:.0f}, a row alone "
        f"{1000 * seconds['rows'] / rows_in_all:.0f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
