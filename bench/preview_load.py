"""Load on the staff preview: concurrent clerks opening household pages (target: p95 ≤ 500 ms, 0 errors).

The server runs as `noticegen preview` runs it (`preview.serve`, in a child process, on 127.0.0.1
with a free port, rendering in its worker process). Each client is a thread with its own
keep-alive connection that asks for one household page after another, round the sample file, for
a fixed time. One more client meanwhile downloads PDFs of notices not yet rendered (other
languages and the large-print edition), so the pages are measured while renders run, as at a busy
counter. Only 127.0.0.1 is ever contacted, and every loop ends at its deadline.

    .venv/bin/python bench/preview_load.py [--clients 20] [--seconds 30] [--no-renders]
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import logging
import math
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

TARGET_P95_MS = 500.0
MAX_REQUESTS_PER_CLIENT = 1_000_000  # a bound besides the deadline


@dataclass
class LoadResult:
    seconds: float
    page_latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    error_kinds: dict[str, int] = field(default_factory=dict)
    renders: int = 0
    render_latencies_ms: list[float] = field(default_factory=list)

    def percentile(self, share: float, values: list[float] | None = None) -> float:
        ordered = sorted(self.page_latencies_ms if values is None else values)
        if not ordered:
            return math.nan
        return ordered[min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1)]

    @property
    def p95_ms(self) -> float:
        return self.percentile(0.95)

    @property
    def met(self) -> bool:
        return self.errors == 0 and bool(self.page_latencies_ms) and self.p95_ms <= TARGET_P95_MS


def _error(result: LoadResult, lock: threading.Lock, kind: str) -> None:
    with lock:
        result.errors += 1
        result.error_kinds[kind] = result.error_kinds.get(kind, 0) + 1


def _client(base_url, paths, start_index, deadline, result, lock, latencies, once=False) -> None:
    parts = urllib.parse.urlsplit(base_url)
    connection = None
    index = start_index
    for _ in range(len(paths) if once else MAX_REQUESTS_PER_CLIENT):
        if not once and time.monotonic() >= deadline:
            break
        path = paths[index % len(paths)]
        index += 1
        if connection is None:
            connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        began = time.perf_counter()
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
        except (OSError, http.client.HTTPException) as error:
            _error(result, lock, type(error).__name__)
            connection.close()
            connection = None
            continue
        elapsed_ms = (time.perf_counter() - began) * 1000
        if response.status != 200:
            _error(result, lock, f"HTTP {response.status}")
            continue
        with lock:
            latencies.append(elapsed_ms)
    if connection is not None:
        connection.close()


def load(
    base_url: str,
    page_paths: list[str],
    clients: int,
    seconds: float,
    render_paths: list[str] | tuple[str, ...] = (),
    warm_up: bool = False,
) -> LoadResult:
    """`clients` threads asking for `page_paths` for `seconds`, and one more for `render_paths`;
    with `warm_up`, each client asks for each path once instead."""
    result = LoadResult(seconds)
    lock = threading.Lock()
    deadline = time.monotonic() + seconds
    threads = [
        threading.Thread(
            target=_client,
            args=(
                base_url,
                page_paths,
                number * 7,
                deadline,
                result,
                lock,
                result.page_latencies_ms,
                warm_up,
            ),
        )
        for number in range(clients)
    ]
    if render_paths:
        threads.append(
            threading.Thread(
                target=_client,
                args=(
                    base_url,
                    list(render_paths),
                    0,
                    deadline,
                    result,
                    lock,
                    result.render_latencies_ms,
                ),
            )
        )
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 120)
    result.renders = len(result.render_latencies_ms)
    return result


def household_paths(household_ids: list[str]) -> list[str]:
    return [f"/households/{household_id}" for household_id in household_ids]


def render_paths(household_ids: list[str], locales: tuple[str, ...]) -> list[str]:
    """PDFs that no page request asks for: each household's large-print edition, in each locale."""
    return [
        f"/households/{household_id}/notice.pdf?lang={locale}&large=1"
        for locale in locales
        for household_id in household_ids
    ]


def report(result: LoadResult, clients: int) -> str:
    count = len(result.page_latencies_ms)
    lines = [
        f"clients:                  {clients} for {result.seconds:.0f} s, household pages",
        f"household pages served:   {count} ({count / result.seconds:.0f} per second)",
        f"household page p50:       {result.percentile(0.50):.1f} ms",
        f"household page p95:       {result.p95_ms:.1f} ms   target ≤ {TARGET_P95_MS:.0f} ms",
        f"household page p99:       {result.percentile(0.99):.1f} ms",
        f"household page max:       {max(result.page_latencies_ms, default=math.nan):.1f} ms",
        f"errors:                   {result.errors}   target 0"
        + (f" ({result.error_kinds})" if result.errors else ""),
    ]
    if result.renders:
        median = result.percentile(0.5, result.render_latencies_ms)
        lines.append(
            f"renders meanwhile:        {result.renders} PDFs (median {median:.0f} ms each)"
        )
    lines.append(f"target met:               {'yes' if result.met else 'NO'}")
    return "\n".join(lines)


def _start_server(input_path: Path, folder: Path) -> tuple[subprocess.Popen, str]:
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
    # Keep reading what the server logs, so that a full pipe never blocks it.
    threading.Thread(target=process.stderr.read, daemon=True).start()
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
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--no-renders", action="store_true", help="no PDF downloads meanwhile")
    args = parser.parse_args()
    if not (1 <= args.clients <= 100 and 0 < args.seconds <= 300):
        parser.error("--clients 1 to 100, --seconds up to 300")

    from noticegen import fonts, i18n, project, records, settings

    logging.basicConfig(level=logging.WARNING)
    input_path = project.SAMPLES / "members.csv"
    config = settings.load()
    window = (config.envelope.window_width_mm, config.envelope.window_height_mm)
    households, _ = records.read_all(
        records.open_member_file(input_path), fonts.coverage(), dt.date.today(), window
    )
    ids = [household.household_id for household in households]

    with tempfile.TemporaryDirectory(prefix="preview-load-") as folder:
        process, base_url = _start_server(input_path, Path(folder))
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
                render_paths=() if args.no_renders else render_paths(ids, i18n.available_locales()),
            )
        finally:
            _stop_server(process)
    print(report(result, args.clients))
    return 0 if result.met else 1


if __name__ == "__main__":
    raise SystemExit(main())
