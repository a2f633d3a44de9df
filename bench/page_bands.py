"""Page 1 drawn from bands, on the notice's own template: the band design of issue 11 tried on
real pages, not on a table styled like one (bench/band_relocation.py).

For each of N households of bench/population.py, page 1 of its Japanese part (data shown) is laid
out by WeasyPrint whole, and again as bands, with their numbers in full (engine.numbers_in_full):
- the *stub*: the page with its member table cut to the head row;
- the stub again with a spacer of SPACER_MM after the table: the operators whose numbers change
  are those of the page below the table (the notes, the contact block), which move with the
  table's height; the rest stays (the address window, the voice codes, what is above the table);
- each member row alone: the table of that row only, on an otherwise empty page.
The page is then put together: the stub, its moving operators moved down by the rows' total
height, and each row moved to where the rows above it end (by the height it was measured with),
less the top border it shares with the row above, which the head row or the row above strokes.
Every number is then printed as WeasyPrint's writer prints it (engine.pdf_number).

A row laid out alone takes its columns' widths from its own cells (a fixed-layout table's first
row); the template gives them on the head row only, so the probe names each cell's column on
every page it lays out, the whole one included (the widths are the head row's: the page does not
change).

Printed: the pages whose put-together drawing differs from the whole layout's at all, in PDFium at
150 and 300 dpi and in Ghostscript at 150 dpi, the largest grey-level difference, and how many
pages have every placing operator (m, l, c, re, Tm, cm, TJ, f, S) the whole layout's own; and what
the bands cost to lay out beside the whole page.

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
from noticegen.printing import engine, pagedata

SPACER_MM = 10.0
# A number that changes by less than this with the spacer does not move with the table: it is
# the same place reached by another sum (an absolutely placed box at the page's foot).
SAME_PX = 1e-9
_MEMBERS = re.compile(r'(<table class="members">.*?<tbody>)(.*?)(</tbody>\s*</table>)', re.S)
_ROW = re.compile(r"<tr>.*?</tr>", re.S)
_COLUMNS = ("col-name", "col-birth", "col-insured", "col-acquired", "col-copay", "col-mynumber")
_CELL = re.compile(r"<(t[hd])( [^>]*)?>")


def with_columns(row: str) -> str:
    """The row with each cell naming its column (a row laid out alone takes its widths from them)."""
    cells = iter(_COLUMNS)

    def named(match: re.Match) -> str:
        column = next(cells)
        attributes = match.group(2) or ""
        if column in attributes:
            return match.group(0)
        if 'class="' in attributes:
            attributes = attributes.replace('class="', f'class="{column} ', 1)
        else:
            attributes += f' class="{column}"'
        return f"<{match.group(1)}{attributes}>"

    return _CELL.sub(named, row)


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
    rows = [with_columns(row) for row in _ROW.findall(found.group(2))]
    return Page1(
        head=page.head,
        before=page.markup[: found.start()] + found.group(1),
        rows=rows,
        after=found.group(3) + page.markup[found.end() :],
    )


def _numbers(line: str) -> list[tuple[int, float]]:
    found = []
    for index, part in enumerate(line.split(" ")):
        try:
            found.append((index, float(part)))
        except ValueError:
            continue
    return found


def moving_lines(stub: list[str], spaced: list[str], delta_px: float) -> dict[int, list[int]]:
    """The stub's lines that move with the table's height, and which of their operands move (each
    by delta_px between the two layouts); raises ValueError if the layouts differ otherwise."""
    if len(stub) != len(spaced):
        raise ValueError("the spacer changed the page's operators, not only where they are")
    moving = {}
    for number, (line, other) in enumerate(zip(stub, spaced, strict=True)):
        if line == other:
            continue
        a, b = line.split(" "), other.split(" ")
        if len(a) != len(b) or a[-1] != b[-1]:
            raise ValueError(f"line {number}: {line!r} became {other!r}")
        operands = []
        for index, (x, y) in enumerate(zip(a, b, strict=True)):
            if x == y or abs(float(y) - float(x)) < SAME_PX:
                continue
            if abs(float(y) - float(x) - delta_px) > 1e-6:
                raise ValueError(f"line {number}: {line!r} moved by {float(y) - float(x)}")
            operands.append(index)
        if operands:
            moving[number] = operands
    return moving


def _moved(line: str, operands, dy: float) -> str:
    parts = line.split(" ")
    for index in operands:
        parts[index] = repr(float(parts[index]) + dy)
    return " ".join(parts)


# The operand positions (from the operator back) that are y coordinates, for each operator.
_Y_OPERANDS = {"m": (1,), "l": (1,), "c": (1, 3, 5), "re": (3,), "Tm": (1,), "cm": (1,)}


def moved_all(lines: list[str], dy: float) -> list[str]:
    moved = []
    for line in lines:
        parts = line.split(" ")
        indexes = [len(parts) - 1 - back for back in _Y_OPERANDS.get(parts[-1], ())]
        moved.append(_moved(line, [i for i in indexes if i >= 0], dy))
    return moved


def segments(lines: list[str]) -> list[tuple[int, int, float, float, float, bool]]:
    """WeasyPrint's border segments: (first line, last line + 1, y or x, start, end, horizontal)
    for each q q … m l S Q Q group stroking one straight line."""
    found = []
    for start in range(len(lines) - 1):
        if lines[start] != "q" or lines[start + 1] != "q":
            continue
        end = start + 2
        while end < len(lines) and lines[end] not in ("q", "Q", "S"):
            end += 1
        if end + 2 >= len(lines) or lines[end] != "S" or lines[end + 1 : end + 3] != ["Q", "Q"]:
            continue
        move, draw = lines[end - 2].split(" "), lines[end - 1].split(" ")
        if move[-1] != "m" or draw[-1] != "l":
            continue
        (x0, y0), (x1, y1) = map(float, move[:2]), map(float, draw[:2])
        if y0 == y1:
            found.append((start, end + 3, y0, min(x0, x1), max(x0, x1), True))
        elif x0 == x1:
            found.append((start, end + 3, x0, min(y0, y1), max(y0, y1), False))
    return found


def _group_end(lines: list[str], start: int) -> int:
    """The index of the Q that closes the q at `start`."""
    depth = 0
    for index in range(start, len(lines)):
        depth += (lines[index] == "q") - (lines[index] == "Q")
        if depth == 0:
            return index
    raise ValueError("an unclosed q")


def body_of(content: str) -> list[str]:
    """A page's operators after its preamble and before its closing Q, without the canvas
    background (the first group, a fill of the whole page)."""
    lines = content.rstrip("\n").split("\n")[probe.PAGE_PREAMBLE_LINES : -1]
    if lines[:2] == ["q", "q"]:
        end = _group_end(lines, 0)
        if any(line.startswith("0 0 ") and line.endswith(" re") for line in lines[:end]):
            lines = lines[end + 1 :]
    return lines


def row_band(content: str) -> tuple[list[str], float, float]:
    """A row laid out alone: its operators, the y of its top border and its height."""
    lines = body_of(content)
    rules = [segment for segment in segments(lines) if segment[5]]
    top, bottom = min(rule[2] for rule in rules), max(rule[2] for rule in rules)
    return lines, top, bottom - top


def without_top_border(lines: list[str], top: float) -> list[str]:
    dropped = set()
    for start, end, y, _a, _b, horizontal in segments(lines):
        if horizontal and y == top:
            dropped.update(range(start, end))
    return [line for number, line in enumerate(lines) if number not in dropped]


def _head_bottom(stub_lines: list[str], first_row: list[str], first_top: float, moving) -> float:
    """The head row's bottom border: the stub's lowest horizontal rule that stays, in the columns
    of the first row's top border (where that border is drawn)."""
    columns = {(a, b) for _s, _e, y, a, b, h in segments(first_row) if h and y == first_top}
    return max(
        y
        for start, _e, y, a, b, h in segments(stub_lines)
        if h and (a, b) in columns and start not in moving
    )


