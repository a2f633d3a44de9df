"""Variable-data printing: the print batch's fast renderer (the idea behind PDF/VT).

A page of a notice is static content, the same for every household whose page has the same
*shape*, plus the household's own data: the text runs the templates mark `| var` and the images
they mark class "vi" (address, names, dates, numbers, customer barcode, voice codes, print marks).
The shape is the page's HTML with that data left out, so two pages share a shape only when
everything else on them is the same.

Each shape is laid out by WeasyPrint once, with the household data hidden (`visibility: hidden`
keeps every box where it was); a ShapeStore (the batch's run folder) lets workers share them. Its page becomes one Form XObject per chunk
file, and the layout says where each data run and image sits. A household's page is then that
form plus its own runs and images, drawn where the layout measured them. The runs are shaped and
drawn by WeasyPrint's own text code (Pango, `draw_first_line`), in the style WeasyPrint computed
for them, so glyphs, fonts and positions are those of a full render. Guide pages, whose only data
is the sequence number and the inserter mark, cost almost nothing; a personal page costs its runs.

Drawing a page this way must show what a full render would, so it is done only when that follows
from the layout; otherwise the notice is laid out in full, as `render` does, and copied whole:
- in the shape's layout every run is one text box, on its line nothing but other runs follows it
  (so a run's width moves only the runs after it, which are placed from the new widths), and its
  line is the only line of its block (so no run's width decides what goes on which line);
- centred and right-aligned lines hold runs only (their place follows from their widths);
- each of the household's runs is set in the same fonts as in the measured layout (fonts are part
  of the shape, so line heights and baselines are the same);
- the household's line fits between its start and the line box's end (a full render would not
  wrap it), each run is one line of text (no white space that CSS would collapse, no line or
  paragraph separator, no control character), and each image is a PNG a full render would draw
  the same way (grey or 1-bit, opaque, pixelated);
- the runs' styles use nothing this renderer does not draw (text-transform, decorations,
  right-to-left text).

Static forms depend only on the shape and runs are placed from the shape's geometry, so the bytes
of a chunk do not depend on which household a worker first measured a shape with: chunks stay
byte-identical whatever the worker count, and on resume.

This module reaches into WeasyPrint's internals (its Layout, draw_first_line, Stream and Font
objects); pyproject.toml pins the WeasyPrint version for that reason.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import html
import io
import pickle
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Protocol

from noticegen import render
from noticegen.view import NoticeView

PX_TO_PT = 0.75  # WeasyPrint lays out in CSS pixels; PDF user space is in points
# A run must end at least this far (in CSS px) before its line box's end: clearly fitting, so
# that no rounding can make a full render wrap what this renderer kept on one line.
FIT_MARGIN_PX = 0.01
# The widths this renderer computes for the measured household's runs must equal WeasyPrint's.
WIDTH_TOLERANCE_PX = 1e-6

_HIDE_DATA = (
    f".{render.VARIABLE_TEXT_CLASS}, .{render.VARIABLE_IMAGE_CLASS} {{ visibility: hidden; }}\n"
)
_PAGE_START = re.compile(r'(?=<div class="page page-)')
_DATA_TEXT = re.compile(rf'<span class="{render.VARIABLE_TEXT_CLASS}">([^<]*)</span>')
_DATA_IMAGE = re.compile(
    rf'(<img class="(?:[^"]* )?{render.VARIABLE_IMAGE_CLASS}(?: ([^"]*))?") src="([^"]*)" alt="[^"]*"'
    r'(?: style="([^"]*)")?'
)
# A data image of class "centered" sits centred in a box of its own whose size does not depend on
# the image (the voice codes): its size is data too, read from its style.
_CENTERED = "centered"
_SIZE = re.compile(r"width: ([0-9.]+)mm; height: ([0-9.]+)mm")
MM_TO_PX = 96 / 25.4
# A run a full render could set otherwise than as one plain line: white space CSS would collapse
# or strip, control characters (tabs and newlines among them), line and paragraph separators.
_NOT_ONE_LINE = re.compile(r"^ | $|  |[\x00-\x1f\x7f-\x9f\u2028\u2029]")


class NotDrawable(Exception):
    """This page cannot be drawn from its shape; the notice is laid out in full instead."""


@dataclass(frozen=True)
class PageData:
    """One page of a notice, split into its shape and the household's data on it."""

    shape: str  # digest of the page's HTML without the household data, with the notice's styles
    head: str  # the document head (styles) the page is laid out with
    markup: str  # the page's HTML, data included
    texts: tuple[str, ...]
    images: tuple[tuple[str, tuple[float, float] | None], ...]  # PNG data URI, centred size (px)


# The title of the one-page documents shapes are laid out in: the same for every chunk, so that a
# shape measured for one chunk serves the next (the chunk file's own title is set on the file).
_SHAPE_TITLE = "noticegen"


def pages(part: NoticeView) -> list[PageData]:
    """A notice part's pages, each as its shape and its data."""
    markup = render.document_html([part], _SHAPE_TITLE, part.lang)
    head, _, rest = markup.partition("<body>\n")
    body = rest.rpartition("</body>")[0]
    segments = [segment for segment in _PAGE_START.split(body) if segment]
    if len(segments) != part.page_count:
        raise AssertionError("the notice template's pages are not where variable_print expects")
    result = []
    for segment in segments:
        texts = tuple(html.unescape(text) for text in _DATA_TEXT.findall(segment))
        images = tuple(_data_image(match) for match in _DATA_IMAGE.finditer(segment))
        blank = _DATA_TEXT.sub(f'<span class="{render.VARIABLE_TEXT_CLASS}"></span>', segment)
        blank = _DATA_IMAGE.sub(_blank_image, blank)
        digest = hashlib.sha256((head + blank).encode()).hexdigest()
        result.append(PageData(digest, head, segment, texts, images))
    return result


