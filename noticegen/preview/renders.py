"""Notices for the preview: views built on request, PDFs and page images rendered in other processes.

A household's page needs only its view (the page count and each page's voice text), which is
built in the request's thread in milliseconds and never waits for a render. The PDF and its 150
dpi page images are made in a small pool of worker processes, fed through a bounded queue: at most
`render_queue` renders per process are waiting or running, and a request waits at most
`render_wait_s` for its render. Beyond either, the request is told to come back later (RenderBusy,
which the app answers with 503 and Retry-After), so the web server's threads are never all stuck
waiting for renders. Several requests for one notice share its one render.

Editions: the notice as mailed (Japanese, then the household's language: the batch's notice,
drawn by the batch's own code, with its sequence number) and each single-language edition (what
`noticegen render --lang … [--large-print]` writes). Both are kept in memory and nowhere else:
views by (household, edition), renders by the sha256 of the notice's HTML (with, for the mailed
edition, its sequence number), which decides every byte of the PDF.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import hashlib
import io
import math
import multiprocessing
import os
import signal
import threading
import time
from dataclasses import dataclass

from noticegen import batch, caches, i18n, notice, voicecode
from noticegen.printing import render, variable_print
from noticegen.records import Household
from noticegen.settings import Settings
from noticegen.view import NoticeView

MAILED = "mailed"  # the edition as mailed, in URLs: lang=mailed (the default)
RENDER_QUEUE_PER_PROCESS = 4  # defaults of [preview] render_queue and render_wait_s
RENDER_WAIT_S = 20.0
# Request threads that may wait for renders at once: half of the web server's threads
# (server.SERVER_THREADS), so the other half always answers pages.
MAX_WAITING = 12
SHAPES_KEPT = 512  # measured page shapes a worker keeps (about 100 kB each, at most ~0.5 MB)
PARENT_CHECK_S = 1.0


class RenderBusy(Exception):
    """The render queue is full, or the render took longer than a request may wait."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"renders busy; retry after {retry_after} s")
        self.retry_after = retry_after


@dataclass(frozen=True)
class Edition:
    """Which notice: `locale` is MAILED (as mailed) or one locale alone; large print or not.

    Large print with MAILED is the notice the batch mails when the household is listed in
    `[large_print] households` (for a listed household, the same as without it).
    """

    locale: str = MAILED
    large_print: bool = False

    @property
    def mailed(self) -> bool:
        return self.locale == MAILED


@dataclass(frozen=True)
class Prepared:
    """A notice ready to show: its parts' views (two for a bilingual mailed notice), the hash that
    keys its render, and what a worker needs to render it."""

    parts: tuple[NoticeView, ...]
    content_hash: str
    job: tuple
    seq: int | None = None  # the mailed edition's sequence number (mailing order)

    @property
    def page_count(self) -> int:
        return sum(part.page_count for part in self.parts)

    @property
    def pages(self) -> list[tuple[str, str]]:
        """(language, voice text) of each page, through every part."""
        return [(part.lang, text) for part in self.parts for text in part.voice_texts]


@dataclass(frozen=True)
class Rendered:
    content_hash: str
    pdf: bytes  # exactly what `noticegen render` (or, as mailed, the batch) writes
    pages: tuple[bytes, ...]  # one PNG per page, at render.PNG_DPI

    @property
    def size(self) -> int:
        return len(self.pdf) + sum(len(page) for page in self.pages)


class Notices:
    """Views by (household id, edition): an LRU of a bounded number of entries.

    `sequence` gives each household's sequence number in mailing order (the batch's numbers).
    """

    def __init__(
        self,
        settings: Settings,
        locales: tuple[str, ...],
        sequence: dict[str, int] | None = None,
        limit: int = 256,
    ) -> None:
        self._settings = settings
        self._translators = {locale: i18n.translator(locale) for locale in locales}
        self._sequence = sequence or {}
        self._views = caches.Bounded(limit, switchable=False)
        # One for the app's life: it keeps only recent codes (voicecode.RECENT_CODES).
        self._encoder = voicecode.encoder_for(settings.voice_code)

    def cached(self, household: Household, edition: Edition) -> Prepared | None:
        """The notice if its view is at hand, without building anything."""
        return self._views.get((household.household_id, edition))

    def prepared(self, household: Household, edition: Edition) -> Prepared:
        cached = self.cached(household, edition)
        if cached is not None:
            return cached
        if edition.mailed:
            prepared = self._mailed(household, edition.large_print)
        else:
            # The same call as `noticegen render`, so the PDF is the same, byte for byte.
            view = notice.make(
                household,
                self._settings,
                self._translators[edition.locale],
                self._encoder,
                edition.large_print,
            )
            content_hash = hashlib.sha256(render.html(view).encode()).hexdigest()
            prepared = Prepared((view,), content_hash, ("single", view))
        self._views.put((household.household_id, edition), prepared)
        return prepared

    def _mailed(self, household: Household, large_print: bool) -> Prepared:
        # The batch's call (notice.make_all); the worker makes it again, with the print marks.
        parts = notice.make_all(household, self._settings, self._encoder, large_print)
        seq = self._sequence[household.household_id]
        digest = hashlib.sha256(f"{MAILED} {seq}\n".encode())
        digest.update(render.html(parts).encode())
        job = ("mailed", household, seq, large_print)
        return Prepared(parts, digest.hexdigest(), job, seq)


