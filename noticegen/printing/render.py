"""From a NoticeView to HTML (Jinja2), PDF (WeasyPrint) and PNG (PDFium).

The templates only place what the view decided. WeasyPrint is reached through
noticegen.printing.engine, which imports it after `fonts.activate()`, so it only ever sees the
project's fonts.
"""

from __future__ import annotations

import contextvars
import functools
import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import jinja2
import markupsafe

from noticegen import i18n, locales, pagegeometry, project
from noticegen.printing import engine, tagged_pdf
from noticegen.view import NoticeView, Page

if TYPE_CHECKING:
    from noticegen.printing.engine import Document

FORMATS = ("pdf", "html", "png")
PNG_DPI = 150
# Tagged PDF for screen readers: structure tree, /Lang and title (WeasyPrint's PDF/UA-1 variant).
PDF_VARIANT = "pdf/ua-1"


# Readings in やさしい日本語 are written ｜漢字《かんじ》 in the catalog. Browsers lay out <ruby>;
# WeasyPrint does not (its issue #406), so print gets the reading in brackets after the word.


def _ruby_for_html(value):
    if not isinstance(value, str) or "｜" not in value:
        return value
    pieces, last = [], 0
    for match in i18n.RUBY.finditer(value):
        pieces.append(markupsafe.escape(value[last : match.start()]))
        pieces.append(
            markupsafe.Markup("<ruby>{}<rp>（</rp><rt>{}</rt><rp>）</rp></ruby>").format(
                match.group(1), match.group(2)
            )
        )
        last = match.end()
    pieces.append(markupsafe.escape(value[last:]))
    return markupsafe.Markup("").join(pieces)


def _ruby_for_print(value):
    if not isinstance(value, str) or "｜" not in value:
        return value
    return i18n.RUBY.sub(r"\1（\2）", value)


# The household's own data in the notice templates, marked with `| var` (text) and written by
# `data_image` (images): the batch's variable-data renderer (variable_print) lays out each page's
# shape once with these hidden, then draws every household's values where they belong. While a
# notice is rendered for it (`recorded_pages`), each value is recorded on its page as it is written.
VARIABLE_TEXT_CLASS = "v"
VARIABLE_IMAGE_CLASS = "vi"
# A data image of this class sits centred in a box of its own whose size does not depend on the
# image (the voice codes): its size is data too.
CENTERED_IMAGE_CLASS = "centered"
MM_TO_PX = 96 / 25.4


_VARIABLE_OPEN = f'<span class="{VARIABLE_TEXT_CLASS}">'
_VARIABLE_BLANK = markupsafe.Markup(_VARIABLE_OPEN + "</span>")


@dataclass
class PageSlots:
    """The household's data on one page, in the order the page's HTML writes it."""

    number: int
    texts: list[str] = field(default_factory=list)
    images: list[tuple[str, tuple[float, float] | None]] = field(default_factory=list)  # px
    # Where each data row the template marks (`data_row`) starts and ends: how many texts and
    # images the page had written by then, a pair for each mark.
    row_marks: list[tuple[int, int]] = field(default_factory=list)


