"""The one adapter between noticegen and WeasyPrint (with pydyf, its PDF writer).

Everything noticegen asks of WeasyPrint goes through here: the public API (HTML → Document) and
the internals the print batch's renderer and the tagged PDF need (laid-out boxes, Pango layouts
of a text run, drawing a line of text into a content stream, the fonts a document used, the
marked-content hook, a document's stylesheet parsed once for the next documents, a form written
without its fonts' subsets, font files read only when used). Internals are
called by keyword, so that a renamed or reordered parameter fails here, loudly, rather than
passing a value to the wrong place. A WeasyPrint upgrade touches this module only: check each
function here against the new release (tests/test_engine.py is the contract), then add the
version to SUPPORTED_WEASYPRINT.

WeasyPrint is imported after `fonts.activate()` (see `load`), so that fontconfig only ever sees
the project's fonts. Importing this module does not import WeasyPrint; it checks the installed
version, and refuses any other than the one pinned in pyproject.toml.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import hashlib
import importlib.metadata
import io
import logging
import pickle
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from noticegen import caches, fonts

if TYPE_CHECKING:
    from weasyprint import Document

# The WeasyPrint releases whose internals this module knows (pinned in pyproject.toml).
SUPPORTED_WEASYPRINT = ("70.0",)


class UnsupportedWeasyPrintError(RuntimeError):
    """The installed WeasyPrint is not one whose internals this module knows."""


def _check_version() -> str:
    found = importlib.metadata.version("weasyprint")
    if found not in SUPPORTED_WEASYPRINT:
        raise UnsupportedWeasyPrintError(
            f"noticegen needs WeasyPrint {' or '.join(SUPPORTED_WEASYPRINT)} (pinned in "
            f"pyproject.toml), but WeasyPrint {found} is installed: reinstall with "
            "`.venv/bin/pip install -e .`, or, to move to another release, check "
            "noticegen/printing/engine.py against it first (tests/test_engine.py)"
        )
    return found


VERSION = _check_version()


@functools.cache
def load() -> tuple[Any, Any]:
    """WeasyPrint (imported once the project's fonts are active) and this process's font
    configuration, with noticegen's marked-content hook installed (see `hook_marked_content`)
    and its fonts' files read when used (see `_read_font_files_when_used`)."""
    fonts.activate()
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

    _read_font_files_when_used()
    return weasyprint, FontConfiguration()


# WeasyPrint copies the whole file of each font a document draws with when it meets the font
# (`Font.__init__`: 20 MB for Noto Sans CJK, 4.6 MB for BIZ UDPGothic), in every document, and
# uses the copy only where it cannot cut the font's subset from its HarfBuzz face (no
# HarfBuzz-Subset, a variable or colour font): the copies were a tenth of measuring a page shape.
# So `Font.file_content` becomes a property that reads the file from the font's face the first
# time it is asked for (the same bytes; the font holds its face), and a font met leaves it unread.

_MEETING_FONT: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "noticegen_meeting_font", default=False
)


@dataclass(frozen=True)
class _UnreadFontFile:
    face: Any  # the HarfBuzz face the file is read from


def _read_font_files_when_used() -> None:
    import weasyprint.pdf.fonts as pdf_fonts

    font_class = pdf_fonts.Font
    if isinstance(font_class.__dict__.get("file_content"), property):
        return
    read = pdf_fonts.get_hb_object_data
    meet = font_class.__init__

    def get_hb_object_data(hb_object, ot_color=None, glyph=None):
        if _MEETING_FONT.get() and ot_color is None:
            return _UnreadFontFile(hb_object)
        return read(hb_object, ot_color, glyph)

    def meet_leaving_file_unread(font, *args, **kwargs):
        token = _MEETING_FONT.set(True)
        try:
            meet(font, *args, **kwargs)
        finally:
            _MEETING_FONT.reset(token)

    def file_content(font) -> bytes:
        data = font.__dict__["_noticegen_file_content"]
        if isinstance(data, _UnreadFontFile):
            data = font.__dict__["_noticegen_file_content"] = read(data.face)
        return data

    def set_file_content(font, data) -> None:
        font.__dict__["_noticegen_file_content"] = data

    pdf_fonts.get_hb_object_data = get_hb_object_data
    font_class.__init__ = meet_leaving_file_unread
    font_class.file_content = property(file_content, set_file_content)