class RenderCache:
    """Renders by content hash, least recently used first out, within a number of bytes."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._entries = caches.Bounded(
            max_bytes, weight=lambda rendered: rendered.size, switchable=False
        )

    def get(self, content_hash: str) -> Rendered | None:
        return self._entries.get(content_hash)

    def put(self, rendered: Rendered) -> None:
        self._entries.put(rendered.content_hash, rendered)

    @property
    def bytes(self) -> int:
        return self._entries.total

    def __len__(self) -> int:
        return len(self._entries)


class Renderer:
    """The worker processes, the bounded queue in front of them, and the render cache."""

    def __init__(
        self,
        processes: int,
        cache_bytes: int,
        settings: Settings | None = None,
        queue_per_process: int = RENDER_QUEUE_PER_PROCESS,
        wait_s: float = RENDER_WAIT_S,
        max_waiting: int = MAX_WAITING,
        executor: concurrent.futures.Executor | None = None,
    ) -> None:
        """`executor`, for tests: where renders run instead of the worker processes."""
        self._processes = processes
        self._settings = settings
        self.cache = RenderCache(cache_bytes)
        self.queue_limit = processes * queue_per_process  # renders waiting or running
        self.wait_s = wait_s
        self.max_waiting = max_waiting
        self._pending: dict[str, concurrent.futures.Future] = {}
        self._waiting = 0  # request threads waiting for a render now
        # Reentrant: a future that is already done runs its callback (_finish) at once, in the
        # thread that adds it, which holds the lock.
        self._lock = threading.RLock()
        self._pool: concurrent.futures.Executor | None = executor
        self.seconds_per_render = 1.0  # one render, a running estimate: admission, Retry-After
        self.renders = 0  # renders started, for tests and benchmarks
        self.refused = 0  # requests told to come back later

    def _executor(self) -> concurrent.futures.Executor:
        # "spawn": the web server's threads are running, and forking a threaded process is unsafe.
        if self._pool is None:
            self._pool = concurrent.futures.ProcessPoolExecutor(
                max_workers=self._processes,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker,
                initargs=(os.getpid(), self._settings),
            )
        return self._pool

    def warm_up(self) -> None:
        """Start the workers now (fonts and WeasyPrint loaded), not on the first clerk's request."""
        with self._lock:
            executor = self._executor()
            for _ in range(self._processes):
                executor.submit(_ready)

    @property
    def queued(self) -> int:
        """Renders waiting or running now."""
        return len(self._pending)

    @property
    def waiting(self) -> int:
        """Request threads waiting for a render now."""
        return self._waiting

    def retry_after(self) -> int:
        """Seconds until the queue has probably moved on: its renders, shared by the processes."""
        queued = len(self._pending) + 1
        estimate = math.ceil(queued * self.seconds_per_render / self._processes)
        return max(1, min(60, estimate))

    def _busy(self) -> RenderBusy:
        self.refused += 1
        return RenderBusy(self.retry_after())

    def _full(self) -> bool:
        """No new render may join the queue: it holds queue_limit renders, or a new one would
        probably end after a request's wait (by the running estimate of a render's time)."""
        queued = len(self._pending)
        if queued >= self.queue_limit:
            return True
        return queued > 0 and (queued + 1) * self.seconds_per_render > self.wait_s * self._processes

    def check_room(self) -> None:
        """Raise RenderBusy when no new render could start now (before building any view)."""
        with self._lock:
            if self._full() or self._waiting >= self.max_waiting:
                raise self._busy()

    def rendered(self, prepared: Prepared, timeout: float | None = None) -> Rendered:
        """The notice's render, from the cache or after waiting for it; RenderBusy when the queue
        is full, too many requests are waiting already, or it takes longer than `timeout`."""
        content_hash = prepared.content_hash
        cached = self.cache.get(content_hash)
        if cached is not None:
            return cached
        with self._lock:
            cached = self.cache.get(content_hash)
            if cached is not None:
                return cached
            future = self._pending.get(content_hash)
            if future is None and self._full():
                raise self._busy()
            if self._waiting >= self.max_waiting:
                raise self._busy()
            if future is None:
                future = self._submit(prepared)
            self._waiting += 1
        try:
            pdf, pages, _seconds = future.result(self.wait_s if timeout is None else timeout)
        except concurrent.futures.TimeoutError:
            raise self._busy() from None
        except concurrent.futures.BrokenExecutor:
            # A worker died (killed, out of memory): the next render starts a new pool.
            raise self._busy() from None
        finally:
            with self._lock:
                self._waiting -= 1
        return Rendered(content_hash, pdf, pages)

    def _submit(self, prepared: Prepared) -> concurrent.futures.Future:
        content_hash = prepared.content_hash
        try:
            future = self._executor().submit(render_job, prepared.job)
        except concurrent.futures.BrokenExecutor:
            # A worker died (killed, out of memory): start a new pool for this and later
            # renders; the old one is gone with its worker.
            self._pool = None
            future = self._executor().submit(render_job, prepared.job)
        self.renders += 1
        self._pending[content_hash] = future
        future.add_done_callback(lambda done: self._finish(content_hash, done))
        return future

    def _finish(self, content_hash: str, future: concurrent.futures.Future) -> None:
        if not future.cancelled() and future.exception() is None:
            pdf, pages, seconds = future.result()
            self.cache.put(Rendered(content_hash, pdf, pages))
            self.seconds_per_render = 0.8 * self.seconds_per_render + 0.2 * seconds
        with self._lock:
            self._pending.pop(content_hash, None)

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


