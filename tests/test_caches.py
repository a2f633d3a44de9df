"""The caches of work households share (noticegen.caches): each gives what a fresh computation
gives, for every input its result depends on, stays within its size, and leaves a chunk's bytes
as they were."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
from pathlib import Path

from noticegen import batch, caches, cellfit, i18n, notice, pagegeometry, view, voice, voicecode
from noticegen.printing import assembly, variable_print


def _fresh(function, *args):
    with caches.enabled(False):
        return function(*args)


def test_a_bounded_cache_keeps_its_most_recently_used_entries():
    cache = caches.Bounded(3)
    for key in "abc":
        cache.put(key, key.upper())
    assert cache.get("a") == "A"  # now the most recent
    cache.put("d", "D")
    assert len(cache) == 3
    assert cache.get("b") is None  # the least recently used left
    assert [cache.get(key) for key in "acd"] == ["A", "C", "D"]


def test_caches_off_keep_nothing_and_answer_nothing():
    cache = caches.Bounded(3)
    cache.put("a", 1)
    with caches.enabled(False):
        assert cache.get("a") is None
        cache.put("b", 2)
        assert len(cache) == 0
    assert cache.get("b") is None


def test_a_weighted_cache_keeps_within_its_total_weight():
    cache = caches.Bounded(10, weight=len)
    for key in "abc":
        cache.put(key, key * 3)
    assert cache.total == 9 and list(cache) == ["a", "b", "c"]
    cache.get("a")  # now the most recently used
    cache.put("b", "bbbbb")  # replaced: its old weight is given back, then the oldest go
    assert list(cache) == ["a", "b"] and cache.total == 8
    cache.put("huge", "x" * 11)  # heavier than the whole cache: not kept, nothing dropped
    assert cache.get("huge") is None and list(cache) == ["a", "b"]


def test_a_cache_that_is_not_switchable_keeps_working_while_caches_are_off():
    kept = caches.Bounded(2, switchable=False)
    kept.put("a", 1)
    with caches.enabled(False):
        assert kept.get("a") == 1
        kept.put("b", 2)
    assert [kept.get(key) for key in "ab"] == [1, 2]


def test_every_cache_is_bounded():
    # Those of the modules this change touches, each with a size (a worker meets 100,000
    # households: nothing may grow with them).
    sizes = [
        view._text_lines.cache.size,
        view._PAGINATIONS.size,
        voice._SHARED_PASSAGES.size,
        notice._SHARED_CODES.size,
        voicecode._MADE.size,
    ]
    assert all(0 < size <= 16384 for size in sizes)
    families = cellfit.font_families("ja")
    with caches.enabled(True):
        for number in range(view._text_lines.cache.size + 50):
            view._text_lines(f"テキスト{number}", 50.0, 10.5, families)
        assert len(view._text_lines.cache) == view._text_lines.cache.size


def test_text_lines_are_kept_by_every_input():
    text = "国民健康保険の加入者の資格を確認するための書類です。" * 3
    ja, en = cellfit.font_families("ja"), cellfit.font_families("en")
    inputs = [(text, 60.0, 10.5, ja), (text, 30.0, 10.5, ja), (text, 60.0, 16.0, ja)]
    inputs.append(("Health insurance " * 8, 60.0, 10.5, en))
    fresh = [_fresh(view._text_lines, *args) for args in inputs]
    assert len(set(fresh[:3])) == 3  # width and size each change the count
    with caches.enabled(True):
        assert [view._text_lines(*args) for args in inputs] == fresh
        assert [view._text_lines(*args) for args in inputs] == fresh  # from the cache


def _guide_page(kind="guide", number=3, heading="手続きのご案内", beside=False) -> view.Page:
    section = view.Section(
        "届出が必要なとき（14日以内）",
        (view.Paragraph("転入・転出のときは、届け出てください（土日・祝日を除く）。"),),
    )
    return view.Page(
        kind=kind,
        number=number,
        label=f"{number} / 6",
        heading=heading,
        sections=(section,),
        codes_beside_text=beside,
    )


def _notice_with(page: view.Page, authority_note: str | None = None):
    """Only the fields a guide page's voice text reads."""

    @dataclasses.dataclass
    class Notice:
        pages: tuple
        authority_note: str | None

    return Notice((page,), authority_note)


def test_a_shared_pages_passages_are_kept_by_language_and_content():
    page = _guide_page()
    translators = [i18n.translator("ja"), i18n.translator("en")]
    cases = [
        (_notice_with(page), translators[0]),
        (_notice_with(page), translators[1]),  # the same page read by another voice
        (_notice_with(page, "This notice is also issued in Japanese."), translators[1]),
        (_notice_with(dataclasses.replace(page, heading="別の見出し")), translators[0]),
        (
            _notice_with(dataclasses.replace(page, kind="blank", note="このページは白紙です")),
            translators[0],
        ),
    ]
    fresh = [_fresh(voice.page_passages, *case) for case in cases]
    assert len(set(fresh)) == len(fresh)
    with caches.enabled(True):
        assert [voice.page_passages(*case) for case in cases] == fresh
        assert [voice.page_passages(*case) for case in cases] == fresh


def _long_text(page: int, sentences: int) -> str:
    body = "".join(
        f"{n}つ目の届出は、窓口か郵送で、14日以内にしてください。" for n in range(sentences)
    )
    return f"{page}ページ目。{body}"


