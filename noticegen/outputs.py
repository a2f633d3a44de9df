"""Writing files that hold personal data: created 0600, complete or not at all.

A notice or a report appears under its name only once it is whole (written to a temporary file in
the same folder, flushed, then renamed), so a killed run never leaves half a file behind.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

PRIVATE_FILE_MODE = 0o600
PRIVATE_DIR_MODE = 0o700


class OutputError(Exception):
    """An output path that cannot be written; reported as a usage error."""


def check_writable(path: Path) -> None:
    """Fail before any work is done if `path` cannot be written."""
    parent = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise OutputError(f"{path} is a folder; give a file name")
    if not parent.is_dir():
        raise OutputError(f"folder {parent} does not exist")
    if not os.access(parent, os.W_OK):
        raise OutputError(f"folder {parent} is not writable")


def write_private(path: Path, data: bytes) -> None:
    """Write `data` to `path` atomically, readable by its owner only."""
    with private_atomic(path) as stream:
        stream.write(data)


@contextlib.contextmanager
def private_atomic(path: Path):
    """A binary stream that becomes `path` (0600) only when the block ends without an error: for
    files written piece by piece, such as a manifest of 100,000 rows."""
    check_writable(path)
    # mkstemp creates the file with mode 0600, so the data is never readable by others, even briefly.
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, PRIVATE_FILE_MODE)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def make_private_dir(path: Path) -> None:
    """Create `path` (0700), or make an existing folder 0700; never through a symbolic link, whose
    target (anywhere on the machine) would have its mode changed and receive personal data."""
    if path.is_symlink():
        raise OutputError(f"{path} is a symbolic link; give the real folder")
    path.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
    os.chmod(path, PRIVATE_DIR_MODE)


def open_private(path: Path):
    """A new file for streaming writes (a run's working data), readable by its owner only."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE_MODE)
    return os.fdopen(descriptor, "wb")
