"""Where the shapes renderer's page shapes come from, on the realistic population (issue 11).

The shapes renderer lays out each distinct page shape once (noticegen.printing.variable_print);
measuring them is most of a small run's time. This counts, without laying anything out, the
distinct shapes (page HTML without the household data, with the notice's styles: pagedata.pages)
that N households of bench/population.py meet:
- by part (0: the Japanese notice; 1: a translated household's part in its language) and page;
- on page 1 of the Japanese part, by component: the page without its member rows (what
  bench/page_bands.py lays out once for all the rows drawn on it), the address window, the member
  table (and its distinct rows), the page above the table and below it (each with the address
  window taken out), and the rest of the page with both taken out (found by their class names in
  the shape's HTML).
A page-1 shape is one combination of its components' variants: the counts show how many shapes
a page made of separately measured blocks (the "band" design) would need instead. Last, what the
renderer lays out now that a page with member rows, members or cards is measured as bands
(its stub and its rows, if none is refused): the pages without bands, the stubs, the rows.

The renderer measures a shape once per set of fonts its runs use, so it can measure more shapes
than counted here (the batch logs how many it measured).

    .venv/bin/python bench/shape_census.py [--households 1000] [--seed 1]
"""

from __future__ import annotations

import argparse
import dataclasses
import re
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

import warm_path  # bench/warm_path.py, beside this script

from noticegen import batch, notice, voicecode
from noticegen.printing import pagedata, render

# Page 1's components, by the templates' class names (templates/notice/pages.html.j2). The
# address window holds no nested <div>, the member table no nested <table>.
COMPONENTS = {
    "address window": re.compile(r'<div class="address-window".*?</div>', re.S),
    "member table": re.compile(r'<table class="members">.*?</table>', re.S),
}
# A member table's rows (its head row included): what a table made of separately measured rows
# would measure.
TABLE_ROW = re.compile(r"<tr>.*?</tr>", re.S)
TABLE_BODY = re.compile(r'(<table class="members">.*?<tbody>).*?(</tbody>)', re.S)


# Page 1's boxes that print.css places on the page, not in its flow: each stays where it is
# whatever the flow above it holds, so a page of bands would draw each as a band of its own.
PLACED = (
    "address-window", "closing", "voice-codes", "notch-guide", "page-number", "sequence",
    "sheet-mark",
)  # fmt: skip
_XHTML = "{http://www.w3.org/1999/xhtml}"


def finer_bands(page_markup: str) -> dict[str, str]:
    """Page 1 as finer bands: its flow without the member rows and without the boxes placed on
    the page, and each kind of placed box (all of that kind on the page, in order)."""
    import xml.etree.ElementTree as ElementTree

    import tinyhtml5

    root = tinyhtml5.parse(page_markup)
    placed: dict[str, list[str]] = {f"page 1 placed: {kind}": [] for kind in PLACED}
    for parent in list(root.iter()):
        for child in list(parent):
            classes = set(child.get("class", "").split())
            kind = next((kind for kind in PLACED if kind in classes), None)
            if kind is not None:
                placed[f"page 1 placed: {kind}"].append(ElementTree.tostring(child, "unicode"))
                parent.remove(child)
            elif child.tag == f"{_XHTML}tbody" and "members" in parent.get("class", ""):
                parent.remove(child)
    bands = {name: "".join(variants) for name, variants in placed.items()}
    bands["page 1 flow without member rows or placed boxes"] = ElementTree.tostring(root, "unicode")
    return bands


def census(households, config) -> tuple[dict, Counter, dict, dict]:
    """Distinct shapes by (part, page) and pages met there; page 1's components' variants; and
    what the renderer lays out (pagedata.Bands): the pages without bands, the stubs and the
    bands of rows, members and cards."""
    encoder = voicecode.encoder_for(config.voice_code)
    shapes: dict[tuple[int, int], set[str]] = defaultdict(set)
    pages_met: Counter[tuple[int, int]] = Counter()
    components: dict[str, set[str]] = defaultdict(set)
    layouts: dict[str, set[str]] = defaultdict(set)  # what the renderer lays out, by kind
    for seq, household in enumerate(households, 1):
        parts = notice.make_all(household, config, encoder)
        count = sum(part.page_count for part in parts)
        parts = tuple(
            dataclasses.replace(
                part, print_marks=batch._print_marks(part, seq, count, config.press)
            )
            for part in parts
        )
        for number, part in enumerate(parts):
            for page_number, page in enumerate(pagedata.pages(part)):
                shapes[number, page_number].add(page.shape)
                pages_met[number, page_number] += 1
                if page.bands is None:
                    layouts["pages without bands"].add(page.shape)
                else:
                    layouts["stubs"].add(page.bands.stub.shape)
                    layouts["rows, members and cards"].update(row.shape for row in page.bands.rows)
        first = parts[0]
        recorded = render.recorded_pages(first, "noticegen", first.lang)
        rest = recorded.head + recorded.shapes[0]
        # The page a page of bands would measure once for all its member rows (bench/page_bands.py).
        components["page 1 without its member rows"].add(TABLE_BODY.sub(r"\1\2", rest))
        for name, variant in finer_bands(recorded.shapes[0]).items():
            components[name].add(variant)
        for name, pattern in COMPONENTS.items():
            found = pattern.search(rest)
            components[name].add(found.group(0) if found else "")
            if found and name == "member table":
                components["member table rows"].update(TABLE_ROW.findall(found.group(0)))
                # What a page of bands would measure apart: the page down to the table, and
                # from it on (moved down by the table's height).
                components["page 1 above the table"].add(rest[: found.start()])
                components["page 1 below the table"].add(rest[found.end() :])
            rest = pattern.sub("", rest)
        components["the rest of page 1"].add(rest)
    return shapes, pages_met, components, layouts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        households, config = warm_path._households(args.households, args.seed, Path(folder))
    shapes, pages_met, components, layouts = census(households, config)
    every = set().union(*shapes.values())
    print(
        f"{len(households):,} households (seed {args.seed}): {len(every):,} distinct page shapes "
        f"in {sum(pages_met.values()):,} pages ({time.perf_counter() - started:.0f} s)"
    )
    for part in sorted({part for part, _page in shapes}):
        positions = sorted(page for number, page in shapes if number == part)
        mine = set().union(*(shapes[part, page] for page in positions))
        print(f"part {part}: {len(mine):,} shapes")
        for page in positions:
            print(
                f"  page {page + 1:2}: {len(shapes[part, page]):6,} shapes "
                f"in {pages_met[part, page]:7,} pages"
            )
    print(f"page 1 of part 0: {len(shapes[0, 0]):,} shapes; its components' variants:")
    for name, variants in components.items():
        print(f"  {name}: {len(variants):,}")
    total = sum(len(found) for found in layouts.values())
    print(f"what the renderer lays out, pages with rows measured as bands: {total:,}")
    for name, found in layouts.items():
        print(f"  {name}: {len(found):,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
