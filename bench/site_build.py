"""How long `noticegen site` takes for every locale (target: ≤ 30 s), and how big the site is.

.venv/bin/python bench/site_build.py [--workers 2] [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from noticegen import settings, site


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    config = settings.load()
    times = []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as folder:
            start = time.perf_counter()
            files = site.build(Path(folder), config, workers=args.workers)
            times.append(time.perf_counter() - start)
            size = sum(path.stat().st_size for path in files)
    print(
        f"site: {len(site.site_locales())} locales, {len(files)} files, {size / 1e6:.1f} MB; "
        f"workers {args.workers}: median {statistics.median(times):.1f} s "
        f"(min {min(times):.1f}, max {max(times):.1f}; target ≤ 30 s)"
    )


if __name__ == "__main__":
    main()
