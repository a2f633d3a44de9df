"""Page shapes kept between batch runs (noticegen.shapecache): a second run of the same file
measures no shape and writes the same bytes; the cache holds no household data, is private, and
survives corrupt or foreign entries by measuring again."""

from __future__ import annotations

import logging
import os
import re
import stat
import time
from pathlib import Path

import pytest

from noticegen import batch, outputs, shapecache
from noticegen.printing import engine, variable_print
from tests.conftest import SAMPLE_UTF8
from tests.pdf_helpers import page_texts

LIMIT = 8  # households: their pages have some 40 shapes, guide pages and personal ones
_MEASURED = re.compile(r"(\d+) shapes measured")


def _config(tmp_path: Path, shape_cache: str, max_mb: float | None = None) -> Path:
    path = tmp_path / f"config-{len(list(tmp_path.glob('config-*')))}.toml"
    text = f"[batch]\nshape_cache = {shape_cache!r}\n"
    if max_mb is not None:
        text += f"shape_cache_max_mb = {max_mb!r}\n"
    path.write_text(text, encoding="utf-8")
    return path


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def _run(outdir: Path, config: Path) -> int:
    """A batch run (in this process, one worker); returns how many shapes it measured."""
    return _run_logged(outdir, config)[0]


def _run_logged(outdir: Path, config: Path) -> tuple[int, list[str]]:
    """A batch run: how many shapes it measured, and the lines it logged."""
    lines = _Lines()
    logger = logging.getLogger("noticegen")
    before = logger.level
    logger.addHandler(lines)
    logger.setLevel(logging.INFO)
    try:
        status = batch.run(
            batch.Options(
                input=SAMPLE_UTF8, outdir=outdir, config=config, chunk_size=4, limit=LIMIT
            )
        )
    finally:
        logger.removeHandler(lines)
        logger.setLevel(before)
    assert status in (0, 3)
    counts = [int(found) for line in lines.lines for found in _MEASURED.findall(line)]
    assert counts, lines.lines  # one line per chunk
    return sum(counts), lines.lines


def _notices(outdir: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted((outdir / "notices").glob("*.pdf"))}


def _entries(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.is_file())


@pytest.fixture(scope="module")
def kept(tmp_path_factory):
    """A cache filled by one run, the configuration naming it, and how many shapes it measured."""
    folder = tmp_path_factory.mktemp("kept")
    config = _config(folder, str(folder / "cache"))
    return folder, config, _run(folder / "first", config)


def test_a_second_run_measures_no_shape_and_writes_the_same_files(kept, tmp_path):
    folder, config, measured = kept
    assert measured > 10
    assert _run(tmp_path / "second", config) == 0
    assert _notices(tmp_path / "second") == _notices(folder / "first")


def test_the_cache_is_private_and_holds_no_household_data(kept, sample_households):
    folder, _config_path, _measured = kept
    root = folder / "cache"
    households = sample_households
    words: set[str] = set()
    for household in households[: LIMIT * 2]:  # more than the run printed: none may be there
        words.update({household.head_name, household.address, household.address2 or ""})
        for member in household.members:
            words.update({member.name, member.kana or "", member.mynumber_last4 or ""})
            words.add(member.insured_symbol + member.insured_number)
            if len(member.insured_number) >= 5:
                words.add(member.insured_number)
    words = {"".join(word.split()) for word in words if word and word.strip()}
    assert len(words) > 40
    entries = _entries(root)
    assert len(entries) > 10
    assert stat.S_IMODE(os.stat(root).st_mode) == 0o700
    for entry in entries:
        assert stat.S_IMODE(os.stat(entry).st_mode) == 0o600, entry
        assert stat.S_IMODE(os.stat(entry.parent).st_mode) == 0o700, entry.parent
        data = entry.read_bytes()
        shape = variable_print.Shape.from_bytes(data.split(b"\n", 4)[4])
        # A page put together from bands draws its stub's form too.
        forms = [shape] + ([shape.stub_form] if shape.stub_form is not None else [])
        text = "".join(
            "".join(page.split()) for form in forms for page in page_texts(form.template_pdf)
        )
        geometry = repr([dict(style) for style in shape.styles]) + repr(shape.lines)
        for word in words:
            assert word not in text, (entry.name, word)
            # Four digits (My Number's last four) occur by chance among a file's digests and
            # coordinates: those are looked for in the text the shape prints, not in its bytes.
            if not (word.isascii() and word.isdigit() and len(word) < 6):
                assert word.encode() not in data, (entry.name, word)
                assert word not in geometry, (entry.name, word)


