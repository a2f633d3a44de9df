"""Measuring a page shape: the page laid out once by WeasyPrint with the household's data hidden
(`visibility: hidden` keeps every box where it was), and where each data run and image goes.

A page is drawn from its shape only when that follows from the layout (see
noticegen.printing.variable_print for the conditions); `measure` raises NotDrawable otherwise.
The boxes are read through noticegen.printing.engine: their kinds there, their geometry (position,
size, baseline, content and padding boxes) and computed style as WeasyPrint's boxes give them.

A page with data rows (pagedata.Bands) is measured as bands: `measure_band` lays out its stub (and
finds what follows the rows in its flow: FlowAfter) and each row alone (a block's box: Block), and
`composed` puts the page's shape together from them (noticegen.printing.bands), the same shape
`measure` would have made of the whole page: the same places for the data, the same drawing, in
two forms (the stub as moved, shared by the pages whose rows are as high, then the rows).
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import itertools
import pickle
from dataclasses import dataclass
from typing import Any

from noticegen import caches
from noticegen.printing import bands, engine, fontsharing, formblocks, pagedata, render
from noticegen.printing.pagedata import PageData

# A run must end at least this far (in CSS px) before its line box's end: clearly fitting, so
# that no rounding can make a full render wrap what this renderer kept on one line.
FIT_MARGIN_PX = 0.01
# The widths this renderer computes for the measured household's runs must equal WeasyPrint's.
WIDTH_TOLERANCE_PX = 1e-6

_HIDE_DATA = (
    f".{render.VARIABLE_TEXT_CLASS}, .{render.VARIABLE_IMAGE_CLASS} {{ visibility: hidden; }}\n"
)


class NotDrawable(Exception):
    """This page cannot be drawn from its shape; the notice is laid out in full instead."""


@dataclass(frozen=True)
class _Line:
    """A line box holding data runs: the runs in order, and how the line places them."""

    runs: tuple[int, ...]  # indexes into the page's texts
    align: str  # "left", "center" or "right"
    start_x: float  # left-aligned: where the first run starts (after the line's static text)
    box_left: float
    box_width: float
    baselines: tuple[float, ...]


@dataclass(frozen=True)
class FlowAfter:
    """What follows, in a stub's flow, the element its rows go after (its *anchor*): it moves down
    with the rows put in (noticegen.printing.bands.moving_within). CSS px."""

    top: float  # the top and bottom of the padding boxes of what follows (the anchor's end, if
    bottom: float  # nothing does)
    room: float  # how far it can move down, the page still holding it
    # For blocks put in after the anchor, where the margins between them collapse: the anchor's
    # border box's bottom and its bottom margin; the next box's (in the same parent) border
    # box's top and its top margin (None: no box follows there); whether boxes follow the
    # anchor's parent (they would move otherwise than by the blocks' heights).
    anchor_bottom: float = 0.0
    anchor_margin: float = 0.0
    next_top: float | None = None
    next_margin: float = 0.0
    follows_parent: bool = False


@dataclass(frozen=True)
class Block:
    """Where a block band's block lies, laid out alone: its border box and its margins (CSS px)."""

    top: float
    height: float
    margin_top: float
    margin_bottom: float


