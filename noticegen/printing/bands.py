"""Pages put together from bands (issue 11): a page's drawing made from separately laid-out parts,
each moved to where it goes, exactly as WeasyPrint draws the whole page.

The shapes renderer lays out one page *shape* per distinct page, and page 1's member table made
nearly every household's page 1 a shape of its own. Laid out as bands, page 1 is:
- the *stub*: the page with its member table cut to the head row;
- the stub's *moving* operators: what follows the table in the page's flow (its notes), found
  from the notes' boxes in the stub's layout (`moving_within`), or by laying the stub out again
  with a spacer of known height after the table (`moving_operands`: the operands that move by
  exactly the spacer's height move with the table), which the tests use as the check;
- each member row, laid out alone (a table of that row only), moved to where the rows above it
  end, less the top border it shares with the row above, which that row (or the head row)
  strokes.
The bands are laid out with their numbers in full (engine.numbers_in_full) and printed as
WeasyPrint's writer prints them once moved: then every number is the whole layout's to within a
millionth of a pixel and no pixel differs (bench/page_bands.py: 50 pages of the population with
130 member rows, PDFium at 150 and 300 dpi and Ghostscript at 150 dpi).

Operators are moved by rewriting their y operands, never by a matrix: PDFium composes a form's or
a `cm`'s matrix in another order and moved glyph edges by a grey level or two
(bench/band_relocation.py). Everything here reads and writes content streams as WeasyPrint writes
them: one operator a line, its operands before it.

The renderer measures a page with data rows so (noticegen.printing.measure: measure_band,
composed); a page whose bands do not put together is measured whole. A page put together is drawn
as two forms, one after the other (`put_together_parts`): the stub as moved, which every page of
that stub whose rows are as high draws alike, and the rows; a chunk file holds each once. Besides
the rows of a table, *blocks* (the translated parts' member cards, a table each) are put together:
each moved to where the margins between them collapse (`put_together_blocks`).
bench/page_bands.py tries real pages.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass

from noticegen.printing import engine

# WeasyPrint's page content opens with the flip to y down, a q and the scale from points to CSS
# pixels; everything after, up to the closing Q, is in CSS pixels of the page.
PREAMBLE_LINES = 3
# The operand positions (counted back from the operator) that are y coordinates of the page.
Y_OPERANDS = {"m": (1,), "l": (1,), "c": (1, 3, 5), "v": (1, 3), "y": (1, 3), "re": (3,)}
Y_OPERANDS |= {"Tm": (1,), "cm": (1,)}
# A number the spacer moves by less than this does not move with the table: the same place
# reached by another sum of the same lengths (a box placed at the page's foot).
SAME_PX = 1e-9
# How far from the spacer's height a moving operand may have moved (float sums of the layout).
MOVED_TOLERANCE_PX = 1e-6
# How far a number written in full (engine.numbers_in_full: twelve decimals) may be from the
# layout's own: a box's edge at 431.91391076115485 is drawn at 431.913910761155.
PRINTED_PX = 1e-9


class NotBandable(ValueError):
    """The page's layouts do not put together from bands; it is laid out whole instead."""


# Operators that draw what this module cannot move by rewriting the stream's own operands: a
# shading or a pattern holds its coordinates elsewhere; text placed by Td, TD or T* relative to a
# Tm may be, and a literal string or inline image data could hold a line that reads as an
# operator. WeasyPrint writes the notice's pages without them.
_NOT_MOVABLE = frozenset({"sh", "Td", "TD", "T*", "Tj", "'", '"', "BI", "ID", "EI"})


def check_movable(lines) -> None:
    """Raise NotBandable if a band's operators (after the page's preamble) draw anything moving
    them could not move. An XObject (Do) moves only when drawn under a `cm` of its own group, as
    WeasyPrint draws an image: one drawn without (a group WeasyPrint makes for opacity) holds its
    coordinates in itself."""
    placed = [False]  # for each open group: whether a cm placed what follows in it
    for line in lines:
        operator = line.rsplit(" ", 1)[-1]
        if line == "q":
            placed.append(placed[-1])
        elif line == "Q":
            if len(placed) > 1:
                placed.pop()
        elif operator == "cm":
            placed[-1] = True
        elif (
            operator in _NOT_MOVABLE
            or (operator in ("scn", "SCN") and "/" in line)
            or (operator == "Do" and not placed[-1])
        ):
            raise NotBandable(f"a band draws {line!r}, which moving its operands cannot move")


