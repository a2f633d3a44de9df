"""Progress of a long run: a bar with rate and time left on a terminal, log lines otherwise."""

from __future__ import annotations

import logging
import sys
import time
from typing import TextIO

LOG_EVERY_S = 10.0


class Progress:
    def __init__(
        self,
        total: int,
        what: str,
        stream: TextIO | None = None,
        log: logging.Logger | None = None,
        clock=time.monotonic,
    ) -> None:
        self.total = total
        self.what = what
        self.done = 0
        self.stream = stream or sys.stderr
        self.log = log or logging.getLogger("noticegen")
        self.clock = clock
        self.started = clock()
        self.last_log = self.started
        self.interactive = hasattr(self.stream, "isatty") and self.stream.isatty()

    def advance(self, count: int) -> None:
        self.done += count
        now = self.clock()
        if self.interactive:
            self.stream.write("\r" + self.line(now))
            self.stream.flush()
        elif now - self.last_log >= LOG_EVERY_S or self.done >= self.total:
            self.last_log = now
            self.log.info("%s", self.line(now))

    def line(self, now: float) -> str:
        elapsed = max(now - self.started, 1e-9)
        rate = self.done / elapsed
        left = (self.total - self.done) / rate if rate > 0 else float("inf")
        width = 30
        filled = int(width * self.done / self.total) if self.total else width
        bar = "█" * filled + "·" * (width - filled)
        eta = "--:--" if left == float("inf") else f"{int(left // 60):02d}:{int(left % 60):02d}"
        return f"{bar} {self.done}/{self.total} {self.what}  {rate:.1f}/s  left {eta}"

    def close(self) -> None:
        if self.interactive:
            self.stream.write("\n")
            self.stream.flush()


def count_lines(path) -> int:
    """Physical lines in a file, header excluded: the total for a progress bar over its rows."""
    with open(path, "rb") as stream:
        return max(
            0, sum(block.count(b"\n") for block in iter(lambda: stream.read(1 << 20), b"")) - 1
        )