def font_configuration():
    return load()[1]


def quiet_logging() -> None:
    """WeasyPrint's own log is for its developers: warnings and errors only."""
    logging.getLogger("weasyprint").setLevel(logging.WARNING)


def versions() -> dict[str, Any]:
    """The versions a layout depends on: WeasyPrint, pydyf and Pango."""
    load()
    import pydyf
    from weasyprint.text.ffi import pango

    return {"weasyprint": VERSION, "pydyf": pydyf.__version__, "pango": pango.pango_version()}


def lay_out(markup: str, base_url: str, pdf_variant: str | None) -> Document:
    """An HTML document laid out (public API), its `<style>` parsed once per process for all the
    documents that hold the same one (see `_find_stylesheets`)."""
    weasyprint, font_config = load()
    _hook_stylesheets()
    source = weasyprint.HTML(string=markup, base_url=base_url)
    token = _REUSING_STYLESHEETS.set(True)
    try:
        return source.render(font_config=font_config, pdf_variant=pdf_variant)
    finally:
        _REUSING_STYLESHEETS.reset(token)


# ---------------------------------------------------------------------------------------------
# Parsed stylesheets, kept
#
# Parsing a document's <style> (tinycss2, then WeasyPrint's preprocessing into selectors and
# declarations) took a third of a page shape's layout, and the text is the same for thousands of
# pages: print.css and a notice's rules. WeasyPrint 70.0 reuses a parsed CSS across documents
# itself (its user-agent stylesheet), and a CSS given to `render(stylesheets=…)` is meant to be
# reused; but those are *user* stylesheets (document.py, `_build_layout_context`; css
# `get_all_computed_styles`), which would change the cascade: a user `!important` beats an author
# one, and the templates' `style` attributes are author declarations. So the author stylesheet
# stays where it is, and WeasyPrint's `find_stylesheets`, which parses each <style> of a document
# into a CSS, is replaced, for layouts made by `lay_out`, by one that keeps them.

# How many parsed stylesheets a process keeps: a batch's documents hold a few distinct <style>
# texts (9 on 150 households of the population bench: the address block's sizes vary).
STYLESHEETS_KEPT = 32

_REUSING_STYLESHEETS: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "noticegen_reusing_stylesheets", default=False
)


@dataclass
class _ParsedStylesheet:
    css: Any  # weasyprint.CSS
    font_config: Any  # kept, so that the id in the key is never another's
    # What parsing it added to the document's counter styles and colour profiles (none for the
    # notices' CSS), given again to each document that uses it.
    counter_styles: dict
    color_profiles: dict


@dataclass
class StylesheetStatistics:
    parsed: int = 0  # parsed by WeasyPrint (not found kept)
    reused: int = 0
    not_kept: int = 0  # documents whose stylesheets were left to WeasyPrint (see _keepable)


# Kept whatever noticegen.caches.enabled says: a benchmark's baseline still parses each sheet once.
_kept_stylesheets = caches.Bounded(STYLESHEETS_KEPT, switchable=False)
# Layouts may run in several threads of a process: the statistics are counted under this lock.
_kept_lock = threading.Lock()
stylesheet_statistics = StylesheetStatistics()


def forget_stylesheets() -> None:
    """Drop the parsed stylesheets kept (and reset their statistics)."""
    global stylesheet_statistics
    _kept_stylesheets.clear()
    stylesheet_statistics = StylesheetStatistics()


def kept_stylesheets() -> int:
    return len(_kept_stylesheets)


@functools.cache
def _hook_stylesheets() -> None:
    import weasyprint.css

    weasyprint.css.find_stylesheets = functools.partial(
        _find_stylesheets, weasyprint.css.find_stylesheets
    )


