"""A notice's pages as the shapes renderer (noticegen.printing.variable_print) sees them: each
page split into its *shape* (the page's HTML without the household's data, with the notice's
styles, as a digest) and the household's data on it (the text runs the templates mark `| var`,
the images they write with `data_image`).

The data is what the templates recorded on each page as they wrote it (render.recorded_pages),
not read back from the HTML; the shape is the same page with that data left out (one render
makes both)."""

from __future__ import annotations

import hashlib
import html.parser
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
    # The page as bands, when its template marks data rows (render.data_row): measured apart,
    # they make the page's shape (noticegen.printing.bands); else None.
    bands: Bands | None = None


@dataclass(frozen=True)
class Bands:
    """A page with data rows as the bands it is measured in: the page without its rows (the
    stub) and each row alone, on a page of its own (inside the elements the rows are in). The
    page's data is the stub's up to `texts_before` texts and `images_before` images, then each
    row's in turn, then the rest of the stub's."""

    stub: PageData
    rows: tuple[PageData, ...]
    texts_before: int
    images_before: int
    table_class: str  # the class of the table the rows are in, on the stub


# The title of the one-page documents shapes are laid out in: the same for every chunk, so that a
# shape measured for one chunk serves the next (the chunk file's own title is set on the file).
_SHAPE_TITLE = "noticegen"


def pages(part: NoticeView) -> list[PageData]:
    """A notice part's pages, each as its shape and its data."""
    recorded = render.recorded_pages(part, _SHAPE_TITLE, part.lang)
    return [
        PageData(
            _digest(recorded.head, shape),
            recorded.head,
            markup,
            tuple(slots.texts),
            tuple(slots.images),
            None if cuts is None else _bands(recorded.head, *cuts, slots),
        )
        for markup, shape, slots, cuts in zip(
            recorded.pages, recorded.shapes, recorded.slots, recorded.row_cuts, strict=True
        )
    ]


def _digest(head: str, shape: str) -> str:
    return hashlib.sha256((head + shape).encode()).hexdigest()


def _band_digest(head: str, shape: str) -> str:
    """A band's: never a page's, as a band is measured otherwise (measure.measure_band)."""
    return hashlib.sha256(("band\n" + head + shape).encode()).hexdigest()


def _bands(head: str, printed: tuple[str, ...], shape: tuple[str, ...], slots) -> Bands | None:
    """The page as its stub and its rows, from its HTML cut at the rows' marks (the rows at odd
    indexes); None when data lies between rows, where no band holds it."""
    marks = slots.row_marks
    starts, ends = marks[0::2], marks[1::2]
    if any(end != start for end, start in zip(ends[:-1], starts[1:], strict=True)):
        return None
    (texts_before, images_before), (texts_after, images_after) = marks[0], marks[-1]
    texts, images = tuple(slots.texts), tuple(slots.images)
    opening = _open_elements(shape[0])
    tables = [classes for name, _tag, classes in opening if name == "table"]
    if not tables or not tables[-1]:
        return None
    closing = "".join(f"</{name}>" for name, _tag, _classes in reversed(opening))
    around = "".join(tag for _name, tag, _classes in opening)
    stub_shape, stub_markup = "".join(shape[0::2]), "".join(printed[0::2])
    stub = PageData(
        _band_digest(head, stub_shape),
        head,
        stub_markup,
        texts[:texts_before] + texts[texts_after:],
        images[:images_before] + images[images_after:],
    )
    rows = tuple(
        PageData(
            _band_digest(head, around + row_shape + closing),
            head,
            around + row_markup + closing,
            texts[start[0] : end[0]],
            images[start[1] : end[1]],
        )
        for row_markup, row_shape, start, end in zip(
            printed[1::2], shape[1::2], starts, ends, strict=True
        )
    )
    return Bands(stub, rows, texts_before, images_before, tables[-1])


# Elements without an end tag (the templates write none of them with one).
_VOID = frozenset(
    ("area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
     "wbr")
)  # fmt: skip


class _OpenElements(html.parser.HTMLParser):
    """The elements open at the end of a template's well-formed HTML, with their start tags."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.open: list[tuple[str, str, str | None]] = []  # (name, start tag, class)

    def handle_starttag(self, tag, attrs) -> None:
        if tag not in _VOID:
            self.open.append((tag, self.get_starttag_text(), dict(attrs).get("class")))

    def handle_endtag(self, tag) -> None:
        if not self.open or self.open[-1][0] != tag:
            raise ValueError(f"the template's </{tag}> closes no element it opened")
        self.open.pop()


def _open_elements(markup: str) -> list[tuple[str, str, str | None]]:
    """The elements a row's HTML is inside: those open where the page's first row starts."""
    parser = _OpenElements()
    parser.feed(markup)
    return parser.open