def test_corrupt_and_foreign_entries_are_measured_again(kept, tmp_path):
    folder, _config_path, _measured = kept
    root = tmp_path / "cache"
    entries = _entries(folder / "cache")
    for entry in entries:
        copy = root / entry.relative_to(folder / "cache")
        copy.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        copy.write_bytes(entry.read_bytes())
        copy.chmod(0o600)
    copies = _entries(root)
    truncated, flipped, foreign, unreadable = copies[0], copies[1], copies[2], copies[3]
    truncated.write_bytes(truncated.read_bytes()[:-100])
    data = bytearray(flipped.read_bytes())
    data[-50] ^= 0xFF
    flipped.write_bytes(bytes(data))
    foreign.write_bytes(copies[4].read_bytes())  # another shape's entry under this one's name
    # A well-formed entry whose payload is no shape (written by some other program or version).
    cache = shapecache.ShapeCache(root, shapecache.context())
    unreadable.write_bytes(cache._header(unreadable.name, b"not a shape") + b"not a shape")

    config = _config(tmp_path, str(root))
    measured = _run(tmp_path / "again", config)
    assert 1 <= measured <= 4  # those four, if the run meets them
    assert _notices(tmp_path / "again") == _notices(folder / "first")
    assert _run(tmp_path / "after", config) == 0  # they were written again


def test_the_cache_can_be_turned_off_and_defaults_to_xdg_cache_home(tmp_path):
    off = _config(tmp_path, "off")
    assert shapecache.folder_for("off") is None and shapecache.folder_for(" OFF ") is None
    assert _run(tmp_path / "one", off) > 0
    assert _run(tmp_path / "two", off) > 0  # nothing kept
    default = Path(os.environ["XDG_CACHE_HOME"]) / "noticegen" / "shapes"
    assert shapecache.folder_for("default") == default
    assert shapecache.folder_for("~/x") == Path.home() / "x"


def test_a_cache_folder_is_made_private_and_never_followed_through_a_link(tmp_path, caplog):
    root = tmp_path / "open"
    root.mkdir(mode=0o777)
    root.chmod(0o777)
    cache = shapecache.ShapeCache.open(root)
    assert cache is not None
    assert stat.S_IMODE(os.stat(root).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(cache.folder).st_mode) == 0o700
    link = tmp_path / "link"
    link.symlink_to(root)
    with caplog.at_level(logging.WARNING, logger="noticegen"):
        assert shapecache.ShapeCache.open(link) is None
    assert "shape cache not used" in caplog.text


def test_the_context_changes_with_what_shapes_depend_on(monkeypatch):
    before = shapecache.context()
    shapecache.context.cache_clear()
    monkeypatch.setattr(engine, "VERSION", "0.0-other")
    try:
        assert shapecache.context() != before
    finally:
        monkeypatch.undo()
        shapecache.context.cache_clear()
    assert shapecache.context() == before


# The cache bounds itself (shapecache.prune): entries written by hand, a context of their own.
CONTEXT = "c" * 64
OTHER_CONTEXT = "d" * 64
HOUR_NS = 3600 * 1_000_000_000


def _entry_name(number: int) -> str:
    return f"{number:064x}-{number:016x}"