# Operators that paint, or mark content (left alone), or whose operands this module cannot read
# line by line (inline images; a literal string is looked for apart).
_PAINTS = frozenset({"S", "s", "f", "F", "f*", "B", "B*", "b", "b*", "sh", "Do", "TJ", "Tj", "'"})
_PAINTS |= {'"', "BI", "ID", "EI", "BDC", "BMC", "EMC", "MP", "DP", "d0", "d1"}


def without_empty_groups(content: str) -> str:
    """The content without its q … Q groups that paint nothing: what such a group sets (a clip, a
    matrix, a colour) ends at its Q. WeasyPrint writes one for a data image hidden while a shape is
    measured (`visibility: hidden`): the image's clip, sized by the household's code (its version),
    so that the form's bytes would depend on which household a shape was measured with. Content
    that writes q or Q among other operators on a line, or literal strings, is left as it is."""
    lines = content.split("\n")
    if "(" in content or any(
        len(line) > 1 and ("q" in line.split(" ") or "Q" in line.split(" ")) for line in lines
    ):
        return content
    dropped = [False] * len(lines)
    groups: list[list] = []  # the open groups: [the line of its q, whether it paints]
    for number, line in enumerate(lines):
        if line == "q":
            groups.append([number, False])
        elif line == "Q" and groups:
            start, paints = groups.pop()
            if not paints:
                dropped[start : number + 1] = [True] * (number + 1 - start)
            elif groups:
                groups[-1][1] = True
        elif groups and line.rsplit(" ", 1)[-1] in _PAINTS:
            groups[-1][1] = True
    if not any(dropped):
        return content
    return "\n".join(line for line, gone in zip(lines, dropped, strict=True) if not gone)


def page_content(pdf: bytes) -> str:
    """The content stream of a one-page PDF (a band as laid out and written)."""
    import pikepdf

    with pikepdf.open(io.BytesIO(pdf)) as document:
        return document.pages[0].Contents.read_bytes().decode("latin-1")


def with_page_content(pdf: bytes, content: str) -> bytes:
    """The one-page PDF with `content` for its content stream (its resources kept)."""
    import pikepdf

    with pikepdf.open(io.BytesIO(pdf)) as document:
        document.pages[0].Contents = document.make_stream(content.encode("latin-1"))
        out = io.BytesIO()
        document.save(out)
        return out.getvalue()


def lines_of(content: str | bytes) -> list[str]:
    if isinstance(content, bytes):
        content = content.decode("latin-1")
    return content.rstrip("\n").split("\n")


def moving_operands(still: list[str], spaced: list[str], delta_px: float) -> dict[int, list[int]]:
    """The operators of `still` that a spacer of delta_px moved in `spaced` (the same page, laid
    out with the spacer after the table), each with the indexes of its operands that moved.

    Raises NotBandable when the spacer changed anything but where things are, or moved an operand
    by anything but delta_px."""
    if len(still) != len(spaced):
        raise NotBandable("the spacer changed the page's operators, not only where they are")
    moving = {}
    for number, (line, other) in enumerate(zip(still, spaced, strict=True)):
        if line == other:
            continue
        before, after = line.split(" "), other.split(" ")
        if len(before) != len(after) or before[-1] != after[-1]:
            raise NotBandable(f"operator {number} changed: {line!r} became {other!r}")
        operands = []
        for index, (a, b) in enumerate(zip(before[:-1], after[:-1], strict=True)):
            if a == b:
                continue
            try:
                moved_by = float(b) - float(a)
            except ValueError:
                raise NotBandable(f"operator {number} changed: {line!r} became {other!r}") from None
            if abs(moved_by) < SAME_PX:
                continue
            if abs(moved_by - delta_px) > MOVED_TOLERANCE_PX:
                raise NotBandable(f"operator {number} moved by {moved_by} px: {line!r}")
            operands.append(index)
        if operands:
            moving[number] = operands
    return moving


