"""Batch throughput: N synthetic households through `noticegen batch`; notices per second, peak memory.

Issue target on this 2-core machine: ≥ 100 notices/s at 10,000 households. Each run measures the
production renderer ("shapes": pages drawn over layouts measured once per page shape) and, in the
same process on the same file, the baseline that lays out every notice in full ("full"), unless
--renderer picks one. The machine is shared: compare the two figures of one run.

These households are all alike; bench/fast_renderer.py runs the same measurement (run_once,
describe) on a realistic population (bench/population.py).

    .venv/bin/python bench/batch.py [--households 1000] [--workers 2] [--chunk-size 500]
                                    [--renderer shapes|full|both]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import random
import re
import statistics
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from noticegen import batch, mynumber, rules

AREAS = (
    ("1730004", "東京都板橋区板橋"),
    ("1730001", "東京都板橋区本町"),
    ("1730005", "東京都板橋区仲宿"),
    ("1730013", "東京都板橋区氷川町"),
    ("1740046", "東京都板橋区蓮根"),
    ("1740056", "東京都板橋区志村"),
    ("1750082", "東京都板橋区高島平"),
    ("1750094", "東京都板橋区成増"),
)
# About one household in twenty gets its notice with a translated part, as in a ward with many
# foreign residents.
LANGUAGES = ("en", "zh-Hans", "ko", "vi", "ne", "tl", "pt")
SURNAMES = (("見本", "ミホン"), ("試験", "シケン"), ("架空", "カクウ"), ("例題", "レイダイ"))
GIVEN = (("太郎", "タロウ"), ("花子", "ハナコ"), ("一郎", "イチロウ"), ("春子", "ハルコ"))
COLUMNS = (
    "household_id", "head_name", "postal_code", "address", "language", "member_name",
    "member_kana", "birth_date", "insured_symbol", "insured_number", "insured_branch",
    "acquired_date", "copay_ratio", "mynumber_last4",
)  # fmt: skip


# Members are under 75 on the shipped reference date (2024-10-01): older ones are NOT_NHI_AGE.
OLDEST_BIRTH = dt.date(1949, 10, 2)
YOUNGEST_BIRTH = dt.date(2020, 12, 31)
REFERENCE = dt.date(2024, 10, 1)


def write_members(path: Path, households: int, seed: int = 1) -> None:
    """A member file of `households` fictional, valid households of one to four members."""
    rng = random.Random(seed)
    span = (YOUNGEST_BIRTH - OLDEST_BIRTH).days
    with open(path, "w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(COLUMNS)
        for number in range(1, households + 1):
            surname = rng.choice(SURNAMES)
            postal, town = rng.choice(AREAS)
            address = f"{town}{rng.randint(1, 5)}丁目{rng.randint(1, 40)}番{rng.randint(1, 20)}号"
            members = rng.sample(GIVEN, rng.randint(1, 4))
            language = rng.choice(LANGUAGES) if rng.random() < 0.05 else ""
            insured_number = f"{rng.randint(1, 9999999):07d}"  # one per household, as in NHI
            for index, given in enumerate(members):
                born = OLDEST_BIRTH + dt.timedelta(days=rng.randrange(span + 1))
                # A 負担割合 the member's age allows (noticegen.rules, as the reader checks it).
                copay = rng.choice(sorted(rules.copay_stage(born, REFERENCE).allowed))
                base = "".join(str(rng.randrange(10)) for _ in range(11))
                full = base + str(mynumber.check_digit(base))
                writer.writerow(
                    (
                        f"B{number:07d}",
                        f"{surname[0]} {members[0][0]}",
                        postal,
                        address,
                        language,
                        f"{surname[0]} {given[0]}",
                        f"{surname[1]} {given[1]}",
                        born.isoformat(),
                        "板",
                        insured_number,
                        f"{index + 1:02d}",
                        f"{rng.randint(max(born.year + 1, 2008), 2024)}-04-01",
                        str(copay),
                        full[-4:] if rng.random() < 0.85 else "",
                    )
                )


@dataclass(frozen=True)
class RunFigures:
    """What one `noticegen batch` run measured."""

    renderer: str
    status: int
    elapsed: float  # seconds, the batch's own run (not the interpreter's start)
    parent_mib: float  # peak resident memory of the run's parent process
    worker_mib: float  # peak resident memory of its largest worker
    # The largest worker's peak resident memory in each tenth of the run (sampled every 0.5 s).
    worker_mib_by_tenth: tuple[float, ...]
    cpu_seconds: float  # user and system time of the parent and all its workers
    notices: int
    rejected: int
    laid_out_in_full: int
    shapes_measured: int  # page shapes the run laid out (not found in its run folder or cache)
    shapes_composed: int  # page shapes it put together from bands (noticegen.printing.bands)
    bands_measured: int  # the bands it laid out for them
    processes: int  # the processes that rendered chunks (workers are replaced as a run goes)
    chunk_bytes_per_notice: tuple[float, ...]  # each chunk file's bytes over its notices
    pdf_bytes: int

    @property
    def notices_per_second(self) -> float:
        return self.notices / self.elapsed

    @property
    def notices_per_cpu_second(self) -> float:
        """Throughput however busy the shared machine was: the same work on W free cores runs
        at about W times this (the workers are independent; the parent's share is small)."""
        return self.notices / self.cpu_seconds if self.cpu_seconds else 0.0

    @property
    def share_laid_out_in_full(self) -> float:
        return self.laid_out_in_full / self.notices if self.notices else 0.0

    @property
    def median_bytes_per_notice(self) -> float:
        return statistics.median(self.chunk_bytes_per_notice) if self.notices else 0.0

    @property
    def mean_bytes_per_notice(self) -> float:
        return self.pdf_bytes / self.notices if self.notices else 0.0


_RUN_SCRIPT = """
import json, logging, os, resource, sys, threading, time
from pathlib import Path
from noticegen import batch
logging.basicConfig(level=logging.INFO)
given = json.loads(sys.argv[1])
options = batch.Options(
    input=Path(given["input"]), outdir=Path(given["outdir"]),
    config=Path(given["config"]) if given["config"] else None, workers=given["workers"],
    chunk_size=given["chunk_size"], renderer=given["renderer"], limit=given["limit"],
)
if given["households_per_worker"]:
    batch.HOUSEHOLDS_PER_WORKER = given["households_per_worker"]

def resident_mib(pid):
    try:
        with open(f"/proc/{pid}/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmRSS")) / 1024
    except (OSError, StopIteration):
        return 0.0

def children():
    found = []
    for task in os.listdir(f"/proc/{os.getpid()}/task"):
        try:
            with open(f"/proc/{os.getpid()}/task/{task}/children") as listed:
                found += listed.read().split()
        except OSError:
            pass
    return found

# The largest worker's resident memory, sampled twice a second: its peak in each tenth of the
# run shows whether memory grows with the households done or levels off (ru_maxrss is one peak).
samples, done = [], threading.Event()
def sample():
    while not done.wait(0.5):
        samples.append((time.perf_counter(), max(map(resident_mib, children()), default=0.0)))
threading.Thread(target=sample, daemon=True).start()
start = time.perf_counter()
status = batch.run(options)
elapsed = time.perf_counter() - start
done.set()
tenths = [0.0] * 10
for at, mib in samples:
    tenth = min(9, int(10 * (at - start) / elapsed))
    tenths[tenth] = max(tenths[tenth], mib)
# ru_maxrss is in KiB on Linux: the largest single process, the parent or one worker (the pool's
# workers are waited for, so RUSAGE_CHILDREN holds the largest of them).
own, workers = (resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
print(json.dumps({"status": status, "elapsed": elapsed,
    "parent_mib": own.ru_maxrss / 1024, "worker_mib": workers.ru_maxrss / 1024,
    "cpu_seconds": own.ru_utime + own.ru_stime + workers.ru_utime + workers.ru_stime,
    "worker_mib_by_tenth": tenths}))
"""


def run_once(
    members: Path,
    outdir: Path,
    renderer: str,
    *,
    workers: int = 2,
    chunk_size: int = batch.DEFAULT_CHUNK_SIZE,
    config: Path | None = None,
    limit: int | None = None,
    households_per_worker: int | None = None,
) -> RunFigures:
    """One batch run in its own process, so that its peak memory is its own; OUTDIR new.
    `households_per_worker` replaces batch.HOUSEHOLDS_PER_WORKER in that process."""
    given = {
        "input": str(members), "outdir": str(outdir), "config": str(config) if config else None,
        "workers": workers, "chunk_size": chunk_size, "renderer": renderer, "limit": limit,
        "households_per_worker": households_per_worker,
    }  # fmt: skip
    result = subprocess.run(
        [sys.executable, "-c", _RUN_SCRIPT, json.dumps(given)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    summary = json.loads((outdir / "summary.json").read_text(encoding="utf-8"))
    notices_in: Counter[str] = Counter()
    with open(outdir / "manifest.csv", encoding="utf-8", newline="") as stream:
        notices_in.update(row["file"] for row in csv.DictReader(stream))
    sizes = {name: (outdir / name).stat().st_size for name in notices_in}
    # The shapes renderer logs, chunk by chunk, how many of its notices it laid out in full.
    laid_out = sum(int(match) for match in re.findall(r"(\d+) laid out in full", result.stderr))
    measured = sum(int(match) for match in re.findall(r"(\d+) shapes measured", result.stderr))
    composed = sum(int(match) for match in re.findall(r"(\d+) put together", result.stderr))
    bands = sum(int(match) for match in re.findall(r"(\d+) bands measured", result.stderr))
    processes = len(set(re.findall(r"written by process (\d+)", result.stderr)))
    return RunFigures(
        renderer=renderer,
        status=figures["status"],
        elapsed=figures["elapsed"],
        parent_mib=figures["parent_mib"],
        worker_mib=figures["worker_mib"],
        worker_mib_by_tenth=tuple(figures["worker_mib_by_tenth"]),
        cpu_seconds=figures["cpu_seconds"],
        notices=summary["notices_out"],
        rejected=summary["rejected"],
        laid_out_in_full=laid_out if renderer == "shapes" else summary["notices_out"],
        shapes_measured=measured,
        shapes_composed=composed,
        bands_measured=bands,
        processes=processes,
        chunk_bytes_per_notice=tuple(sizes[name] / notices_in[name] for name in sorted(sizes)),
        pdf_bytes=sum(sizes.values()),
    )


def describe(figures: RunFigures) -> str:
    """One line of a run's figures."""
    return (
        f"{figures.renderer:>6}: {figures.notices_per_second:6.1f} notices/s "
        f"({figures.notices} notices in {figures.elapsed:.1f} s, "
        f"{figures.notices_per_cpu_second:.2f} a CPU-second, exit {figures.status}, "
        f"{figures.rejected} rejected); laid out in full {figures.laid_out_in_full} "
        f"({figures.share_laid_out_in_full:.1%}), {figures.shapes_measured} shapes measured, "
        f"{figures.shapes_composed} put together from {figures.bands_measured} bands; "
        f"PDF per notice median "
        f"{figures.median_bytes_per_notice / 1000:.1f} KB, mean "
        f"{figures.mean_bytes_per_notice / 1000:.1f} KB; peak memory parent "
        f"{figures.parent_mib:.0f} MiB, largest worker {figures.worker_mib:.0f} MiB "
        f"({figures.processes} rendering processes; by tenth of the run: "
        f"{'/'.join(f'{mib:.0f}' for mib in figures.worker_mib_by_tenth)})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--chunk-size", type=int, default=batch.DEFAULT_CHUNK_SIZE)
    parser.add_argument("--renderer", choices=("shapes", "full", "both"), default="both")
    args = parser.parse_args()
    renderers = ("shapes", "full") if args.renderer == "both" else (args.renderer,)
    print(f"households: {args.households} (workers {args.workers}, chunk {args.chunk_size})")
    with tempfile.TemporaryDirectory() as folder:
        members = Path(folder) / "members.csv"
        write_members(members, args.households)
        for renderer in renderers:
            figures = run_once(
                members, Path(folder) / f"out-{renderer}", renderer,
                workers=args.workers, chunk_size=args.chunk_size,
            )  # fmt: skip
            print(describe(figures), flush=True)
    print("target: ≥ 100 notices/s at 10,000 households")


if __name__ == "__main__":
    sys.exit(main())
