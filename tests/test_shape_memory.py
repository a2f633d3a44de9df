"""A batch worker keeps a bounded number of shapes in memory.

A realistic member file meets thousands of page shapes (bench/fast_renderer.py); a worker that kept
every one grew past 2 GiB at 10,000 households. It keeps the most recently used and reads the others
back from the run folder's store, so what it draws must not depend on what it dropped.
"""

from __future__ import annotations

import dataclasses

from noticegen import batch, notice, settings
from noticegen.printing import variable_print
from tests.conftest import MemoryShapeStore

# Households whose pages have different shapes (members, language, notes), read in this order twice.
HOUSEHOLDS = ("H0004", "H0005", "H0001", "H0027", "H0004", "H0001")


def _chunk(renderer, by_id, config, encoder) -> bytes:
    chunk = variable_print.ChunkFile("chunk")
    press = settings.load().press
    for seq, household_id in enumerate(HOUSEHOLDS, start=1):
        parts = notice.make_all(by_id[household_id], config, encoder)
        total = sum(part.page_count for part in parts)
        parts = tuple(
            dataclasses.replace(part, print_marks=batch._print_marks(part, seq, total, press))
            for part in parts
        )
        assert renderer.add_notice(chunk, parts, "ja")
    return chunk.finish()


def test_a_worker_keeps_few_shapes_and_draws_the_same_bytes(
    sample_households, config, encoder, monkeypatch
):
    by_id = {household.household_id: household for household in sample_households}
    keeping_all = variable_print.Renderer(MemoryShapeStore())
    expected = _chunk(keeping_all, by_id, config, encoder)
    assert keeping_all.shapes_measured > 2  # the households really have more shapes than kept

    # Two shapes and the runs' styles of two page shapes: both read back (ShapeStore.get, first).
    monkeypatch.setattr(variable_print, "SHAPES_KEPT", 2)
    monkeypatch.setattr(variable_print, "STYLES_KEPT", 2)
    store = MemoryShapeStore()
    keeping_two = variable_print.Renderer(store)
    assert _chunk(keeping_two, by_id, config, encoder) == expected
    assert len(keeping_two._shapes) <= 2 and len(keeping_two._styles) <= 2
    assert store.firsts > 0
    # Dropped shapes were read back from the store, not measured again: shapes measured whole,
    # shapes put together from bands, and the bands.
    laid_out = [
        (renderer.shapes_measured, renderer.shapes_composed, renderer.bands_measured)
        for renderer in (keeping_two, keeping_all)
    ]
    assert laid_out[0] == laid_out[1] and sum(laid_out[0]) == len(store.files)
    assert keeping_two.shapes_composed > 0