def _find_stylesheets(
    original,
    wrapper_element,
    device_media_type,
    url_fetcher,
    base_url,
    font_config,
    counter_style,
    color_profiles,
    page_rules,
    layers,
):
    """WeasyPrint's `find_stylesheets` (weasyprint/css/__init__.py, same arguments), keeping the
    CSS parsed from a document's one <style>.

    A document's stylesheets share its lists of @page rules and layers, which each CSS reads
    (StyleFor: `sheet.page_rules`, `sheet.layers`); a kept CSS has lists of its own, the same as
    the document's only while it is the document's one stylesheet: documents with more (or with a
    <link>, or a <style> of a `type` or `media`) are left to WeasyPrint."""
    elements = [wrapper.etree_element for wrapper in wrapper_element.query_all("style", "link")]
    if not _REUSING_STYLESHEETS.get() or not _keepable(elements):
        if _REUSING_STYLESHEETS.get():
            stylesheet_statistics.not_kept += 1
        yield from original(
            wrapper_element,
            device_media_type,
            url_fetcher,
            base_url,
            font_config,
            counter_style,
            color_profiles,
            page_rules,
            layers,
        )
        return
    from weasyprint import CSS
    from weasyprint.css import get_child_text

    text = get_child_text(elements[0])
    key = (text, base_url, device_media_type, id(font_config))
    kept = _kept_stylesheets.get(key)
    if kept is not None:
        with _kept_lock:
            stylesheet_statistics.reused += 1
    if kept is None:
        counters_before, profiles_before = dict(counter_style), dict(color_profiles)
        css = CSS(
            string=text,
            base_url=base_url,
            url_fetcher=url_fetcher,
            media_type=device_media_type,
            font_config=font_config,
            counter_style=counter_style,
            color_profiles=color_profiles,
        )
        kept = _ParsedStylesheet(
            css,
            font_config,
            _added(counters_before, counter_style),
            _added(profiles_before, color_profiles),
        )
        _kept_stylesheets.put(key, kept)
        with _kept_lock:
            stylesheet_statistics.parsed += 1
    counter_style.update(kept.counter_styles)
    color_profiles.update(kept.color_profiles)
    yield kept.css


def _keepable(elements) -> bool:
    return (
        len(elements) == 1
        and elements[0].tag == "style"
        and elements[0].get("type") is None
        and elements[0].get("media") is None
    )


def _added(before: dict, after: dict) -> dict:
    return {key: value for key, value in after.items() if before.get(key) is not value}


# ---------------------------------------------------------------------------------------------
# The marked-content hook (noticegen.printing.tagged_pdf)


def hook_marked_content(marked: Callable) -> None:
    """Replace WeasyPrint's Stream.marked(stream, box, tag), the context manager that opens a
    marked-content sequence around each run of text and image it draws, by `marked` (a generator
    function of the same arguments). Running it again changes nothing."""
    load()
    from weasyprint.pdf.stream import Stream

    if getattr(Stream.marked, "noticegen_hook", False):
        return
    replacement = contextlib.contextmanager(marked)
    replacement.noticegen_hook = True
    Stream.marked = replacement


def stream_tags(stream) -> dict | None:
    """The stream's tag bookkeeping (box → {"tag", "mcid"}), read by WeasyPrint's tag writer;
    None in an untagged layout."""
    return stream._tags


def text_of_text_box(box) -> str | None:
    """A text box's text; None for any other box."""
    from weasyprint.formatting_structure import boxes

    return box.text if isinstance(box, boxes.TextBox) else None


def begin_marked_content(stream, tag: str, properties: dict[str, Any]) -> None:
    """BDC: `properties` of ints and strs (written as PDF strings)."""
    import pydyf

    values = pydyf.Dictionary(
        {
            key: pydyf.String(value) if isinstance(value, str) else value
            for key, value in properties.items()
        }
    )
    pydyf.Stream.begin_marked_content(stream, tag=tag, property_list=values)


def end_marked_content(stream) -> None:
    import pydyf

    pydyf.Stream.end_marked_content(stream)


