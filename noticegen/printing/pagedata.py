"""A notice's pages as the shapes renderer (noticegen.printing.variable_print) sees them: each
page split into its *shape* (the page's HTML without the household's data, with the notice's
styles, as a digest) and the household's data on it (the text runs the templates mark `| var`,
the images they write with `data_image`).

The data is what the templates recorded on each page as they wrote it (render.recorded_pages),
not read back from the HTML; the shape is the same page with that data left out (one render
makes both)."""

from __future__ import annotations

import functools
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
    # Where the rows go on the stub: the element before them (its tag and class), which the stub
    # keeps. Rows of a table (`in_table`: the table, which keeps its head) share their borders
    # (bands.put_together); blocks (a table each, the member cards) stand apart, the margins
    # between them collapsing as in any flow (bands.put_together_blocks), after the element.
    anchor_tag: str
    anchor_class: str
    in_table: bool
    block: tuple[str, str] | None = None  # blocks: the element each is (tag, class)


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
    if any(between.strip() for between in shape[2:-1:2]):
        return None  # static content between rows: it would stay where rows go
    structure = _structure(head, shape)
    if structure is None:
        return None
    anchor, in_table, block, around, closing, stub_digest, row_digests = structure
    (texts_before, images_before), (texts_after, images_after) = marks[0], marks[-1]
    texts, images = tuple(slots.texts), tuple(slots.images)
    stub = PageData(
        stub_digest,
        head,
        "".join(printed[0::2]),
        texts[:texts_before] + texts[texts_after:],
        images[:images_before] + images[images_after:],
    )
    rows = tuple(
        PageData(
            digest,
            head,
            around + row_markup + closing,
            texts[start[0] : end[0]],
            images[start[1] : end[1]],
        )
        for row_markup, digest, start, end in zip(
            printed[1::2], row_digests, starts, ends, strict=True
        )
    )
    return Bands(stub, rows, texts_before, images_before, *anchor, in_table, block)


@functools.lru_cache(maxsize=1024)
def _structure(head: str, shape: tuple[str, ...]):
    """What a page's bands are, from its shape cut at the rows' marks (no household data, so the
    same for every page of that shape, and worked out once for them, not once a notice): the
    anchor (tag, class), whether the rows are in a table, the block element, the elements around
    a row (opening and closing), and the digests of the stub and of each row; None when the page
    does not cut into bands."""
    parser = _OpenElements()
    parser.feed(shape[0])
    opening = parser.open
    in_table = bool(opening) and opening[-1][0] in ("table", "tbody")
    if in_table:
        anchor_tag, _start, anchor_class = next(
            element for element in reversed(opening) if element[0] == "table"
        )
    else:
        anchor_tag, anchor_class = parser.last_closed.get(len(opening), ("", None))
    if not anchor_class:
        return None
    block = None
    if not in_table:
        # Blocks: each row one element, the same element in every row (a member card's table).
        blocks = set()
        for piece in shape[1::2]:
            parser = _OpenElements()
            parser.feed(piece)
            if parser.open or len(parser.top_level) != 1:
                return None
            blocks.update(parser.top_level)
        if len(blocks) != 1 or not next(iter(blocks))[1]:
            return None
        block = next(iter(blocks))
    closing = "".join(f"</{name}>" for name, _tag, _classes in reversed(opening))
    around = "".join(tag for _name, tag, _classes in opening)
    stub_digest = _band_digest(head, "".join(shape[0::2]))
    row_digests = tuple(_band_digest(head, around + row + closing) for row in shape[1::2])
    return (anchor_tag, anchor_class), in_table, block, around, closing, stub_digest, row_digests


# Elements without an end tag (the templates write none of them with one).
_VOID = frozenset(
    ("area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
     "wbr")
)  # fmt: skip


class _OpenElements(html.parser.HTMLParser):
    """The elements open at the end of a template's well-formed HTML (those a row's HTML is
    inside, fed the page up to its first row), with their start tags; and at each depth, the
    last element closed there (tag and class)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.open: list[tuple[str, str, str | None]] = []  # (name, start tag, class)
        self.last_closed: dict[int, tuple[str, str | None]] = {}
        self.top_level: list[tuple[str, str | None]] = []  # the elements closed at depth 0

    def handle_starttag(self, tag, attrs) -> None:
        if tag not in _VOID:
            self.open.append((tag, self.get_starttag_text(), dict(attrs).get("class")))

    def handle_endtag(self, tag) -> None:
        if not self.open or self.open[-1][0] != tag:
            raise ValueError(f"the template's </{tag}> closes no element it opened")
        _name, _start, classes = self.open.pop()
        self.last_closed[len(self.open)] = (tag, classes)
        if not self.open:
            self.top_level.append((tag, classes))
