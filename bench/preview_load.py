"""Load on the staff preview: clerks reading household pages while others flood it with requests
for page images that are not rendered yet.

Targets: household pages p95 ≤ 300 ms; no 5xx but the deliberate 503 (renders busy, with
Retry-After); no request over 30 s.

The server runs as `noticegen preview` runs it (`preview.serve`, in a child process, on 127.0.0.1
with a free port, rendering in its worker process behind the bounded render queue). Each client
is a thread with its own keep-alive connection. The page clients ask for one household page after
another, round the sample file (every page seen once first, as after a few minutes at the
counter). The image clients ask for page images of notices no one has asked for yet: every
household in every edition (as mailed, each language alone, large print), in a fixed shuffled
order, each client from its own place in it; they do not wait after a 503 unless told to
(--honour-retry-after), as a hostile tester would not. Only 127.0.0.1 is ever contacted, and every
loop ends at its deadline or after a bounded number of requests.

    .venv/bin/python bench/preview_load.py [--clients 5] [--image-clients 30] [--seconds 60]
                                           [--honour-retry-after]
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import logging
import math
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

TARGET_P95_MS = 300.0
SLOW_MS = 30_000.0  # no request may take longer
MAX_REQUESTS_PER_CLIENT = 1_000_000  # a bound besides the deadline
REQUEST_TIMEOUT_S = 60.0


@dataclass
class LoadResult:
    seconds: float
    page_latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0  # household pages that did not answer 200
    error_kinds: dict[str, int] = field(default_factory=dict)
    image_statuses: Counter = field(default_factory=Counter)  # "200", "503", "HTTP 500", …
    image_latencies_ms: dict[str, list[float]] = field(default_factory=dict)  # by status
    retry_after_missing: int = 0  # 503s without a Retry-After header
    slowest_ms: float = 0.0  # the longest request of any client
    images_rendered: set[str] = field(default_factory=set)  # paths answered 200 (each a notice)

    def percentile(self, share: float, values: list[float] | None = None) -> float:
        ordered = sorted(self.page_latencies_ms if values is None else values)
        if not ordered:
            return math.nan
        return ordered[min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1)]

    @property
    def p95_ms(self) -> float:
        return self.percentile(0.95)

    @property
    def other_5xx(self) -> int:
        """Server errors other than the deliberate 503, from any client."""
        kinds = Counter(self.error_kinds) + self.image_statuses
        return sum(
            count
            for kind, count in kinds.items()
            if kind.removeprefix("HTTP ").startswith("5") and kind.removeprefix("HTTP ") != "503"
        )

    @property
    def image_errors(self) -> int:
        """Image answers that are neither the image (200) nor the deliberate 503."""
        return sum(n for kind, n in self.image_statuses.items() if kind not in ("200", "503"))

    @property
    def met(self) -> bool:
        return (
            self.errors == 0
            and bool(self.page_latencies_ms)
            and self.p95_ms <= TARGET_P95_MS
            and self.image_errors == 0
            and self.retry_after_missing == 0
            and self.slowest_ms <= SLOW_MS
        )


def _error(result: LoadResult, lock: threading.Lock, kind: str) -> None:
    with lock:
        result.errors += 1
        result.error_kinds[kind] = result.error_kinds.get(kind, 0) + 1


def _get(connection, path: str):
    connection.request("GET", path)
    response = connection.getresponse()
    response.read()
    return response


def _page_client(base_url, paths, start_index, deadline, result, lock, once=False) -> None:
    parts = urllib.parse.urlsplit(base_url)
    connection = None
    index = start_index
    for _ in range(len(paths) if once else MAX_REQUESTS_PER_CLIENT):
        if not once and time.monotonic() >= deadline:
            break
        path = paths[index % len(paths)]
        index += 1
        if connection is None:
            connection = http.client.HTTPConnection(
                parts.hostname, parts.port, timeout=REQUEST_TIMEOUT_S
            )
        began = time.perf_counter()
        try:
            response = _get(connection, path)
        except (OSError, http.client.HTTPException) as error:
            _error(result, lock, type(error).__name__)
            connection.close()
            connection = None
            continue
        elapsed_ms = (time.perf_counter() - began) * 1000
        with lock:
            result.slowest_ms = max(result.slowest_ms, elapsed_ms)
        if response.status != 200:
            _error(result, lock, f"HTTP {response.status}")
            continue
        with lock:
            result.page_latencies_ms.append(elapsed_ms)
    if connection is not None:
        connection.close()


def _image_client(base_url, paths, start_index, deadline, result, lock, honour_retry) -> None:
    parts = urllib.parse.urlsplit(base_url)
    connection = None
    index = start_index
    for _ in range(MAX_REQUESTS_PER_CLIENT):
        if time.monotonic() >= deadline:
            break
        path = paths[index % len(paths)]
        index += 1
        if connection is None:
            connection = http.client.HTTPConnection(
                parts.hostname, parts.port, timeout=REQUEST_TIMEOUT_S
            )
        began = time.perf_counter()
        try:
            response = _get(connection, path)
            kind = str(response.status)
        except (OSError, http.client.HTTPException) as error:
            kind = type(error).__name__
            response = None
            connection.close()
            connection = None
        elapsed_ms = (time.perf_counter() - began) * 1000
        retry_after = response.getheader("Retry-After") if response is not None else None
        with lock:
            result.slowest_ms = max(result.slowest_ms, elapsed_ms)
            result.image_statuses[kind] += 1
            result.image_latencies_ms.setdefault(kind, []).append(elapsed_ms)
            if kind == "503" and not (retry_after or "").isdigit():
                result.retry_after_missing += 1
            if kind == "200":
                result.images_rendered.add(path)
        if kind == "503" and honour_retry and (retry_after or "").isdigit():
            time.sleep(max(0.0, min(float(retry_after), deadline - time.monotonic())))
            # The server may close a connection left idle that long: a new one, as browsers do.
            if connection is not None:
                connection.close()
                connection = None
    if connection is not None:
        connection.close()


def load(
    base_url: str,
    page_paths: list[str],
    clients: int,
    seconds: float,
    image_paths: list[str] | tuple[str, ...] = (),
    image_clients: int = 0,
    warm_up: bool = False,
    honour_retry_after: bool = False,
) -> LoadResult:
    """`clients` threads asking for `page_paths` and `image_clients` threads asking for
    `image_paths`, for `seconds`; with `warm_up`, each page client asks for each path once."""
    result = LoadResult(seconds)
    lock = threading.Lock()
    deadline = time.monotonic() + seconds
    threads = [
        threading.Thread(
            target=_page_client,
            args=(base_url, page_paths, number * 7, deadline, result, lock, warm_up),
        )
        for number in range(clients)
    ]
    if image_paths:
        spacing = max(1, len(image_paths) // max(1, image_clients))
        threads += [
            threading.Thread(
                target=_image_client,
                args=(
                    base_url,
                    list(image_paths),
                    number * spacing,
                    deadline,
                    result,
                    lock,
                    honour_retry_after,
                ),
            )
            for number in range(image_clients)
        ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + REQUEST_TIMEOUT_S + 10)
    return result


def household_paths(household_ids: list[str]) -> list[str]:
    return [f"/households/{household_id}" for household_id in household_ids]


def image_paths(household_ids: list[str], locales: tuple[str, ...], seed: int = 13) -> list[str]:
    """One page image of every household in every edition (as mailed, each locale alone, each in
    large print too), in a fixed shuffled order: each asks for a notice not rendered before."""
    paths = [
        f"/households/{household_id}/pages/{1 + number % 2}.png?lang={locale}{large}"
        for number, household_id in enumerate(household_ids)
        for locale in ("mailed", *locales)
        for large in ("", "&large=1")
    ]
    random.Random(seed).shuffle(paths)
    return paths


def report(result: LoadResult, clients: int, image_clients: int = 0) -> str:
    count = len(result.page_latencies_ms)
    lines = [
        f"clients:                  {clients} reading household pages, {image_clients} asking "
        f"for page images not yet rendered, for {result.seconds:.0f} s",
        f"household pages served:   {count} ({count / result.seconds:.0f} per second)",
        f"household page p50:       {result.percentile(0.50):.1f} ms",
        f"household page p95:       {result.p95_ms:.1f} ms   target ≤ {TARGET_P95_MS:.0f} ms",
        f"household page max:       {max(result.page_latencies_ms, default=math.nan):.1f} ms",
        f"household page errors:    {result.errors}   target 0"
        + (f" ({result.error_kinds})" if result.errors else ""),
    ]
    if image_clients:
        statuses = ", ".join(
            f"{kind}: {number}" for kind, number in sorted(result.image_statuses.items())
        )
        lines.append(f"page images:              {statuses or 'none'}")
        lines.append(
            f"notices rendered:         {len(result.images_rendered)} (distinct images answered "
            "200; the other 200s came from the cache)"
        )
        for kind in sorted(result.image_latencies_ms):
            values = result.image_latencies_ms[kind]
            lines.append(
                f"page images {kind:<13} p50 {result.percentile(0.5, values):.0f} ms, "
                f"p95 {result.percentile(0.95, values):.0f} ms, max {max(values):.0f} ms"
            )
        lines.append(f"503 without Retry-After:  {result.retry_after_missing}   target 0")
    lines += [
        f"5xx other than 503:       {result.other_5xx}   target 0",
        f"slowest request:          {result.slowest_ms / 1000:.1f} s   target ≤ "
        f"{SLOW_MS / 1000:.0f} s",
        f"target met:               {'yes' if result.met else 'NO'}",
    ]
    return "\n".join(lines)


def _start_server(
    input_path: Path, folder: Path, failures: list[str]
) -> tuple[subprocess.Popen, str]:
    """The preview in a child process, and its base URL; the failures it logs go to `failures`."""
    config = folder / "config.toml"
    config.write_text(f'[preview]\naudit_log = "{folder / "audit.jsonl"}"\n', encoding="utf-8")
    code = (
        "import logging, sys\n"
        "from noticegen.preview import serve\n"
        "logging.basicConfig(format='noticegen: %(levelname)s: %(message)s', level=logging.INFO)\n"
        f"sys.exit(serve({str(input_path)!r}, '127.0.0.1', 0, {str(config)!r}))\n"
    )
    environment = {
        key: value for key, value in os.environ.items() if key != "NOTICEGEN_PREVIEW_TOKEN"
    }
    process = subprocess.Popen(
        [sys.executable, "-c", code],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        env=environment,
    )
    line = process.stderr.readline()
    match = re.search(r"listening on (http://127\.0\.0\.1:\d+)/", line)
    if not match:
        process.kill()
        raise SystemExit(f"the preview did not start: {line.strip()}")

    def read_log() -> None:
        # Keep reading what the server logs, so that a full pipe never blocks it.
        for logged in process.stderr:
            if "unexpected failure" in logged or "Traceback" in logged:
                failures.append(logged.strip())

    threading.Thread(target=read_log, daemon=True).start()
    return process, match.group(1)


def _stop_server(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=5, help="clients reading household pages")
    parser.add_argument(
        "--image-clients", type=int, default=30, help="clients asking for page images"
    )
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument(
        "--honour-retry-after", action="store_true", help="image clients wait after a 503"
    )
    args = parser.parse_args()
    if not (1 <= args.clients <= 100 and 0 <= args.image_clients <= 100):
        parser.error("--clients 1 to 100, --image-clients 0 to 100")
    if not 0 < args.seconds <= 300:
        parser.error("--seconds up to 300")

    from noticegen import fonts, i18n, project, records, settings

    logging.basicConfig(level=logging.WARNING)
    input_path = project.SAMPLES / "members.csv"
    config = settings.load()
    window = (config.envelope.window_width_mm, config.envelope.window_height_mm)
    households, _ = records.read_all(
        records.open_member_file(input_path),
        fonts.coverage(),
        dt.date.today(),
        window,
        reference=config.dates.reference,
    )
    ids = [household.household_id for household in households]

    with tempfile.TemporaryDirectory(prefix="preview-load-") as folder:
        failures: list[str] = []
        process, base_url = _start_server(input_path, Path(folder), failures)
        try:
            warm_up = time.perf_counter()
            # Every household's view built once, as after the first few minutes at the counter.
            warm = load(base_url, household_paths(ids), clients=1, seconds=0, warm_up=True)
            print(
                f"warm-up:                  {len(warm.page_latencies_ms)} household pages "
                f"in {time.perf_counter() - warm_up:.1f} s"
            )
            result = load(
                base_url,
                household_paths(ids),
                clients=args.clients,
                seconds=args.seconds,
                image_paths=image_paths(ids, i18n.available_locales()),
                image_clients=args.image_clients,
                honour_retry_after=args.honour_retry_after,
            )
        finally:
            _stop_server(process)
    print(report(result, args.clients, args.image_clients))
    print(f"failures the server logged: {len(failures)}")
    for line in sorted(set(failures))[:5]:
        print(f"  {line}")
    return 0 if result.met else 1


if __name__ == "__main__":
    raise SystemExit(main())
