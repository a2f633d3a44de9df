"""The print vendor's run: every household of a member file into print-ready PDFs, accounted for.

    member file ─ read once ─▶ spool (accepted households) + rejections
                ─ sort by postal code, address ─▶ sequence numbers ─▶ chunks of --chunk-size
                ─ workers render each chunk into one PDF ─▶ notices/chunk-NNNNN.pdf + its manifest rows
                ─▶ manifest.csv, rejected.csv, summary.json

Pages are drawn by variable_print: each page shape is laid out once per run and every household's
data drawn over it, with a full layout wherever that would not show the same (`renderer="full"`
lays out every notice, the baseline the tests and the benchmark compare against).

A chunk is the unit of work: independent (it holds its households' data and sequence numbers) and
idempotent (the same chunk always gives the same bytes), so a killed run resumes by doing only the
chunks whose results are missing, and the same jobs could be handed to a cluster scheduler.
Everything written is created 0600 in folders 0700, atomically. Logs name households by id only.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import csv
import dataclasses
import datetime as dt
import fcntl
import gc
import hashlib
import io
import json
import logging
import multiprocessing
import os
import pickle
import queue
import shutil
import signal
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from noticegen import (
    __version__,
    fonts,
    i18n,
    lifetime,
    notice,
    outputs,
    pagegeometry,
    press,
    progress,
    records,
    report,
    settings,
    shapecache,
    spreadsheet,
    view,
    voicecode,
)
from noticegen.printing import variable_print

log = logging.getLogger("noticegen")

DEFAULT_CHUNK_SIZE = 500
GROUP_SIZE = 10  # notices laid out together: bounds a worker's memory (see _chunk_pdf)
# A pool's worker processes render about this many households each, then new ones take over
# (a pool gets workers × this many households' chunks and its free workers take them as they
# come: one process can render more when another is slow, never more than its pool's).
# A worker's memory grows slowly with the households it has drawn, after its caches are full
# (drawing the same households again does not grow it; every cache of noticegen's is bounded;
# the growth is native: libraries' caches or the heap's fragmentation, not found): at 100,000
# households (2 workers, 50,000 each) the largest worker went from 783 MiB in the run's first
# tenth to 975 MiB in its last. Replacing workers bounds it by what a worker reaches at this
# count. What a new worker loses: its process start (a second or two) and the shapes it kept in
# memory, which it reads back from the run folder, not measures again.
# (Not ProcessPoolExecutor's max_tasks_per_child: in Python 3.11 a pool given all its work at
# once waits for ever once a worker has reached it, CPython gh-115634.)
HOUSEHOLDS_PER_WORKER = 10_000
NOTICES = "notices"
WORK = ".run"  # the run's working state: removed when the run completes
MANIFEST_COLUMNS = (
    "seq",
    "household_id",
    "file",
    "first_page",
    "page_count",
    "sheets",
    "language",
    "postal_code",
    "large_print",
    "weight_g",
    "weight_class",
    "notch_edge",
    "notch_diameter_mm",
    "notches_mm",
)


class BatchError(Exception):
    """A run that cannot start or continue as asked (a usage error: exit 2)."""


class Interrupted(BaseException):
    """SIGINT or SIGTERM reached the run: its workers are stopped, its state left resumable.
    A BaseException, like KeyboardInterrupt, so that no `except Exception` swallows it."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def exit_status(self) -> int:
        return 128 + self.signum  # 130 for SIGINT, 143 for SIGTERM

    @property
    def signal_name(self) -> str:
        return signal.Signals(self.signum).name


# The option each part of a run's identity comes from, for a refused --resume.
IDENTITY_OPTIONS = {
    "input_sha256": "INPUT (its sha256)",
    "config_digest": "--config (its digest)",
    "chunk_size": "--chunk-size",
    "limit": "--limit",
    "encoding": "--encoding",
    "renderer": "the renderer",
    "noticegen": "the noticegen version",
}


@dataclass(frozen=True)
class Options:
    input: Path
    outdir: Path
    config: Path | None = None
    workers: int = 1
    chunk_size: int = DEFAULT_CHUNK_SIZE
    resume: bool = False
    limit: int | None = None
    encoding: str | None = None
    # "shapes": pages drawn over layouts measured once per page shape (variable_print), the
    # production renderer; "full": every notice laid out in full, the baseline it is measured and
    # tested against. Both give the same pages.
    renderer: str = "shapes"


@dataclass(frozen=True)
class _Spooled:
    """Where an accepted household waits, pickled in the spool, until its chunk is rendered."""

    sort_key: tuple[str, str, str, str]
    offset: int
    length: int