def _room_changing_text(encoder, translator) -> str:
    """A guide page's text whose codes differ between a row of five and a row beside text."""
    for sentences in range(20, 200, 4):
        text = _long_text(3, sentences)
        split = [
            _fresh(encoder.split, text, 3, translator, None, room)
            for room in (pagegeometry.PAGE.max_codes, pagegeometry.PAGE.max_codes_beside_text)
        ]
        if split[0] != split[1]:
            return text
    raise AssertionError("no text whose codes depend on the room")


def test_a_shared_pages_codes_are_kept_by_room_language_and_text():
    encoder = voicecode.QrEncoder()
    ja, en = i18n.translator("ja"), i18n.translator("en")
    text = _room_changing_text(encoder, ja)
    page = _guide_page()
    beside = dataclasses.replace(page, codes_beside_text=True)
    cases = [
        (page, text, None, encoder, ja),
        (beside, text, None, encoder, ja),  # the same text in a narrower row
        (page, text, None, encoder, en),  # labelled in another language
        (page, _long_text(3, 2), None, encoder, ja),
        (dataclasses.replace(page, number=4), _long_text(4, 2), None, encoder, ja),
    ]
    fresh = [_fresh(notice._page_codes, *case) for case in cases]
    assert len(set(fresh)) == len(fresh)
    assert len(fresh[0].codes) != len(fresh[1].codes)
    with caches.enabled(True):
        assert [notice._page_codes(*case) for case in cases] == fresh
        assert [notice._page_codes(*case) for case in cases] == fresh
        assert len(notice._SHARED_CODES) == len(cases)


def test_personal_pages_codes_are_not_kept(sample_households, config):
    encoder = voicecode.QrEncoder()
    with caches.enabled(True):
        parts = notice.make_all(sample_households[0], config, encoder)
        kinds = {page.kind for part in parts for page in part.pages}
        assert "personal" in kinds
        shared = sum(
            page.kind not in ("personal", "members", "form")
            for part in parts
            for page in part.pages
        )
        assert 0 < len(notice._SHARED_CODES) <= shared


def test_notices_are_the_same_with_caches_on_and_off(sample_households, config):
    encoder = voicecode.QrEncoder()
    for large_print in (False, True):
        with caches.enabled(False):
            fresh = [notice.make_all(h, config, encoder, large_print) for h in sample_households]
        with caches.enabled(True):
            for _round in range(2):  # filling the caches, then from them
                kept = [notice.make_all(h, config, encoder, large_print) for h in sample_households]
                assert kept == fresh


def test_a_made_codes_pixels_are_those_of_its_png():
    for make in (
        lambda: voicecode.qr_image("1ページ目。音声コードの確認。").data_uri,
        lambda: voicecode.png_data_uri(voicecode.datamatrix_png("000001-1/2")),
    ):
        with caches.enabled(True):  # (emptied on the way in)
            uri = make()
            made = voicecode.made_image(base64.b64decode(uri.partition(",")[2]))
            assert made is not None  # kept: not decoded again
            kept = assembly._plain_png(uri)
        decoded = _fresh(assembly._plain_png, uri)
        assert kept == decoded
        assert kept is not None and kept.bits == 1


class _Store(dict):
    def get(self, name):
        return dict.get(self, name)

    def first(self, prefix):
        return next((data for name, data in self.items() if name.startswith(prefix)), None)

    def put(self, name, data):
        self[name] = data


def test_a_chunks_bytes_are_the_same_with_caches_on_and_off(sample_households, config):
    households = sample_households[:8]
    store = _Store()

    def chunk_sha256() -> str:
        state = batch._WorkerState(config, shapes=variable_print.Renderer(store))
        chunk = batch.Chunk(index=1, first_seq=1, spool=Path(), entries=())
        data, _rows, _laid_out = batch._chunk_output(chunk, households, state)
        return hashlib.sha256(data).hexdigest()

    with caches.enabled(False):
        fresh = chunk_sha256()
    with caches.enabled(True):
        assert [chunk_sha256(), chunk_sha256()] == [fresh, fresh]


def test_a_workers_next_chunk_is_the_same_as_one_read_afresh(
    sample_households, config, monkeypatch
):
    """A worker keeps its renderer, and with it what its shapes' forms were embedded with
    (Shape.embedded_fonts), from one chunk file to the next: a chunk it makes after another is
    byte for byte the one made reading every form's fonts in the chunk file itself."""
    from noticegen.printing import measure

    households = sample_households[:6]
    store = _Store()

    def chunk_sha256(state) -> str:
        chunk = batch.Chunk(index=1, first_seq=1, spool=Path(), entries=())
        data, _rows, _laid_out = batch._chunk_output(chunk, households, state)
        return hashlib.sha256(data).hexdigest()

    worker = batch._WorkerState(config, shapes=variable_print.Renderer(store))
    chunk_sha256(worker)
    shapes = [worker.shapes._shapes.get(key) for key in worker.shapes._shapes]
    assert any(shape._embedded_fonts for shape in shapes)  # read in the first chunk, kept
    kept = chunk_sha256(worker)
    with monkeypatch.context() as patch:
        patch.setattr(measure.Shape, "embedded_fonts", lambda shape: None)
        afresh = chunk_sha256(batch._WorkerState(config, shapes=variable_print.Renderer(store)))
    assert kept == afresh
