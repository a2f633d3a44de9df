"""The batch's fast renderer on a realistic member file (issue 11): speed, full layouts, bytes, memory.

For each size (1,000 and 10,000 households; 100,000 with --large, which takes long) the population
of bench/population.py goes through `noticegen batch` (2 workers, each run in its own process, as
bench/batch.py's run_once does), once with the shapes renderer and once with the full renderer
("--renderer full") in the same run, on the same file and configuration (its large-print
households). At 100,000 the full renderer would take hours: it runs on the first 1,000 households
of the same file instead (--limit 1000; --full-sample-from sets the size from which it does), and
the line says so. Household n is the same in every size, so those are the 1,000 population.
Printed for each run: notices/s, the share of notices laid out in full, PDF bytes per notice
(median over chunk files of bytes/notices, and the mean), peak memory (parent and largest worker),
rejected households; then the issue's targets.

The batch keeps measured shapes between runs, so the sizes share one cache: the first starts cold,
the later ones find the shapes of the households they share with it. `--warm-runs` adds, after each
size, two more runs of the shapes renderer with the cache that size left: on another member file of
the same size (seed + 1: a vendor's next file, new households, shapes perhaps known) and on the same
file again (every shape known: what drawing costs without measuring).

The batch logs how many notices it laid out in full, not why. `--diagnose N` (default 400) takes
the population's first N households through the shapes renderer's own checks in this process
(variable_print.pages and the Renderer's planning, as the batch's worker does, print marks
included) and tallies the NotDrawable reasons: the first reason of each notice laid out in full
(what sent it there), every page's reason, the shape measurements that failed, which data runs
do it (--attribute M: the first failing page of M notices laid out with its data), and the share
laid out in full among the households of each population kind (bench/population.py KINDS).

    .venv/bin/python bench/fast_renderer.py [--sizes 1000 10000] [--large] [--workers 2]
                                            [--diagnose 400] [--attribute 150] [--seed 1]
                                            [--skip-full] [--full-sample-from 100000]
                                            [--warm-runs] [--households-per-worker N]
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import batch as batch_bench  # bench/batch.py, beside this script
import population  # bench/population.py, beside this script

from noticegen import batch, fonts, notice, records, settings, voicecode
from noticegen.printing import engine, render, variable_print

FULL_RENDERER_SAMPLE = 1_000  # households the full renderer takes from a population too large
TARGETS = (
    "targets (issue 11, 2 workers on 2 cores): ≥ 150 notices/s at 10,000 households, ≥ 100 at "
    "1,000; ≤ 1% of notices laid out in full; ≤ 12 KB of PDF per notice (median); < 1 GiB per "
    "process at 100,000"
)


def measure_size(households: int, folder: Path, args) -> None:
    members, config = folder / f"members-{households}.csv", folder / f"config-{households}.toml"
    started = time.perf_counter()
    population.write_members(members, households, args.seed, config)
    print(
        f"\n{households:,} households (seed {args.seed}, workers {args.workers}, chunk "
        f"{args.chunk_size}; population written in {time.perf_counter() - started:.1f} s)",
        flush=True,
    )
    for renderer in ("shapes",) if args.skip_full else ("shapes", "full"):
        limit = None
        if renderer == "full" and households >= args.full_sample_from:
            limit = FULL_RENDERER_SAMPLE
        figures = batch_bench.run_once(
            members, folder / f"out-{households}-{renderer}", renderer,
            workers=args.workers, chunk_size=args.chunk_size, config=config, limit=limit,
            households_per_worker=args.households_per_worker,
        )  # fmt: skip
        line = batch_bench.describe(figures)
        if limit is not None:
            line += f"  [full renderer on the first {limit:,} households only: it takes hours]"
        print(line, flush=True)
    if args.warm_runs:
        warm_runs(households, members, config, folder, args)


def warm_runs(households: int, members: Path, config: Path, folder: Path, args) -> None:
    """The shapes renderer again with the shape cache the run above left: on another member file of
    the same size (seed + 1: a vendor's next file, whose households are new but whose page shapes
    may be known), then on the same file (every shape known: what drawing alone costs)."""
    other, other_config = (
        folder / f"members-{households}-next.csv",
        folder / f"config-{households}-next.toml",
    )
    population.write_members(other, households, args.seed + 1, other_config)
    for number, (label, path, path_config) in enumerate(
        (
            (f"warm, another file (seed {args.seed + 1})", other, other_config),
            ("warm, the same file again", members, config),
        )
    ):
        figures = batch_bench.run_once(
            path, folder / f"out-{households}-shapes-warm{number}", "shapes",
            workers=args.workers, chunk_size=args.chunk_size, config=path_config,
        )  # fmt: skip
        print(f"{batch_bench.describe(figures)}  [{label}]", flush=True)


# ---------------------------------------------------------------------------------------------
# Why notices are laid out in full


class _CountedMeasure:
    """variable_print.measure, counted: a shape whose measurement fails is not kept, so each notice
    that meets it again lays it out again before its own full layout (a cost worth seeing)."""

    def __init__(self, measure) -> None:
        self.measure = measure
        self.calls = 0
        self.failures: Counter[str] = Counter()

    def __call__(self, page):
        self.calls += 1
        try:
            return self.measure(page)
        except variable_print.NotDrawable as error:
            self.failures[str(error)] += 1
            raise


def where(page: variable_print.PageData) -> list[tuple[str, str]]:
    """The data runs of a page that its own full layout does not set as one clearly fitting line:
    what happens and where, by the run's elements in the template (td.insured < tr < table.members),
    with the run's text.

    The page is laid out with its data, read-only, through the same box tree variable_print.measure
    walks (its helpers say which boxes are data runs): a run in more than one box (broken over
    lines), a run in a block of more than one line, a line whose runs reach its box's end."""
    document = render.lay_out_untagged(f"{page.head}<body>\n{page.markup}</body>\n</html>\n")
    runs: dict[int | None, list] = {}
    lines = []
    place: dict[int, str] = {}  # a data run's box → its elements, innermost first

    def walk(box, containing, elements):
        kinds = engine.box_kinds(box)
        if kinds.placeholder:
            box = engine.placed_box(box)
            kinds = engine.box_kinds(box)
        if kinds.line:
            lines.append((box, containing))
        if variable_print._is_data_text(box):
            runs.setdefault(engine.element_id(box), []).append(box)
            # The run's own span left out: the three elements around it.
            place[id(box)] = " < ".join(name for name, _element in elements[-2:-5:-1])
        element = engine.element_id(box)
        if element is not None and (not elements or elements[-1][1] != element):
            classes = ".".join((engine.element_class(box) or "").split())
            tag = engine.element_tag(box)
            elements = (*elements, (f"{tag}.{classes}" if classes else tag, element))
        for child in engine.children(box):
            walk(child, box if kinds.block_container else containing, elements)

    found = []
    if document.pages:
        first = engine.page_box(document, 0)
        walk(first, first, ())
    for parts in runs.values():
        if len(parts) > 1:
            text = engine.text_of_text_box(parts[0])
            found.append((f"broken over lines: {place[id(parts[0])]}", text))
    lines_of: dict[int, int] = Counter(id(containing) for _line, containing in lines)
    for line, containing in lines:
        data = [leaf for leaf in variable_print._leaves(line) if variable_print._is_data_text(leaf)]
        if not data:
            continue
        text = engine.text_of_text_box(data[0])
        if lines_of[id(containing)] > 1:
            found.append((f"in a block of several lines: {place[id(data[0])]}", text))
            continue
        # As variable_print._fits: a left-aligned line's runs start after its static text.
        left = engine.style_value(line, "text_align_all") in ("left", "start")
        block = engine.geometry(containing)
        start = engine.geometry(data[0]).x - block.content_x if left else 0.0
        used = sum(engine.geometry(leaf).width for leaf in data) + start
        if used > block.width - variable_print.FIT_MARGIN_PX:
            found.append((f"fills its line: {place[id(data[0])]}", text))
    if len(document.pages) != 1:
        found.append((f"the page lays out as {len(document.pages)} pages", ""))
    return found