def _centered(match: re.Match) -> bool:
    return _CENTERED in (match.group(2) or "").split()


def _data_image(match: re.Match) -> tuple[str, tuple[float, float] | None]:
    if not _centered(match):
        return match.group(3), None
    size = _SIZE.search(match.group(4) or "")
    if size is None:
        raise AssertionError("a centred data image without its size in mm")
    return match.group(3), (float(size.group(1)) * MM_TO_PX, float(size.group(2)) * MM_TO_PX)


def _blank_image(match: re.Match) -> str:
    # A centred image's size is data; any other image's style belongs to the shape.
    style = "" if _centered(match) or match.group(4) is None else f' style="{match.group(4)}"'
    return f'{match.group(1)} src="" alt=""{style}'


# ---------------------------------------------------------------------------------------------
# Shapes: a page laid out once, with where its data goes


@dataclass(frozen=True)
class _Line:
    """A line box holding data runs: the runs in order, and how the line places them."""

    runs: tuple[int, ...]  # indexes into the page's texts
    align: str  # "left", "center" or "right"
    start_x: float  # left-aligned: where the first run starts (after the line's static text)
    box_left: float
    box_width: float
    baselines: tuple[float, ...]


@dataclass
class Shape:
    template_pdf: bytes  # the static page, laid out with the data hidden
    mediabox: tuple[float, ...]
    styles: tuple[Any, ...]  # WeasyPrint's computed style of each data run (detached)
    fonts: tuple[tuple[str, ...], ...]  # the fonts each run was set in when measured
    lines: tuple[_Line, ...]
    # x, y, width, height in CSS px; for a centred image, its centre and 0, 0 (see _image_place)
    images: tuple[tuple[float, float, float, float], ...]
    # The file each font of the form comes from, by its resource name: a chunk file holds one
    # subset of each font file, serving every form and data run (see _share_fonts).
    font_sources: tuple[tuple[str, str, int], ...] = ()  # (name, file's sha256, face index)
    _template: Any = None  # pikepdf.Pdf holding _form, opened on first use
    _form: Any = None

    @property
    def form(self):
        """The static page as a Form XObject (in a pikepdf document of its own)."""
        if self._form is None:
            import pikepdf

            self._template = pikepdf.open(io.BytesIO(self.template_pdf))
            self._form = self._template.pages[0].as_form_xobject()
        return self._form

    def to_bytes(self) -> bytes:
        """For other workers: everything but the styles' font configuration, which is per process."""
        return pickle.dumps(
            (
                self.template_pdf,
                self.mediabox,
                tuple(dict(style) for style in self.styles),
                self.fonts,
                self.lines,
                self.images,
                self.font_sources,
            ),
            protocol=pickle.HIGHEST_PROTOCOL,
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> Shape:
        from weasyprint.css import Style

        template_pdf, mediabox, values, fonts, lines, images, font_sources = pickle.loads(data)
        styles = []
        for value in values:
            style = Style(value)
            style.font_config = render.font_configuration()
            style.cache = {}
            styles.append(style)
        return cls(template_pdf, mediabox, tuple(styles), fonts, lines, images, font_sources)


class ShapeStore(Protocol):
    """Where workers leave the shapes they measured, for each other (the batch's run folder)."""

    def get(self, name: str) -> bytes | None: ...

    def first(self, prefix: str) -> bytes | None: ...

    def put(self, name: str, data: bytes) -> None: ...


@dataclass
class _Run:
    text: str
    layout: Any
    width: float
    fonts: tuple[str, ...]
    one_line: bool  # Pango set it on one line (a check behind _NOT_ONE_LINE)


def _detached(style):
    """A run's computed style, copied out of its document.

    A computed style refers to its parent's, and so to the whole laid-out document; a copy of its
    values keeps a worker's memory to what the shapes need.
    """
    from weasyprint.css import Style
    from weasyprint.css.properties import INITIAL_VALUES

    copy = Style()
    for name in INITIAL_VALUES:
        try:
            copy[name] = style[name]
        except KeyError:  # a logical property (border-block-*) computed through its physical one
            continue
    copy.font_config = style.font_config
    copy.cache = {}
    return copy


def _shape_text(text: str, style) -> _Run:
    from weasyprint.text.fonts import get_pango_font_key
    from weasyprint.text.line_break import Layout, line_size

    layout = Layout(style)
    layout.set_text(text)
    first_line, second_line_start = layout.get_first_line()
    fonts = []
    run = first_line.runs
    while run:
        key = get_pango_font_key(run.data.item.analysis.font)[0]
        if not fonts or fonts[-1] != key:
            fonts.append(key)
        run = run.next
    width = line_size(first_line, style)[0]
    return _Run(text, layout, width, tuple(fonts), second_line_start is None)


def _leaves(box):
    """The inline-level leaves of a line box, in order."""
    from weasyprint.formatting_structure import boxes

    for child in box.children:
        if isinstance(child, boxes.InlineBox):
            yield from _leaves(child)
        else:
            yield child


def _is_data_text(box) -> bool:
    from weasyprint.formatting_structure import boxes

    return (
        isinstance(box, boxes.TextBox)
        and box.element is not None
        and box.element.get("class") == render.VARIABLE_TEXT_CLASS
    )


def _shrinks_to_fit(box) -> bool:
    from weasyprint.formatting_structure import boxes

    floating = box.style["float"] != "none" or box.style["position"] in ("absolute", "fixed")
    return box.style["width"] == "auto" and (floating or isinstance(box, boxes.InlineBlockBox))


def _alignment(style) -> str | None:
    value = style["text_align_all"]
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
    classes = (box.element.get("class") or "").split()
    if _CENTERED not in classes:
        return (box.content_box_x(), box.content_box_y(), box.width, box.height)
    # The template centres it with left: 50%, top: 50% in its area (its containing block).
    return (
        area.padding_box_x() + area.padding_width() / 2,
        area.padding_box_y() + area.padding_height() / 2,
        0.0,
        0.0,
    )


def measure(page: PageData) -> Shape:
    """Lay out the page's shape (with this page's data hidden) and find where the data goes.

    Raises NotDrawable when this page's layout does not allow drawing its data over a form.
    """
    import pikepdf
    from weasyprint.formatting_structure import boxes
    from weasyprint.layout.absolute import AbsolutePlaceholder

    head = page.head.replace("</style>", _HIDE_DATA + "</style>", 1)
    document = render.lay_out_untagged(f"{head}<body>\n{page.markup}</body>\n</html>\n")
    if len(document.pages) != 1:
        raise NotDrawable("the page does not lay out as one page")
    page_box = document.pages[0]._page_box

    text_boxes: dict[int, list] = {}  # element id → its text boxes
    order: list[int] = []
    lines = []
    image_boxes = []

    def walk(box, containing):
        if isinstance(box, AbsolutePlaceholder):
            box = box._box
        if isinstance(box, boxes.LineBox):
            lines.append((box, containing))
        if isinstance(box, boxes.ReplacedBox) and box.element is not None:
            classes = (box.element.get("class") or "").split()
            if render.VARIABLE_IMAGE_CLASS in classes:
                image_boxes.append((box, containing))
        if _is_data_text(box):
            key = id(box.element)
            if key not in text_boxes:
                text_boxes[key] = []
                order.append(key)
            text_boxes[key].append(box)
        for child in getattr(box, "children", ()):
            walk(child, box if isinstance(box, boxes.BlockContainerBox) else containing)

    walk(page_box, page_box)
    if len(order) != len(page.texts) or len(image_boxes) != len(page.images):
        raise NotDrawable("the layout's data runs are not the page's")
    index_of = {}
    styles = []
    for number, key in enumerate(order):
        found = text_boxes[key]
        if len(found) != 1 or found[0].text != page.texts[number]:
            raise NotDrawable("a data run is broken over lines or changed by the layout")
        index_of[id(found[0])] = number
        style = found[0].style
        if (
            style["text_transform"] != "none"
            or style["text_decoration_line"] != "none"
            or style["direction"] != "ltr"
        ):
            raise NotDrawable("a data run styled in a way this renderer does not draw")
        styles.append(_detached(style))
    for box, _area in image_boxes:
        if box.style["image_rendering"] != "pixelated":
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
        align = _alignment(line.style)
        if align is None or (align != "left" and first != 0):
            raise NotDrawable("a data run on a justified, or not only data, line")
        runs = tuple(index_of[id(leaf)] for leaf in leaves[first:])
        placed = _Line(
            runs=runs,
            align=align,
            start_x=leaves[first].position_x,
            # Not the line's own position: text-align has already moved the line box.
            box_left=containing.content_box_x(),
            box_width=containing.width,
            baselines=tuple(leaves[i].position_y + leaves[i].baseline for i in positions),
        )
        # What this renderer would draw for the measured household must be what WeasyPrint laid out.
        widths = [measured_runs[number].width for number in runs]
        x = _line_start(placed, widths)
        for number, width in zip(runs, widths, strict=True):
            box = leaves[first + runs.index(number)]
            if abs(box.width - width) > WIDTH_TOLERANCE_PX or abs(box.position_x - x) > 1e-6:
                raise NotDrawable("a data run's width or place differs from WeasyPrint's")
            x += width
        if not _fits(placed, widths):
            raise NotDrawable("the measured household's line does not clearly fit")
        shape_lines.append(placed)
    if sum(len(line.runs) for line in shape_lines) != len(page.texts):
        raise NotDrawable("a data run outside any line")

    template_pdf = document.write_pdf()
    with pikepdf.open(io.BytesIO(template_pdf)) as template:
        mediabox = tuple(float(value) for value in template.pages[0].mediabox)
    return Shape(
        template_pdf=template_pdf,
        mediabox=mediabox,
        styles=tuple(styles),
        fonts=tuple(run.fonts for run in measured_runs),
        lines=tuple(shape_lines),
        images=tuple(_image_place(box, area) for box, area in image_boxes),
        font_sources=_document_font_sources(document),
    )


# ---------------------------------------------------------------------------------------------
# A chunk file: pages drawn from shapes, and whole notices where a page cannot be


@dataclass
class ChunkFile:
    """One print file being assembled: pages in order, fonts and images shared across them."""

    title: str
    # Makes the assembled document a press's file (the batch's PDF/X finishing, noticegen.press);
    # returns the PDF version to save it as. None: a plain PDF.
    finishing: Callable[[Any], str] | None = None
    pdf: Any = None
    fonts: dict = field(default_factory=dict)  # WeasyPrint Font objects used by the data runs
    _forms: dict = field(default_factory=dict)  # shape digest → the form, copied into this file
    # The /Font dictionaries of the forms and of the pages laid out in full, in the order met,
    # and the files their fonts come from: finish() points them all at one subset per font.
    _font_holders: list = field(default_factory=list)
    _font_sources: dict = field(default_factory=dict)  # resource name → (sha256, face index)
    _held: set = field(default_factory=set)
    _images: dict = field(default_factory=dict)  # data URI → image XObject in this file
    _font_resources: Any = None
    # WeasyPrint's colour operators name an opacity state (/a1 gs): shared like the fonts.
    _states: dict = field(default_factory=lambda: {"ExtGState": {}})
    _state_resources: Any = None
    pages_drawn: int = 0
    pages_laid_out: int = 0

    def __post_init__(self):
        import pikepdf

        self.pdf = pikepdf.new()
        self.pdf.docinfo["/Title"] = self.title
        # Filled in by finish(): every drawn page refers to this one font dictionary.
        self._font_resources = self.pdf.make_indirect(pikepdf.Dictionary())
        self._state_resources = self.pdf.make_indirect(pikepdf.Dictionary())

    def add_drawn_page(
        self, key: tuple, shape: Shape, runs: list[_Run], page: PageData, pictures: list[_Picture]
    ) -> None:
        import pikepdf

        if key not in self._forms:
            form = self._forms[key] = self.pdf.copy_foreign(shape.form)
            self._hold_fonts(form, shape.font_sources)
        mediabox = shape.mediabox
        # WeasyPrint's page space: origin top left, y down, CSS pixels.
        top = mediabox[3]
        content = [b"q 1 0 0 -1 0 %f cm %f 0 0 %f 0 0 cm" % (top, PX_TO_PT, PX_TO_PT)]
        content.append(_draw_runs(self.fonts, self._states, shape, runs))
        xobjects = pikepdf.Dictionary(S=self._forms[key])
        for number, ((uri, size), picture, (x, y, width, height)) in enumerate(
            zip(page.images, pictures, shape.images, strict=True)
        ):
            if size is not None:  # (x, y) is the centre it is drawn around
                x, y = x - size[0] / 2, y - size[1] / 2
                width, height = size
            name = f"I{number}"
            xobjects[f"/{name}"] = self._image(uri, picture)
            content.append(
                b"q %f 0 0 %f %f %f cm /%s Do Q" % (width, -height, x, y + height, name.encode())
            )
        content.append(b"Q")
        page_dict = pikepdf.Dictionary(
            Type=pikepdf.Name.Page,
            MediaBox=list(mediabox),
            Resources=pikepdf.Dictionary(
                XObject=xobjects, Font=self._font_resources, ExtGState=self._state_resources
            ),
            Contents=self.pdf.make_stream(b"q /S Do Q\n" + b"\n".join(content)),
        )
        self.pdf.pages.append(pikepdf.Page(page_dict))
        self.pages_drawn += 1

    def add_laid_out_pages(self, data: bytes, font_sources: tuple = ()) -> None:
        """A notice laid out in full (`font_sources`: its fonts' files, as Shape.font_sources)."""
        import pikepdf

        with pikepdf.open(io.BytesIO(data)) as part:
            first = len(self.pdf.pages)
            self.pdf.pages.extend(part.pages)
            self.pages_laid_out += len(part.pages)
        for page in self.pdf.pages[first:]:
            self._hold_fonts(page.obj, font_sources)

    def _hold_fonts(self, holder, font_sources: tuple) -> None:
        import pikepdf

        fonts = holder.get("/Resources", {}).get("/Font")
        if not isinstance(fonts, pikepdf.Dictionary):
            return
        if not fonts.is_indirect or fonts.objgen not in self._held:
            self._font_holders.append(fonts)
            self._held.add(fonts.objgen)
        for name, sha256, index in font_sources:
            self._font_sources.setdefault(name, (sha256, index))

    def _image(self, uri: str, picture: _Picture):
        if uri not in self._images:
            self._images[uri] = self.pdf.make_indirect(_image_xobject(self.pdf, picture))
        return self._images[uri]

    def finish(self) -> bytes:
        """The file's bytes: one subset of each font for all its pages (_share_fonts), subset
        tags and the file identifier from the content."""
        import pikepdf

        shared = _share_fonts(self.pdf, self.fonts, self._font_holders, self._font_sources)
        for font in self.fonts.values():
            self._font_resources[f"/{font.hash}"] = shared[font.hash]
        for name, state in sorted(self._states["ExtGState"].items()):
            self._state_resources[f"/{name}"] = pikepdf.Dictionary(
                {f"/{key}": value for key, value in state.items()}
            )
        tag_subsets_by_content(self.pdf)
        version = self.finishing(self.pdf) if self.finishing is not None else None
        out = io.BytesIO()
        self.pdf.save(out, deterministic_id=True, compress_streams=True, force_version=version)
        self.pdf.close()
        return out.getvalue()


def _draw_runs(fonts: dict, states: dict, shape: Shape, runs: list[_Run]) -> bytes:
    """The runs' drawing operators; the fonts and graphic states they use are added to those given."""
    from weasyprint.draw.text import draw_first_line
    from weasyprint.matrix import Matrix
    from weasyprint.pdf.stream import Stream

    stream = Stream(fonts, (0, 0, 0, 0), states, {}, None, {}, None, compress=False)
    for line in shape.lines:
        x = _line_start(line, [runs[number].width for number in line.runs])
        for number, y in zip(line.runs, line.baselines, strict=True):
            run = runs[number]
            style = shape.styles[number]
            if run.text.strip():
                stream.set_color(style["color"])
                stream.begin_text()
                textbox = SimpleNamespace(text=run.text, style=style, pango_layout=run.layout)
                draw_first_line(stream, textbox, "clip", "none", Matrix(d=-1, e=x, f=y))
                stream.end_text()
            x += run.width
    from pydyf import _to_bytes

    return b"\n".join(_to_bytes(item) for item in stream.stream)


def tag_subsets_by_content(pdf) -> None:
    """Give each embedded font subset a tag of its own (ABCDEF+BIZ-UDPGothic).

    PDF 9.6.4: different subsets in one file have different tags. WeasyPrint derives a tag from
    the font's name, so every shape's form would carry its own subset of a font under one tag,
    and a RIP that caches fonts by name could draw one form with another's glyphs. The tag is
    taken from the subset's bytes: the same subset, the same tag, in every run.
    """
    import pikepdf

    for candidate in pdf.objects:
        if not isinstance(candidate, pikepdf.Dictionary) or candidate.get("/Subtype") != "/Type0":
            continue
        descendant = candidate.DescendantFonts[0]
        descriptor = descendant.FontDescriptor
        program = descriptor.get("/FontFile2") or descriptor.get("/FontFile3")
        if program is None:
            continue
        digest = hashlib.sha256(program.read_raw_bytes()).digest()
        tag = "".join(chr(ord("A") + byte % 26) for byte in digest[:6])
        for holder, key in (
            (candidate, "/BaseFont"),
            (descendant, "/BaseFont"),
            (descriptor, "/FontName"),
        ):
            name = str(holder[key]).lstrip("/").split("+", 1)[-1]
            holder[key] = pikepdf.Name(f"/{tag}+{name}")


@dataclass(frozen=True)
class _Picture:
    """A data image's pixels, as the PDF image takes them (DeviceGray)."""

    width: int
    height: int
    bits: int  # 8 (the project's codes and marks), or 1 (an external encoder's PNG)
    data: bytes


def _plain_png(uri: str) -> _Picture | None:
    """The pixels of a PNG a full render draws as this renderer does (grey or 1-bit, opaque);
    None for anything else."""
    from PIL import Image

    if not uri.startswith("data:image/png;base64,"):
        return None
    try:
        picture = Image.open(io.BytesIO(base64.b64decode(uri.partition(",")[2])))
        if picture.mode not in ("1", "L") or "transparency" in picture.info:
            return None
        data = picture.tobytes()
    except Exception:
        return None
    return _Picture(picture.width, picture.height, 1 if picture.mode == "1" else 8, data)


def _image_xobject(pdf, picture: _Picture):
    """A data image as an image XObject, never smoothed (the templates print them pixelated)."""
    import pikepdf

    return pikepdf.Stream(
        pdf,
        picture.data,
        Type=pikepdf.Name.XObject,
        Subtype=pikepdf.Name.Image,
        Width=picture.width,
        Height=picture.height,
        ColorSpace=pikepdf.Name.DeviceGray,
        BitsPerComponent=picture.bits,
        Interpolate=False,
    )


# ---------------------------------------------------------------------------------------------
# One subset per font and chunk file
#
# WeasyPrint embeds in each PDF it writes a subset of each font, with the glyph ids kept (CIDs are
# the font's own glyph ids, Identity-H), under a resource name it takes from the font's
# description (family, weight, style): the same name in every layout of every process. So every
# form, every page laid out in full and the data runs can share one subset of the font: the union
# of the glyphs they use, taken from the font file again, with one /W and one /ToUnicode covering
# them all. Nothing in a content stream changes. A form whose font gives a glyph another width
# than the shared font does (WeasyPrint rounds a glyph's advance at the size first met) keeps
# its own subset, so that no glyph moves.


def _font_source(font) -> tuple[str, int]:
    """The sha256 and face index of the file a WeasyPrint Font comes from (cached by name:
    within one font configuration, a font's description names one file)."""
    source = _FONT_SOURCES.get(font.hash)
    if source is None:
        from weasyprint.text.fonts import get_hb_object_data

        digest = hashlib.sha256(get_hb_object_data(font.hb_face)).hexdigest()
        source = _FONT_SOURCES[font.hash] = (digest, font.index)
    return source


_FONT_SOURCES: dict[str, tuple[str, int]] = {}


def _document_font_sources(document) -> tuple[tuple[str, str, int], ...]:
    """Where the fonts of a written WeasyPrint document come from, for Shape.font_sources."""
    found = {font.hash: _font_source(font) for font in document.fonts.values() if not font.bitmap}
    return tuple((name, *found[name]) for name in sorted(found))


@functools.cache
def _font_files() -> dict[str, Path]:
    """The project's font files (fontconfig sees no others: noticegen.fonts), by sha256."""
    from noticegen import fonts

    return {
        hashlib.sha256(path.read_bytes()).hexdigest(): path
        for path in sorted(fonts.FONT_DIR.iterdir())
        if path.is_file()
    }


@functools.lru_cache(maxsize=32)
def _subset_program(sha256: str, index: int, glyphs: frozenset[int]) -> bytes:
    """The project's font file of this sha256 (face `index`) cut to `glyphs`."""
    return _cut_font(_font_files()[sha256].read_bytes(), index, glyphs)


def _cut_font(data: bytes, index: int, glyphs: frozenset[int]) -> bytes:
    """A font file (face `index`) cut to `glyphs`, every glyph keeping its id (the slots of the
    others stay, empty), without hinting: as WeasyPrint's own subsets are, by HarfBuzz's subsetter
    (fontTools takes seconds on a CID-keyed CFF font such as Noto Sans CJK, where it keeps)."""
    hb = _harfbuzz_subset()
    if hb is None:
        return _cut_font_with_fonttools(data, index, glyphs)
    ffi, library = hb
    blob = library.hb_blob_create(data, len(data), 1, ffi.NULL, ffi.NULL)  # 1: read-only
    face = library.hb_face_create(blob, index)
    request = library.hb_subset_input_create_or_fail()
    try:
        kept = library.hb_subset_input_glyph_set(request)
        for glyph in sorted(glyphs | {0}):
            library.hb_set_add(kept, glyph)
        dropped = library.hb_subset_input_set(request, 3)  # HB_SUBSET_SETS_DROP_TABLE_TAG
        for tag in _DROPPED_TABLES:
            library.hb_set_add(dropped, library.hb_tag_from_string(tag.encode(), 4))
        # NO_HINTING | RETAIN_GIDS | DESUBROUTINIZE | PASSTHROUGH_UNRECOGNIZED
        library.hb_subset_input_set_flags(request, 0x01 | 0x02 | 0x04 | 0x20)
        cut = library.hb_subset_or_fail(face, request)
        if cut == ffi.NULL:
            return _cut_font_with_fonttools(data, index, glyphs)
        result = library.hb_face_reference_blob(cut)
        length = ffi.new("unsigned int *")
        program = bytes(ffi.buffer(library.hb_blob_get_data(result, length), length[0]))
        library.hb_blob_destroy(result)
        library.hb_face_destroy(cut)
        return program
    finally:
        library.hb_subset_input_destroy(request)
        library.hb_face_destroy(face)
        library.hb_blob_destroy(blob)


# As WeasyPrint: shaping, bitmap and colour tables are of no use in a PDF.
_DROPPED_TABLES = (
    "BASE",
    "DSIG",
    "EBDT",
    "EBLC",
    "EBSC",
    "GPOS",
    "GSUB",
    "JSTF",
    "LTSH",
    "PCLT",
    "SVG ",
)


@functools.cache
def _harfbuzz_subset():
    """HarfBuzz's public C API for subsetting (the library WeasyPrint itself subsets with), or None
    where libharfbuzz-subset is not installed."""
    import cffi

    ffi = cffi.FFI()
    ffi.cdef(
        """
        typedef struct hb_blob_t hb_blob_t;
        typedef struct hb_face_t hb_face_t;
        typedef struct hb_set_t hb_set_t;
        typedef struct hb_subset_input_t hb_subset_input_t;
        hb_blob_t *hb_blob_create(const char *data, unsigned int length, int mode,
                                  void *user_data, void *destroy);
        void hb_blob_destroy(hb_blob_t *blob);
        const char *hb_blob_get_data(hb_blob_t *blob, unsigned int *length);
        hb_face_t *hb_face_create(hb_blob_t *blob, unsigned int index);
        void hb_face_destroy(hb_face_t *face);
        hb_blob_t *hb_face_reference_blob(hb_face_t *face);
        void hb_set_add(hb_set_t *set, uint32_t codepoint);
        uint32_t hb_tag_from_string(const char *str, int len);
        hb_subset_input_t *hb_subset_input_create_or_fail(void);
        void hb_subset_input_destroy(hb_subset_input_t *input);
        hb_set_t *hb_subset_input_glyph_set(hb_subset_input_t *input);
        hb_set_t *hb_subset_input_set(hb_subset_input_t *input, int set_type);
        void hb_subset_input_set_flags(hb_subset_input_t *input, unsigned value);
        hb_face_t *hb_subset_or_fail(hb_face_t *source, const hb_subset_input_t *input);
        """
    )
    for name in ("libharfbuzz-subset.so.0", "libharfbuzz-subset.0.dylib", "harfbuzz-subset"):
        try:
            return ffi, ffi.dlopen(name)
        except OSError:
            continue
    return None


def _cut_font_with_fonttools(data: bytes, index: int, glyphs: frozenset[int]) -> bytes:
    import logging

    from fontTools import subset
    from fontTools.ttLib import TTFont

    logging.getLogger("fontTools.subset").setLevel(logging.ERROR)
    font = TTFont(io.BytesIO(data), fontNumber=index, lazy=True)
    options = subset.Options(
        retain_gids=True,
        ignore_missing_glyphs=True,
        hinting=False,
        desubroutinize=True,
        notdef_outline=False,
    )
    options.drop_tables += [tag for tag in _DROPPED_TABLES if tag not in options.drop_tables]
    subsetter = subset.Subsetter(options)
    subsetter.populate(gids=sorted(glyphs | {0}))
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


@dataclass
class _FontUse:
    """What one chunk file's pages ask of one font: the glyphs, their widths and text."""

    name: str
    source: tuple[str, int]  # the file's sha256 and face index
    font: Any = None  # a data run's WeasyPrint Font, whose file is at hand
    widths: dict[int, int] = field(default_factory=dict)
    text: dict[int, str] = field(default_factory=dict)
    descriptor: dict = field(default_factory=dict)  # FontName, FontFamily, Flags, Ascent, …
    embedded: list = field(default_factory=list)  # the sources' own Type0 fonts it replaces

    def takes(self, widths: dict[int, int]) -> bool:
        """Whether glyphs of these widths can be drawn with this font (no glyph of two widths)."""
        return all(self.widths.get(glyph, width) == width for glyph, width in widths.items())


def _embedded_use(font) -> tuple[dict[int, int], dict[int, str]] | None:
    """The widths and text of the glyphs a WeasyPrint Type0 font (Identity-H) was embedded with;
    None for a font this cannot share."""
    import pikepdf

    if font.get("/Subtype") != "/Type0" or font.get("/Encoding") != "/Identity-H":
        return None
    descendant = font.DescendantFonts[0]
    if descendant.get("/CIDToGIDMap", pikepdf.Name.Identity) != "/Identity":
        return None
    widths: dict[int, int] = {}
    items = list(descendant.get("/W", []))
    position = 0
    while position < len(items):
        first = int(items[position])
        if isinstance(items[position + 1], pikepdf.Array):
            for offset, width in enumerate(items[position + 1]):
                widths[first + offset] = round(float(width))
            position += 2
        else:
            for glyph in range(first, int(items[position + 1]) + 1):
                widths[glyph] = round(float(items[position + 2]))
            position += 3
    text: dict[int, str] = {}
    if "/ToUnicode" in font:
        cmap = font.ToUnicode.read_bytes()
        if b"bfrange" in cmap:
            return None
        for glyph, code in _BFCHAR.findall(cmap):
            text[int(glyph, 16)] = bytes.fromhex(code.decode()).decode("utf-16-be")
    return widths, text


_BFCHAR = re.compile(rb"<([0-9a-fA-F]{4})>\s*<([0-9a-fA-F]*)>")
_DESCRIPTOR_KEYS = (
    "/FontFamily",
    "/Flags",
    "/ItalicAngle",
    "/Ascent",
    "/Descent",
    "/StemV",
    "/StemH",
)


def _share_fonts(pdf, run_fonts: dict, holders: list, sources: dict) -> dict[str, Any]:
    """One font object per font for the whole file: the data runs' fonts (WeasyPrint Font objects)
    and those of the /Font dictionaries `holders` (forms, pages laid out in full), whose files are
    `sources`. The holders are pointed at the shared fonts; returns them by resource name."""
    import pikepdf
    from weasyprint.text.fonts import get_hb_object_data

    uses: dict[str, _FontUse] = {}
    # The data runs' fonts first: their content streams are drawn with the shared fonts whatever
    # happens, so theirs are the widths every other source must agree with.
    for font in run_fonts.values():
        if font.bitmap or font.missing:
            # The reader rejects text no font covers (fonts.coverage), and no project font is
            # a bitmap font: neither reaches a data run.
            raise AssertionError(f"a data run drawn with a bitmap font or a .notdef: {font.name}")
        use = uses.get(font.hash)
        if use is None:
            use = uses[font.hash] = _FontUse(font.hash, _font_source(font), font)
            use.descriptor = {
                "/FontName": pikepdf.Name(font.name.decode()),
                "/FontFamily": pikepdf.String(font.family),
                "/Flags": font.flags,
                "/ItalicAngle": font.italic_angle,
                "/Ascent": font.ascent,
                "/Descent": font.descent,
                "/StemV": font.stemv,
                "/StemH": font.stemh,
            }
        for glyph, width in font.widths.items():
            use.widths.setdefault(glyph, width)
        for glyph, text in font.to_unicode.items():
            use.text.setdefault(glyph, text)
    for holder in holders:
        for name, font in holder.items():
            key = name.lstrip("/")
            found = _embedded_use(font)
            if found is None or (key not in uses and key not in sources):
                continue  # kept as embedded
            widths, text = found
            use = uses.get(key)
            if use is None:
                use = uses[key] = _FontUse(key, tuple(sources[key]))
                descriptor = font.DescendantFonts[0].FontDescriptor
                use.descriptor = {"/FontName": descriptor.FontName} | {
                    item: descriptor[item] for item in _DESCRIPTOR_KEYS if item in descriptor
                }
            elif not use.takes(widths):
                continue  # a glyph of another width: this source keeps its own subset
            use.widths.update(widths)
            for glyph, value in text.items():
                use.text.setdefault(glyph, value)
            use.embedded.append((holder, name))
    shared = {}
    for key, use in uses.items():
        sha256, index = use.source
        glyphs = frozenset(use.widths)
        if sha256 in _font_files():
            program = _subset_program(sha256, index, glyphs)
        elif use.font is not None:  # not one of the project's files (fontconfig allows none)
            program = _cut_font(get_hb_object_data(use.font.hb_face), index, glyphs)
        else:
            continue  # a file this process cannot read: its sources keep their own subsets
        shared[key] = pdf.make_indirect(_type0_font(pdf, use, program))
        for holder, name in use.embedded:
            holder[name] = shared[key]
    return shared


def _type0_font(pdf, use: _FontUse, program: bytes):
    """A Type0 font (Identity-H) of a subset `program` that kept the font's glyph ids."""
    import pikepdf

    otf = program[:4] == b"OTTO"
    if otf:
        font_file = pikepdf.Stream(pdf, program, Subtype=pikepdf.Name.OpenType)
    else:
        font_file = pikepdf.Stream(pdf, program, Length1=len(program))
    widths = use.widths
    descriptor = pikepdf.Dictionary(
        Type=pikepdf.Name.FontDescriptor,
        **{key.lstrip("/"): value for key, value in use.descriptor.items()},
    )
    flags = int(descriptor.get("/Flags", 4)) & ~1
    if len(widths) > 1 and len(set(widths.values())) == 1:
        flags |= 1  # FixedPitch
    descriptor.Flags = flags
    ascent, descent = descriptor.get("/Ascent", 0), descriptor.get("/Descent", 0)
    descriptor.FontBBox = [0, descent, max(widths.values(), default=0), ascent]
    descriptor.CapHeight = ascent
    descriptor[f"/FontFile{3 if otf else 2}"] = pdf.make_indirect(font_file)
    array: list = []
    for glyph in sorted(widths):
        if glyph - 1 not in widths:
            array.append(glyph)
            array.append(pikepdf.Array())
        array[-1].append(widths[glyph])
    descendant = pikepdf.Dictionary(
        Type=pikepdf.Name.Font,
        Subtype=pikepdf.Name(f"/CIDFontType{0 if otf else 2}"),
        BaseFont=descriptor.FontName,
        CIDSystemInfo=pikepdf.Dictionary(Registry="Adobe", Ordering="Identity", Supplement=0),
        CIDToGIDMap=pikepdf.Name.Identity,
        W=pikepdf.Array(array),
        FontDescriptor=pdf.make_indirect(descriptor),
    )
    return pikepdf.Dictionary(
        Type=pikepdf.Name.Font,
        Subtype=pikepdf.Name.Type0,
        BaseFont=descriptor.FontName,
        Encoding=pikepdf.Name("/Identity-H"),
        DescendantFonts=[pdf.make_indirect(descendant)],
        ToUnicode=pdf.make_stream(_to_unicode_cmap(use.text)),
    )


def _to_unicode_cmap(text: dict[int, str]) -> bytes:
    """A ToUnicode CMap (PDF 9.10.3) mapping each glyph id to its text, as WeasyPrint writes it."""
    lines = [
        b"/CIDInit /ProcSet findresource begin",
        b"12 dict begin",
        b"begincmap",
        b"/CIDSystemInfo",
        b"<< /Registry (Adobe)",
        b"/Ordering (UCS)",
        b"/Supplement 0",
        b">> def",
        b"/CMapName /Adobe-Identity-UCS def",
        b"/CMapType 2 def",
        b"1 begincodespacerange",
        b"<0000> <ffff>",
        b"endcodespacerange",
    ]
    items = sorted(text.items())
    for start in range(0, len(items), 100):
        batch = items[start : start + 100]
        lines.append(f"{len(batch)} beginbfchar".encode())
        for glyph, value in batch:
            lines.append(f"<{glyph:04x}> <{value.encode('utf-16-be').hex()}>".encode())
        lines.append(b"endbfchar")
    lines += [b"endcmap", b"CMapName currentdict /CMap defineresource pop", b"end", b"end"]
    return b"\n".join(lines)


# ---------------------------------------------------------------------------------------------
# The renderer a worker keeps: shapes measured so far


class Renderer:
    """Draws notices into chunk files from shapes, measuring each shape the first time it is met."""

    def __init__(self, store: ShapeStore | None = None) -> None:
        self._store = store
        self._styles: dict[str, tuple[Any, ...]] = {}  # shape → its runs' styles
        self._shapes: dict[tuple, Shape] = {}  # (shape, the runs' fonts) → measured shape
        self._pictures: dict[str, _Picture | None] = {}
        self.shapes_measured = 0

    def add_notice(self, chunk: ChunkFile, parts: tuple[NoticeView, ...], lang: str) -> bool:
        """Add a notice's pages to the chunk file: drawn from shapes when every page allows it
        (True), otherwise laid out in full (False)."""
        try:
            planned = [self._plan(page) for part in parts for page in pages(part)]
        except NotDrawable:
            markup = render.document_html(parts, chunk.title, lang)
            document = render.lay_out_untagged(markup)
            chunk.add_laid_out_pages(document.write_pdf(), _document_font_sources(document))
            return False
        for key, shape, runs, page, pictures in planned:
            chunk.add_drawn_page(key, shape, runs, page, pictures)
        return True

    def _plan(self, page: PageData):
        if any(_NOT_ONE_LINE.search(text) for text in page.texts):
            raise NotDrawable("a run a full layout could set otherwise than as one line")
        pictures = [self._check_image(uri) for uri, _size in page.images]
        styles = self._styles.get(page.shape)
        if styles is None:
            # Any measured variant of the shape serves: the styles do not depend on the fonts.
            shape = self._stored(page.shape, None) or self._measure(page)
            styles = self._styles[page.shape] = shape.styles
        runs = [_shape_text(text, style) for text, style in zip(page.texts, styles, strict=True)]
        if not all(run.one_line for run in runs):
            raise NotDrawable("a run Pango sets on more than one line")
        key = (page.shape, tuple(run.fonts for run in runs))
        shape = self._shapes.get(key) or self._stored(*key) or self._measure(page)
        if shape.fonts != key[1]:
            raise NotDrawable("the runs' fonts differ from the measured layout's")
        for line in shape.lines:
            if not _fits(line, [runs[number].width for number in line.runs]):
                raise NotDrawable("a line does not clearly fit")
        return key, shape, runs, page, pictures

    def _check_image(self, uri: str) -> _Picture:
        """Only PNGs that a full render draws as this renderer does: grey or 1-bit, opaque.

        (An external voice-code encoder may print SVGs or colour PNGs: those notices are laid
        out in full.)"""
        if uri not in self._pictures:
            if len(self._pictures) > 4096:  # the guide pages' codes repeat; others do not
                self._pictures.clear()
            self._pictures[uri] = _plain_png(uri)  # decoded once: checked here, drawn later
        picture = self._pictures[uri]
        if picture is None:
            raise NotDrawable("an image this renderer would not draw as a full render does")
        return picture

    def _measure(self, page: PageData) -> Shape:
        shape = measure(page)
        self.shapes_measured += 1
        self._shapes[(page.shape, shape.fonts)] = shape
        if self._store is not None:
            self._store.put(_stored_name(page.shape, shape.fonts), shape.to_bytes())
        return shape

    def _stored(self, digest: str, fonts: tuple | None) -> Shape | None:
        """A shape another worker measured (for any fonts when `fonts` is None), or None."""
        if self._store is None:
            return None
        if fonts is None:
            data = self._store.first(f"{digest}-")
        else:
            data = self._store.get(_stored_name(digest, fonts))
        if data is None:
            return None
        try:
            shape = Shape.from_bytes(data)
        except Exception:  # unreadable (kept by another version?): measured again
            return None
        if fonts is not None and shape.fonts != fonts:
            return None  # a foreign entry under this name: measured again
        self._shapes[(digest, shape.fonts)] = shape
        return shape


def _stored_name(digest: str, fonts: tuple) -> str:
    return f"{digest}-{hashlib.sha256(repr(fonts).encode()).hexdigest()[:16]}"