@dataclass
class _Recording:
    """The notice being rendered for `recorded_pages`: its pages' data as written so far.

    Each value is written into the document as a placeholder, and kept here as the markup the
    template would have written for it on the page as printed and on the page's shape (with the
    value left out): one render then gives both pages."""

    pages: list[PageSlots] = field(default_factory=list)
    written: list[tuple[str, str]] = field(default_factory=list)  # (printed, left out)

    def page(self, number: int | None = None) -> PageSlots:
        """The page being written (`number`, when the writer knows it)."""
        if not self.pages or number not in (None, self.pages[-1].number):
            raise AssertionError("household data written outside its page's loop")
        return self.pages[-1]

    def placeholder(self, finalize, printed: markupsafe.Markup, blank: markupsafe.Markup):
        """The placeholder of a value whose `{{ }}` writes `printed` (or `blank` on the shape):
        each kept as the template's `{{ }}` writes it, finalized and escaped, so that the page
        filled in is the same text a render without placeholders makes."""
        number = len(self.written)
        self.written.append((_as_written(finalize, printed), _as_written(finalize, blank)))
        return markupsafe.Markup(f"{_SLOT}{number}{_SLOT}")

    def filled(self, markup: str) -> tuple[str, str]:
        """The document with every placeholder replaced: by its value (the pages as printed),
        and by the value left out (the pages' shapes)."""
        pieces = markup.split(_SLOT)
        numbers = pieces[1::2]
        # Each placeholder written is in the document once, and nothing else holds the mark.
        if len(pieces) != 2 * len(self.written) + 1 or set(numbers) != {
            str(number) for number in range(len(self.written))
        }:
            raise AssertionError("the household data's placeholders are not the data written")
        printed, blank = pieces[:], pieces[:]
        for index, number in enumerate(numbers):
            printed[2 * index + 1], blank[2 * index + 1] = self.written[int(number)]
        return "".join(printed), "".join(blank)


def _as_written(finalize, value) -> str:
    """What a template's `{{ value }}` writes (autoescape on): the value finalized, escaped."""
    return str(markupsafe.escape(finalize(value)))


# Set only while `recorded_pages` renders; the full renderer's templates run without it.
_RECORDING: contextvars.ContextVar[_Recording | None] = contextvars.ContextVar(
    "noticegen_data_recording", default=None
)
# Written before each page and after the last while recording (never otherwise): a Unicode
# noncharacter, which no household value or template text holds, so the document can be cut
# into its pages with str.split. The cuts are taken out again; the pages are the same bytes.
_PAGE_MARK = "\ufdd0"
# Around each household value's number while recording (another noncharacter, so never in the
# data either: records refuses it as UNPRINTABLE_CHAR); replaced before the document is cut.
_SLOT = "\ufdd1"


def _variable(finalize, value) -> markupsafe.Markup:
    # Concatenation, not Markup.format: a notice has about forty of these.
    markup = markupsafe.Markup(_VARIABLE_OPEN + str(markupsafe.escape(value)) + "</span>")
    recording = _RECORDING.get()
    if recording is None:
        return markup
    recording.page().texts.append(str(value))
    return recording.placeholder(finalize, markup, _VARIABLE_BLANK)


def _data_page_start(page: Page) -> str:
    """Where a page of `recorded_pages` starts: it opens the page's record of data."""
    recording = _RECORDING.get()
    if recording is None:
        return ""
    recording.pages.append(PageSlots(page.number))
    return _PAGE_MARK


def _data_pages_end() -> str:
    """Where the last page of `recorded_pages` ends."""
    return "" if _RECORDING.get() is None else _PAGE_MARK


# Written at the start and at the end of each row of a member table while recording (never
# otherwise). The batch's renderer measures a page with such rows as bands
# (noticegen.printing.bands): the page without its rows, and each row alone. A comment, as no
# household value can write one: each is escaped as it is filled in.
_ROW_MARK = "<!--noticegen data row-->"


def _data_row() -> markupsafe.Markup:
    """Where a data row of `recorded_pages` starts or ends: its data's place on the page."""
    recording = _RECORDING.get()
    if recording is None:
        return markupsafe.Markup("")
    page = recording.page()
    page.row_marks.append((len(page.texts), len(page.images)))
    return markupsafe.Markup(_ROW_MARK)