# ---------------------------------------------------------------------------------------------
# Laid-out boxes (the shapes renderer's measuring)


def page_box(document, index: int = 0):
    return document.pages[index]._page_box


@dataclass(frozen=True)
class BoxKinds:
    """What the measuring needs to know of a box."""

    placeholder: bool  # an absolutely positioned box's placeholder (its box is `inner`)
    line: bool
    replaced: bool  # an image
    block_container: bool
    inline: bool
    text: bool


def box_kinds(box) -> BoxKinds:
    from weasyprint.formatting_structure import boxes
    from weasyprint.layout.absolute import AbsolutePlaceholder

    return BoxKinds(
        placeholder=isinstance(box, AbsolutePlaceholder),
        line=isinstance(box, boxes.LineBox),
        replaced=isinstance(box, boxes.ReplacedBox),
        block_container=isinstance(box, boxes.BlockContainerBox),
        inline=isinstance(box, boxes.InlineBox),
        text=isinstance(box, boxes.TextBox),
    )


def placed_box(placeholder):
    """The box an AbsolutePlaceholder stands for."""
    return placeholder._box


def lift_canvas_background(page) -> tuple[Any, tuple[float, float, float, float]] | None:
    """Take the canvas background (the root element's, which WeasyPrint paints first, under the
    whole page) off a laid-out page box, so that the page written next paints without it: its
    colour and painting area (CSS px), or None when it has none. Raises ValueError when it is
    more than a colour (an image, a shadow), or when the page box has a background of its own."""
    if page.background is not None and _paints(page.background):
        raise ValueError("the page box has a background of its own")
    background = page.canvas_background
    page.canvas_background = None
    if background is None or not background.layers:
        return None
    if (
        any(layer.image is not None for layer in background.layers)
        or background.style["box_shadow"]
    ):
        raise ValueError("the canvas background is more than a colour")
    if background.color.alpha == 0:
        return None
    return background.color, tuple(background.layers[-1].painting_area)


def has_background(box) -> bool:
    """Whether a laid-out box paints a background (colour or image) of its own."""
    background = getattr(box, "background", None)
    return background is not None and _paints(background)


def _paints(background) -> bool:
    return background.color.alpha > 0 or any(layer.image is not None for layer in background.layers)


def _operator_stream(fonts: dict, states: dict):
    """A WeasyPrint content stream that only collects operators, adding the fonts and graphic
    states they use to `fonts` and `states`."""
    from weasyprint.pdf.stream import Stream

    return Stream(
        fonts=fonts,
        page_rectangle=(0, 0, 0, 0),
        resources=states,
        images={},
        tags=None,
        color_profiles={},
        output_intent=None,
        compress=False,
    )


def draw_fill(states: dict, color, area: tuple[float, float, float, float]) -> bytes:
    """The operators that fill `area` (page space, CSS px) with `color` as WeasyPrint paints a
    background colour; graphic states it uses are added to `states` ({"ExtGState": …})."""
    import pydyf

    stream = _operator_stream({}, states)
    with stream.stacked():
        stream.set_color(color)
        stream.rectangle(*area)
        stream.fill()
    return b"\n".join(pydyf._to_bytes(item) for item in stream.stream)


@dataclass(frozen=True)
class Geometry:
    """Where a laid-out box is, in page space (CSS px, origin top left, y down), as WeasyPrint's
    box gives it: its margin box's corner, its content and padding boxes, and its baseline."""

    x: float  # the margin box's left (WeasyPrint's position_x)
    y: float  # its top (position_y)
    width: float  # of the content box
    height: float
    content_x: float
    content_y: float
    padding_x: float
    padding_y: float
    padding_width: float
    padding_height: float
    margin_width: float  # of the margin box (at x, y)
    margin_height: float
    baseline: float | None  # from `y`; None for a box without one (a block)


