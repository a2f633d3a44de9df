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
    """The most recently used entries, within a limit: `size` entries, or, with a `weight`, a
    total weight of `size` (a value heavier than that alone is not kept). Thread-safe (the preview
    serves several threads, and a process may lay out in several). `get` answers None for a key it
    lacks, so None is never kept as a value.

    The one bounded cache of the project: shared work (on by default, `switchable`, emptied and
    bypassed while `enabled(False)`), and the caches that must stay whatever a benchmark's
    baseline does (parsed stylesheets, measured shapes, codes, the preview's renders:
    `switchable=False`)."""

    def __init__(
        self,
        size: int,
        *,
        weight: Callable[[Any], int] | None = None,
        switchable: bool = True,
    ) -> None:
        self.size = size
        self._weight = weight
        self._total = 0
        self._switchable = switchable
        self._entries: collections.OrderedDict = collections.OrderedDict()
        self._lock = threading.Lock()
        if switchable:
            _every.append(self)

    def _off(self) -> bool:
        return self._switchable and not _switch["on"]

    def get(self, key: Hashable) -> Any:
        if self._off():
            return None
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            return value

    def put(self, key: Hashable, value: Any) -> None:
        if self._off():
            return
        weight = 1 if self._weight is None else self._weight(value)
        if weight > self.size:
            return
        with self._lock:
            previous = self._entries.pop(key, None)
            if previous is not None:
                self._total -= 1 if self._weight is None else self._weight(previous)
            self._entries[key] = value
            self._total += weight
            while self._total > self.size:
                _key, dropped = self._entries.popitem(last=False)
                self._total -= 1 if self._weight is None else self._weight(dropped)

    def __iter__(self) -> Iterator:
        """The keys kept, least recently used first (from a copy: no entry is touched)."""
        with self._lock:
            return iter(list(self._entries))

    @property
    def total(self) -> int:
        """The entries' total weight (their number, without a `weight`)."""
        return self._total

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._total = 0

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
