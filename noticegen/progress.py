"""Progress of a long run: a bar with rate and time left on a terminal (tqdm), log lines otherwise.

While a bar is shown, the noticegen log's lines are printed above it (tqdm's
logging_redirect_tqdm), so that the two never run into each other on one line.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import time
from typing import TextIO

from tqdm import tqdm
from tqdm.contrib.logging import logging_redirect_tqdm

LOG_EVERY_S = 10.0
BAR_FORMAT = "{bar:30} {n_fmt}/{total_fmt}{unit}  {rate_noinv_fmt}  left {remaining}"


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
        self._redirect = contextlib.ExitStack()
        self.bar: tqdm | None = None
        if self.interactive:
            self.bar = tqdm(
                total=total,
                unit=f" {what}",
                file=self.stream,
                bar_format=BAR_FORMAT,
                ascii=False,
                dynamic_ncols=True,
                mininterval=0.2,
            )
            self._redirect.enter_context(logging_redirect_tqdm(loggers=[self.log]))

    def advance(self, count: int) -> None:
        self.done += count
        if self.bar is not None:
            self.bar.update(count)
            return
        now = self.clock()
        if now - self.last_log >= LOG_EVERY_S or self.done >= self.total:
            self.last_log = now
            self.log.info("%s", self.line(now))

    def line(self, now: float) -> str:
        """The log line: the same figures as the bar."""
        elapsed = max(now - self.started, 1e-9)
        rate = self.done / elapsed
        left = (self.total - self.done) / rate if rate > 0 else float("inf")
        eta = "--:--" if left == float("inf") else f"{int(left // 60):02d}:{int(left % 60):02d}"
        return f"{self.done}/{self.total} {self.what}  {rate:.1f}/s  left {eta}"

    def elapsed(self) -> str:
        return duration(self.clock() - self.started)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
        self._redirect.close()


def duration(seconds: float) -> str:
    """`0:01:05` for 65.3 seconds: how long a run took."""
    whole = int(seconds)
    return f"{whole // 3600}:{whole // 60 % 60:02d}:{whole % 60:02d}"


def count_lines(path) -> int:
    """Physical lines in a file, header excluded: the total for a progress bar over its rows."""
    with open(path, "rb") as stream:
        return max(
            0, sum(block.count(b"\n") for block in iter(lambda: stream.read(1 << 20), b"")) - 1
        )