def _data_image(
    finalize,
    page: Page,
    source: str,
    alt: str,
    name: str = "",
    style: str = "",
    centered_mm: float | None = None,
) -> markupsafe.Markup:
    """An <img> of the household's data (class "vi"): its customer barcode, its household code,
    its voice codes (centred in a box `centered_mm` wide and high), the sheet marks."""
    classes = [name] if name else []
    classes.append(VARIABLE_IMAGE_CLASS)
    if centered_mm is not None:
        classes.append(CENTERED_IMAGE_CLASS)
        half = centered_mm / 2
        style = f"width: {centered_mm}mm; height: {centered_mm}mm; margin: -{half}mm 0 0 -{half}mm"
    recording = _RECORDING.get()
    markup = _image_markup(finalize, classes, source, alt, style)
    if recording is None:
        return markup
    size = None if centered_mm is None else (centered_mm * MM_TO_PX,) * 2
    recording.page(page.number).images.append((source, size))
    # On the shape, a centred image's size is data; any other image's style belongs to the shape.
    blank = _image_markup(finalize, classes, "", "", "" if centered_mm is not None else style)
    return recording.placeholder(finalize, markup, blank)


def _image_markup(finalize, classes: list[str], source: str, alt: str, style: str):
    # Each value finalized and escaped as the template's own `{{ }}` would (a reading in an alt
    # text in brackets, or in <ruby> on screen), so that the template's finalize leaves the
    # whole alone. Concatenation, not Markup.format (which escapes each value the same way):
    # formatting a code's data URI of kilobytes is slow in Python, and a page has several.
    escape = markupsafe.escape
    markup = (
        f'<img class="{escape(" ".join(classes))}" src="{escape(finalize(source))}"'
        f' alt="{escape(finalize(alt))}"'
    )
    if style:
        markup += f' style="{escape(style)}"'
    return markupsafe.Markup(markup + ">")


@functools.cache
def _environment(for_print: bool = False) -> jinja2.Environment:
    finalize = _ruby_for_print if for_print else _ruby_for_html
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(project.TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=finalize,
    )
    environment.filters["var"] = functools.partial(_variable, finalize)
    environment.globals["data_image"] = functools.partial(_data_image, finalize)
    environment.globals["data_page_start"] = _data_page_start
    environment.globals["data_pages_end"] = _data_pages_end
    environment.globals["data_row"] = _data_row
    # The page's geometry (margins, the codes' foot, the notch), which print.css reads as custom
    # properties: the same numbers the code placement and the manifest use.
    environment.globals["page_geometry"] = pagegeometry.PAGE
    # What a cell prints for a value not given (pages.html.j2's member table).
    environment.globals["NO_BREAK_SPACE"] = "\u00a0"
    return environment


def ready():
    """WeasyPrint (the module) and this process's font configuration, loaded with the project's
    fonts and the tagged PDF's hook installed."""
    loaded = engine.load()
    tagged_pdf.install()
    return loaded


def font_configuration():
    """The WeasyPrint font configuration every layout of this process uses."""
    return ready()[1]


def html(view: NoticeView | Sequence[NoticeView], for_print: bool = False) -> str:
    """A notice as one HTML document: one part, or the parts of a bilingual notice."""
    parts = _parts(view)
    return document_html(parts, parts[0].document_title, parts[0].lang_tag, for_print)


def _parts(view: NoticeView | Sequence[NoticeView]) -> tuple[NoticeView, ...]:
    return (view,) if isinstance(view, NoticeView) else tuple(view)


def document_html(
    views: Sequence[NoticeView], title: str, lang: str, for_print: bool = True
) -> str:
    """One HTML document holding the pages of several notices, one after the other."""
    if all(view.lang_tag == "ja" for view in views):
        return _template_html(views, title, lang, for_print)
    # Written as recorded_pages writes a translated part (tagged with its placeholders, the
    # household data put in after), so that both renderers lay out the same bytes.
    printed, _blank = _recorded_html(views, title, lang, for_print)[1]
    # the cuts between pages and rows, only recorded_pages uses
    return printed.replace(_PAGE_MARK, "").replace(_ROW_MARK, "")


def _template_html(views: Sequence[NoticeView], title: str, lang: str, for_print: bool) -> str:
    return (
        _environment(for_print)
        .get_template("notice/document.html.j2")
        .render(notices=views, title=title, lang=lang)
    )