def _stacked(bands, y: float) -> list[str]:
    """The rows, each moved to where the one above it ends, less its top border."""
    page = []
    for lines, top, height in bands:
        page += moved_all(without_top_border(lines, top), y - top)
        y += height
    return page


def by_spacer(stub: str, spaced: str, rows: list[str]) -> str:
    """The page from the stub (its lines that the spacer moved, moved by the rows' height) and
    the rows."""
    stub_lines, spaced_lines = stub.rstrip("\n").split("\n"), spaced.rstrip("\n").split("\n")
    moving = moving_lines(stub_lines, spaced_lines, SPACER_MM * probe.MM_TO_PX)
    bands = [row_band(row) for row in rows]
    head_bottom = _head_bottom(stub_lines, bands[0][0], bands[0][1], moving)
    total = sum(height for _lines, _top, height in bands)
    page = [
        _moved(line, moving[number], total) if number in moving else line
        for number, line in enumerate(stub_lines[:-1])
    ]
    page += _stacked(bands, head_bottom)
    return probe.printed_as_weasyprint_prints("\n".join([*page, stub_lines[-1]]))


ROUNDED_PX = 0.001


def _rounded(content: str) -> list[str]:
    """The placing operators with their numbers rounded to ROUNDED_PX."""
    return sorted(
        re.sub(r"-?\d+\.\d*|-?\d+", lambda m: f"{float(m.group(0)):.3f}", line)
        for line in probe._placing(content)
    )