@dataclass
class Shape:
    # The static page, laid out with the data hidden; the project's fonts without their
    # programs, which the chunk file's fonts replace (fontsharing.share_fonts).
    template_pdf: bytes
    mediabox: tuple[float, ...]
    styles: tuple[Any, ...]  # WeasyPrint's computed style of each data run (detached)
    fonts: tuple[tuple[str, ...], ...]  # the fonts each run was set in when measured
    lines: tuple[_Line, ...]
    # x, y, width, height in CSS px; for a centred image, its centre and 0, 0 (see _image_place)
    images: tuple[tuple[float, float, float, float], ...]
    # The file each font of the form comes from, by its resource name: a chunk file holds one
    # subset of each font file, serving every form and data run (see fontsharing).
    font_sources: tuple[tuple[str, str, int], ...] = ()  # (name, file's sha256, face index)
    # The page's canvas background (colour, painting area in CSS px), which the form leaves out:
    # the data images go between it and the form (see assembly.ChunkFile.add_drawn_page).
    background: tuple[Any, tuple[float, float, float, float]] | None = None
    # engine.style_key of each run's style, worked out once (the Renderer keeps runs by them)
    style_keys: tuple[bytes, ...] = ()
    # A page measured as the stub of a page of bands (`measure_band`): what follows the element
    # its rows go after; None for no such band.
    flow_after: FlowAfter | None = None
    # A block band (`measure_band`): where its block lies; None for no such band.
    block: Block | None = None
    # A page put together from bands (`composed`): the stub as moved, a form drawn before this
    # shape's own (the rows), and the key a chunk file holds it by, once for all the pages that
    # draw it; None for any other shape.
    stub_form: Shape | None = None
    stub_form_key: str = ""
    _template: Any = None  # pikepdf.Pdf holding _form, opened on first use
    _form: Any = None
    _embedded_fonts: dict | None = None
    _groups: tuple | None = None

    @property
    def form(self):
        """The static page as a Form XObject (in a pikepdf document of its own)."""
        if self._form is None:
            import pikepdf

            self._template = pikepdf.open(io.BytesIO(self.template_pdf))
            self._form = self._template.pages[0].as_form_xobject()
        return self._form

    def embedded_fonts(self) -> dict | None:
        """The widths and text each font of the form was embedded with (see fontsharing), read
        once for all the chunk files this shape is drawn in; None for a form without fonts."""
        if self._embedded_fonts is None:
            import pikepdf

            fonts = self.form.get("/Resources", {}).get("/Font")
            if not isinstance(fonts, pikepdf.Dictionary):
                return None
            self._embedded_fonts = fontsharing.embedded_fonts(fonts)
        return self._embedded_fonts

    def content_groups(self) -> tuple | None:
        """The q … Q groups of the form's content (formblocks.groups), found once for all the
        chunk files this shape is drawn in; None for content not to take apart."""
        if self._groups is None:
            self._groups = formblocks.groups(self.form.read_bytes()) or ()
        return self._groups or None

    def to_bytes(self) -> bytes:
        """For other workers: everything but the styles' font configuration, which is per process,
        with what the form was found to hold (its fonts' widths and text, its q … Q groups). A
        worker reads a shape back each time it meets it again after dropping it (SHAPES_KEPT in
        variable_print), and reading the form's content and fonts again cost more than
        unpickling them (3.5 ms a shape against 0.9 ms more unpickling, timed alone over the 536
        shapes of bench/warm_path.py's households)."""
        return pickle.dumps(
            (
                self.template_pdf,
                self.mediabox,
                tuple(engine.style_values(style) for style in self.styles),
                self.fonts,
                self.lines,
                self.images,
                self.font_sources,
                self.background,
                self.style_keys,
                self.flow_after,
                self.block,
                None if self.stub_form is None else self.stub_form.to_bytes(),
                self.stub_form_key,
                self.embedded_fonts(),
                self.content_groups(),
            ),
            protocol=pickle.HIGHEST_PROTOCOL,
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> Shape:
        # to_bytes writes the fields in the dataclass's order, the styles (third) as their values,
        # then what the form holds
        *fields, embedded_fonts, groups = pickle.loads(data)
        # each style restored from its values, once a key (style_keys, the ninth field)
        fields[2] = tuple(
            _restored_style(values, key) for values, key in zip(fields[2], fields[8], strict=True)
        )
        if fields[11] is not None:  # stub_form, a shape of its own
            fields[11] = cls.from_bytes(fields[11])
        shape = cls(*fields)
        shape._embedded_fonts, shape._groups = embedded_fonts, groups or ()
        return shape


# The styles of a worker's shapes, by their keys (engine.style_key). A shape holds a style for each
# of its runs, and a worker meets thousands of shapes: on bench/warm_path.py's 1,200 households,
# 1,618 shapes and bands held 23,268 runs in 193 distinct styles, some 300 MiB as one style a run
# (50 KiB a shape read back instead of 194). Nothing changes a style, and styles of one key shape
# and draw text alike (`Shape.from_bytes` relies on it): the shapes share one of each.
_STYLES = caches.Bounded(4096, switchable=False)


def shared_styles(styles: tuple, keys: tuple[bytes, ...]) -> tuple:
    """The styles, each replaced by the one of its key the worker already holds, if any."""
    return tuple(_shared_style(style, key) for style, key in zip(styles, keys, strict=True))


def _shared_style(style, key: bytes):
    held = _STYLES.get(key)
    if held is None:
        _STYLES.put(key, style)
        return style
    return held


def _restored_style(values: dict, key: bytes):
    held = _STYLES.get(key)
    return held if held is not None else _shared_style(engine.restored_style(values), key)


@dataclass
class _Run:
    text: str
    layout: Any
    width: float
    fonts: tuple[str, ...]
    one_line: bool  # Pango set it on one line (a check behind variable_print._NOT_ONE_LINE)


def _shape_text(text: str, style) -> _Run:
    shaped = engine.shape_text(text, style)
    return _Run(text, shaped.layout, shaped.width, shaped.fonts, shaped.one_line)


def _leaves(box):
    """The inline-level leaves of a line box, in order."""
    for child in engine.children(box):
        if engine.box_kinds(child).inline:
            yield from _leaves(child)
        else:
            yield child


def _is_data_text(box) -> bool:
    return engine.box_kinds(box).text and engine.element_class(box) == render.VARIABLE_TEXT_CLASS


def _shrinks_to_fit(box) -> bool:
    position = engine.style_value(box, "position")
    floating = engine.style_value(box, "float") != "none" or position in ("absolute", "fixed")
    return engine.style_value(box, "width") == "auto" and (floating or engine.is_inline_block(box))


def _alignment(line) -> str | None:
    value = engine.style_value(line, "text_align_all")
    if value in ("left", "start"):
        return "left"
    if value in ("right", "end"):
        return "right"
    if value == "center":
        return "center"
    return None


def _line_start(line: _Line, widths: list[float]) -> float:
    total = sum(widths)
    if line.align == "left":
        return line.start_x
    if line.align == "center":
        return line.box_left + (line.box_width - total) / 2
    return line.box_left + line.box_width - total


def _fits(line: _Line, widths: list[float]) -> bool:
    """Whether the line's content clearly fits its box, so that a full layout would not wrap it."""
    used = sum(widths) + (line.start_x - line.box_left if line.align == "left" else 0)
    return used <= line.box_width - FIT_MARGIN_PX


def _image_place(box, area) -> tuple[float, float, float, float]:
    """Where a data image goes: its box; a centred one's is its area's centre (with size 0), the
    same for every household, so nothing drawn depends on which one the shape was measured with."""
    classes = (engine.element_class(box) or "").split()
    if pagedata.CENTERED not in classes:
        placed = engine.geometry(box)
        return (placed.content_x, placed.content_y, placed.width, placed.height)
    # The template centres it with left: 50%, top: 50% in its area (its containing block).
    around = engine.geometry(area)
    return (
        around.padding_x + around.padding_width / 2,
        around.padding_y + around.padding_height / 2,
        0.0,
        0.0,
    )


def measure(page: PageData) -> Shape:
    """Lay out the page's shape (with this page's data hidden) and find where the data goes.

    Raises NotDrawable when this page's layout does not allow drawing its data over a form.
    """
    document = _laid_out_hidden(page)
    return _shape(document, *_data_places(document, page))


def measure_band(page: PageData, element: tuple[str, str] | None = None, stub: bool = False):
    """`measure` for a band of a page measured as bands (pagedata.Bands), with every number of
    its drawing in full (engine.numbers_in_full), as bands.put_together needs. For the stub
    (`stub`), also what follows `element` (tag, class: the element the rows go after) in the
    flow; for a block band, where `element` (the block) lies."""
    with engine.numbers_in_full():
        document = _laid_out_hidden(page)
        background, styles, runs, lines, images = _data_places(document, page)
        shape = _shape(document, background, styles, runs, lines, images)
        if element is not None and stub:
            shape.flow_after = _flow_after(document, *element)
        elif element is not None:
            shape.block = _block(document, *element)
        return shape


def _laid_out_hidden(page: PageData):
    head = page.head.replace("</style>", _HIDE_DATA + "</style>", 1)
    document = render.lay_out_untagged(f"{head}<body>\n{page.markup}</body>\n</html>\n")
    if len(document.pages) != 1:
        raise NotDrawable("the page does not lay out as one page")
    return document


def _data_places(document, page: PageData):
    """The page's canvas background (taken off the page box), its data runs' styles and runs
    shaped, the lines they are on and the data images' boxes."""
    page_box = engine.page_box(document, 0)
    # A full layout paints a data image over what comes before it and under what comes after it
    # (a Burmese code's label reaches up into the code's white margin). This renderer draws the
    # images under the form, so the form must paint nothing before them where they go: the canvas
    # background is taken off the form and drawn under the images, and an image inside a box
    # that paints a background is not drawn.
    try:
        background = engine.lift_canvas_background(page_box)
    except ValueError as error:
        raise NotDrawable(str(error)) from None

    text_boxes: dict[int, list] = {}  # element id → its text boxes
    order: list[int] = []
    lines = []
    image_boxes = []

    def walk(box, containing, over_background=False):
        kinds = engine.box_kinds(box)
        if kinds.placeholder:
            box = engine.placed_box(box)
            kinds = engine.box_kinds(box)
        over_background = over_background or engine.has_background(box)
        if kinds.line:
            lines.append((box, containing))
        if kinds.replaced and engine.element_id(box) is not None:
            classes = (engine.element_class(box) or "").split()
            if render.VARIABLE_IMAGE_CLASS in classes:
                if over_background:
                    raise NotDrawable("a data image over a background the form paints")
                image_boxes.append((box, containing))
        if _is_data_text(box):
            key = engine.element_id(box)
            if key not in text_boxes:
                text_boxes[key] = []
                order.append(key)
            text_boxes[key].append(box)
        for child in engine.children(box):
            walk(child, box if kinds.block_container else containing, over_background)

    walk(page_box, page_box)
    if len(order) != len(page.texts) or len(image_boxes) != len(page.images):
        raise NotDrawable("the layout's data runs are not the page's")
    index_of = {}
    styles = []
    for number, key in enumerate(order):
        found = text_boxes[key]
        if len(found) != 1 or engine.text_of_text_box(found[0]) != page.texts[number]:
            raise NotDrawable("a data run is broken over lines or changed by the layout")
        index_of[id(found[0])] = number
        if (
            engine.style_value(found[0], "text_transform") != "none"
            or engine.style_value(found[0], "text_decoration_line") != "none"
            or engine.style_value(found[0], "direction") != "ltr"
        ):
            raise NotDrawable("a data run styled in a way this renderer does not draw")
        styles.append(engine.detached_style(engine.style_of(found[0])))
    for box, _area in image_boxes:
        if engine.style_value(box, "image_rendering") != "pixelated":
            raise NotDrawable("a data image a full render would smooth")

    measured_runs = [
        _shape_text(text, style) for text, style in zip(page.texts, styles, strict=True)
    ]
    block_lines: dict[int, list] = {}  # the line boxes of each block container, in order
    for line, containing in lines:
        block_lines.setdefault(id(containing), []).append(line)
    shape_lines = []
    for line, containing in lines:
        leaves = list(_leaves(line))
        positions = [i for i, leaf in enumerate(leaves) if id(leaf) in index_of]
        if not positions:
            continue
        first = positions[0]
        if any(id(leaf) not in index_of for leaf in leaves[first:]):
            raise NotDrawable("static content follows a data run on its line")
        if len(block_lines[id(containing)]) != 1:
            # On a line that wrapped, or before one, a run's width decides what goes on which
            # line: a narrower run could go up, content after it could come up.
            raise NotDrawable("a data run in a block of more than one line")
        if _shrinks_to_fit(containing):
            raise NotDrawable("a data run in a box whose width follows its content")
        align = _alignment(line)
        if align is None or (align != "left" and first != 0):
            raise NotDrawable("a data run on a justified, or not only data, line")
        runs = tuple(index_of[id(leaf)] for leaf in leaves[first:])
        where = {i: engine.geometry(leaves[i]) for i in range(first, len(leaves))}
        block = engine.geometry(containing)
        placed = _Line(
            runs=runs,
            align=align,
            start_x=where[first].x,
            # Not the line's own position: text-align has already moved the line box.
            box_left=block.content_x,
            box_width=block.width,
            baselines=tuple(where[i].y + where[i].baseline for i in positions),
        )
        # What this renderer would draw for the measured household must be what WeasyPrint laid out.
        widths = [measured_runs[number].width for number in runs]
        x = _line_start(placed, widths)
        for number, width in zip(runs, widths, strict=True):
            laid = where[first + runs.index(number)]
            if abs(laid.width - width) > WIDTH_TOLERANCE_PX or abs(laid.x - x) > 1e-6:
                raise NotDrawable("a data run's width or place differs from WeasyPrint's")
            x += width
        if not _fits(placed, widths):
            raise NotDrawable("the measured household's line does not clearly fit")
        shape_lines.append(placed)
    if sum(len(line.runs) for line in shape_lines) != len(page.texts):
        raise NotDrawable("a data run outside any line")
    images = [_image_place(box, area) for box, area in image_boxes]
    return background, styles, measured_runs, shape_lines, images


def _shape(document, background, styles, runs, lines, images, flow=None) -> Shape:
    import pikepdf

    # Its fonts are replaced in each chunk file: their subsets are cut there (see fontsharing).
    template_pdf = engine.write_pdf_leaving_programs_uncut(document, fontsharing.cut_here)
    with pikepdf.open(io.BytesIO(template_pdf)) as template:
        mediabox = tuple(float(value) for value in template.pages[0].mediabox)
        # Without what the household's hidden data left that paints nothing (bands).
        content = template.pages[0].Contents.read_bytes().decode("latin-1")
        cleaned = bands.without_empty_groups(content)
        if cleaned != content:
            template.pages[0].Contents = template.make_stream(cleaned.encode("latin-1"))
            out = io.BytesIO()
            template.save(out)
            template_pdf = out.getvalue()
    return Shape(
        template_pdf=template_pdf,
        mediabox=mediabox,
        styles=tuple(styles),
        fonts=tuple(run.fonts for run in runs),
        lines=tuple(lines),
        images=tuple(images),
        font_sources=fontsharing.document_font_sources(document),
        background=background,
        style_keys=tuple(map(engine.style_key, styles)),
        flow_after=flow,
    )


def _is_element(box, tag: str, classes: str) -> bool:
    found = engine.element_tag(box) or ""
    return found.rsplit("}", 1)[-1] == tag and engine.element_class(box) == classes


def _path_to(box, tag: str, classes: str) -> list | None:
    """The boxes from `box` down to the (outermost) box of the element `tag` of class `classes`."""
    if _is_element(box, tag, classes):
        return [box]
    for child in engine.children(box):
        if engine.box_kinds(child).placeholder:
            continue
        found = _path_to(child, tag, classes)
        if found is not None:
            return [box, *found]
    return None


_BORDERS = ("border_top_width", "border_right_width", "border_bottom_width", "border_left_width")


def _border_box(box) -> tuple[float, float, float, float]:
    """A box's border box's top and bottom, and its top and bottom margins (CSS px)."""
    where = engine.geometry(box)
    top = where.padding_y - engine.style_value(box, "border_top_width")
    bottom = where.padding_y + where.padding_height + engine.style_value(box, "border_bottom_width")
    return top, bottom, top - where.y, where.y + where.margin_height - bottom


def _flow_after(document, tag: str, classes: str) -> FlowAfter:
    """What follows the stub's anchor (the element `tag` of class `classes`) in the page's flow:
    the boxes after it and after each box it is in (not those placed out of the flow), which
    move down with the rows put in.

    Raises NotDrawable where moving them would not be what a layout with the rows does: a box it
    is in paints (its border or background would grow), a float follows it, or any other box
    reaches into their extent (it would move with them)."""
    page_box = engine.page_box(document, 0)
    path = _path_to(page_box, tag, classes)
    if path is None:
        raise NotDrawable("no element the data rows go after on the stub")
    following = []  # in the order of the document: the anchor's siblings first
    in_parent = None  # how many of them are the anchor's siblings
    for parent, child in reversed(list(itertools.pairwise(path))):
        if parent is not page_box and (
            engine.has_background(parent) or any(engine.style_value(parent, b) for b in _BORDERS)
        ):
            raise NotDrawable("a box around the data rows paints what would grow with them")
        siblings = list(engine.children(parent))
        for sibling in siblings[siblings.index(child) + 1 :]:
            if engine.box_kinds(sibling).placeholder:
                continue
            if engine.style_value(sibling, "float") != "none":
                raise NotDrawable("a float follows the data rows")
            if any(engine.style_value(sibling, border) for border in _BORDERS):
                # What moves is found within padding boxes: its border would stay behind.
                raise NotDrawable("a box that follows the data rows has a border of its own")
            following.append(sibling)
        if in_parent is None:
            in_parent = len(following)
    if _is_element(path[-1], "table", classes) and tag == "table":
        _check_table_ends_with_head(path[-1])
    anchor = engine.geometry(path[-1])
    anchor_end = anchor.y + anchor.margin_height
    boxes = [engine.geometry(box) for box in following]
    top = min((where.padding_y for where in boxes), default=anchor_end)
    bottom = max((where.padding_y + where.padding_height for where in boxes), default=anchor_end)
    # The page holds the flow while its last margin box, and the margins, borders and paddings
    # of the boxes around it, end within the page's content box.
    lowest = max([anchor_end] + [where.y + where.margin_height for where in boxes])
    around = sum(
        where.y + where.margin_height - (where.content_y + where.height)
        for where in map(engine.geometry, path[1:-1])
    )
    page = engine.geometry(page_box)
    room = page.content_y + page.height - lowest - around
    moving = {id(inner) for box in following for inner in engine.descendants(box)}
    moving |= {id(box) for box in path}
    for box in engine.descendants(page_box):
        if engine.box_kinds(box).placeholder:
            box = engine.placed_box(box)
        if id(box) in moving:
            continue
        where = engine.geometry(box)
        if where.y < bottom and where.y + where.margin_height > top and top < bottom:
            raise NotDrawable("a box that stays reaches into what moves with the data rows")
    _top, anchor_bottom, _margin, anchor_margin = _border_box(path[-1])
    next_top, next_margin = None, 0.0
    if in_parent:
        next_top, _bottom, next_margin, _after = _border_box(following[0])
    return FlowAfter(
        top, bottom, room, anchor_bottom, anchor_margin, next_top, next_margin,
        follows_parent=len(following) > in_parent,
    )  # fmt: skip


def _check_table_ends_with_head(wrapper) -> None:
    """The stub's table, whose rows go under its head row, ends with that row: no caption below
    it, no row after it (a footer, rows not marked), which would stay where the rows go."""
    table = None
    for child in engine.children(wrapper):
        if (engine.element_tag(child) or "").rsplit("}", 1)[-1] != "caption":
            table = child
            continue
        if table is not None:
            raise NotDrawable("a caption below the data rows' table")
    if table is None:
        raise NotDrawable("no table box in the data rows' table")
    for group in engine.children(table):
        # (An emptied row group holds an anonymous row for its white space: not a <tr>.)
        if engine.box_tag(group) != "thead" and any(
            engine.box_tag(row) == "tr" for row in engine.children(group)
        ):
            raise NotDrawable("rows in the data rows' table besides its head")


def _block(document, tag: str, classes: str) -> Block:
    """Where a block band's block (the element `tag` of class `classes`) lies, laid out alone."""
    path = _path_to(engine.page_box(document, 0), tag, classes)
    if path is None:
        raise NotDrawable("no block in its band")
    top, bottom, margin_top, margin_bottom = _border_box(path[-1])
    return Block(top, bottom - top, margin_top, margin_bottom)


# Rows put in must leave the flow after them clearly on the page (CSS px), so that no rounding
# makes a whole layout break it to another page.
ROOM_MARGIN_PX = 0.5


def composed(
    stub: Shape, rows: list[Shape], texts_before: int, images_before: int, stub_key: str = ""
) -> Shape:
    """The shape of a page measured as bands (pagedata.Bands): the stub with its data rows put
    in (bands.put_together), the data runs and images of the rows moved where their rows go and
    those after the table down by the rows' height, in the page's order of data.

    Its drawing is two forms (bands.put_together_parts): its `stub_form`, the stub as moved,
    which every page of the stub (`stub_key`: its digest, pagedata.Bands.stub.shape) whose rows
    are as high draws alike (a chunk file holds it once, by `stub_form_key`), then its own form,
    the rows.

    Raises NotDrawable when the page does not put together so (bands.NotBandable) or would not
    hold what moved down; the page is then measured whole."""
    flow = stub.flow_after
    if flow is None or not rows:
        raise NotDrawable("not a stub with data rows")
    stub_content = bands.page_content(stub.template_pdf)
    stub_lines = bands.lines_of(stub_content)
    try:
        moving = (
            bands.moving_within(stub_lines, flow.top, flow.bottom) if flow.top < flow.bottom else {}
        )
        if all(row.block is not None for row in rows):
            total, moves, growth = _blocks_placed(flow, [row.block for row in rows])
            if moving and flow.next_top is None:
                raise NotDrawable("what follows the blocks is not in their flow")
            blocks = [
                bands.block_lines(
                    bands.page_content(row.template_pdf), row.block.top, row.block.height
                )
                for row in rows
            ]
            stub_part, rows_part = bands.put_together_blocks(
                stub_content, moving, total, blocks, moves
            )
        elif any(row.block is not None for row in rows):
            raise NotDrawable("rows and blocks in one page's bands")
        else:
            row_bands = [bands.row_band(bands.page_content(row.template_pdf)) for row in rows]
            total = growth = sum(band.height for band in row_bands)
            stub_part, rows_part = bands.put_together_parts(stub_content, moving, row_bands)
            moves = bands.row_moves(stub_content, moving, row_bands)
        if growth > flow.room - ROOM_MARGIN_PX:
            raise NotDrawable("the data rows would push what follows them off the page")
    except bands.NotBandable as error:
        raise NotDrawable(str(error)) from None

    counts = [len(row.styles) for row in rows]
    in_rows = sum(counts)

    def after_stub(number: int) -> int:
        return number if number < texts_before else number + in_rows

    def follows(y: float) -> bool:  # moves with what follows the table
        return flow.top - bands.PRINTED_PX <= y <= flow.bottom + bands.PRINTED_PX

    lines = [
        _moved_line(line, total if follows(line.baselines[0]) else 0.0, after_stub)
        for line in stub.lines
    ]
    images = [_moved_image(place, total if follows(place[1]) else 0.0) for place in stub.images]
    styles, fonts, keys = list(stub.styles), list(stub.fonts), list(stub.style_keys)
    first_text, first_image = texts_before, images_before
    for row, move in zip(rows, moves, strict=True):
        lines += [
            _moved_line(line, move, lambda number, at=first_text: number + at) for line in row.lines
        ]
        images[first_image:first_image] = [_moved_image(place, move) for place in row.images]
        styles[first_text:first_text] = row.styles
        fonts[first_text:first_text] = row.fonts
        keys[first_text:first_text] = row.style_keys
        first_text += len(row.styles)
        first_image += len(row.images)
    lines.sort(key=lambda line: line.runs[0])
    template_pdf, embedded = _template_with(stub, rows, rows_part)
    sources = {name: (name, sha, index) for row in rows for name, sha, index in row.font_sources}
    stub_form = Shape(
        template_pdf=bands.with_page_content(stub.template_pdf, stub_part),
        mediabox=stub.mediabox,
        styles=(),
        fonts=(),
        lines=(),
        images=(),
        font_sources=stub.font_sources,
    )
    stub_form._embedded_fonts = stub.embedded_fonts()
    shape = Shape(
        template_pdf=template_pdf,
        mediabox=stub.mediabox,
        styles=tuple(styles),
        fonts=tuple(fonts),
        lines=tuple(lines),
        images=tuple(images),
        font_sources=tuple(sources[name] for name in sorted(sources)),
        background=stub.background,
        style_keys=tuple(keys),
        stub_form=stub_form,
        stub_form_key=hashlib.sha256(
            f"{stub_key}\n{stub.fonts!r}\n{stub_part}".encode()
        ).hexdigest(),
    )
    shape._embedded_fonts = embedded
    return shape


def _blocks_placed(flow: FlowAfter, blocks: list[Block]) -> tuple[float, list[float], float]:
    """Blocks put in after the stub's anchor, as a layout places them: each after the one before,
    the margins between them collapsing (the larger of two positive margins). How far what
    follows them in the flow moves down, how far each block moves from where it was laid out
    alone, and how much further down the flow now ends."""
    margins = [flow.anchor_margin, flow.next_margin]
    margins += [margin for block in blocks for margin in (block.margin_top, block.margin_bottom)]
    if min(margins) < 0 or flow.follows_parent:
        raise NotDrawable("blocks whose margins would not simply collapse, or in a nested flow")
    y = flow.anchor_bottom
    above = flow.anchor_margin
    moves = []
    for block in blocks:
        y += max(above, block.margin_top)
        moves.append(y - block.top)
        y += block.height
        above = block.margin_bottom
    if flow.next_top is None:
        return 0.0, moves, y + above - (flow.anchor_bottom + flow.anchor_margin)
    moved = y + max(above, flow.next_margin) - flow.next_top
    return moved, moves, moved


def _moved_line(line: _Line, dy: float, renumbered) -> _Line:
    return dataclasses.replace(
        line,
        runs=tuple(map(renumbered, line.runs)),
        baselines=tuple(baseline + dy for baseline in line.baselines),
    )


def _moved_image(place: tuple[float, float, float, float], dy: float):
    x, y, width, height = place
    return (x, y + dy, width, height)


def _template_with(stub: Shape, rows: list[Shape], content: str) -> tuple[bytes, dict | None]:
    """The stub's one-page PDF drawing `content` (the rows) with the rows' fonts and graphics
    states for its resources, and nothing else: a font several rows use once, with the glyphs of
    all (their widths must agree), as `Shape.embedded_fonts` then gives them."""
    import pikepdf

    embedded: dict = {}
    with pikepdf.open(io.BytesIO(stub.template_pdf)) as target:
        target.pages[0].Resources = resources = pikepdf.Dictionary()
        grown = set()
        for row in rows:
            with pikepdf.open(io.BytesIO(row.template_pdf)) as source:
                for category, entries in source.pages[0].Resources.items():
                    if category == "/ProcSet":
                        continue
                    if category not in ("/Font", "/ExtGState", "/ColorSpace"):
                        if len(entries):
                            raise NotDrawable(f"a data row's drawing uses {category} resources")
                        continue
                    if category not in resources:
                        resources[category] = pikepdf.Dictionary()
                    held = resources[category]
                    for name, value in entries.items():
                        if category == "/Font":
                            if _merged_font(embedded, name, (row.embedded_fonts() or {}).get(name)):
                                grown.add(name)
                        elif name in held and held[name].unparse(resolved=True) != value.unparse(
                            resolved=True
                        ):
                            raise NotDrawable(f"a data row's {category} {name} is another's")
                        if name not in held:
                            # (a direct object is copied as an indirect one of its own)
                            held[name] = target.copy_foreign(
                                value if value.is_indirect else source.make_indirect(value)
                            )
        for name in sorted(grown):
            font = resources.Font[name]
            widths, text = embedded[name]
            font.DescendantFonts[0].W = fontsharing.cid_widths_array(widths)
            font.ToUnicode = target.make_stream(fontsharing.to_unicode_cmap(text))
        _check_widths_agree(stub.embedded_fonts() or {}, embedded)
        target.pages[0].Contents = target.make_stream(content.encode("latin-1"))
        out = io.BytesIO()
        target.save(out)
    return out.getvalue(), embedded or None


def _check_widths_agree(stub: dict, rows: dict) -> None:
    """Refuse a page whose stub and rows set a glyph of one font at two widths. The stub's form and
    the rows' each hold the font with their own widths, but a whole layout holds it once, at one
    width, and places the other size's glyphs by their offsets from it, rounded to a thousandth of
    an em: drawn from the two forms, such glyphs would land up to that far from where it puts them
    (a font at 10.1 pt in a row and 10.5 pt in the stub's note: 289 pixels off at 300 dpi)."""
    for name, use in rows.items():
        if name not in stub:
            continue
        if stub[name] is None:
            raise NotDrawable(f"the stub's font {name} is not one the chunk file can share")
        held = stub[name][0]
        if any(held.get(glyph, width) != width for glyph, width in use[0].items()):
            raise NotDrawable(f"a glyph of font {name} has two widths in the bands")


def _merged_font(embedded: dict, name: str, use) -> bool:
    """Add a row's font (its widths and text, by resource name) to the rows'; whether a font an
    earlier row had already took glyphs it did not have."""
    if use is None:
        raise NotDrawable(f"a data row's font {name} is not one the chunk file can share")
    if name not in embedded:
        embedded[name] = (dict(use[0]), dict(use[1]))
        return False
    held = embedded[name]
    widths, text = use
    if any(held[0].get(glyph, width) != width for glyph, width in widths.items()):
        raise NotDrawable(f"a glyph of font {name} has two widths in the bands")
    new = widths.keys() - held[0].keys() or text.keys() - held[1].keys()
    embedded[name] = ({**held[0], **widths}, {**text, **held[1]})
    return bool(new)
