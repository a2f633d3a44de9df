"""A short run of bench/preview_load.py: 5 clients for 3 s on 127.0.0.1, with renders meanwhile.

The full run (20 clients for 30 s) is `.venv/bin/python bench/preview_load.py`; this one checks the
same code and the same targets (no errors, household page p95 ≤ 500 ms) in a few seconds.
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


def test_five_clients_for_three_seconds_get_every_page_quickly(
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
                clients=5,
                seconds=3,
                render_paths=bench.render_paths(ids[:4], ("ja",)),
            )
    finally:
        app.close()
    print(bench.report(result, 5))
    assert result.errors == 0, result.error_kinds
    assert len(result.page_latencies_ms) >= 100
    assert result.p95_ms <= bench.TARGET_P95_MS
    assert result.renders >= 1
    assert result.met
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
