"""Variable-data printing: the print batch's fast renderer (the idea behind PDF/VT).

A page of a notice is static content, the same for every household whose page has the same
*shape*, plus the household's own data: the text runs the templates mark `| var` and the images
they mark class "vi" (address, names, dates, numbers, customer barcode, voice codes, print marks).
The shape is the page's HTML with that data left out, so two pages share a shape only when
everything else on them is the same.

Each shape is laid out by WeasyPrint once, with the household data hidden (`visibility: hidden`
keeps every box where it was). A page with member rows (the member table's, the reply form's,
the member cards) is measured as bands instead: the page without its rows, and each row alone,
each laid out once for all the pages it is on, the page's shape put together from them
(noticegen.printing.bands; measure.composed), or laid out whole where that cannot be made sure.
A ShapeStore (the batch's run folder, and the shapes kept between
runs) lets workers share them. Its page becomes one Form XObject per chunk file, and the layout says where each data run and image sits. A household's page is then that
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

The renderer is split by concern: the page data (pagedata), measuring a shape (measure),
assembling a chunk file (assembly, with one font subset per font: fontsharing), and here the
renderer a worker keeps. Every use of WeasyPrint goes through noticegen.printing.engine.
"""

from __future__ import annotations

import hashlib
import re
from typing import Protocol

from noticegen import caches
from noticegen.printing import engine, fontsharing, render
from noticegen.printing.assembly import (
    ChunkFile,
    _Picture,
    _plain_png,
)
from noticegen.printing.measure import (
    FIT_MARGIN_PX,
    NotDrawable,
    Shape,
    _fits,
    _is_data_text,
    _leaves,
    _shape_text,
    composed,
    measure,
    measure_band,
    shared_styles,
)
from noticegen.printing.pagedata import Bands, PageData, pages
from noticegen.view import NoticeView

# The names the batch, the preview, the tests and the benchmarks use, with the Renderer.
__all__ = [
    "FIT_MARGIN_PX",
    "ChunkFile",
    "NotDrawable",
    "PageData",
    "Renderer",
    "Shape",
    "ShapeStore",
    # bench/fast_renderer.py reads a layout's data runs as measure does (FIT_MARGIN_PX too)
    "_is_data_text",
    "_leaves",
    "measure",
    "pages",
]

# A run a full render could set otherwise than as one plain line: white space CSS would collapse
# or strip, control characters (tabs and newlines among them), line and paragraph separators.
_NOT_ONE_LINE = re.compile(r"^ | $|  |[\x00-\x1f\x7f-\x9f\u2028\u2029]")


class ShapeStore(Protocol):
    """Where workers leave the shapes they measured, for each other (the batch's run folder)."""

    def get(self, name: str) -> bytes | None: ...

    def first(self, prefix: str) -> bytes | None: ...

    def put(self, name: str, data: bytes) -> None: ...


# What _check_image keeps for an image it found this renderer would not draw as a full render does.
_NOT_DRAWN = object()

# Shapes a worker keeps in memory, the most recently used: a shape holds its page's PDF, opened
# once drawn (a page put together: its stub's and its rows'), what its forms hold and its runs'
# places, some 350 KiB (its styles are the worker's, shared: measure.shared_styles), and a
# realistic member file meets thousands of shapes; one dropped is read back from the store (the
# run folder), not measured.
SHAPES_KEPT = 512
# The runs' styles of the page shapes met (a tuple of shared styles and their keys, a kilobyte or
# two): finding them again for a shape dropped means reading a whole shape back (ShapeStore.first),
# so a worker keeps those of every page shape and band it meets (some 5,400 at 10,000 households,
# after which the batch replaces it: batch.HOUSEHOLDS_PER_WORKER).
STYLES_KEPT = 8192

# Runs shaped lately, by their text and their style's values: page numbers, 「3割」, 記号 and
# dates recur from household to household, and runs of many shapes share a style (on the
# population, 60% of a chunk's runs were met before). Each holds a Pango layout, a few kilobytes.
RUNS_KEPT = 4096


def add_laid_out(chunk: ChunkFile, parts: tuple[NoticeView, ...], lang: str) -> None:
    """Notice parts laid out in full by WeasyPrint, added to the chunk file, whose one subset of
    each font they share: the full renderer's files (batch) and the notices this renderer cannot
    draw are made alike, so the two renderers' pages draw every glyph from the same font program."""
    document = render.lay_out_untagged(render.document_html(parts, chunk.title, lang))
    # Its fonts are replaced as the forms' are: their subsets are cut there (fontsharing).
    data = engine.write_pdf_leaving_programs_uncut(document, fontsharing.cut_here)
    chunk.add_laid_out_pages(data, fontsharing.document_font_sources(document))


