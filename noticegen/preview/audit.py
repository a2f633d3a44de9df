"""The audit log: one JSON line per thing a clerk did, for the ward's security officer.

Each line has `time` (local, ISO 8601 with offset), `client` (the connecting address; proxy
headers are not trusted), `session` (a short non-secret reference, or null without a token),
`household_id` (or null) and `action`, and for some actions a few details that are not personal
(language, edition, page, a result count, an HTTP status). Never a name, an address, a number or a
search query: a search is logged as its result count. The file is appended to, created mode 0600.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
from pathlib import Path

from noticegen import outputs


class AuditLogError(Exception):
    """The audit log cannot be written: the preview does not start without it."""


class AuditLog:
    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        try:
            descriptor = os.open(
                self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, outputs.PRIVATE_FILE_MODE
            )
        except OSError as error:
            raise AuditLogError(
                f"audit log {self.path} cannot be written ({error.strerror})"
            ) from None
        self._stream = os.fdopen(descriptor, "a", encoding="utf-8")
        self._lock = threading.Lock()

    def record(
        self,
        action: str,
        client: str,
        household_id: str | None = None,
        session: str | None = None,
        **details: str | int | bool | None,
    ) -> None:
        entry = {
            "time": dt.datetime.now().astimezone().isoformat(timespec="milliseconds"),
            "client": client,
            "session": session,
            "household_id": household_id,
            "action": action,
            **details,
        }
        line = json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n"
        with self._lock:
            if not self._stream.closed:
                self._stream.write(line)
                self._stream.flush()

    def close(self) -> None:
        with self._lock:
            self._stream.close()
