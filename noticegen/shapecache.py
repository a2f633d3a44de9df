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
A change to any of them starts a new context folder, which this version can never read again.

The cache bounds itself (configuration `batch.shape_cache_max_mb`): reading an entry marks it
used (its mtime, touched once per entry per process), and at the end of a batch run `prune`
removes entries until the cache is under the bound, other contexts' first, then this context's
least recently used. Two runs may share the cache: an entry that vanishes while another run
reads it is read as missing, and that run measures the shape again. Pruning never follows a
symbolic link and removes only files named like entries that carry an entry's header (and
writers' temporary files left behind for an hour), so a foreign file in the folder stays.

Entries are written atomically (a temporary file renamed), 0600 in folders 0700. Each starts
with a header naming its context and name and the payload's sha256, so that a truncated,
corrupt or foreign file is ignored (and the shape measured again) rather than read. The cache
folder must be the user's own and closed to others: entries are unpickled, and a folder another
user could write would let them run code here, so such a folder is refused (with a warning) and
the run measures its shapes without it.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import logging
import os
import re
import stat
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from noticegen import fonts, outputs, project
from noticegen.printing import engine

log = logging.getLogger("noticegen")

OFF = "off"
DEFAULT = "default"
_MAGIC = b"noticegen shape cache 1\n"
_MB = 1024 * 1024
# An entry's file name is its stored name (variable_print: the page digest, "-", 16 hex digits
# of its fonts); a context folder's, the first 32 hex digits of the context's digest.
_ENTRY_NAME = re.compile(r"[0-9a-f]{16,128}-[0-9a-f]{16}")
_CONTEXT_NAME = re.compile(r"[0-9a-f]{32}")
# outputs.write_private's temporary file for an entry, left behind by a killed writer.
_TEMPORARY_NAME = re.compile(r"\.[0-9a-f]{16,128}-[0-9a-f]{16}\.[^/]+\.tmp")
_TEMPORARY_KEPT_S = 3600  # younger, it may still be being written


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


# Longer than a tick of any file system's clock for mtimes (FAT's is 2 s, ext3's and HFS+'s 1 s).
RACY_NS = 3_000_000_000