def _page_space_y_operands(lines) -> Iterator[tuple[int, list[int]]]:
    """Each operator of the page's space that places something, with the indexes of its y
    operands: in a group under a `cm` of its own, the `cm` alone (what follows it there is in the
    space the `cm` made, which moves with it)."""
    depth = 0
    transformed_from = None  # the depth of the group whose `cm` places what it holds
    for number, line in enumerate(lines):
        operator = line.rsplit(" ", 1)[-1]
        if line == "q":
            depth += 1
        elif line == "Q":
            if transformed_from is not None and depth == transformed_from:
                transformed_from = None
            depth -= 1
        elif transformed_from is None and operator in Y_OPERANDS:
            parts = line.split(" ")
            indexes = [len(parts) - 1 - back for back in Y_OPERANDS[operator]]
            yield number, [index for index in indexes if index >= 0]
            if operator == "cm":
                transformed_from = depth


def moving_within(lines: list[str], top: float, bottom: float) -> dict[int, list[int]]:
    """The operators of a page's content (its preamble included) whose y operands all lie within
    [top, bottom] (CSS px), with those operands: what moves with the member rows when that is the
    extent of the padding boxes of what follows the table in the flow (its notes), from the
    stub's own layout. On 50 pages of the population it found what a spacer moves
    (`moving_operands`) exactly; with the notes' margin boxes it did not, since the table's
    bottom border ends where a note's margin starts."""
    moving = {}
    body_lines = lines[PREAMBLE_LINES:]
    top, bottom = top - PRINTED_PX, bottom + PRINTED_PX
    for number, indexes in _page_space_y_operands(body_lines):
        parts = body_lines[number].split(" ")
        if indexes and all(top <= float(parts[index]) <= bottom for index in indexes):
            moving[number + PREAMBLE_LINES] = indexes
    return moving


def _in_full(value: float) -> str:
    """A number with all its digits (repr's shortest round trip), never in exponent notation."""
    text = repr(value)
    return text if "e" not in text else f"{value:.20f}"


def _with_added(line: str, operands, dy: float) -> str:
    parts = line.split(" ")
    for index in operands:
        parts[index] = _in_full(float(parts[index]) + dy)
    return " ".join(parts)


def moved(lines: list[str], operands: dict[int, list[int]], dy: float) -> list[str]:
    """`lines` with the given operands of the given operators moved down by dy (CSS px)."""
    return [
        _with_added(line, operands[number], dy) if number in operands else line
        for number, line in enumerate(lines)
    ]


def relocated(lines: list[str], dy: float) -> list[str]:
    """Operators of the page's space (after its preamble) moved down by dy (CSS px): the y operand
    of each operator that places something; in a group under a `cm` of its own, the `cm` alone."""
    return moved(lines, dict(_page_space_y_operands(lines)), dy)


@dataclass(frozen=True)
class Segment:
    """One border segment as WeasyPrint strokes it: q q (state) x0 y0 m x1 y1 l S Q Q."""

    first: int  # the line of its first q
    end: int  # the line after its last Q
    at: float  # y of a horizontal segment, x of a vertical one
    start: float
    stop: float
    horizontal: bool


def segments(lines: list[str]) -> list[Segment]:
    found = []
    for first in range(len(lines) - 1):
        if lines[first] != "q" or lines[first + 1] != "q":
            continue
        stroke = first + 2
        while stroke < len(lines) and lines[stroke] not in ("q", "Q", "S"):
            stroke += 1
        if stroke + 2 >= len(lines) or lines[stroke] != "S":
            continue
        if lines[stroke + 1 : stroke + 3] != ["Q", "Q"]:
            continue
        move, draw = lines[stroke - 2].split(" "), lines[stroke - 1].split(" ")
        if move[-1] != "m" or draw[-1] != "l" or len(move) != 3 or len(draw) != 3:
            continue
        (x0, y0), (x1, y1) = map(float, move[:2]), map(float, draw[:2])
        if y0 == y1:
            found.append(Segment(first, stroke + 3, y0, min(x0, x1), max(x0, x1), True))
        elif x0 == x1:
            found.append(Segment(first, stroke + 3, x0, min(y0, y1), max(y0, y1), False))
    return found