# ---------------------------------------------------------------------------------------------
# In the worker processes


class _ShapeMemory:
    """Measured page shapes kept in a worker's memory, most recently used last, at most
    SHAPES_KEPT (a variable_print.ShapeStore). `handed_out` counts the shapes the renderer has
    taken from here or given, an upper bound on the shapes it holds itself."""

    def __init__(self, limit: int = SHAPES_KEPT) -> None:
        self.limit = limit
        self._shapes = caches.Bounded(limit, switchable=False)
        self.handed_out = 0

    def get(self, name: str) -> bytes | None:
        data = self._shapes.get(name)
        if data is not None:
            self.handed_out += 1
        return data

    def first(self, prefix: str) -> bytes | None:
        found = sorted(name for name in self._shapes if name.startswith(prefix))
        return self.get(found[0]) if found else None

    def put(self, name: str, data: bytes) -> None:
        self._shapes.put(name, data)
        self.handed_out += 1


@dataclass
class _Worker:
    settings: Settings
    encoder: voicecode.Encoder
    store: _ShapeMemory
    shapes: variable_print.Renderer

    def fresh_shapes(self) -> variable_print.Renderer:
        """The renderer, replaced by a new one (which finds its shapes in the store again) once
        it may hold more than SHAPES_KEPT: its memory stays bounded for the app's life."""
        if self.store.handed_out > self.store.limit:
            self.store.handed_out = 0
            self.shapes = variable_print.Renderer(self.store)
        return self.shapes


_worker: _Worker | None = None  # one per worker process, set by its initializer


def _start_worker(app_pid: int, settings: Settings | None) -> None:
    global _worker
    # Ctrl-C in the terminal reaches the whole process group: the app stops its workers itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with_parent, args=(app_pid,), daemon=True).start()
    render.ready()  # fonts activated, WeasyPrint imported: the first render is not slower
    if settings is not None:
        store = _ShapeMemory()
        encoder = voicecode.encoder_for(settings.voice_code)
        _worker = _Worker(settings, encoder, store, variable_print.Renderer(store))


def _exit_with_parent(parent: int) -> None:
    """A worker whose app was killed (SIGKILL, out of memory) would wait for work for ever: it
    ends as soon as its parent is no longer the app."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_S)
    os._exit(0)


def _ready() -> bool:
    return True


def render_job(job: tuple) -> tuple[bytes, tuple[bytes, ...], float]:
    """A job's PDF, a PNG of each of its pages, and the seconds it took."""
    began = time.perf_counter()
    if job[0] == "mailed":
        _kind, household, seq, large_print = job
        pdf = mailed_pdf(household, seq, large_print)
    else:
        pdf = render.pdf(job[1])
    return pdf, page_images(pdf), time.perf_counter() - began


def mailed_pdf(household: Household, seq: int, large_print: bool = False) -> bytes:
    """The household's notice as mailed: the batch's file for it when run with --chunk-size 1,
    drawn by the batch's renderer over the shapes this worker keeps."""
    assert _worker is not None, "the worker was started without the settings"
    settings = _worker.settings
    if large_print and household.household_id not in settings.large_print.households:
        # As the batch mails it when the household is listed for large print.
        listed = (*settings.large_print.households, household.household_id)
        settings = dataclasses.replace(
            settings, large_print=dataclasses.replace(settings.large_print, households=listed)
        )
    return batch.mailed_notice_pdf(
        household, seq, settings, _worker.fresh_shapes(), _worker.encoder
    )


def page_images(pdf: bytes, dpi: int = render.PNG_DPI) -> tuple[bytes, ...]:
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    try:
        images = []
        for page in document:
            out = io.BytesIO()
            page.render(scale=dpi / 72).to_pil().save(out, format="PNG", dpi=(dpi, dpi))
            images.append(out.getvalue())
        return tuple(images)
    finally:
        document.close()