def geometry(box) -> Geometry:
    baseline = getattr(box, "baseline", None)
    return Geometry(
        x=box.position_x,
        y=box.position_y,
        width=box.width,
        height=box.height,
        content_x=box.content_box_x(),
        content_y=box.content_box_y(),
        padding_x=box.padding_box_x(),
        padding_y=box.padding_box_y(),
        padding_width=box.padding_width(),
        padding_height=box.padding_height(),
        margin_width=box.margin_width(),
        margin_height=box.margin_height(),
        baseline=baseline,
    )


def style_of(box):
    """A box's computed style, for `detached_style` and `shape_text`; its values through
    `style_value`."""
    return box.style


def style_value(box, name: str):
    """A computed value of a box's style, by WeasyPrint's property name (text_align_all)."""
    return box.style[name]


def element_id(box) -> int | None:
    """Which element a box comes from (an element's boxes, and the anonymous boxes WeasyPrint
    makes inside it, share it); None for a box of no element."""
    element = getattr(box, "element", None)
    return None if element is None else id(element)


def element_tag(box) -> str | None:
    element = getattr(box, "element", None)
    return None if element is None else element.tag


def box_tag(box) -> str:
    """The tag WeasyPrint names a box by: its element's ("h1"), a pseudo-element's ("h1::before")."""
    return box.element_tag


def element_class(box) -> str | None:
    """The class attribute of the element a box comes from, as written; None without one."""
    element = getattr(box, "element", None)
    return None if element is None else element.get("class")


def is_inline_block(box) -> bool:
    from weasyprint.formatting_structure import boxes

    return isinstance(box, boxes.InlineBlockBox)


def children(box) -> Iterator:
    return iter(getattr(box, "children", ()))


def descendants(box) -> Iterator:
    """The box, then all the boxes in it, depth first; an absolutely placed box's placeholder
    (see `placed_box`) in its place, not what it holds."""
    return box.descendants()


# ---------------------------------------------------------------------------------------------
# Styles and text runs


def detached_style(style):
    """A computed style copied out of its document: a computed style refers to its parent's,
    and so to the whole laid-out document; a copy of its values keeps memory to what is needed."""
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


def style_values(style) -> dict:
    """A style's values, for pickling (the font configuration is per process)."""
    return dict(style)


def style_key(style) -> bytes:
    """A digest of a detached style's values (`detached_style` copies them all, in one order):
    equal for styles that shape and draw text alike, whichever document or process they came
    from (`restored_style`)."""
    out = io.BytesIO()
    pickler = pickle.Pickler(out, protocol=pickle.HIGHEST_PROTOCOL)
    # Without its memo, pickle writes each value whole: the bytes follow the values, not which
    # of them are one object (a style and its restored copy share differently).
    pickler.fast = True
    pickler.dump(style_values(style))
    return hashlib.sha256(out.getvalue()).digest()


def restored_style(values: dict):
    """A style from `style_values`, with this process's font configuration."""
    from weasyprint.css import Style

    style = Style(values)
    style.font_config = font_configuration()
    style.cache = {}
    return style


@dataclass
class ShapedText:
    layout: Any  # WeasyPrint's Layout (Pango), kept for drawing
    width: float  # of its first line, in CSS px
    fonts: tuple[str, ...]  # the fonts its first line is set in (Pango font keys), in order
    one_line: bool


def shape_text(text: str, style) -> ShapedText:
    """A run of text shaped by Pango as WeasyPrint shapes it in `style`."""
    from weasyprint.text.fonts import get_pango_font_key
    from weasyprint.text.line_break import Layout, line_size

    layout = Layout(style=style)
    layout.set_text(text)
    first_line, second_line_start = layout.get_first_line()
    found: list[str] = []
    run = first_line.runs
    while run:
        key = get_pango_font_key(pango_font=run.data.item.analysis.font)[0]
        if not found or found[-1] != key:
            found.append(key)
        run = run.next
    width = line_size(line=first_line, style=style)[0]
    return ShapedText(layout, width, tuple(found), second_line_start is None)


@dataclass(frozen=True)
class Placed:
    """A run of text to draw: where its baseline starts (page space, CSS px) and how it looks."""

    text: str
    style: Any
    layout: Any
    x: float
    y: float