def _group_end(lines: list[str], start: int) -> int:
    depth = 0
    for index in range(start, len(lines)):
        depth += (lines[index] == "q") - (lines[index] == "Q")
        if depth == 0:
            return index
    raise NotBandable("a q without its Q")


# What WeasyPrint's canvas background group may hold besides its rectangle, clip and fill.
_CANVAS_STATE = ("gs", "cs", "scn", "rg", "g", "k")


def _is_canvas_background(group: list[str]) -> bool:
    """Whether a q … Q group (its lines, q and Q included) is WeasyPrint's canvas background: a
    rectangle from the page's corner, clipped to, then filled, and nothing else."""
    inner = [line for line in group if line not in ("q", "Q")]
    rectangles = {line for line in inner if line.endswith(" re")}
    if len(rectangles) != 1 or not next(iter(rectangles)).startswith("0 0 "):
        return False
    painting = [line for line in inner if not line.endswith(" re")]
    return "f" in painting and all(
        line in ("W", "n", "f") or line.rsplit(" ", 1)[-1] in _CANVAS_STATE for line in painting
    )


def body(lines: list[str]) -> list[str]:
    """A page's operators after its preamble and before its closing Q, without its canvas
    background (`_is_canvas_background`: its first group, when it is that)."""
    inner = lines[PREAMBLE_LINES:-1]
    if inner[:1] == ["q"]:
        end = _group_end(inner, 0)
        if _is_canvas_background(inner[: end + 1]):
            inner = inner[end + 1 :]
    return inner


@dataclass(frozen=True)
class RowBand:
    """A member row laid out alone: its operators (page space), where its top border is and the
    height from it to its bottom border (CSS px)."""

    lines: tuple[str, ...]
    top: float
    height: float


def _band_body(content: str | bytes) -> list[str]:
    """A band's operators (`body`), checked: movable, and no state set outside a group, which
    would hold for the bands drawn after this one."""
    lines = body(lines_of(content))
    check_movable(lines)
    _open_groups_after(lines, "a band")
    return lines


def _open_groups_after(lines: list[str], drawer: str) -> int:
    """How many q … Q groups the operators leave open; raise NotBandable if they set anything
    outside a group (it would hold for what is drawn after them)."""
    depth = 0
    for line in lines:
        depth += (line == "q") - (line == "Q")
        if depth == 0 and line not in ("q", "Q"):
            raise NotBandable(f"{drawer} sets {line!r} outside a q … Q group")
    return depth


def row_band(content: str | bytes) -> RowBand:
    lines = _band_body(content)
    rules = [segment.at for segment in segments(lines) if segment.horizontal]
    if not rules:
        raise NotBandable("a row without horizontal borders")
    return RowBand(tuple(lines), min(rules), max(rules) - min(rules))


# Two rules closer than this (CSS px) are drawn along the same line.
SAME_RULE_PX = 1e-6


def _state(lines, segment: Segment) -> tuple[str, ...]:
    """How a border segment is stroked: its lines but for the path."""
    return tuple(
        line
        for line in lines[segment.first : segment.end]
        if line.rsplit(" ", 1)[-1] not in ("m", "l")
    )


def rules_at(lines, y: float) -> list[Segment]:
    return [
        segment
        for segment in segments(list(lines))
        if segment.horizontal and abs(segment.at - y) < SAME_RULE_PX
    ]


def without_rules_at(lines, y: float) -> list[str]:
    """The operators without the horizontal border segments stroked along y."""
    dropped = set()
    for segment in rules_at(lines, y):
        dropped.update(range(segment.first, segment.end))
    return [line for number, line in enumerate(lines) if number not in dropped]