@dataclass(frozen=True)
class Chunk:
    """One unit of work: the households of sequence numbers first_seq… in mailing order."""

    index: int
    first_seq: int
    spool: Path
    entries: tuple[tuple[int, int], ...]  # (offset, length) in the spool, in mailing order

    @property
    def name(self) -> str:
        return f"chunk-{self.index:05d}"

    @property
    def pdf_name(self) -> str:
        return f"{NOTICES}/{self.name}.pdf"


def run(options: Options) -> int:
    """Run (or resume) a batch; returns the exit status (0, or 3 when households were rejected).

    SIGINT and SIGTERM raise Interrupted: the workers are stopped and the run's state is left for
    --resume. OUTDIR is locked for the run's life: a second run there is refused (BatchError)."""
    for name, value in (
        ("--chunk-size", options.chunk_size),
        ("--workers", options.workers),
        ("--limit", options.limit),
    ):
        if value is not None and value < 1:
            raise BatchError(f"{name} {value}: must be at least 1")
    config = settings.load(options.config)
    press.output_profile(config.press)  # a missing or wrong profile stops the run before it starts
    member_file = records.open_member_file(options.input, options.encoding)
    with _interrupts_raise(), _locked(options.outdir):
        return _run(options, config, member_file)


@contextlib.contextmanager
def _interrupts_raise():
    """SIGINT and SIGTERM raise Interrupted in the main thread while the block runs."""
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, _frame):
        raise Interrupted(signum)

    before = {
        number: signal.signal(number, interrupt) for number in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        yield
    finally:
        for number, handler in before.items():
            signal.signal(number, handler)


@contextlib.contextmanager
def _locked(outdir: Path):
    """OUTDIR, created if need be and locked (flock on the folder itself) until the block ends.

    The lock goes with the process: a killed run leaves no stale lock behind."""
    if outdir.is_symlink():
        # Checked before anything is read or written there: a resume too would follow the link.
        raise BatchError(f"{outdir} is a symbolic link; give the real folder as -o")
    if outdir.exists() and not outdir.is_dir():
        raise BatchError(f"-o {outdir} is a file, not a folder; give a new or empty folder")
    created = not outdir.exists()
    outputs.make_private_dir(outdir)
    descriptor = os.open(outdir, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BatchError(
                f"{outdir} is in use by another noticegen batch (running now); wait for it to "
                "end, or use another folder"
            ) from None
        try:
            yield
        except BatchError:
            if created and not any(outdir.iterdir()):
                outdir.rmdir()  # refused: leave nothing behind
            raise
    finally:
        os.close(descriptor)


def _run(options: Options, config: settings.Settings, member_file: records.MemberFile) -> int:
    started = time.monotonic()
    work = _prepare(options)
    resumed = (work / "state.json").exists()
    # INPUT's digest now, and again over the very bytes the reader turns into households (in the
    # same pass): the two and the file's identity must agree, or INPUT changed while it was read.
    # INPUT is never copied: it holds full My Numbers, which no file of noticegen's may hold.
    before = _file_identity(options.input)
    input_sha256 = _sha256(options.input)
    _check_unchanged(options.input, work, before, resumed)
    # Everything the output depends on: a resumed run must see exactly the same.
    identity = {
        "input_sha256": input_sha256,
        "config_digest": config.digest,
        "chunk_size": options.chunk_size,
        "limit": options.limit,
        "encoding": member_file.encoding,
        "renderer": options.renderer,
        # The configuration names the press profile's file; its bytes go into every chunk file.
        "output_profile_sha256": hashlib.sha256(press.output_profile(config.press)).hexdigest(),
        "noticegen": __version__,
    }
    _check_identity(options, work, identity)
    window = (config.envelope.window_width_mm, config.envelope.window_height_mm)
    today = dt.date.today()

    read_digest = hashlib.sha256()
    spooled, rejections, households_in, warnings = _spool(
        member_file, config, work / "spool.bin", window, today, options.limit, read_digest
    )
    _check_unchanged(options.input, work, before, resumed, read_digest.hexdigest() == input_sha256)
    if warnings:
        # Counts only (the household ids are in `noticegen check`'s listing): what check warns of.
        log.warning(
            "warnings: %s (list them with noticegen check)",
            ", ".join(f"{code} {count}" for code, count in sorted(warnings.items())),
        )
    spooled.sort(key=lambda entry: entry.sort_key)
    chunks = [
        Chunk(
            index=number + 1,
            first_seq=number * options.chunk_size + 1,
            spool=work / "spool.bin",
            entries=tuple(
                (entry.offset, entry.length)
                for entry in spooled[
                    number * options.chunk_size : (number + 1) * options.chunk_size
                ]
            ),
        )
        for number in range((len(spooled) + options.chunk_size - 1) // options.chunk_size)
    ]
    outputs.make_private_dir(options.outdir / NOTICES)
    pending = [chunk for chunk in chunks if not _chunk_done(options.outdir, work, chunk)]
    if len(pending) < len(chunks):
        log.info("resuming: %d of %d chunks already done", len(chunks) - len(pending), len(chunks))
    bar = progress.Progress(sum(len(chunk.entries) for chunk in pending), "notices")
    rendering = _render_chunks(pending, options, config, bar.advance)
    try:
        for chunk, done in rendering:
            # Logged here, not in the worker: spawned workers do not share the parent's log set-up.
            log.info(
                "%s: seq %d–%d (%d notices%s) written by process %d",
                chunk.name,
                chunk.first_seq,
                chunk.first_seq + done.notices - 1,
                done.notices,
                ""
                if done.laid_out_in_full is None
                else f", {done.laid_out_in_full} laid out in full,"
                f" {done.shapes_measured} shapes measured, {done.shapes_composed} put together"
                f" from {done.bands_measured} bands measured",
                done.worker,
            )
    finally:
        rendering.close()  # on an interrupt: the workers are stopped now, not when collected
    bar.close()

    counts = _write_manifest(options.outdir / "manifest.csv", work, chunks)
    summary = _summary(counts, rejections, households_in, warnings, identity, len(chunks))
    outputs.write_private(options.outdir / "rejected.csv", report.rejected_csv(rejections))
    # An interrupt now would leave a complete run with its working state: held back until done.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        # summary.json last: its presence says the run is complete.
        outputs.write_private(
            options.outdir / "summary.json",
            (json.dumps(summary, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode(),
        )
        shutil.rmtree(work)
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})
    if options.renderer == "shapes":
        # Once a run, when its workers are done writing: never in the per-page path.
        shapecache.prune_and_log(
            shapecache.folder_for(config.batch.shape_cache), config.batch.shape_cache_max_mb
        )
    balanced = summary["households_in"] == summary["notices_out"] + summary["rejected"]
    print(
        f"households_in {summary['households_in']} = notices_out {summary['notices_out']} "
        f"+ rejected {summary['rejected']}: {'balanced' if balanced else 'NOT BALANCED'}; "
        f"{summary['pages_out']} pages, {summary['sheets_out']} sheets in {len(chunks)} files; "
        f"took {progress.duration(time.monotonic() - started)}"
    )
    if not balanced:
        raise AssertionError("households_in != notices_out + rejected")
    return 3 if rejections else 0


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while block := stream.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _file_identity(path: Path) -> tuple[int, int, int, int]:
    found = os.stat(path)
    return (found.st_dev, found.st_ino, found.st_size, found.st_mtime_ns)


def _check_unchanged(
    path: Path, work: Path, before: tuple, resumed: bool, same_bytes: bool = True
) -> None:
    """INPUT is the file it was when the run began (same inode, size and time, and, once read,
    the bytes read had its sha256); if not, the run stops (exit 2) before any notice is rendered
    from it. A new run's folder is left empty; a resumed run's state is left as it was."""
    try:
        same = same_bytes and _file_identity(path) == before
    except FileNotFoundError:
        same = False
    if same:
        return
    if not resumed:
        shutil.rmtree(work, ignore_errors=True)  # checked before anything is rendered
    raise BatchError(
        f"{path} changed while it was being read (another program writing it?); nothing was "
        "printed from it: run again once the file is complete"
    )


def _prepare(options: Options) -> Path:
    """The run's working folder, after checking that OUTDIR may be written (or resumed). OUTDIR
    exists and is locked by this run."""
    outdir, work = options.outdir, options.outdir / WORK
    state = work / "state.json"
    if (outdir / "summary.json").exists() and work.exists():
        # Killed between writing summary.json (the run complete) and removing its working state.
        shutil.rmtree(work)
    if state.exists():
        if not options.resume:
            raise BatchError(
                f"{outdir} holds an unfinished run; continue it with --resume, or use a new folder"
            )
        _remove_unfinished_files(outdir)
        return work
    if (outdir / "summary.json").exists():
        raise BatchError(f"{outdir} holds a completed run; use a new folder")
    if [path.name for path in outdir.iterdir()] == [WORK]:
        shutil.rmtree(work)  # a run stopped before it recorded what it was: nothing of it kept
    if any(outdir.iterdir()):
        raise BatchError(f"{outdir} is not empty; a batch writes into an empty or new folder")
    outputs.make_private_dir(work)
    return work


def _check_identity(options: Options, work: Path, identity: dict) -> None:
    """A new run records what it is; a resumed run must be the same run, option for option."""
    state = work / "state.json"
    if not state.exists():
        outputs.write_private(state, json.dumps(identity, sort_keys=True).encode())
        return
    before = json.loads(state.read_text(encoding="utf-8"))
    changed = [key for key in identity if before.get(key) != identity[key]]
    if changed:
        raise BatchError(
            f"cannot resume in {options.outdir}: "
            + "; ".join(
                f"{IDENTITY_OPTIONS.get(key, key)} was {_shown(before.get(key))}, "
                f"now {_shown(identity[key])} [{key}]"
                for key in changed
            )
            + "; resume with the same input, configuration and options, or use a new folder"
        )


def _shown(value) -> str:
    if value is None:
        return "not given"
    if isinstance(value, str) and len(value) == 64:
        return value[:12] + "…"  # a digest
    return str(value)


def _remove_unfinished_files(outdir: Path) -> None:
    """The temporary files a killed run's processes were writing (.NAME.….tmp): with the folder
    locked, no one is writing them now."""
    for folder in (outdir, outdir / NOTICES, outdir / WORK, outdir / WORK / "shapes"):
        if folder.is_dir():
            for path in folder.glob(".*.tmp"):
                path.unlink(missing_ok=True)


def _spool(member_file, config, spool: Path, window, today, limit, digest):
    """Read the member file once: accepted households into the spool, rejections into a list;
    the bytes read go to `digest`."""
    spooled: list[_Spooled] = []
    rejections: list[records.Rejection] = []
    warnings = Counter(str(warning.code) for warning in member_file.warnings)
    households_in = 0
    bar = progress.Progress(progress.count_lines(member_file.path), "rows read")
    outcomes = records.read(
        member_file,
        fonts.coverage(),
        today,
        window,
        reference=config.dates.reference,
        digest=digest,
    )
    # closing: a --limit that stops early still reads the rest of the file into the digest.
    with outputs.open_private(spool) as stream, contextlib.closing(outcomes):
        for outcome in outcomes:
            if limit is not None and households_in >= limit:
                break
            households_in += 1
            bar.advance(outcome.rows)
            warnings.update(str(warning.code) for warning in outcome.warnings)
            if isinstance(outcome, records.Rejection):
                rejections.append(outcome)
                continue
            data = pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
            offset = stream.tell()
            stream.write(data)
            spooled.append(_Spooled(mailing_key(outcome), offset, len(data)))
    bar.close()
    return spooled, rejections, households_in, warnings


def mailing_key(household: records.Household) -> tuple[str, str, str, str]:
    """Where a household comes in mailing order (postal code, then address): its sequence number
    is its place among the run's households sorted by this key, counting from 1."""
    return (
        household.postal_code,
        household.address,
        household.address2 or "",
        household.household_id,
    )


def _chunk_done(outdir: Path, work: Path, chunk: Chunk) -> bool:
    return (outdir / chunk.pdf_name).exists() and (work / f"{chunk.name}.json").exists()


def _chunk_rows(work: Path, chunk: Chunk) -> list[dict]:
    return json.loads((work / f"{chunk.name}.json").read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------------------------
# Rendering a chunk (in a worker process)


def _render_chunks(
    chunks: list[Chunk],
    options: Options,
    config: settings.Settings,
    on_notice: Callable[[int], None] = lambda _count: None,
):
    """Render the chunks, in worker processes when asked; yields (chunk, notices) as each ends.
    `on_notice(1)` is called as each notice is drawn (the progress bar), in this process.

    Worker processes are replaced as the run goes (see HOUSEHOLDS_PER_WORKER): the chunks go to
    a pool of `--workers` processes a group at a time, each group to a new pool. A run of one
    worker whose chunks fit one group renders in this process."""
    shape_folder = options.outdir / WORK / "shapes"
    outputs.make_private_dir(shape_folder)
    chunks_per_worker = max(1, HOUSEHOLDS_PER_WORKER // options.chunk_size)
    if len(chunks) <= 1 or (options.workers == 1 and len(chunks) <= chunks_per_worker):
        before = _collect_garbage_less_often()
        try:
            state = _WorkerState(config, options.renderer, shape_folder, on_notice=on_notice)
            for chunk in chunks:
                yield chunk, render_chunk(chunk, options.outdir, state)
        finally:
            gc.set_threshold(*before)
        return
    # spawn, not fork: the parent has loaded fontconfig and Pango, which do not survive a fork.
    context = multiprocessing.get_context("spawn")
    drawn = context.Queue()  # one item per notice drawn, from the workers

    def report_drawn() -> None:
        with contextlib.suppress(queue.Empty):
            while True:
                on_notice(drawn.get_nowait())

    per_pool = options.workers * chunks_per_worker
    for start in range(0, len(chunks), per_pool):
        pool = concurrent.futures.ProcessPoolExecutor(
            max_workers=options.workers,
            mp_context=context,
            initializer=_init_worker,
            initargs=(config, options.renderer, shape_folder, os.getpid(), drawn),
        )
        try:
            # The workers are started by these submits: they inherit SIGINT blocked, so that a
            # Ctrl-C (which reaches the whole process group) finds none of them still starting
            # up; this process still acts on one that comes meanwhile (see _sigint_blocked).
            with _sigint_blocked():
                futures = {
                    pool.submit(_render_in_worker, chunk, options.outdir): chunk
                    for chunk in chunks[start : start + per_pool]
                }
            running = set(futures)
            while running:
                ended, running = concurrent.futures.wait(
                    running, timeout=0.2, return_when=concurrent.futures.FIRST_COMPLETED
                )
                report_drawn()
                for future in ended:
                    yield futures[future], future.result()
            pool.shutdown(wait=True)  # its processes end: the next group's are new
        except BaseException:
            # Interrupted (or a chunk failed, or the generator was closed early): the workers
            # are killed, not waited for; what they were writing is a temporary file a resume
            # removes.
            _kill_workers(pool)
            raise
    report_drawn()
    drawn.close()


@contextlib.contextmanager
def _sigint_blocked():
    """SIGINT blocked in this thread, for the processes started meanwhile to inherit (they then
    ignore it and unblock it first thing: _init_worker), while this process still acts on it: a
    Ctrl-C meanwhile is taken by another of its threads, or held until the block ends (Linux
    never discards a blocked signal). Setting SIGINT to ignored here instead dropped a Ctrl-C
    that came while the workers were starting, and the run went on to its end."""
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield  # signals are the main thread's: a run in another thread has no Ctrl-C
        return
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})  # a held one is handled now


def _kill_workers(pool: concurrent.futures.ProcessPoolExecutor) -> None:
    # The executor has no public way to stop a running job; its processes are in _processes.
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for process in processes:
        with contextlib.suppress(Exception):
            process.kill()
    for process in processes:
        with contextlib.suppress(Exception):
            process.join(timeout=5)
    pool.shutdown(wait=True, cancel_futures=True)


class _ShapeStore:
    """The run's measured page shapes, shared by its workers (static layout only: no personal
    data), so that each shape is laid out once per run rather than once per worker; and, behind
    them, the shapes kept between runs (noticegen.shapecache), when the configuration keeps them."""

    def __init__(self, folder: Path, kept: shapecache.ShapeCache | None = None) -> None:
        self.folder = folder
        self.kept = kept
        self._listing = shapecache.FolderListing(folder)

    def get(self, name: str) -> bytes | None:
        try:
            return (self.folder / name).read_bytes()
        except FileNotFoundError:
            return self.kept.get(name) if self.kept is not None else None

    def first(self, prefix: str) -> bytes | None:
        for name in self._listing.starting(prefix):
            with contextlib.suppress(FileNotFoundError):
                return (self.folder / name).read_bytes()
        return self.kept.first(prefix) if self.kept is not None else None

    def put(self, name: str, data: bytes) -> None:
        outputs.write_private(self.folder / name, data)
        if self.kept is not None:
            self.kept.put(name, data)


@dataclass
class _WorkerState:
    config: settings.Settings
    renderer: str = "shapes"
    shape_folder: Path | None = None
    encoder: voicecode.Encoder | None = None
    # The page shapes this worker has measured or found, kept from chunk to chunk.
    shapes: variable_print.Renderer | None = None
    on_notice: Callable[[int], None] | None = None  # told of each notice drawn (progress)
    profile: bytes | None = None  # the press condition's ICC profile, read once per worker

    def __post_init__(self) -> None:
        if self.shapes is None:
            store = None
            if self.shape_folder is not None:
                kept = shapecache.ShapeCache.open(
                    shapecache.folder_for(self.config.batch.shape_cache)
                )
                store = _ShapeStore(self.shape_folder, kept)
            self.shapes = variable_print.Renderer(store)

    def get_encoder(self) -> voicecode.Encoder:
        if self.encoder is None:
            self.encoder = voicecode.encoder_for(self.config.voice_code)
        return self.encoder

    def get_profile(self) -> bytes:
        if self.profile is None:
            self.profile = press.output_profile(self.config.press)
        return self.profile


_worker: _WorkerState | None = None  # one per worker process, set by its initializer


# A worker's young-object threshold for the cycle collector (Python's default: 700). Laying out a
# shape makes hundreds of thousands of short-lived objects, and with the default every 700 of them
# set off a young collection, every 7,000 an older one and, as the kept shapes and styles grow,
# full collections over the whole heap. Measured (199 population shapes measured in one process,
# alternating, a test run beside): 27.5 and 28.7 CPU s at 700, 25.6 and 26.8 at 2,000, 26.6 and
# 26.5 at 10,000; peak memory 462, 468 and 482 MiB. 2,000 takes the gain for 6 MiB (at 100,000
# households a worker's peak was 977 MiB, near the issue's 1 GiB). The other two thresholds stay
# Python's, so older and full collections still happen.
_YOUNG_COLLECTION_THRESHOLD = 2_000


def _collect_garbage_less_often() -> tuple[int, ...]:
    """Set the process's young threshold; the thresholds it had (to restore in a process that
    goes on to other work)."""
    before = gc.get_threshold()
    gc.set_threshold(_YOUNG_COLLECTION_THRESHOLD, *before[1:])
    return before


def _init_worker(
    config: settings.Settings,
    renderer: str,
    shape_folder: Path,
    parent: int | None = None,
    drawn=None,
) -> None:
    global _worker
    if parent is not None:
        lifetime.die_with_parent(parent)  # even a SIGKILLed run leaves no worker behind
    # Ctrl-C reaches the whole process group: the parent stops its workers itself. (Started
    # with it blocked, see _sigint_blocked: ignored, then unblocked, one held is dropped.)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    _collect_garbage_less_often()
    _worker = _WorkerState(
        config, renderer, shape_folder, on_notice=drawn.put if drawn is not None else None
    )


def _render_in_worker(chunk: Chunk, outdir: Path) -> ChunkDone:
    assert _worker is not None
    return render_chunk(chunk, outdir, _worker)


@dataclass(frozen=True)
class ChunkDone:
    notices: int
    laid_out_in_full: int | None  # notices the shapes renderer laid out in full (None: "full")
    shapes_measured: int = 0  # page shapes laid out for this chunk (not found in a store)
    worker: int = 0  # the id of the process that rendered it (the log names it)
    shapes_composed: int = 0  # page shapes put together from bands (not found in a store)
    bands_measured: int = 0  # the bands laid out for them (pagedata.Bands)


def render_chunk(chunk: Chunk, outdir: Path, state: _WorkerState) -> ChunkDone:
    """Render one chunk into its PDF and its manifest rows. The same chunk gives the same bytes."""
    households = []
    with open(chunk.spool, "rb") as stream:
        for offset, length in chunk.entries:
            stream.seek(offset)
            households.append(pickle.loads(stream.read(length)))
    before = _measuring(state.shapes)
    data, rows, laid_out = _chunk_output(chunk, households, state)
    measured, composed, bands = (
        after - earlier for after, earlier in zip(_measuring(state.shapes), before, strict=True)
    )
    outputs.write_private(outdir / chunk.pdf_name, data)
    work = outdir / WORK
    outputs.write_private(
        work / f"{chunk.name}.json", json.dumps(rows, ensure_ascii=False, sort_keys=True).encode()
    )
    return ChunkDone(len(households), laid_out, measured, os.getpid(), composed, bands)


def _measuring(shapes: variable_print.Renderer | None) -> tuple[int, int, int]:
    """What a worker's renderer has laid out so far: page shapes measured whole, shapes put
    together from bands, bands measured."""
    if shapes is None:
        return (0, 0, 0)
    return (shapes.shapes_measured, shapes.shapes_composed, shapes.bands_measured)


def mailed_notice_pdf(
    household: records.Household,
    seq: int,
    config: settings.Settings,
    shapes: variable_print.Renderer,
    encoder: voicecode.Encoder | None = None,
) -> bytes:
    """The file a run with --chunk-size 1 writes for the household of sequence number `seq`: its
    notice as mailed, byte for byte (the staff preview shows it). `shapes` is kept by the caller."""
    state = _WorkerState(config, encoder=encoder, shapes=shapes)
    chunk = Chunk(index=seq, first_seq=seq, spool=Path(), entries=())  # nothing read from a spool
    data, _rows, _laid_out = _chunk_output(chunk, [household], state)
    return data


def _chunk_output(
    chunk: Chunk, households: list[records.Household], state: _WorkerState
) -> tuple[bytes, list[dict], int | None]:
    """The chunk's PDF, its manifest rows, and how many notices were laid out in full."""
    config = state.config
    encoder = state.get_encoder()
    notices, rows = [], []
    next_page = 1
    for position, household in enumerate(households):
        seq = chunk.first_seq + position
        try:
            parts = notice.make_all(household, config, encoder)
        except Exception as error:
            error.noticegen_context = f"household {household.household_id} (seq {seq})"  # type: ignore[attr-defined]
            raise
        pages = sum(part.page_count for part in parts)
        parts = tuple(
            dataclasses.replace(part, print_marks=_print_marks(part, seq, pages, config.press))
            for part in parts
        )
        notices.append(parts)
        rows.append(_manifest_row(parts, household, seq, chunk, next_page, config))
        next_page += pages
    finishing = _press_finishing(_chunk_title(chunk), config, state.get_profile())
    if state.renderer == "full":
        views = [part for parts in notices for part in parts]
        data, laid_out = _chunk_pdf(views, chunk, finishing), None
        if state.on_notice is not None:
            state.on_notice(len(notices))
    else:
        assert state.shapes is not None
        data, laid_out = _chunk_pdf_from_shapes(
            notices, chunk, state.shapes, finishing, state.on_notice
        )
    return data, rows, laid_out


def _press_finishing(title: str, config: settings.Settings, profile: bytes):
    """What makes a chunk file the configured PDF/X file: given the assembled pikepdf document,
    finishes it and returns the PDF version to save it as."""

    def finishing(pdf) -> str:
        return press.finish(pdf, title, config.press, config.dates.issue, profile)

    return finishing


def _chunk_title(chunk: Chunk) -> str:
    return f"国民健康保険 加入者情報のお知らせ {chunk.name}"


def _chunk_pdf_from_shapes(
    notices: list[tuple[view.NoticeView, ...]],
    chunk: Chunk,
    shapes: variable_print.Renderer,
    finishing: Callable,
    on_notice: Callable[[int], None] | None = None,
) -> tuple[bytes, int]:
    """The chunk's notices in one file, drawn over page shapes where that shows what a full
    render would; returns the file and how many notices had to be laid out in full."""
    target = variable_print.ChunkFile(_chunk_title(chunk), finishing)
    laid_out = 0
    for position, parts in enumerate(notices):
        try:
            drawn = shapes.add_notice(target, parts, i18n.SOURCE_LOCALE)
        except Exception as error:
            error.noticegen_context = f"seq {chunk.first_seq + position}"  # type: ignore[attr-defined]
            raise
        laid_out += not drawn
        if on_notice is not None:
            on_notice(1)
    return target.finish(), laid_out


def _chunk_pdf(views: list[view.NoticeView], chunk: Chunk, finishing: Callable) -> bytes:
    """The chunk's notices in one file, laid out a few at a time.

    WeasyPrint keeps a whole document's layout in memory (about 4 MiB a notice), so a chunk of 500
    laid out as one document needs over 2 GiB; groups of GROUP_SIZE keep a worker's memory flat.
    The groups' pages are joined in one file as the shapes renderer joins the notices it lays out
    in full (variable_print.ChunkFile): with one subset of each font for the whole file, so the
    two renderers' files draw every glyph from the same font program. The chunk file is a print
    production file: its pages keep their content, fonts and images, but carry no tag tree, which
    a press does not read; the tagged PDF of any one notice comes from `noticegen render` and the
    preview.
    """
    target = variable_print.ChunkFile(_chunk_title(chunk), finishing)
    for start in range(0, len(views), GROUP_SIZE):
        variable_print.add_laid_out(
            target, tuple(views[start : start + GROUP_SIZE]), i18n.SOURCE_LOCALE
        )
    return target.finish()


def _print_marks(
    finished: view.NoticeView, seq: int, total_pages: int, place: settings.Press
) -> tuple[view.PrintMark, ...]:
    """The marks of one part's pages; sheets are counted through the whole (bilingual) notice."""
    sheets = total_pages // 2
    marks = []
    for page in finished.pages:
        front = page.number % 2 == 1
        sheet = (page.number + 1) // 2
        marks.append(
            view.PrintMark(
                sequence=f"No. {seq:06d}",
                sheet_mark_uri=(
                    voicecode.png_data_uri(sheet_mark(seq, sheet, sheets)) if front else None
                ),
                sheet_mark_alt=f"封入機用マーク {seq:06d} {sheet}/{sheets}",
                sequence_left_mm=place.sequence_left_mm,
                sequence_top_mm=place.sequence_top_mm,
                sheet_mark_left_mm=place.sheet_mark_left_mm,
                sheet_mark_top_mm=place.sheet_mark_top_mm,
                sheet_mark_size_mm=place.sheet_mark_size_mm,
            )
        )
    return tuple(marks)


def sheet_mark(seq: int, sheet: int, sheets: int) -> bytes:
    """The inserter's DataMatrix for one sheet: which notice, and which of its sheets.

    A DataMatrix, not a QR code, so that no phone mistakes it for a voice code.
    """
    return voicecode.datamatrix_png(f"{seq:06d}-{sheet}/{sheets}")


def _weight(sheets: int, config: settings.Settings) -> tuple[float, str]:
    grams = round(sheets * config.mailing.paper_g_per_sheet + config.mailing.envelope_g, 1)
    if grams <= 25:
        return grams, "定形25g以内"
    if grams <= 50:
        return grams, "定形50g以内"
    return grams, "定形外"


def _manifest_row(parts, household, seq, chunk, first_page, config) -> dict:
    page_count = sum(part.page_count for part in parts)
    sheets = page_count // 2
    grams, weight_class = _weight(sheets, config)
    return {
        "seq": seq,
        "household_id": household.household_id,
        "file": chunk.pdf_name,
        "first_page": first_page,
        "page_count": page_count,
        "sheets": sheets,
        # The parts' languages: ja, or ja+en for a bilingual notice.
        "language": "+".join(part.lang for part in parts),
        "postal_code": household.postal_code,
        "large_print": int(parts[0].large_print),
        "weight_g": grams,
        "weight_class": weight_class,
        # Where the vendor cuts each sheet (noticegen.pagegeometry): on the front's right edge,
        # the notches' centres above the bottom edge, sheet by sheet ("34.0+263.0;34.0+263.0").
        "notch_edge": "right",
        "notch_diameter_mm": pagegeometry.PAGE.notch_diameter_mm,
        "notches_mm": ";".join(
            str(sheet)
            for sheet in pagegeometry.sheet_notches(
                [bool(codes.codes) for part in parts for codes in part.voice_codes]
            )
        ),
    }


def _write_manifest(path: Path, work: Path, chunks: list[Chunk]) -> dict:
    """manifest.csv, chunk by chunk (memory stays flat however many households), and the counts
    the summary gives."""
    counts = {"notices": 0, "pages": 0, "sheets": 0, "by_sheets": Counter(), "by_weight": Counter()}
    with outputs.private_atomic(path) as stream:
        stream.write(_csv_rows([], header=True))
        for chunk in chunks:
            rows = _chunk_rows(work, chunk)
            stream.write(_csv_rows(rows))
            counts["notices"] += len(rows)
            counts["pages"] += sum(row["page_count"] for row in rows)
            counts["sheets"] += sum(row["sheets"] for row in rows)
            counts["by_sheets"].update(str(row["sheets"]) for row in rows)
            counts["by_weight"].update(row["weight_class"] for row in rows)
    return counts


def _csv_rows(rows: list[dict], header: bool = False) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=MANIFEST_COLUMNS, lineterminator="\r\n")
    if header:
        writer.writeheader()
    writer.writerows(
        {name: spreadsheet.inert(value) for name, value in row.items()} for row in rows
    )
    return out.getvalue().encode("utf-8")


def _summary(counts, rejections, households_in, warnings, identity, files) -> dict:
    return {
        "households_in": households_in,
        "notices_out": counts["notices"],
        "rejected": len(rejections),
        "pages_out": counts["pages"],
        "sheets_out": counts["sheets"],
        "files": files,
        "notices_by_sheets": dict(sorted(counts["by_sheets"].items())),
        "notices_by_weight_class": dict(sorted(counts["by_weight"].items())),
        "rejected_by_code": dict(sorted(Counter(str(r.code) for r in rejections).items())),
        "warnings": sum(warnings.values()),
        "warnings_by_code": dict(sorted(warnings.items())),
        **identity,
    }