def draw_text(fonts_used: dict, states: dict, runs: list[Placed]) -> bytes:
    """The content-stream operators that draw `runs` as WeasyPrint draws text (page space: origin
    top left, y down). The fonts and graphic states they use are added to `fonts_used` (font key →
    WeasyPrint Font) and `states` ({"ExtGState": {name: state}})."""
    import pydyf
    from weasyprint.draw.text import draw_first_line
    from weasyprint.matrix import Matrix

    stream = _operator_stream(fonts_used, states)
    for run in runs:
        stream.set_color(run.style["color"])
        stream.begin_text()
        textbox = SimpleNamespace(text=run.text, style=run.style, pango_layout=run.layout)
        draw_first_line(
            stream=stream,
            textbox=textbox,
            text_overflow="clip",
            block_ellipsis="none",
            matrix=Matrix(d=-1, e=run.x, f=run.y),
        )
        stream.end_text()
    return b"\n".join(pydyf._to_bytes(item) for item in stream.stream)


# ---------------------------------------------------------------------------------------------
# Fonts: what a document or a stream used, for embedding one subset per font


@dataclass(frozen=True)
class FontUse:
    """A font as WeasyPrint used it: its resource name (the same in every layout of every
    process: from its description), its file and face, the glyphs drawn (id → advance in
    1/1000 em, id → text) and its descriptor's values."""

    name: str
    font: Any  # WeasyPrint's Font
    index: int
    vector: bool  # False: a bitmap font (drawn as Type3)
    notdef: bool  # .notdef glyphs drawn for characters no font has
    widths: dict[int, int]
    text: dict[int, str]
    descriptor: dict[str, Any]  # FontName (str), FontFamily (str), Flags, ItalicAngle, …


def font_use(font) -> FontUse:
    return FontUse(
        name=font.hash,
        font=font,
        index=font.index,
        vector=not font.bitmap,
        notdef=bool(font.missing),
        widths=font.widths,
        text=font.to_unicode,
        descriptor={
            "FontName": font.name.decode().lstrip("/"),
            "FontFamily": font.family,
            "Flags": font.flags,
            "ItalicAngle": font.italic_angle,
            "Ascent": font.ascent,
            "Descent": font.descent,
            "StemV": font.stemv,
            "StemH": font.stemh,
        },
    )


def document_font_uses(document) -> list[FontUse]:
    """The fonts a written document used (after write_pdf)."""
    return [font_use(font) for font in document.fonts.values()]


def font_file(use: FontUse) -> bytes:
    """The whole font file (a collection's too) the font was loaded from."""
    from weasyprint.text.fonts import get_hb_object_data

    return get_hb_object_data(use.font.hb_face)


# ---------------------------------------------------------------------------------------------
# Writing a page whose font programs another module cuts (the shapes renderer's forms)
#
# A form's fonts are replaced, in each chunk file, by one subset per font cut from the project's
# font file (noticegen.printing.fontsharing), so the subset WeasyPrint cuts for each form, a
# quarter of writing it, would be thrown away. WeasyPrint 70.0 has no option for this: its
# `full_fonts` embeds whole files and lists the widths of all their glyphs (slower still). So
# `Font.clean`, which cuts a font's program when a PDF is written, is replaced by one that, in a
# `write_pdf_leaving_programs_uncut`, leaves a placeholder program instead: everything else
# (widths, text, descriptor, content streams) is written as WeasyPrint writes it.

# After its first four bytes, which keep WeasyPrint's choice of FontFile2 or FontFile3
# (`Font.type`: "OTTO" is CFF), a placeholder program is this.
UNCUT_PROGRAM = b"noticegen: this font's program is cut when its file is assembled"

_LEAVING_UNCUT: contextvars.ContextVar[Callable[[FontUse], bool] | None] = contextvars.ContextVar(
    "noticegen_leaving_uncut", default=None
)