def _below_draws_it(above, above_y: float, below, below_y: float) -> bool:
    """Which band draws the border two bands share: the band above (its bottom border, False) or
    the band below (its top border, True). Laid out alone, each strokes it in segments, one a
    cell, reaching half a border's width past a corner where a border of its own meets it: a
    whole layout reaches past every corner where a border meets it from either side. So the one
    whose segments cover the other's draws it (the one above when they are the same); where
    neither does, or they are stroked otherwise (with collapsed borders of different widths, a
    band's height alone is not its height in the table), NotBandable."""
    kept = sorted((s.start, s.stop, _state(above, s)) for s in rules_at(above, above_y))
    dropped = sorted((s.start, s.stop, _state(below, s)) for s in rules_at(below, below_y))
    if not dropped or [state for *_x, state in kept] != [state for *_x, state in dropped]:
        raise NotBandable("a row's top border is not the border above it")
    pairs = list(zip(kept, dropped, strict=True))

    def covers(wide, narrow) -> bool:
        return (
            wide[0] <= narrow[0] + SAME_RULE_PX
            and narrow[1] <= wide[1] + SAME_RULE_PX
            and abs(wide[0] - narrow[0]) + abs(wide[1] - narrow[1]) < MAX_CORNER_PX
        )

    if all(covers(a, b) for a, b in pairs):
        return False
    if all(covers(b, a) for a, b in pairs):
        return True
    raise NotBandable("neither band's border is the one a whole layout draws between them")


# A segment reaches past a corner by half a border's width: more than this, two segments are not
# the same border's (CSS px).
MAX_CORNER_PX = 20.0


def _states_at(lines, y: float) -> set[tuple[str, ...]]:
    """How the horizontal border segments along y are stroked (their lines but for the path)."""
    return {_state(list(lines), segment) for segment in rules_at(lines, y)}


def stacked(rows: list[RowBand], y: float, head: list[str]) -> tuple[list[str], bool]:
    """The rows, the first with its top border where y is (the bottom border of the head row in
    `head`), each moved to where the one above it ends; of the border two bands share, only the
    one a whole layout draws (`_below_draws_it`). And whether that is the first row's top border
    (the head row's bottom border is then not drawn)."""
    below_draws = []
    above, above_y = head, y
    for row in rows:
        below_draws.append(_below_draws_it(above, above_y, row.lines, row.top))
        above, above_y = row.lines, row.top + row.height
    result = []
    for number, row in enumerate(rows):
        lines = list(row.lines)
        if number + 1 < len(rows) and below_draws[number + 1]:
            lines = without_rules_at(lines, row.top + row.height)
        if not below_draws[number]:
            lines = without_rules_at(lines, row.top)
        result += ["q", *relocated(lines, y - row.top), "Q"]
        y += row.height
    return result, below_draws[0]


def head_bottom(stub: list[str], moving: dict, first_row: RowBand) -> float:
    """Where the stub's head row ends: the lowest horizontal line along which the stub strokes,
    with operators that stay (none in `moving`), a segment in every column of the first row's
    top border."""
    columns = {(s.start, s.stop) for s in rules_at(first_row.lines, first_row.top)}
    by_line: dict[float, set] = {}
    for segment in segments(stub):
        if segment.horizontal and not any(
            number in moving for number in range(segment.first, segment.end)
        ):
            by_line.setdefault(segment.at, set()).add((segment.start, segment.stop))
    found = [y for y, spans in by_line.items() if columns <= spans]
    if not columns or not found:
        raise NotBandable("no head row above the member rows")
    return max(found)


def row_moves(stub: str | bytes, moving: dict[int, list[int]], rows: list[RowBand]) -> list[float]:
    """How far down `put_together` moves each row (CSS px): to where the rows above it end."""
    top = head_bottom(lines_of(stub), moving, rows[0])
    moves = []
    for row in rows:
        moves.append(top - row.top)
        top += row.height
    return moves


def put_together(stub: str | bytes, moving: dict[int, list[int]], rows: list[RowBand]) -> str:
    """The page's content: the stub, its `moving` operands (`moving_operands` or `moving_within`)
    moved down by the rows' height, and the rows stacked below the head row; every number
    printed as WeasyPrint's writer prints it.

    Whether the page still holds what moved down is the caller's to know (the view fits the
    member rows on the page; a full layout would move the notes to the next page instead)."""
    return joined(*put_together_parts(stub, moving, rows))


