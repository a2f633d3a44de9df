"""Batch throughput: N synthetic households through `noticegen batch`; notices per second, peak memory.

Issue target on this 2-core machine: ≥ 100 notices/s at 10,000 households. Each run measures the
production renderer ("shapes": pages drawn over layouts measured once per page shape) and, in the
same process on the same file, the baseline that lays out every notice in full ("full"), unless
--renderer picks one. The machine is shared: compare the two figures of one run.

    .venv/bin/python bench/batch.py [--households 1000] [--workers 2] [--chunk-size 500]
                                    [--renderer shapes|full|both]
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from noticegen import batch, mynumber

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


def write_members(path: Path, households: int, seed: int = 1) -> None:
    """A member file of `households` fictional, valid households of one to four members."""
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(COLUMNS)
        for number in range(1, households + 1):
            surname = rng.choice(SURNAMES)
            postal, town = rng.choice(AREAS)
            address = f"{town}{rng.randint(1, 5)}丁目{rng.randint(1, 40)}番{rng.randint(1, 20)}号"
            members = rng.sample(GIVEN, rng.randint(1, 4))
            language = rng.choice(LANGUAGES) if rng.random() < 0.05 else ""
            for index, given in enumerate(members):
                born = rng.randint(1940, 2020)
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
                        f"{born}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                        "板",
                        f"{rng.randint(1, 9999999):07d}",
                        f"{index + 1:02d}",
                        f"{rng.randint(max(born + 1, 2008), 2024)}-04-01",
                        rng.choice("23"),
                        full[-4:] if rng.random() < 0.85 else "",
                    )
                )


def run_once(members: Path, folder: Path, renderer: str, args) -> dict:
    """One batch run in its own process, so that its peak memory is its own."""
    script = (
        "import json, resource, sys, time\n"
        "from pathlib import Path\n"
        "import logging\n"
        "from noticegen import batch\n"
        "logging.basicConfig(level=logging.INFO)\n"
        "start = time.perf_counter()\n"
        "status = batch.run(batch.Options(input=Path(sys.argv[1]), outdir=Path(sys.argv[2]),"
        " workers=int(sys.argv[3]), chunk_size=int(sys.argv[4]), renderer=sys.argv[5]))\n"
        "elapsed = time.perf_counter() - start\n"
        # ru_maxrss is in KiB on Linux: the largest single process, the parent or one worker.
        "print(json.dumps({'status': status, 'elapsed': elapsed,"
        " 'parent_mib': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,"
        " 'worker_mib': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))\n"
    )
    outdir = folder / f"out-{renderer}"
    result = subprocess.run(
        [sys.executable, "-c", script, str(members), str(outdir), str(args.workers),
         str(args.chunk_size), renderer],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    laid_out = sum(int(match) for match in re.findall(r"(\d+) laid out in full", result.stderr))
    figures["laid_out_in_full"] = laid_out if renderer == "shapes" else args.households
    figures["pdf_bytes"] = sum(path.stat().st_size for path in (outdir / "notices").iterdir())
    return figures


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
            figures = run_once(members, Path(folder), renderer, args)
            print(
                f"{renderer:>6}: {args.households / figures['elapsed']:6.1f} notices/s "
                f"({figures['elapsed']:.1f} s, exit {figures['status']}); peak memory parent "
                f"{figures['parent_mib']:.0f} MiB, largest worker {figures['worker_mib']:.0f} MiB; "
                f"{figures['laid_out_in_full']} notices laid out in full; "
                f"PDFs {figures['pdf_bytes'] / 2**20:.0f} MiB",
                flush=True,
            )
    print("target: ≥ 100 notices/s at 10,000 households")


if __name__ == "__main__":
    sys.exit(main())
