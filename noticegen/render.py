"""From a NoticeView to HTML (Jinja2), PDF (WeasyPrint) and PNG (PDFium).

The templates only place what the view decided. WeasyPrint is imported after `fonts.activate()`,
so it only ever sees the project's fonts.
"""

from __future__ import annotations

import functools
import hashlib
import io
from typing import TYPE_CHECKING

import jinja2

from noticegen import fonts, project
from noticegen.view import NoticeView

if TYPE_CHECKING:
    import weasyprint

FORMATS = ("pdf", "html", "png")
PNG_DPI = 150
# Tagged PDF for screen readers: structure tree, /Lang and title (WeasyPrint's PDF/UA-1 variant).
PDF_VARIANT = "pdf/ua-1"


@functools.cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(project.TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@functools.cache
def _weasyprint():
    fonts.activate()
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

    return weasyprint, FontConfiguration()


def html(view: NoticeView) -> str:
    return document_html((view,), view.document_title, view.lang)


def document_html(views: tuple[NoticeView, ...] | list[NoticeView], title: str, lang: str) -> str:
    """One HTML document holding the pages of several notices, one after the other."""
    return (
        _environment()
        .get_template("notice/document.html.j2")
        .render(notices=views, title=title, lang=lang)
    )


def document(view: NoticeView) -> weasyprint.Document:
    """The laid-out notice: its pages and boxes, for writing or for measuring."""
    return _lay_out(html(view))


def _lay_out(markup: str) -> weasyprint.Document:
    weasyprint, font_config = _weasyprint()
    source = weasyprint.HTML(string=markup, base_url=str(project.TEMPLATES))
    return source.render(font_config=font_config, pdf_variant=PDF_VARIANT)


def pdf(view: NoticeView) -> bytes:
    return pdf_from_html(html(view))


def pdf_from_html(markup: str) -> bytes:
    # A fixed identifier derived from the content: the same notice gives the same bytes.
    identifier = hashlib.sha256(markup.encode()).hexdigest()[:32].encode()
    return _lay_out(markup).write_pdf(pdf_variant=PDF_VARIANT, pdf_identifier=identifier)


def png(view: NoticeView, dpi: int = PNG_DPI) -> bytes:
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
