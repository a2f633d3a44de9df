"""Bounded caches for the work many households share (a guide page's voice codes, its pagination,
a text's line count), so that a batch does it once per run rather than once per household.

Each cache keeps its most recently used entries, at most a fixed number, so a worker's memory stays
flat however many households it meets; each key holds everything its result depends on. They are
on in the product; `enabled(False)` turns them off (and empties them) for a benchmark's baseline
or a test's fresh computation.
"""

from __future__ import annotations

import collections
import contextlib
import functools
import threading
from collections.abc import Callable, Hashable, Iterator
from typing import Any

_switch = {"on": True}
_every: list[Bounded] = []  # every cache made, for enabled() to empty


class Bounded:
    """At most `size` entries, the most recently used; thread-safe (the preview serves several
    threads). `get` answers None for a key it lacks, and always while caches are off."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: collections.OrderedDict = collections.OrderedDict()
        self._lock = threading.Lock()
        _every.append(self)

    def get(self, key: Hashable) -> Any:
        if not _switch["on"]:
            return None
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            return value

    def put(self, key: Hashable, value: Any) -> None:
        if not _switch["on"]:
            return
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


def memoized(size: int) -> Callable:
    """A function's results kept in a Bounded cache, by its (hashable) positional arguments."""

    def decorate(function: Callable) -> Callable:
        cache = Bounded(size)

        @functools.wraps(function)
        def cached(*args):
            result = cache.get(args)
            if result is None:
                result = function(*args)
                cache.put(args, result)
            return result

        cached.cache = cache  # type: ignore[attr-defined]
        return cached

    return decorate


@contextlib.contextmanager
def enabled(on: bool) -> Iterator[None]:
    """Caches on or off inside the block, each emptied on the way in and out."""
    before = _switch["on"]
    clear_all()
    _switch["on"] = on
    try:
        yield
    finally:
        _switch["on"] = before
        clear_all()


def on() -> bool:
    """Whether caches are on (work only a cache needs can be skipped when they are not)."""
    return _switch["on"]


def clear_all() -> None:
    for cache in _every:
        cache.clear()