class FolderListing:
    """The entries of a shapes folder that start with a page's digest (`ShapeStore.first`: a
    variant of the page's shape for any fonts), from a listing of the folder made again only when
    the folder changed since (its mtime). A glob of the folder took 4 ms at 5,000 entries, and a
    worker asks once for every page shape it meets: in a run of a file like one seen before, the
    folders do not change, and each is listed once.

    A folder changed again within the same tick of its file system's clock keeps its mtime, so a
    listing made within RACY_NS of the folder's mtime may lack an entry (git treats an index
    written in the second its files changed so): until the folder has been still that long, a
    prefix such a listing does not hold has the folder listed again. One it holds is found in it:
    a folder written to all the time (a cold run's) is not listed again for every lookup."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._changed: int | None = None  # the folder's mtime when listed
        self._racy = False  # listed within RACY_NS of that mtime
        self._names: dict[str, list[str]] = {}  # by the digest before the name's first "-"

    def starting(self, prefix: str) -> list[str]:
        """The names of the entries starting with `prefix` (a digest and "-", found at once;
        any other prefix among all the names), sorted."""
        try:
            changed = os.stat(self.folder).st_mtime_ns
        except OSError:
            return []
        found = self._found(prefix) if changed == self._changed else []
        if changed != self._changed or (self._racy and not found):
            listed_at = time.time_ns()  # taken before the listing, which may then miss nothing
            names: dict[str, list[str]] = {}
            try:
                with os.scandir(self.folder) as listing:
                    for entry in listing:
                        # Files still being written are named .NAME…tmp.
                        if not entry.name.startswith("."):
                            names.setdefault(entry.name.partition("-")[0], []).append(entry.name)
            except OSError:  # removed since (another version's pruning): nothing to find
                return []
            self._changed, self._names = changed, names
            # An mtime far from the clock (a file server's clock set apart from ours) says
            # nothing of ticks: trusted, or every lookup it lacks would list the folder again.
            self._racy = abs(listed_at - changed) <= RACY_NS
            found = self._found(prefix)
        return found

    def _found(self, prefix: str) -> list[str]:
        if "-" in prefix:
            found = self._names.get(prefix.partition("-")[0], [])
        else:
            found = [name for names in self._names.values() for name in names]
        return sorted(name for name in found if name.startswith(prefix))


class ShapeCache:
    """The shapes of one context, in `root/<context digest>/` (a variable_print.ShapeStore)."""

    def __init__(self, root: Path, context_digest: str) -> None:
        self.context = context_digest
        self.folder = root / context_digest[:32]
        self._used: set[str] = set()  # entries this process has marked used (see _read)
        self._listing = FolderListing(self.folder)

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
        # A missing entry (never written, or removed by another run's pruning between a glob
        # and this read) is None like any unreadable one: the shape is measured again.
        try:
            with open(path, "rb") as stream:
                data = stream.read()
                payload = self._payload(path.name, data)
                if payload is not None and path.name not in self._used:
                    self._used.add(path.name)
                    # Used now: the last to be pruned (by mtime). Through the open file, so it is
                    # the entry just read that is marked; a read-only cache is still read.
                    with contextlib.suppress(OSError):
                        os.utime(stream.fileno())
        except OSError:
            return None
        return payload

    def _payload(self, name: str, data: bytes) -> bytes | None:
        # The header's length does not depend on the payload: its digest is 64 hex digits.
        head = self._header(name, b"")
        if len(data) < len(head) or data[: len(head) - 65] != head[: len(head) - 65]:
            return None  # another context's, another name's, or not an entry at all
        payload = data[len(head) :]
        if data[: len(head)] != self._header(name, payload):
            return None  # truncated or corrupt
        return payload

    def get(self, name: str) -> bytes | None:
        return self._read(self.folder / name)

    def first(self, prefix: str) -> bytes | None:
        for name in self._listing.starting(prefix):
            payload = self._read(self.folder / name)
            if payload is not None:
                return payload
        return None

    def put(self, name: str, data: bytes) -> None:
        try:
            outputs.write_private(self.folder / name, self._header(name, data) + data)
        except (OSError, outputs.OutputError) as error:
            # A cache is no part of the run's output: a full disk here costs time, not notices.
            log.warning("shape cache: %s not kept (%s)", name[:16], error)


@dataclass(frozen=True)
class Pruned:
    """What `prune` found and did; sizes in bytes."""

    removed: int  # entries (and left-behind temporary files) removed
    freed: int
    removed_other_contexts: int  # of `removed`, entries of other contexts
    kept: int  # entries left
    size: int  # the bytes they hold


@dataclass(frozen=True)
class _Candidate:
    folder: str  # the context folder's name
    name: str
    size: int
    used_ns: int  # mtime: last written or read (ShapeCache._read)
    other_context: bool
    temporary: bool


def prune(root: Path | None, max_bytes: int, current: str | None = None) -> Pruned | None:
    """Remove entries under `root` until those left hold at most `max_bytes`: other contexts'
    first (this version never reads them), then this context's (`current`, by default
    `context()`) least recently used. Writers' temporary files older than an hour go too.

    Safe with other runs using the cache at once (a reader finds a removed entry missing and
    measures again; a file already gone is skipped). Never follows a symbolic link: folders are
    opened O_NOFOLLOW and files removed relative to them; only the user's own private folders,
    and only files named like entries and carrying an entry's header, are touched. Returns None
    where there is no cache folder to prune (off, never made, or not the user's own)."""
    if root is None:
        return None
    current = (current or context())[:32]
    try:
        root_fd = _open_own_folder(root)
    except OSError:
        return None  # no cache yet, or one the run refused (ShapeCache.open warned of it)
    folders: dict[str, int] = {}
    try:
        candidates = _candidates(root_fd, folders, current)
        return _remove(candidates, folders, root_fd, max_bytes, current)
    finally:
        for descriptor in folders.values():
            os.close(descriptor)
        os.close(root_fd)


def _open_own_folder(name: str | Path, dir_fd: int | None = None) -> int:
    descriptor = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=dir_fd)
    found = os.fstat(descriptor)
    if found.st_uid != os.getuid() or found.st_mode & 0o077:
        os.close(descriptor)
        raise PermissionError(f"{name} is not a folder of this user's alone")
    return descriptor