def _recorded_html(
    views: Sequence[NoticeView], title: str, lang: str, for_print: bool
) -> tuple[_Recording, tuple[str, str]]:
    """The template's document written with placeholders where the household data goes, its
    Japanese runs tagged on translated pages (`tag_japanese_runs` leaves the data alone), then
    filled in: with the data (as printed) and without it (the pages' shapes). The tagging, which
    reads and writes the whole document, is done once for both."""
    recording = _Recording()
    token = _RECORDING.set(recording)
    try:
        markup = _template_html(views, title, lang, for_print)
    finally:
        _RECORDING.reset(token)
    if not all(view.lang_tag == "ja" for view in views):
        # The row marks are comments, which the tagging's parser keeps where they are.
        markup = tag_japanese_runs(markup)
    return recording, recording.filled(markup)


@dataclass(frozen=True)
class RecordedPages:
    """A notice part's document cut into its pages, with the household data each page writes."""

    head: str  # the document up to its body: the styles the pages are laid out with
    pages: tuple[str, ...]  # each page's HTML, the same bytes as in `document_html`
    shapes: tuple[str, ...]  # each page's HTML with the household data left out
    slots: tuple[PageSlots, ...]  # the household data on each page, in the order it is written
    # Each page's HTML and shape cut at its data rows' marks (`data_row`): the page around its
    # rows and each row (at odd indexes), for pages whose template marks rows; else None.
    row_cuts: tuple[tuple[tuple[str, ...], tuple[str, ...]] | None, ...] = ()


def recorded_pages(view: NoticeView, title: str, lang: str) -> RecordedPages:
    """`document_html([view], title, lang)`, cut into its pages, each page's data recorded as the
    template wrote it; and the same pages with the data left out (the pages' shapes).

    The template renders once, with placeholders where the data goes, filled in afterwards."""
    recording, (printed, blank) = _recorded_html([view], title, lang, for_print=True)
    head, pages = _cut(printed, view, recording)
    shape_head, shapes = _cut(blank, view, recording)
    if shape_head != head:
        raise AssertionError("the notice's styles hold household data")
    row_cuts = tuple(
        (tuple(page.split(_ROW_MARK)), tuple(shape.split(_ROW_MARK))) if slots.row_marks else None
        for page, shape, slots in zip(pages, shapes, recording.pages, strict=True)
    )
    return RecordedPages(
        head,
        tuple(page.replace(_ROW_MARK, "") for page in pages),
        tuple(shape.replace(_ROW_MARK, "") for shape in shapes),
        tuple(recording.pages),
        row_cuts,
    )


def _cut(markup: str, view: NoticeView, recording: _Recording) -> tuple[str, tuple[str, ...]]:
    """The document's head and its pages (cut at the page marks, which are taken out)."""
    before, *pages, _after = markup.split(_PAGE_MARK)
    numbers = [page.number for page in view.pages]
    if len(pages) != len(numbers) or [page.number for page in recording.pages] != numbers:
        raise AssertionError("the notice template's pages are not the view's")
    head, body, rest = before.rpartition("<body>\n")
    if not body or rest:
        raise AssertionError("the notice template's pages do not start its body")
    return head, tuple(pages)


def tag_japanese_runs(markup: str) -> str:
    """The document with each Japanese run on a translated page (`i18n.japanese_runs`) in a
    `<span lang="ja">`.

    A screen reader, and the tagged PDF's /Lang (noticegen.tagged_pdf), then read it in a Japanese
    voice instead of spelling it in the page's. In Chinese, Han characters are the page's own: only
    runs holding kana are Japanese there. The household's own values (class "v": names, dates of
    the member rows) are left as the view tagged them, for the batch's renderer draws them itself.
    """
    import lxml.html

    tree = lxml.html.document_fromstring(markup)
    for page in tree.find_class("page"):
        tag = page.get("lang", "ja")
        if tag == "ja":
            continue
        locale = locales.from_spelling(tag) or "en"
        for element, attribute in _text_slots(page):
            text = getattr(element, attribute)
            runs = i18n.japanese_runs(text, locale)
            if runs:
                _wrap_runs(element, attribute, text, runs)
    return lxml.html.tostring(tree, encoding="unicode", doctype="<!DOCTYPE html>")


