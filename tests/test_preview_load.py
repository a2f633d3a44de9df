"""A short run of bench/preview_load.py: page clients and image clients for 3 s on 127.0.0.1.

The full run (5 page clients and 30 image clients for 60 s, with its timing targets) is
`.venv/bin/python bench/preview_load.py`. This one checks the same code and what does not depend
on the machine's speed: every household page answers 200, page images answer 200 or the
deliberate 503 with Retry-After (never another 5xx), and every view is in the audit log.
"""

from __future__ import annotations

import importlib.util
import sys

import pytest

from noticegen import project
from noticegen.preview import create_app, running
from tests.conftest import SAMPLE_UTF8


def load_bench():
    path = project.ROOT / "bench" / "preview_load.py"
    spec = importlib.util.spec_from_file_location("preview_load", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["preview_load"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def bench():
    return load_bench()


def test_pages_answer_and_images_are_served_or_refused_with_retry_after(
    bench, config, sample_households, tmp_path
):
    app = create_app(SAMPLE_UTF8, config, audit_log_path=tmp_path / "audit.jsonl")
    ids = [household.household_id for household in sample_households]
    try:
        with running(app) as url:
            warm = bench.load(url, bench.household_paths(ids), clients=1, seconds=0, warm_up=True)
            assert len(warm.page_latencies_ms) == len(ids) and warm.errors == 0
            result = bench.load(
                url,
                bench.household_paths(ids),
                clients=3,
                seconds=3,
                image_paths=bench.image_paths(ids, ("ja", "en")),
                image_clients=8,
            )
    finally:
        app.close()
    print(bench.report(result, 3, 8))
    assert result.errors == 0, result.error_kinds
    assert result.page_latencies_ms
    # Eight clients asking for notices not rendered yet, faster than one worker renders: the
    # queue fills and the rest are told when to come back.
    assert set(result.image_statuses) <= {"200", "503"}, result.image_statuses
    assert result.image_statuses["503"] > 0
    assert result.retry_after_missing == 0
    assert result.other_5xx == 0
    audit_lines = (tmp_path / "audit.jsonl").read_text().splitlines()
    assert len(audit_lines) >= len(result.page_latencies_ms)  # every view was recorded


def test_an_error_is_counted(bench, config, tmp_path):
    app = create_app(SAMPLE_UTF8, config, audit_log_path=tmp_path / "audit.jsonl")
    try:
        with running(app) as url:
            result = bench.load(url, ["/households/H9999"], clients=1, seconds=0, warm_up=True)
    finally:
        app.close()
    assert result.errors == 1 and result.error_kinds == {"HTTP 404": 1}
    assert not result.met


def test_a_server_error_or_a_503_without_retry_after_misses_the_target(bench):
    passing = bench.LoadResult(1.0, page_latencies_ms=[10.0])
    passing.image_statuses.update({"200": 3, "503": 5})
    assert passing.met and passing.other_5xx == 0
    failing = bench.LoadResult(1.0, page_latencies_ms=[10.0])
    failing.image_statuses.update({"503": 5, "500": 1})
    assert failing.other_5xx == 1 and not failing.met
    unlabelled = bench.LoadResult(1.0, page_latencies_ms=[10.0], retry_after_missing=1)
    assert not unlabelled.met
    slow = bench.LoadResult(1.0, page_latencies_ms=[10.0], slowest_ms=bench.SLOW_MS + 1)
    assert not slow.met