def _candidates(root_fd: int, folders: dict[str, int], current: str) -> list[_Candidate]:
    """The files that look like the cache's (by name: their headers are checked before any
    is removed), with the context folders' descriptors put in `folders`."""
    found: list[_Candidate] = []
    with os.scandir(root_fd) as listing:
        context_folders = [
            item.name
            for item in listing
            if _CONTEXT_NAME.fullmatch(item.name) and item.is_dir(follow_symlinks=False)
        ]
    for folder in context_folders:
        try:
            folders[folder] = _open_own_folder(folder, root_fd)
            with os.scandir(folders[folder]) as listing:
                items = list(listing)
        except OSError:
            continue  # gone meanwhile, or not the user's own: left alone
        for item in items:
            temporary = bool(_TEMPORARY_NAME.fullmatch(item.name))
            if not temporary and not _ENTRY_NAME.fullmatch(item.name):
                continue
            try:
                status = item.stat(follow_symlinks=False)
            except OSError:
                continue  # removed meanwhile
            if not stat.S_ISREG(status.st_mode) or status.st_uid != os.getuid():
                continue
            found.append(
                _Candidate(
                    folder,
                    item.name,
                    status.st_size,
                    status.st_mtime_ns,
                    folder != current,
                    temporary,
                )
            )
    return found


def _remove(
    candidates: list[_Candidate],
    folders: dict[str, int],
    root_fd: int,
    max_bytes: int,
    current: str,
) -> Pruned:
    stale_ns = time.time_ns() - _TEMPORARY_KEPT_S * 1_000_000_000
    entries = [candidate for candidate in candidates if not candidate.temporary]
    size = sum(entry.size for entry in entries)
    removed = freed = removed_other = 0
    stale = [item for item in candidates if item.temporary and item.used_ns < stale_ns]
    for temporary in stale:
        if _unlink(folders[temporary.folder], temporary.name):
            removed += 1
            freed += temporary.size
    left = len(entries)
    entries.sort(
        key=lambda entry: (not entry.other_context, entry.used_ns, entry.folder, entry.name)
    )
    for entry in entries:
        if size <= max_bytes:
            break
        size -= entry.size  # removed now, or (without the header) never the cache's to count
        left -= 1
        if not _has_header(folders[entry.folder], entry.folder, entry.name):
            continue
        if _unlink(folders[entry.folder], entry.name):
            removed += 1
            freed += entry.size
            removed_other += entry.other_context
    for folder in folders:
        if folder != current:
            with contextlib.suppress(OSError):  # not empty: a foreign file, or entries kept
                os.rmdir(folder, dir_fd=root_fd)
    return Pruned(removed, freed, removed_other, left, size)


def _has_header(folder_fd: int, folder: str, name: str) -> bool:
    """Whether the file starts as the cache writes an entry: the magic line, a context digest
    of this folder's, and its own name (any version's header carries the same three)."""
    try:
        descriptor = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=folder_fd)
    except OSError:
        return False
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            return False
        expected_length = len(_MAGIC) + 65 + len(name) + 1
        head = os.read(descriptor, expected_length)
    except OSError:
        return False
    finally:
        os.close(descriptor)
    lines = head[len(_MAGIC) :].split(b"\n")
    return (
        head.startswith(_MAGIC)
        and len(lines) >= 2
        and re.fullmatch(rb"[0-9a-f]{64}", lines[0]) is not None
        and lines[0][:32] == folder.encode()
        and lines[1] == name.encode()
    )


def _unlink(folder_fd: int, name: str) -> bool:
    try:
        os.unlink(name, dir_fd=folder_fd)  # the name itself: a symbolic link is never followed
    except FileNotFoundError:
        return False  # another run pruned it first
    except OSError as error:
        log.warning("shape cache: %s not removed (%s)", name[:16], error)
        return False
    return True


def prune_and_log(root: Path | None, max_mb: float) -> Pruned | None:
    """`prune` to `max_mb` megabytes (MiB), with one log line of what it did; a failure costs
    disk space, never the run, so it is a warning."""
    try:
        pruned = prune(root, int(max_mb * _MB))
    except OSError as error:
        log.warning("shape cache not pruned (%s)", error)
        return None
    if pruned is not None:
        log.info(
            "shape cache: %d files removed (%d of other versions), %.1f MB freed; "
            "%d entries, %.1f MB kept (bound %g MB)",
            pruned.removed,
            pruned.removed_other_contexts,
            pruned.freed / _MB,
            pruned.kept,
            pruned.size / _MB,
            max_mb,
        )
    return pruned