def put_together_parts(
    stub: str | bytes, moving: dict[int, list[int]], rows: list[RowBand]
) -> tuple[str, str]:
    """`put_together`'s content as two (`_parts`): the stub moved, and the rows."""
    if not rows:
        raise NotBandable("no member rows to put together")
    stub_lines = lines_of(stub)
    check_movable(stub_lines[PREAMBLE_LINES:-1])
    total = sum(row.height for row in rows)
    page = moved(stub_lines[:-1], moving, total)
    top = head_bottom(stub_lines, moving, rows[0])
    # The table's bottom border is the last row's where it was the head row's: with collapsed
    # borders of another width, what follows the table would move by more than the rows' height.
    last = rows[-1]
    if _states_at(stub_lines, top) != _states_at(last.lines, last.top + last.height):
        raise NotBandable("the last row's bottom border is not the head row's")
    drawn, first_draws_head_border = stacked(rows, top, stub_lines)
    if first_draws_head_border:
        page = without_rules_at(page, top)
    return _parts(stub_lines, page, drawn)


def block_lines(content: str | bytes, top: float, height: float) -> list[str]:
    """A block band's operators (a block laid out alone, its border box `height` high from
    `top`): everything it draws must lie within that box, which is all that moves."""
    lines = _band_body(content)
    low, high = top - BLOCK_EDGE_PX, top + height + BLOCK_EDGE_PX
    for number, indexes in _page_space_y_operands(lines):
        parts = lines[number].split(" ")
        if not all(low <= float(parts[index]) <= high for index in indexes):
            raise NotBandable(f"a block band draws outside its block: {lines[number]!r}")
    return lines


# A block's drawing may reach this far past its border box (CSS px): its numbers printed in full.
BLOCK_EDGE_PX = 1e-6


def put_together_blocks(
    stub: str | bytes,
    moving: dict[int, list[int]],
    moved_by: float,
    blocks: list[list[str]],
    moves: list[float],
) -> tuple[str, str]:
    """The page's content as two (`_parts`): the stub with its `moving` operands moved down by
    `moved_by`, and each block's operators (`block_lines`) moved down by its move; every number
    printed as WeasyPrint's writer prints it."""
    if not blocks:
        raise NotBandable("no blocks to put together")
    stub_lines = lines_of(stub)
    check_movable(stub_lines[PREAMBLE_LINES:-1])
    page = moved(stub_lines[:-1], moving, moved_by)
    drawn = []
    for lines, move in zip(blocks, moves, strict=True):
        drawn += ["q", *relocated(lines, move), "Q"]
    return _parts(stub_lines, page, drawn)


# A page put together is drawn as two content streams, each a form of its own, one after the
# other: the stub as moved, which the pages of one stub whose rows are as high share (page 1 of
# households of as many members, whatever their names), then the rows. Drawn so, it paints what
# the one stream `joined` makes paints, in the same order: each stream opens with the page's
# preamble and closes it, and the rows were drawn in the state the preamble sets, the stub having
# closed every group it opened and set nothing outside one (else it is not put together).
def _parts(stub_lines: list[str], page: list[str], drawn: list[str]) -> tuple[str, str]:
    if _open_groups_after(page[PREAMBLE_LINES:], "the stub"):
        raise NotBandable("the stub leaves a group open")
    preamble, closing = stub_lines[:PREAMBLE_LINES], stub_lines[-1]
    return (
        printed_as_written("\n".join([*page, closing])),
        printed_as_written("\n".join([*preamble, *drawn, closing])),
    )


def joined(stub_part: str, rows_part: str) -> str:
    """The one content stream that draws what the two of `_parts` draw one after the other."""
    rows_lines = lines_of(rows_part)
    return "\n".join([*lines_of(stub_part)[:-1], *rows_lines[PREAMBLE_LINES:]])


def _is_number(text: str) -> bool:
    if not text or text[0] not in "-.0123456789":
        return False
    try:
        float(text)
    except ValueError:
        return False
    return True


def _printed(token: str) -> str:
    # A dash array's numbers are tokens of their own, bracketed: [3.401574803150 1.7] 0.5 d.
    core = token.strip("[]")
    if "." not in core or not _is_number(core):
        return token
    return token.replace(core, engine.pdf_number(float(core)), 1)


def printed_as_written(content: str) -> str:
    """The operators with each number that has a decimal point (an operand, or in an array of
    operands) printed as WeasyPrint's writer prints it (six decimals at most): as WeasyPrint
    writes the numbers of a whole layout. Text (a TJ array is one token) is left as it is."""
    return "\n".join(
        " ".join(_printed(token) for token in line.split(" ")) for line in content.split("\n")
    )