def write_pdf_leaving_programs_uncut(document, leave_uncut: Callable[[FontUse], bool]) -> bytes:
    """`document.write_pdf()`, each font `leave_uncut` accepts embedded with a placeholder
    program (see `is_uncut_program`) where WeasyPrint would embed its subset. Only fonts
    WeasyPrint would cut to their glyphs plainly are left: not a font drawing .notdef (it would
    keep its outline), nor a variable or colour font (it would rewrite their tables), nor one with
    hinting asked for."""
    _hook_font_cleaning()
    token = _LEAVING_UNCUT.set(leave_uncut)
    try:
        return document.write_pdf()
    finally:
        _LEAVING_UNCUT.reset(token)


def is_uncut_program(program: bytes) -> bool:
    """Whether an embedded font program is a placeholder of `write_pdf_leaving_programs_uncut`."""
    return program[4:] == UNCUT_PROGRAM


@functools.cache
def _hook_font_cleaning() -> None:
    load()
    from weasyprint.pdf.fonts import Font

    cut = Font.clean

    def clean(font, to_unicode, hinting):
        leave_uncut = _LEAVING_UNCUT.get()
        plain = (
            to_unicode  # none: WeasyPrint embeds the whole file
            and not hinting
            and not font.missing
            and "fvar" not in font.tables
            and not (font.png or font.svg or font.colr)
        )
        if leave_uncut is None or not plain or not leave_uncut(font_use(font)):
            cut(font, to_unicode, hinting)
            return
        # A CFF face's subset starts "OTTO" even when the face is in a collection ("ttcf").
        cff = "CFF " in font.tables or "CFF2" in font.tables
        font.file_content = (b"OTTO" if cff else b"\0\1\0\0") + UNCUT_PROGRAM

    Font.clean = clean


# ---------------------------------------------------------------------------------------------
# Numbers printed in full (pages made of bands: noticegen.printing.bands, issue 11)
#
# pydyf prints a non-integer number with six decimals. A band of a page laid out once and drawn
# lower (where the bands above it end) is moved by adding to its operators' y operands: moved
# from six-decimal numbers, a number sometimes ends one unit in its last digit away from what
# WeasyPrint prints for the same place, and PDFium then drew a pixel or two a grey level apart at
# 300 dpi (bench/band_relocation.py: 1 or 2 tables in 40, member rows stacked). Laid out with
# its numbers in full, moved, then printed as pydyf prints them (`pdf_number`), every number of
# the stacked rows was WeasyPrint's own and no pixel differed.

FULL_PRECISION_DECIMALS = 12
_NUMBERS_IN_FULL: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "noticegen_numbers_in_full", default=False
)


@functools.cache
def _hook_number_printing() -> Callable[[Any], bytes]:
    """Install the printing of numbers in full (pydyf's module function, which its streams call
    for every operand); returns pydyf's own."""
    import pydyf

    printed = pydyf._to_bytes

    def to_bytes(item):
        if _NUMBERS_IN_FULL.get() and isinstance(item, float) and not item.is_integer():
            return f"{item:.{FULL_PRECISION_DECIMALS}f}".encode("ascii")
        return printed(item)

    to_bytes.printed = printed  # type: ignore[attr-defined]  (pdf_number's, without the hook)
    pydyf._to_bytes = to_bytes
    return printed


@contextlib.contextmanager
def numbers_in_full() -> Iterator[None]:
    """PDFs written in this block (in this thread) print their non-integer numbers with
    FULL_PRECISION_DECIMALS decimals; outside it, and in other threads, as pydyf prints them."""
    _hook_number_printing()
    token = _NUMBERS_IN_FULL.set(True)
    try:
        yield
    finally:
        _NUMBERS_IN_FULL.reset(token)


def pdf_number(value: float) -> str:
    """`value` as pydyf prints a number in a content stream. (It does not install the hook: a
    process that never prints numbers in full keeps pydyf's function as it is, on every number
    of every page it writes.)"""
    import pydyf

    printing = pydyf._to_bytes
    return getattr(printing, "printed", printing)(float(value)).decode("ascii")
