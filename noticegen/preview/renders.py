"""Notices for the preview: views built on request, PDFs and page images rendered in other processes.

A household's page needs only its view (the page count and each page's voice text), which is
built in the request's thread in milliseconds. The PDF and its 150 dpi page images are made by
WeasyPrint and PDFium in a small pool of worker processes, so a render never holds up the pages
other clerks are loading. Both are kept in memory and nowhere else: views by (household, language,
edition), renders by the sha256 of the notice's HTML, which decides every byte of the PDF. Several
requests for one notice that is being rendered wait for that one render.
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import io
import multiprocessing
import os
import signal
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from noticegen import i18n, notice, render, voicecode
from noticegen.records import Household
from noticegen.settings import Settings
from noticegen.view import NoticeView

RENDER_TIMEOUT_S = 120.0
PARENT_CHECK_S = 1.0


@dataclass(frozen=True)
class Prepared:
    """A notice ready to show: its view, and the hash of its HTML (the key of its render)."""

    view: NoticeView
    content_hash: str


@dataclass(frozen=True)
class Rendered:
    content_hash: str
    pdf: bytes  # exactly what `noticegen render` writes for the same household and options
    pages: tuple[bytes, ...]  # one PNG per page, at render.PNG_DPI

    @property
    def size(self) -> int:
        return len(self.pdf) + sum(len(page) for page in self.pages)


class Notices:
    """Views by (household id, locale, large print): an LRU of a bounded number of entries."""

    def __init__(self, settings: Settings, locales: tuple[str, ...], limit: int = 256) -> None:
        self._settings = settings
        self._translators = {locale: i18n.translator(locale) for locale in locales}
        self._limit = limit
        self._views: OrderedDict[tuple[str, str, bool], Prepared] = OrderedDict()
        self._lock = threading.Lock()
        # One for the app's life: it keeps only recent codes (voicecode.RECENT_CODES).
        self._encoder = voicecode.encoder_for(settings.voice_code)

    def prepared(self, household: Household, locale: str, large_print: bool) -> Prepared:
        key = (household.household_id, locale, large_print)
        with self._lock:
            if key in self._views:
                self._views.move_to_end(key)
                return self._views[key]
        # The same call as `noticegen render`, so the PDF is the same, byte for byte.
        view = notice.make(
            household, self._settings, self._translators[locale], self._encoder, large_print
        )
        prepared = Prepared(view, hashlib.sha256(render.html(view).encode()).hexdigest())
        with self._lock:
            self._views[key] = prepared
            while len(self._views) > self._limit:
                self._views.popitem(last=False)
        return prepared


class RenderCache:
    """Renders by content hash, least recently used first out, within a number of bytes."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[str, Rendered] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, content_hash: str) -> Rendered | None:
        with self._lock:
            rendered = self._entries.get(content_hash)
            if rendered is not None:
                self._entries.move_to_end(content_hash)
            return rendered

    def put(self, rendered: Rendered) -> None:
        if rendered.size > self.max_bytes:
            return
        with self._lock:
            previous = self._entries.pop(rendered.content_hash, None)
            if previous is not None:
                self._bytes -= previous.size
            self._entries[rendered.content_hash] = rendered
            self._bytes += rendered.size
            while self._bytes > self.max_bytes:
                _, evicted = self._entries.popitem(last=False)
                self._bytes -= evicted.size

    @property
    def bytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)


class Renderer:
    """The worker processes and the render cache in front of them."""

    def __init__(self, processes: int, cache_bytes: int) -> None:
        self._processes = processes
        self.cache = RenderCache(cache_bytes)
        self._pending: dict[str, concurrent.futures.Future] = {}
        self._lock = threading.Lock()
        self._pool: concurrent.futures.ProcessPoolExecutor | None = None
        self.renders = 0  # renders started, for tests and benchmarks

    def _executor(self) -> concurrent.futures.ProcessPoolExecutor:
        # "spawn": the web server's threads are running, and forking a threaded process is unsafe.
        if self._pool is None:
            self._pool = concurrent.futures.ProcessPoolExecutor(
                max_workers=self._processes,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker,
                initargs=(os.getpid(),),
            )
        return self._pool

    def warm_up(self) -> None:
        """Start the workers now (fonts and WeasyPrint loaded), not on the first clerk's request."""
        with self._lock:
            executor = self._executor()
            for _ in range(self._processes):
                executor.submit(_ready)

    def rendered(self, prepared: Prepared, timeout: float = RENDER_TIMEOUT_S) -> Rendered:
        content_hash = prepared.content_hash
        cached = self.cache.get(content_hash)
        if cached is not None:
            return cached
        with self._lock:
            cached = self.cache.get(content_hash)
            if cached is not None:
                return cached
            future = self._pending.get(content_hash)
            if future is None:
                try:
                    future = self._executor().submit(render_notice, prepared.view)
                except concurrent.futures.BrokenExecutor:
                    # A worker died (killed, out of memory): start a new pool for this and later
                    # renders; the old one is gone with its worker.
                    self._pool = None
                    future = self._executor().submit(render_notice, prepared.view)
                self.renders += 1
                self._pending[content_hash] = future
                future.add_done_callback(lambda done: self._finish(content_hash, done))
        pdf, pages = future.result(timeout)
        return Rendered(content_hash, pdf, pages)

    def _finish(self, content_hash: str, future: concurrent.futures.Future) -> None:
        if not future.cancelled() and future.exception() is None:
            pdf, pages = future.result()
            self.cache.put(Rendered(content_hash, pdf, pages))
        with self._lock:
            self._pending.pop(content_hash, None)

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


# ---------------------------------------------------------------------------------------------
# In the worker processes


def _start_worker(app_pid: int) -> None:
    # Ctrl-C in the terminal reaches the whole process group: the app stops its workers itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with_parent, args=(app_pid,), daemon=True).start()
    render._weasyprint()  # fonts activated, WeasyPrint imported: the first render is not slower


def _exit_with_parent(parent: int) -> None:
    """A worker whose app was killed (SIGKILL, out of memory) would wait for work for ever: it
    ends as soon as its parent is no longer the app."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_S)
    os._exit(0)


def _ready() -> bool:
    return True


def render_notice(view: NoticeView) -> tuple[bytes, tuple[bytes, ...]]:
    """The notice's PDF (as `noticegen render` writes it) and a PNG of each of its pages."""
    pdf = render.pdf(view)
    return pdf, page_images(pdf)


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