def diagnose(count: int, seed: int, attribute: int) -> None:
    """Tally the reasons the shapes renderer gives for laying out notices in full, on the first
    `count` households, with the configuration the batch would use (their large print)."""
    chosen = list(population.generate(count, seed))
    with tempfile.TemporaryDirectory() as folder:
        config_path = Path(folder) / "config.toml"
        population.write_config(config_path, chosen)
        config = settings.load(config_path)
        members_path = Path(folder) / "members.csv"
        population.write_households(members_path, chosen)
        window = (config.envelope.window_width_mm, config.envelope.window_height_mm)
        read, rejections = records.read_all(
            records.open_member_file(members_path), fonts.coverage(), dt.date.today(), window,
            reference=config.dates.reference,
        )  # fmt: skip
    kinds_of = {household.household_id: household.kinds for household in chosen}
    encoder = voicecode.encoder_for(config.voice_code)
    renderer = variable_print.Renderer()
    counted = _CountedMeasure(variable_print.measure)
    variable_print.measure = counted  # the Renderer calls the module's measure
    first_reasons: Counter[str] = Counter()
    page_reasons: Counter[str] = Counter()
    laid_out_by_kind: Counter[str] = Counter()
    households_by_kind: Counter[str] = Counter()
    places: Counter[str] = Counter()
    examples: dict[str, Counter[str]] = {}
    attributed = 0
    laid_out = 0
    started = time.perf_counter()
    try:
        for seq, household in enumerate(read, start=1):
            parts = notice.make_all(household, config, encoder)
            pages = sum(part.page_count for part in parts)
            reasons = []
            first_failing = None
            for part in parts:
                # The batch adds its print marks (sequence number, inserter mark) before drawing
                # (batch._chunk_output): their runs and images are on every page.
                marks = batch._print_marks(part, seq, pages, config.press)
                marked = dataclasses.replace(part, print_marks=marks)
                for page in variable_print.pages(marked):
                    try:
                        # The planning add_notice does; its reason is not returned by add_notice.
                        renderer._plan(page)
                    except variable_print.NotDrawable as error:
                        reasons.append(str(error))
                        first_failing = first_failing or page
            page_reasons.update(reasons)
            kinds = kinds_of[household.household_id]
            households_by_kind.update(kinds)
            if reasons:
                laid_out += 1
                first_reasons[reasons[0]] += 1
                laid_out_by_kind.update(kinds)
                if attributed < attribute:
                    attributed += 1
                    for place, text in dict(where(first_failing)).items():
                        places[place] += 1
                        examples.setdefault(place, Counter())[text] += 1
    finally:
        variable_print.measure = counted.measure
    notices = len(read)
    print(
        f"\nWhy notices are laid out in full: the first {count:,} households (seed {seed}; "
        f"{len(rejections)} rejected) "
        f"through the shapes renderer's checks in one process ({time.perf_counter() - started:.0f}"
        f" s): {laid_out} laid out in full ({laid_out / notices:.1%})"
    )
    print("  the reason that sent each one there (its first page that cannot be drawn):")
    for reason, number in first_reasons.most_common():
        print(f"    {number:6d}  {reason}")
    print("  every page that cannot be drawn, by reason:")
    for reason, number in page_reasons.most_common():
        print(f"    {number:6d}  {reason}")
    print(
        f"  shape measurements: {counted.calls} ({sum(counted.failures.values())} failed, not "
        "kept, and so laid out again for each notice that meets the shape):"
    )
    for reason, number in counted.failures.most_common():
        print(f"    {number:6d}  {reason}")
    print(
        f"  where, on the first page that cannot be drawn of {attributed} of them (that page laid"
        " out with its data: which data runs do not make one clearly fitting line), with the"
        " commonest texts:"
    )
    for place, number in places.most_common():
        shown = ", ".join(repr(text) for text, _n in examples[place].most_common(3))
        print(f"    {number:6d}  {place}  [{shown}]")
    print("  share laid out in full among the households of each kind (population.KINDS):")
    rows = sorted(
        (
            (laid_out_by_kind[kind] / total, kind, total)
            for kind, total in households_by_kind.items()
        ),
        reverse=True,
    )
    for share, kind, total in rows:
        print(f"    {share:6.1%} of {total:5d}  {kind}: {population.KINDS[kind]}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000])
    parser.add_argument("--large", action="store_true", help="also 100,000 households (long)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--chunk-size", type=int, default=batch.DEFAULT_CHUNK_SIZE)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--households-per-worker", type=int, default=None, metavar="N",
        help="replace each worker process after about N households (default: the batch's "
        f"{batch.HOUSEHOLDS_PER_WORKER:,})",
    )  # fmt: skip
    parser.add_argument("--skip-full", action="store_true", help="the shapes renderer only")
    parser.add_argument(
        "--full-sample-from", type=int, default=100_000, metavar="SIZE",
        help="from this size the full renderer runs on the first 1,000 households only",
    )  # fmt: skip
    parser.add_argument(
        "--warm-runs", action="store_true",
        help="after each size, the shapes renderer again with the cache it left: on another file "
        "of that size (seed + 1), then on the same file",
    )  # fmt: skip
    parser.add_argument(
        "--diagnose", type=int, default=400, metavar="N",
        help="tally why notices are laid out in full over the first N households (0: not)",
    )  # fmt: skip
    parser.add_argument(
        "--attribute", type=int, default=150, metavar="M",
        help="lay out the first failing page of M of them to say which data runs do it",
    )  # fmt: skip
    args = parser.parse_args()
    sizes = [*args.sizes, *([100_000] if args.large else [])]
    with tempfile.TemporaryDirectory() as folder:
        # The batch keeps measured shapes between runs ([batch] shape_cache, default under
        # XDG_CACHE_HOME): a cache of this run's own, so the first size starts cold and the
        # others find its shapes, as a vendor's second file of the day would.
        os.environ["XDG_CACHE_HOME"] = str(Path(folder) / "cache")
        print("shape cache: a new one for this run (the first size measures its shapes)")
        for households in sizes:
            measure_size(households, Path(folder), args)
    if args.diagnose:
        diagnose(args.diagnose, args.seed, args.attribute)
    print(f"\n{TARGETS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
