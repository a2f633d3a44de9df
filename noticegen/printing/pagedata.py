"""A notice's pages as the shapes renderer (noticegen.printing.variable_print) sees them: each
page split into its *shape* (the page's HTML without the household's data, with the notice's
styles, as a digest) and the household's data on it (the text runs the templates mark `| var`,
the images they write with `data_image`).

The data is what the templates recorded on each page as they wrote it (render.recorded_pages),
not read back from the HTML; the shape is the same page with that data left out (one render
makes both)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from noticegen.printing import render
from noticegen.view import NoticeView

# Kept here for the shapes renderer's measuring (noticegen.printing.measure).
CENTERED = render.CENTERED_IMAGE_CLASS
MM_TO_PX = render.MM_TO_PX


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
    recorded = render.recorded_pages(part, _SHAPE_TITLE, part.lang)
    return [
        PageData(
            hashlib.sha256((recorded.head + shape).encode()).hexdigest(),
            recorded.head,
            markup,
            tuple(slots.texts),
            tuple(slots.images),
        )
        for markup, shape, slots in zip(
            recorded.pages, recorded.shapes, recorded.slots, strict=True
        )
    ]
