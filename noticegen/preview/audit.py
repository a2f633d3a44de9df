"""The audit log: one JSON line per thing a clerk did, for the ward's security officer.

Each line has `time` (local, ISO 8601 with offset), `client` (the client's address: the connecting
address, or the one a configured trusted proxy reports), `session` (a short non-secret reference,
or null without a token), `household_id` (or null) and `action`, and for some actions a few details
that are not personal (language, edition, page, a result count, an HTTP status). Never a name, an
address, a number or a search query: a search is logged as its result count.

The file is appended to, created mode 0600. When a line would take it past `max_bytes` it is
renamed `<name>.1` (`.1` to `.2` and so on, up to `keep` old files; the oldest is deleted) and a new
file is begun, so the log's disk use is bounded by about (keep + 1) × max_bytes.

What anyone can cause without signing in (refused requests, refused Host headers, refused
sign-in forms) is recorded through `record_limited`: the first of a kind from a client in a minute
is written at once, and the rest are counted and written as one line with `repeated` (how many)
and `since` (the time of the first). A flood from many addresses gets lines for the first
`LIMITED_CLIENTS` of them in a minute and one line for all the others (`client` "*"), so it cannot
push the clerks' records out of the rotation.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

from noticegen import outputs

log = logging.getLogger("noticegen.preview")

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_KEEP = 5
LIMIT_WINDOW_S = 60.0
LIMITED_CLIENTS = 20  # distinct (action, client) pairs with lines of their own per window


class AuditLogError(Exception):
    """The audit log cannot be written: the preview does not start without it."""


class AuditLog:
    def __init__(
        self,
        path: Path | str,
        max_bytes: int = DEFAULT_MAX_BYTES,
        keep: int = DEFAULT_KEEP,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_bytes < 1024 or keep < 1:
            raise ValueError("an audit log needs max_bytes >= 1024 and keep >= 1")
        self.path = Path(path)
        self.max_bytes = max_bytes
        self.keep = keep
        self._clock = clock
        self._lock = threading.Lock()
        self._stream = self._open()
        self._size = os.fstat(self._stream.fileno()).st_size
        # The current window of `record_limited`: its start (clock and wall time), the count of
        # events after the first for each (action, client) that got a line, and the events of
        # clients beyond LIMITED_CLIENTS, by action.
        self._window_start = -float("inf")
        self._window_time = ""
        self._repeats: dict[tuple[str, str], int] = {}
        self._overflow: dict[str, int] = {}

    def _open(self):
        try:
            descriptor = os.open(
                self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, outputs.PRIVATE_FILE_MODE
            )
        except OSError as error:
            raise AuditLogError(
                f"audit log {self.path} cannot be written ({error.strerror})"
            ) from None
        return os.fdopen(descriptor, "a", encoding="utf-8")

    def record(
        self,
        action: str,
        client: str,
        household_id: str | None = None,
        session: str | None = None,
        **details: str | int | bool | None,
    ) -> None:
        with self._lock:
            self._end_window_if_over()
            self._write(action, client, household_id, session, details)

    def record_limited(self, action: str, client: str, **details: str | int | bool | None) -> None:
        """Like `record`, for what anyone can cause without signing in: at most one line per
        action and client a minute, the repeats counted (see the module's description)."""
        with self._lock:
            self._end_window_if_over()
            key = (action, client)
            if key in self._repeats:
                self._repeats[key] += 1
            elif len(self._repeats) >= LIMITED_CLIENTS:
                self._overflow[action] = self._overflow.get(action, 0) + 1
            else:
                time_now = _now()
                if not self._repeats:
                    # One wall-clock reading for both, so a window's `since` is its first line's time.
                    self._window_start = self._clock()
                    self._window_time = time_now
                self._repeats[key] = 0
                self._write(action, client, None, None, details, time_now)

    def close(self) -> None:
        with self._lock:
            if not self._stream.closed:
                self._end_window()
                self._stream.close()

    def _end_window_if_over(self) -> None:
        if self._clock() - self._window_start >= LIMIT_WINDOW_S:
            self._end_window()

    def _end_window(self) -> None:
        counts = [(key, count) for key, count in self._repeats.items() if count]
        counts += [((action, "*"), count) for action, count in self._overflow.items()]
        for (action, client), count in counts:
            self._write(action, client, None, None, {"repeated": count, "since": self._window_time})
        self._repeats.clear()
        self._overflow.clear()
        self._window_start = -float("inf")

    def _write(
        self,
        action: str,
        client: str,
        household_id: str | None,
        session: str | None,
        details: dict,
        time_now: str | None = None,
    ) -> None:
        if self._stream.closed:
            return
        entry = {
            "time": time_now or _now(),
            "client": client,
            "session": session,
            "household_id": household_id,
            "action": action,
            **details,
        }
        line = json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n"
        size = len(line.encode("utf-8"))
        if self._size and self._size + size > self.max_bytes:
            self._rotate()
        self._stream.write(line)
        self._stream.flush()
        self._size += size

    def _rotate(self) -> None:
        """`name` → `name.1` → … → `name.<keep>` (deleted beyond), then a new `name`."""
        try:
            self._stream.close()
            for number in range(self.keep - 1, 0, -1):
                older = self.path.with_name(f"{self.path.name}.{number}")
                if older.exists():
                    os.replace(older, self.path.with_name(f"{self.path.name}.{number + 1}"))
            os.replace(self.path, self.path.with_name(f"{self.path.name}.1"))
        except OSError as error:
            # Keep writing to the one file rather than lose records; the operator is told.
            log.error("audit log %s could not be rotated (%s)", self.path, error.strerror)
        self._stream = self._open()
        self._size = os.fstat(self._stream.fileno()).st_size


def _now() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="milliseconds")