def _put(root: Path, context: str, number: int, used_ns: int, size: int = 10_000) -> Path:
    """An entry as the cache writes it, last used at `used_ns`."""
    cache = shapecache.ShapeCache(root, context)
    outputs.make_private_dir(root)
    outputs.make_private_dir(cache.folder)
    name = _entry_name(number)
    cache.put(name, bytes([number % 256]) * size)
    os.utime(cache.folder / name, ns=(used_ns, used_ns))
    return cache.folder / name


def _size(root: Path) -> int:
    return sum(path.stat().st_size for path in _entries(root))


def test_pruning_removes_the_least_recently_used_until_under_the_bound(tmp_path):
    root = tmp_path / "cache"
    now = time.time_ns()
    # Written in an order unlike their use, so that it is the use (mtime) that decides.
    paths = {
        number: _put(root, CONTEXT, number, now - (10 - number) * HOUR_NS)
        for number in (3, 9, 0, 6, 1, 8, 2, 7, 5, 4)
    }
    entry_size = paths[0].stat().st_size
    bound = 3 * entry_size + entry_size // 2
    pruned = shapecache.prune(root, bound, current=CONTEXT)
    assert sorted(path.name for path in _entries(root)) == [_entry_name(n) for n in (7, 8, 9)]
    assert _size(root) <= bound
    assert (pruned.removed, pruned.freed, pruned.kept, pruned.size) == (
        7,
        7 * entry_size,
        3,
        3 * entry_size,
    )
    # Under the bound already: nothing more goes.
    assert shapecache.prune(root, bound, current=CONTEXT).removed == 0
    assert len(_entries(root)) == 3


def test_reading_an_entry_marks_it_used(tmp_path):
    root = tmp_path / "cache"
    old = time.time_ns() - 48 * HOUR_NS
    for number in range(4):
        _put(root, CONTEXT, number, old + number * HOUR_NS)
    cache = shapecache.ShapeCache(root, CONTEXT)
    assert cache.get(_entry_name(0)) == bytes([0]) * 10_000  # the least recently used until now
    read_ns = (cache.folder / _entry_name(0)).stat().st_mtime_ns
    assert read_ns > old + 24 * HOUR_NS
    # Once per entry per process: a second read leaves the mark as it was.
    os.utime(cache.folder / _entry_name(0), ns=(read_ns - HOUR_NS, read_ns - HOUR_NS))
    assert cache.first(_entry_name(0)[:64]) is not None
    assert (cache.folder / _entry_name(0)).stat().st_mtime_ns == read_ns - HOUR_NS
    entry_size = (cache.folder / _entry_name(0)).stat().st_size
    shapecache.prune(root, 2 * entry_size, current=CONTEXT)
    assert [path.name for path in _entries(root)] == [_entry_name(0), _entry_name(3)]