def _text_slots(page):
    """(element, "text" | "tail") for every text on the page not already in Japanese or data."""
    slots = []

    def visit(element, in_japanese: bool) -> None:
        if not isinstance(element.tag, str) or element.tag in ("style", "script"):
            return
        classes = (element.get("class") or "").split()
        if VARIABLE_TEXT_CLASS in classes:
            return
        lang = element.get("lang")
        japanese = lang == "ja" if lang else in_japanese
        if element.text and not japanese:
            slots.append((element, "text"))
        for child in element:
            visit(child, japanese)
            if child.tail and not japanese:
                slots.append((child, "tail"))

    visit(page, False)
    return slots


def _wrap_runs(element, attribute: str, text: str, runs) -> None:
    import lxml.html

    pieces, spans, start = [], [], 0
    for match in runs:
        pieces.append(text[start : match.start()])
        span = lxml.html.Element("span", lang="ja")
        span.text = match.group()
        spans.append(span)
        start = match.end()
    setattr(element, attribute, pieces[0])
    for span, tail in zip(spans, [*pieces[1:], text[start:]], strict=True):
        span.tail = tail
    if attribute == "text":
        for offset, span in enumerate(spans):
            element.insert(offset, span)
    else:
        parent, index = element.getparent(), element.getparent().index(element)
        for offset, span in enumerate(spans, start=1):
            parent.insert(index + offset, span)


def document(view: NoticeView | Sequence[NoticeView]) -> Document:
    """The laid-out notice: its pages and boxes, for writing or for measuring."""
    return _lay_out(html(view, for_print=True))


def _lay_out(markup: str, pdf_variant: str | None = PDF_VARIANT) -> Document:
    ready()
    return engine.lay_out(markup, base_url=str(project.TEMPLATES), pdf_variant=pdf_variant)


def lay_out_untagged(markup: str) -> Document:
    """Layout for a print production file, which carries no tag tree."""
    return _lay_out(markup, pdf_variant=None)


def pdf(view: NoticeView | Sequence[NoticeView]) -> bytes:
    return pdf_from_html(html(view, for_print=True))


def pdf_from_html(markup: str) -> bytes:
    return write_pdf(_lay_out(markup), markup)


def write_pdf(document: Document, markup: str) -> bytes:
    """The tagged PDF of a laid-out notice (`document(...)` of `markup`), finished for screen
    readers: each page and run with its language, complex scripts with their exact text."""
    # A fixed identifier derived from the content: the same notice gives the same bytes.
    identifier = hashlib.sha256(markup.encode()).hexdigest()[:32].encode()
    return tagged_pdf.finish(document.write_pdf(pdf_variant=PDF_VARIANT, pdf_identifier=identifier))


def png(view: NoticeView | Sequence[NoticeView], dpi: int = PNG_DPI) -> bytes:
    """Every page, one under the other, as a single PNG for a person to look at."""
    return png_from_pdf(pdf(view), dpi)


def png_from_pdf(data: bytes, dpi: int = PNG_DPI) -> bytes:
    import pypdfium2
    from PIL import Image

    document = pypdfium2.PdfDocument(data)
    try:
        pages = [page.render(scale=dpi / 72).to_pil() for page in document]
    finally:
        document.close()
    gap = dpi // 10
    sheet = Image.new(
        "RGB",
        (
            max(page.width for page in pages),
            sum(page.height for page in pages) + gap * (len(pages) - 1),
        ),
        "#808080",
    )
    top = 0
    for page in pages:
        sheet.paste(page, (0, top))
        top += page.height + gap
    out = io.BytesIO()
    sheet.save(out, format="PNG", dpi=(dpi, dpi))
    return out.getvalue()
