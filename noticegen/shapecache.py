"""Measured page shapes kept between runs, so that a small run does not spend its time measuring.

A shape (variable_print.Shape) is a page's static layout: the page laid out with the household's
data hidden, where each data run and image goes, and the runs' computed styles. It holds no
household data (tests/test_shape_cache.py greps a used cache for it). A run's workers share the
shapes they measure through the run folder (batch._ShapeStore); this cache keeps them after the
run, in a folder of the user's (by default `$XDG_CACHE_HOME/noticegen/shapes`, else
`~/.cache/noticegen/shapes`; configuration `batch.shape_cache`: "default", a folder, or "off").

A shape is named by its page's digest: the page's HTML without the household data and with the
document's styles, in which everything the configuration puts on the page already is (texts,
dates, large print, …). What the digest does not see is in the cache's *context*, the folder the
entries are kept in: the font files (sha256), the templates folder's files (its images and
styles), the source of the code that lays shapes out and reads them (the noticegen.printing
package), and the versions of the layout engine (noticegen.printing.engine.versions) and Python.
A change to any of them starts a new context folder; the old ones are left for the user to
remove (README, "Shapes kept between runs").

Entries are written atomically (a temporary file renamed), 0600 in folders 0700. Each starts
with a header naming its context and name and the payload's sha256, so that a truncated,
corrupt or foreign file is ignored (and the shape measured again) rather than read. The cache
folder must be the user's own and closed to others: entries are unpickled, and a folder another
user could write would let them run code here, so such a folder is refused (with a warning) and
the run measures its shapes without it.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import stat
import sys
from pathlib import Path

from noticegen import fonts, outputs, project
from noticegen.printing import engine

log = logging.getLogger("noticegen")

OFF = "off"
DEFAULT = "default"
_MAGIC = b"noticegen shape cache 1\n"


def default_folder() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or ""
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".cache"
    return root / "noticegen" / "shapes"


def folder_for(setting: str) -> Path | None:
    """The cache folder the configuration's `batch.shape_cache` names ("default", a folder, or
    "off" for none)."""
    if setting.strip().lower() == OFF:
        return None
    if setting.strip().lower() == DEFAULT:
        return default_folder()
    return Path(setting).expanduser()


@functools.cache
def context() -> str:
    """The digest of everything a shape depends on besides its page (see the module's doc)."""

    def files_digest(folder: Path, pattern: str = "*") -> dict[str, str]:
        return {
            str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(folder.rglob(pattern))
            if path.is_file()
        }

    described = {
        **engine.versions(),
        "python": sys.version.split()[0],
        "fonts": files_digest(fonts.FONT_DIR),
        "templates": files_digest(project.TEMPLATES),
        "renderer": files_digest(Path(engine.__file__).parent, "*.py"),
    }
    return hashlib.sha256(json.dumps(described, sort_keys=True).encode()).hexdigest()


class ShapeCache:
    """The shapes of one context, in `root/<context digest>/` (a variable_print.ShapeStore)."""

    def __init__(self, root: Path, context_digest: str) -> None:
        self.context = context_digest
        self.folder = root / context_digest[:32]

    @classmethod
    def open(cls, root: Path | None) -> ShapeCache | None:
        """The cache under `root`, created if need be; None (with a warning) where it cannot be
        used: not creatable, or not a folder of this user's closed to others."""
        if root is None:
            return None
        try:
            outputs.make_private_dir(root)
            cache = cls(root, context())
            outputs.make_private_dir(cache.folder)
            for folder in (root, cache.folder):
                found = os.lstat(folder)
                if (
                    not stat.S_ISDIR(found.st_mode)
                    or found.st_uid != os.getuid()
                    or found.st_mode & 0o077
                ):
                    raise PermissionError(f"{folder} is not a folder of this user's alone")
        except (OSError, outputs.OutputError) as error:
            log.warning("shape cache not used (%s): shapes are measured for this run only", error)
            return None
        return cache

    def _header(self, name: str, payload: bytes) -> bytes:
        digest = hashlib.sha256(payload).hexdigest()
        return _MAGIC + f"{self.context}\n{name}\n{digest}\n".encode()

    def _read(self, path: Path) -> bytes | None:
        try:
            data = path.read_bytes()
        except OSError:
            return None
        # The header's length does not depend on the payload: its digest is 64 hex digits.
        head = self._header(path.name, b"")
        if len(data) < len(head) or data[: len(head) - 65] != head[: len(head) - 65]:
            return None  # another context's, another name's, or not an entry at all
        payload = data[len(head) :]
        if data[: len(head)] != self._header(path.name, payload):
            return None  # truncated or corrupt
        return payload

    def get(self, name: str) -> bytes | None:
        return self._read(self.folder / name)

    def first(self, prefix: str) -> bytes | None:
        # Files still being written are named .NAME…tmp, so a digest prefix never finds them.
        for path in sorted(self.folder.glob(f"{prefix}*")):
            payload = self._read(path)
            if payload is not None:
                return payload
        return None

    def put(self, name: str, data: bytes) -> None:
        try:
            outputs.write_private(self.folder / name, self._header(name, data) + data)
        except (OSError, outputs.OutputError) as error:
            # A cache is no part of the run's output: a full disk here costs time, not notices.
            log.warning("shape cache: %s not kept (%s)", name[:16], error)