WAYS = ("by a spacer",)


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
    keys = [(way, name) for way in WAYS for name, _ in renderers]
    differing, worst = dict.fromkeys(keys, 0), dict.fromkeys(keys, 0)
    same_operators, near_operators = dict.fromkeys(WAYS, 0), dict.fromkeys(WAYS, 0)
    failures: dict[str, list[str]] = {way: [] for way in WAYS}
    pages = rows_in_all = 0
    seconds = dict.fromkeys(("whole", "stub", "rows"), 0.0)

    def timed(what: str, html: str) -> str:
        started = time.process_time()
        content = probe.content_of(probe.lay_out(html))
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
            own = probe.content_of(whole)
            with engine.numbers_in_full():
                rows = [timed("rows", page.row_html(row)) for row in page.rows]
                stub = timed("stub", page.html([]))
                spaced = probe.content_of(probe.lay_out(page.html([], SPACER_MM)))
            for way in WAYS:
                try:
                    drawn_content = by_spacer(stub, spaced, rows)
                except ValueError as error:
                    failures[way].append(f"{household.household_id}: {error}")
                    continue
                same_operators[way] += probe._placing(drawn_content) == probe._placing(own)
                near_operators[way] += _rounded(drawn_content) == _rounded(own)
                if args.show and _rounded(drawn_content) != _rounded(own):
                    ours, theirs = _rounded(drawn_content), _rounded(own)
                    print(household.household_id, way, "ours:", sorted(set(ours) - set(theirs)))
                    print(
                        household.household_id,
                        way,
                        "WeasyPrint's:",
                        sorted(set(theirs) - set(ours)),
                    )
                drawn = probe.with_content(whole, drawn_content)
                for name, draw in renderers:
                    a, b = draw(drawn, Path(folder)), draw(whole, Path(folder))
                    gap = int(np.abs(a.astype(int) - b.astype(int)).max())
                    differing[way, name] += gap > 0
                    worst[way, name] = max(worst[way, name], gap)
    print(
        f"{pages} pages 1 ({rows_in_all} member rows, seed {args.seed}), put together from bands:"
    )
    for way in WAYS:
        done = pages - len(failures[way])
        print(
            f"- the moving part found {way}: {len(failures[way])} pages could not be put together; "
            f"of {done}, {same_operators[way]} have every placing operator the whole layout's "
            f"own, {near_operators[way]} to within {ROUNDED_PX} px"
        )
        for failure in failures[way]:
            print(f"    {failure}")
        for name, _draw in renderers:
            print(
                f"    {name}: {differing[way, name]} of {done} pages differ from the whole "
                f"layout; largest grey-level difference {worst[way, name]}"
            )
    print(
        f"laying out and writing, CPU ms: a whole page {1000 * seconds['whole'] / pages:.0f}, "
        f"the page without its rows {1000 * seconds['stub'] / pages:.0f}, a row alone "
        f"{1000 * seconds['rows'] / rows_in_all:.0f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
