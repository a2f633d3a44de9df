"""Shared fixtures: the shipped samples, read and rendered once per test session."""

from __future__ import annotations

import datetime as dt
import importlib.util
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from noticegen import fonts, i18n, notice, project, records, settings, view, voicecode
from noticegen.printing import render

SAMPLE_UTF8 = project.SAMPLES / "members.csv"
SAMPLE_CP932 = project.SAMPLES / "members-cp932.csv"
TODAY = dt.date(2024, 10, 25)
MM_PER_PX = 25.4 / 96  # WeasyPrint lays out in CSS pixels


@pytest.fixture(scope="session", autouse=True)
def _shape_cache_of_the_session(tmp_path_factory):
    """Batches the tests run (in this process or in their own) keep measured shapes in a folder
    of the session's, not in the user's cache (noticegen.shapecache)."""
    before = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("xdg-cache"))
    yield
    if before is None:
        del os.environ["XDG_CACHE_HOME"]
    else:
        os.environ["XDG_CACHE_HOME"] = before


def load_sample_generator():
    spec = importlib.util.spec_from_file_location(
        "make_samples", project.SAMPLES / "make_samples.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_samples"] = module
    spec.loader.exec_module(module)
    return module


def read_file(path: Path, config: settings.Settings):
    member_file = records.open_member_file(path)
    window = (config.envelope.window_width_mm, config.envelope.window_height_mm)
    return records.read_all(
        member_file, fonts.coverage(), TODAY, window, reference=config.dates.reference
    )


class MemoryShapeStore:
    """The batch run folder's shape store (variable_print.ShapeStore), in memory."""

    def __init__(self):
        self.files: dict[str, bytes] = {}
        self.firsts = 0  # entries found by `first` (a shape's styles read back)

    def get(self, name):
        return self.files.get(name)

    def first(self, prefix):
        names = sorted(name for name in self.files if name.startswith(prefix))
        self.firsts += bool(names)
        return self.files[names[0]] if names else None

    def put(self, name, data):
        self.files[name] = data


@dataclass(frozen=True)
class Rendered:
    household: records.Household
    view: view.NoticeView
    html: str
    pdf: bytes


@pytest.fixture(scope="session")
def config() -> settings.Settings:
    return settings.load()


@pytest.fixture(scope="session")
def sample_outcomes(config):
    return read_file(SAMPLE_UTF8, config)


@pytest.fixture(scope="session")
def sample_households(sample_outcomes) -> list[records.Household]:
    return sample_outcomes[0]


@pytest.fixture(scope="session")
def encoder() -> voicecode.QrEncoder:
    return voicecode.QrEncoder()


@pytest.fixture(scope="session")
def rendered_samples(sample_households, config, encoder) -> dict[str, Rendered]:
    translator = i18n.translator()
    result = {}
    for household in sample_households:
        finished = notice.make(household, config, translator, encoder)
        result[household.household_id] = Rendered(
            household, finished, render.html(finished), render.pdf(finished)
        )
    return result


@pytest.fixture(scope="session")
def rendered_large_print(sample_households, config, encoder) -> dict[str, Rendered]:
    """The large-print edition of every sample household."""
    translator = i18n.translator()
    result = {}
    for household in sample_households:
        finished = notice.make(household, config, translator, encoder, large_print=True)
        result[household.household_id] = Rendered(
            household, finished, render.html(finished), render.pdf(finished)
        )
    return result


@pytest.fixture(scope="session")
def sample_full_mynumbers() -> set[str]:
    """Every full 12-digit My Number the sample file holds: none may appear in any output."""
    import csv

    with open(SAMPLE_UTF8, encoding="utf-8", newline="") as stream:
        numbers = {row["mynumber"] for row in csv.DictReader(stream) if row.get("mynumber")}
    assert len(numbers) > 20
    return numbers


# The Chromium fixture of the browser tests (the preview's and the web pages').
from tests.browser_helpers import browser  # noqa: E402, F401
