"""Batch throughput: N synthetic households through `noticegen batch`; notices per second, peak memory.

Issue target on this 2-core machine: ≥ 100 notices/s at 10,000 households. The renderer measured
here lays out every notice in full, one document per chunk (the straightforward baseline).

    .venv/bin/python bench/batch.py [--households 1000] [--workers 2] [--chunk-size 500]
"""

from __future__ import annotations

import argparse
import csv
import random
import resource
import sys
import tempfile
import time
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
SURNAMES = (("見本", "ミホン"), ("試験", "シケン"), ("架空", "カクウ"), ("例題", "レイダイ"))
GIVEN = (("太郎", "タロウ"), ("花子", "ハナコ"), ("一郎", "イチロウ"), ("春子", "ハルコ"))
COLUMNS = (
    "household_id", "head_name", "postal_code", "address", "member_name", "member_kana",
    "birth_date", "insured_symbol", "insured_number", "insured_branch", "mynumber_last4",
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
            for index, given in enumerate(members):
                base = "".join(str(rng.randrange(10)) for _ in range(11))
                full = base + str(mynumber.check_digit(base))
                writer.writerow(
                    (
                        f"B{number:07d}",
                        f"{surname[0]} {members[0][0]}",
                        postal,
                        address,
                        f"{surname[0]} {given[0]}",
                        f"{surname[1]} {given[1]}",
                        f"{rng.randint(1940, 2020)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                        "板",
                        f"{rng.randint(1, 9999999):07d}",
                        f"{index + 1:02d}",
                        full[-4:] if rng.random() < 0.85 else "",
                    )
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--chunk-size", type=int, default=batch.DEFAULT_CHUNK_SIZE)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        members = Path(folder) / "members.csv"
        write_members(members, args.households)
        start = time.perf_counter()
        status = batch.run(
            batch.Options(
                input=members,
                outdir=Path(folder) / "out",
                workers=args.workers,
                chunk_size=args.chunk_size,
            )
        )
        elapsed = time.perf_counter() - start
    # ru_maxrss is in KiB on Linux: the largest single process, the parent or one worker.
    parent = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    worker = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"households:        {args.households} (workers {args.workers}, chunk {args.chunk_size})")
    print(f"exit status:       {status}")
    print(f"elapsed:           {elapsed:.1f} s")
    print(f"notices per second: {args.households / elapsed:.1f}   target ≥ 100 at 10,000")
    print(f"peak memory:       parent {parent:.0f} MiB, largest worker {worker:.0f} MiB")


if __name__ == "__main__":
    sys.exit(main())