def test_a_folder_is_listed_again_only_when_it_changed(tmp_path, monkeypatch):
    """Entries found by their page's digest (any fonts) from a listing of the folder, made again
    when the folder's mtime changed: a new entry is found, a removed one is not read, files being
    written are never found, and an unchanged folder is not listed again."""
    folder = tmp_path / "shapes"
    folder.mkdir()
    for name in (_entry_name(1), f"{1:064x}-{2:016x}", _entry_name(2), f".{_entry_name(3)}.tmp"):
        (folder / name).write_bytes(b"x")
    still = time.time_ns() - 60 * 1_000_000_000  # a folder changed a minute ago
    os.utime(folder, ns=(still, still))
    listing = shapecache.FolderListing(folder)
    assert listing.starting(f"{1:064x}-") == [_entry_name(1), f"{1:064x}-{2:016x}"]
    assert listing.starting(f"{3:064x}-") == []  # being written
    assert listing.starting(f"{2:064x}") == [_entry_name(2)]  # a prefix without its "-" too
    listed = []
    scandir = os.scandir
    monkeypatch.setattr(os, "scandir", lambda path: listed.append(path) or scandir(path))
    assert listing.starting(f"{2:064x}-") == [_entry_name(2)]
    assert listed == []  # the folder has not changed
    (folder / _entry_name(3)).write_bytes(b"x")
    (folder / _entry_name(1)).unlink()
    changed = still + 1_000_000_000
    os.utime(folder, ns=(changed, changed))
    assert listing.starting(f"{3:064x}-") == [_entry_name(3)]
    assert listing.starting(f"{1:064x}-") == [f"{1:064x}-{2:016x}"]
    assert len(listed) == 1
    assert shapecache.FolderListing(tmp_path / "missing").starting(f"{1:064x}-") == []
    # Listed in the tick the folder changed in: another change in that tick keeps the mtime, and
    # is found all the same (the listing is made again until the folder has been still).
    now = time.time_ns()
    monkeypatch.setattr(time, "time_ns", lambda: now + 1_000_000)  # listed 1 ms after the change
    (folder / _entry_name(4)).write_bytes(b"x")
    os.utime(folder, ns=(now, now))
    assert listing.starting(f"{4:064x}-") == [_entry_name(4)]
    (folder / _entry_name(5)).write_bytes(b"x")
    os.utime(folder, ns=(now, now))
    assert listing.starting(f"{5:064x}-") == [_entry_name(5)]
    listed.clear()
    assert listing.starting(f"{4:064x}-") == [_entry_name(4)]  # held by the listing: found in it
    assert listed == []
    # An mtime an hour ahead of the clock (a file server's): the listing is kept.
    ahead = now + 3600 * 1_000_000_000
    os.utime(folder, ns=(ahead, ahead))
    assert listing.starting(f"{5:064x}-") == [_entry_name(5)]
    listed.clear()
    assert listing.starting(f"{4:064x}-") == [_entry_name(4)]
    assert listed == []
    # Removed between its stat and its listing (another version's pruning): nothing found.
    (tmp_path / "empty").mkdir()
    monkeypatch.setattr(os, "scandir", lambda path: os.rmdir(path) or scandir(path))
    assert shapecache.FolderListing(tmp_path / "empty").starting(f"{1:064x}-") == []


def test_other_contexts_go_first_and_their_folders_with_them(tmp_path):
    root = tmp_path / "cache"
    now = time.time_ns()
    ours = [_put(root, CONTEXT, number, now - 30 * HOUR_NS + number) for number in range(3)]
    # Another version's entries, used more recently than ours: they go all the same.
    for number in range(3, 8):
        _put(root, OTHER_CONTEXT, number, now - number)
    other_folder = root / OTHER_CONTEXT[:32]
    entry_size = ours[0].stat().st_size
    pruned = shapecache.prune(root, 3 * entry_size, current=CONTEXT)
    assert (pruned.removed, pruned.removed_other_contexts) == (5, 5)
    assert _entries(root) == sorted(ours)
    assert not other_folder.exists()
    # Beyond them, this context's least recently used.
    pruned = shapecache.prune(root, entry_size, current=CONTEXT)
    assert (pruned.removed, pruned.removed_other_contexts) == (2, 0)
    assert _entries(root) == [ours[2]]