class Renderer:
    """Draws notices into chunk files from shapes, measuring each shape the first time it is met."""

    def __init__(self, store: ShapeStore | None = None) -> None:
        self._store = store
        # shape → its runs' styles and their keys (engine.style_key); (shape, the runs' fonts) →
        # measured shape
        self._styles = caches.Bounded(STYLES_KEPT, switchable=False)
        self._runs = caches.Bounded(RUNS_KEPT)  # (text, style key) → the run shaped
        self._shapes = caches.Bounded(SHAPES_KEPT, switchable=False)
        # The guide pages' codes repeat, the others do not: a bound keeps a worker's memory flat.
        self._pictures = caches.Bounded(4096, switchable=False)
        self.shapes_measured = 0  # pages laid out whole to measure them
        self.bands_measured = 0  # bands laid out (pagedata.Bands)
        self.shapes_composed = 0  # page shapes put together from bands

    def add_notice(self, chunk: ChunkFile, parts: tuple[NoticeView, ...], lang: str) -> bool:
        """Add a notice's pages to the chunk file: drawn from shapes when every page allows it
        (True), otherwise laid out in full (False)."""
        try:
            planned = [self._plan(page) for part in parts for page in pages(part)]
        except NotDrawable:
            add_laid_out(chunk, parts, lang)
            return False
        for key, shape, runs, page, pictures in planned:
            chunk.add_drawn_page(key, shape, runs, page, pictures)
        return True

    def _plan(self, page: PageData):
        if any(_NOT_ONE_LINE.search(text) for text in page.texts):
            raise NotDrawable("a run a full layout could set otherwise than as one line")
        pictures = [self._check_image(uri) for uri, _size in page.images]
        key, shape, runs = self._shape_and_runs(page, self._measure)
        for line in shape.lines:
            if not _fits(line, [runs[number].width for number in line.runs]):
                raise NotDrawable("a line does not clearly fit")
        return key, shape, runs, page, pictures

    def _shape_and_runs(self, page: PageData, measuring):
        """The page's shape for the fonts its runs are set in, and the runs: as kept, stored or
        measured (`measuring(page)`)."""
        known = self._styles.get(page.shape)
        if known is None:
            # Any measured variant of the shape serves: the styles do not depend on the fonts.
            shape = self._stored(page.shape, None) or measuring(page)
            known = (shape.styles, shape.style_keys)
            self._styles.put(page.shape, known)
        runs = [
            self._shaped(text, style, key)
            for text, style, key in zip(page.texts, *known, strict=True)
        ]
        if not all(run.one_line for run in runs):
            raise NotDrawable("a run Pango sets on more than one line")
        key = (page.shape, tuple(run.fonts for run in runs))
        shape = self._shapes.get(key) or self._stored(*key) or measuring(page)
        if shape.fonts != key[1]:
            raise NotDrawable("the runs' fonts differ from the measured layout's")
        return key, shape, runs

    def _shaped(self, text: str, style, key: bytes):
        """The run shaped in `style` (whose values `key` stands for), as met before if it was:
        the same text in the same style shapes the same, whatever page it is on."""
        run = self._runs.get((text, key))
        if run is None:
            run = _shape_text(text, style)
            self._runs.put((text, key), run)
        return run

    def _check_image(self, uri: str) -> _Picture:
        """Only PNGs that a full render draws as this renderer does: grey or 1-bit, opaque.

        (An external voice-code encoder may print SVGs or colour PNGs: those notices are laid
        out in full.)"""
        picture = self._pictures.get(uri)
        if picture is None:
            picture = _plain_png(uri) or _NOT_DRAWN  # decoded once: checked here, drawn later
            self._pictures.put(uri, picture)
        if picture is _NOT_DRAWN:
            raise NotDrawable("an image this renderer would not draw as a full render does")
        return picture

    def _measure(self, page: PageData) -> Shape:
        """The page's shape: put together from its bands when it has data rows and that can be
        done (a stub and rows met before are not laid out again), else laid out whole."""
        shape = None
        if page.bands is not None:
            try:
                shape = self._composed(page.bands)
                self.shapes_composed += 1
            except NotDrawable:
                shape = None
        if shape is None:
            shape = measure(page)
            self.shapes_measured += 1
        return self._keep(page, shape)

    def _keep(self, page: PageData, shape: Shape) -> Shape:
        shape.styles = shared_styles(shape.styles, shape.style_keys)
        self._shapes.put((page.shape, shape.fonts), shape)
        if self._store is not None:
            self._store.put(_stored_name(page.shape, shape.fonts), shape.to_bytes())
        return shape

    def _composed(self, page_bands: Bands) -> Shape:
        anchor = (page_bands.anchor_tag, page_bands.anchor_class)
        stub = self._band(page_bands.stub, anchor, stub=True)
        rows = [self._band(row, page_bands.block) for row in page_bands.rows]
        return composed(
            stub, rows, page_bands.texts_before, page_bands.images_before, page_bands.stub.shape
        )

    def _band(self, band: PageData, element: tuple[str, str] | None, stub: bool = False) -> Shape:
        """A band's shape (measure.measure_band). One that cannot be measured is not remembered
        as such: whether it can may depend on the household's data in it, as a whole page's
        measuring does, and a page's shape must not depend on which households a worker met
        first (its page is measured whole, and that shape kept)."""

        def measuring(band: PageData) -> Shape:
            shape = measure_band(band, element, stub)
            self.bands_measured += 1
            return self._keep(band, shape)

        return self._shape_and_runs(band, measuring)[1]

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
        self._shapes.put((digest, shape.fonts), shape)
        return shape


def _stored_name(digest: str, fonts: tuple) -> str:
    return f"{digest}-{hashlib.sha256(repr(fonts).encode()).hexdigest()[:16]}"
