"""Page shapes kept between batch runs (noticegen.shapecache): a second run of the same file
measures no shape and writes the same bytes; the cache holds no household data, is private, and
survives corrupt or foreign entries by measuring again."""

from __future__ import annotations

import logging
import os
import re
import stat
from pathlib import Path

import pytest

from noticegen import batch, shapecache
from noticegen.printing import engine, variable_print
from tests.conftest import SAMPLE_UTF8
from tests.pdf_helpers import page_texts

LIMIT = 8  # households: their pages have some 40 shapes, guide pages and personal ones
_MEASURED = re.compile(r"(\d+) shapes measured")


def _config(tmp_path: Path, shape_cache: str) -> Path:
    path = tmp_path / f"config-{len(list(tmp_path.glob('config-*')))}.toml"
    path.write_text(f"[batch]\nshape_cache = {shape_cache!r}\n", encoding="utf-8")
    return path


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def _run(outdir: Path, config: Path) -> int:
    """A batch run (in this process, one worker); returns how many shapes it measured."""
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
    return sum(counts)


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
        text = "".join("".join(page.split()) for page in page_texts(shape.template_pdf))
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