def test_pruning_leaves_foreign_files_and_never_follows_a_link(tmp_path):
    root = tmp_path / "cache"
    old = time.time_ns() - 10 * HOUR_NS
    entry = _put(root, CONTEXT, 1, old)
    folder = entry.parent
    # Outside the cache: an entry-like file and a folder of them, reached through links.
    outside = tmp_path / "outside"
    outputs.make_private_dir(outside)
    target = outside / _entry_name(2)
    target.write_bytes(entry.read_bytes())
    (folder / _entry_name(2)).symlink_to(target)
    outside_context = _put(outside, OTHER_CONTEXT, 3, old).parent
    (root / ("e" * 32)).symlink_to(outside_context)
    # Inside: an entry's name without its header, a file of the user's, and an entry of
    # another context kept under this one's folder name (its header names the other).
    (folder / _entry_name(4)).write_bytes(b"not written by the cache\n" * 1000)
    (folder / "notes.txt").write_bytes(b"mine\n")
    (root / "README").write_bytes(b"mine\n")
    misplaced = _put(root, OTHER_CONTEXT, 5, old)
    os.rename(misplaced, folder / _entry_name(5))
    misplaced.parent.rmdir()
    # A writer's temporary file left behind (killed), and one being written now.
    stale = folder / f".{_entry_name(6)}.abc123.tmp"
    stale.write_bytes(b"x" * 100)
    os.utime(stale, ns=(old, old))
    fresh = folder / f".{_entry_name(7)}.def456.tmp"
    fresh.write_bytes(b"x" * 100)

    pruned = shapecache.prune(root, 0, current=CONTEXT)
    assert pruned.removed == 2  # the entry and the stale temporary file
    assert not entry.exists() and not stale.exists()
    assert fresh.exists()
    assert target.exists() and (folder / _entry_name(2)).is_symlink()
    assert len(list(outside_context.iterdir())) == 1
    assert (root / ("e" * 32)).is_symlink()
    for name in (_entry_name(4), _entry_name(5), "notes.txt"):
        assert (folder / name).exists(), name
    assert (root / "README").exists()
    # A cache folder that is itself a link is not pruned at all.
    link = tmp_path / "link"
    link.symlink_to(outside)
    assert shapecache.prune(link, 0, current=OTHER_CONTEXT) is None
    assert len(list(outside_context.iterdir())) == 1
    assert shapecache.prune(tmp_path / "never-made", 0) is None
    assert shapecache.prune(None, 0) is None


def _copied_cache(source: Path, root: Path) -> Path:
    """A private copy of a kept cache's entries, for a test that prunes it."""
    for entry in _entries(source):
        copy = root / entry.relative_to(source)
        copy.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        copy.write_bytes(entry.read_bytes())
        copy.chmod(0o600)
    return root


def test_a_run_reading_an_entry_another_run_removed_measures_it_again(kept, tmp_path, monkeypatch):
    """Another run prunes the cache while this one reads it: between this run's finding an
    entry's name and reading it, every entry goes. The run measures them again, same files."""
    folder, _config_path, measured = kept
    root = _copied_cache(folder / "cache", tmp_path / "cache")
    read = shapecache.ShapeCache._read
    vanished = []

    def read_after_another_run_pruned(self, path):
        if not vanished:
            shapecache.prune(root, 0)
            vanished.append(path)
        return read(self, path)

    monkeypatch.setattr(shapecache.ShapeCache, "_read", read_after_another_run_pruned)
    assert _run(tmp_path / "again", _config(tmp_path, str(root))) == measured
    assert vanished
    assert _notices(tmp_path / "again") == _notices(folder / "first")


def test_a_run_leaves_the_cache_under_its_bound(kept, tmp_path):
    folder, _config_path, _measured = kept
    root = _copied_cache(folder / "cache", tmp_path / "cache")
    before = _size(root)
    bound_mb = 0.5
    assert before > 2 * bound_mb * 1024 * 1024  # the run ends with more than the bound
    measured, lines = _run_logged(tmp_path / "run", _config(tmp_path, str(root), bound_mb))
    assert measured == 0
    assert 0 < _size(root) <= bound_mb * 1024 * 1024
    (line,) = [line for line in lines if line.startswith("shape cache:")]
    assert re.fullmatch(
        r"shape cache: \d+ files removed \(0 of other versions\), [\d.]+ MB freed; "
        r"\d+ entries, [\d.]+ MB kept \(bound 0.5 MB\)",
        line,
    ), line
    # A second run finds the entries it used last, and measures only what was pruned.
    assert 0 < _run(tmp_path / "second", _config(tmp_path, str(root), bound_mb)) < _measured
