"""A notice's pages as the shapes renderer (noticegen.printing.variable_print) sees them: each
page split into its *shape* (the page's HTML without the household's data, with the notice's
styles, as a digest) and the household's data on it (the text runs the templates mark `| var`,
the images they mark class "vi")."""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass

from noticegen.printing import render
from noticegen.view import NoticeView

_PAGE_START = re.compile(r'(?=<div class="page page-)')
_DATA_TEXT = re.compile(rf'<span class="{render.VARIABLE_TEXT_CLASS}">([^<]*)</span>')
_DATA_IMAGE = re.compile(
    rf'(<img class="(?:[^"]* )?{render.VARIABLE_IMAGE_CLASS}(?: ([^"]*))?") src="([^"]*)" alt="[^"]*"'
    r'(?: style="([^"]*)")?'
)
# A data image of class "centered" sits centred in a box of its own whose size does not depend on
# the image (the voice codes): its size is data too, read from its style.
CENTERED = "centered"
_SIZE = re.compile(r"width: ([0-9.]+)mm; height: ([0-9.]+)mm")
MM_TO_PX = 96 / 25.4


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
    return CENTERED in (match.group(2) or "").split()


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
