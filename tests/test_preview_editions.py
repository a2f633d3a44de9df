"""The preview's editions and its render queue: the notice as mailed (byte for byte the batch's
file for the household when the batch runs with --chunk-size 1), the single-language editions, and
the 503 with Retry-After when renders are busy while the pages keep answering."""

from __future__ import annotations

import concurrent.futures
import csv
import dataclasses
import threading
import time
from pathlib import Path

import pypdfium2
import pytest

from noticegen import batch, i18n, notice, settings, voicecode
from noticegen.preview import create_app, renders
from noticegen.preview.renders import Renderer
from tests.conftest import SAMPLE_UTF8

LISTED_LARGE = "H0008"  # a bilingual household listed in [large_print] households here


@pytest.fixture(scope="module")
def listed_config(tmp_path_factory) -> tuple[Path, settings.Settings]:
    folder = tmp_path_factory.mktemp("config")
    path = folder / "config.toml"
    path.write_text(
        f'[large_print]\nhouseholds = ["{LISTED_LARGE}"]\n'
        f'[preview]\naudit_log = "{folder / "audit.jsonl"}"\n',
        encoding="utf-8",
    )
    return path, settings.load(path)


@pytest.fixture(scope="module")
def one_per_file(listed_config, tmp_path_factory) -> dict[str, tuple[dict, bytes]]:
    """The batch, in this process, with --chunk-size 1: each household's row and its own file."""
    outdir = tmp_path_factory.mktemp("batch") / "out"
    status = batch.run(
        batch.Options(input=SAMPLE_UTF8, outdir=outdir, config=listed_config[0], chunk_size=1)
    )
    assert status == 3  # the samples include rejected households
    with open(outdir / "manifest.csv", encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    return {row["household_id"]: (row, (outdir / row["file"]).read_bytes()) for row in rows}


@pytest.fixture(scope="module")
def app(listed_config, tmp_path_factory):
    _path, config = listed_config
    app = create_app(
        SAMPLE_UTF8, config, audit_log_path=tmp_path_factory.mktemp("audit") / "audit.jsonl"
    )
    yield app
    app.close()


@pytest.fixture()
def client(app):
    return app.test_client()


# ---------------------------------------------------------------------------------------------
# The notice as mailed


@pytest.mark.parametrize(
    ("household_id", "language", "large_print"),
    [
        ("H0007", "ja+en", "0"),  # bilingual
        (LISTED_LARGE, "ja+zh-Hans", "1"),  # bilingual, large print by the configuration
        ("H0001", "ja", "0"),  # Japanese only
    ],
)
def test_the_default_pdf_is_the_batch_file_for_the_household(
    app, client, one_per_file, household_id, language, large_print
):
    row, batch_file = one_per_file[household_id]
    assert (row["language"], row["large_print"]) == (language, large_print)
    assert int(row["seq"]) == app.directory.sequence[household_id]
    response = client.get(f"/households/{household_id}/notice.pdf")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="{household_id}-mailed.pdf"'
    )
    assert response.data == batch_file
    assert client.get(f"/households/{household_id}/notice.pdf?lang=mailed").data == batch_file
    if household_id == LISTED_LARGE:  # large print asked for: the same, as the batch lists it
        asked = client.get(f"/households/{household_id}/notice.pdf?lang=mailed&large=1")
        assert asked.data == batch_file


def test_mailed_page_images_are_the_batch_files_pages(client, one_per_file):
    _row, batch_file = one_per_file["H0007"]
    expected = renders.page_images(batch_file)
    assert len(expected) == len(pypdfium2.PdfDocument(batch_file)) > 4
    for number, image in enumerate(expected, start=1):
        response = client.get(f"/households/H0007/pages/{number}.png")
        assert response.status_code == 200 and response.mimetype == "image/png"
        assert response.data == image
    assert client.get(f"/households/H0007/pages/{len(expected) + 1}.png").status_code == 404


def test_the_default_page_shows_the_notice_as_mailed(app, client, listed_config):
    config = listed_config[1]
    household = app.directory.household("H0007")
    parts = notice.make_all(household, config, voicecode.QrEncoder())
    assert [part.lang for part in parts] == ["ja", "en"]
    text = client.get("/households/H0007").get_data(as_text=True)
    page_count = sum(part.page_count for part in parts)
    assert f"お知らせ（郵送と同じもの：日本語＋英語・標準版・全{page_count}ページ）" in text
    assert f"通し番号 No. {app.directory.sequence['H0007']:06d}" in text
    assert '<option value="mailed" selected>郵送と同じもの（日本語＋英語）</option>' in text
    assert "PDFをダウンロード（印刷と同じもの）" in text
    assert text.count("/households/H0007/pages/") == page_count
    assert f"/households/H0007/pages/{page_count}.png?lang=mailed" in text
    # Each page's voice text in its part's language.
    assert text.count('<p lang="ja">') == parts[0].page_count
    assert text.count('<p lang="en">') == parts[1].page_count


def test_each_language_alone_is_a_choice(app, client, listed_config):
    config = listed_config[1]
    household = app.directory.household("H0007")
    for locale in ("ja", "en"):
        view = notice.make(household, config, i18n.translator(locale), voicecode.QrEncoder())
        text = client.get(f"/households/H0007?lang={locale}").get_data(as_text=True)
        name = {"ja": "日本語", "en": "英語"}[locale]
        assert f"お知らせ（{name}だけの版・標準版・全{view.page_count}ページ）" in text
        assert f'<option value="{locale}" selected>' in text
        assert '<option value="mailed">' in text
        assert f"PDFをダウンロード（{name}だけの版）" in text
        assert text.count(f'<p lang="{view.lang}">') == view.page_count
        assert "通し番号" not in text
    large = client.get("/households/H0007?lang=en&large=1").get_data(as_text=True)
    assert "英語だけの版・大きな文字版" in large
    assert client.get("/households/H0007?lang=mailed&large=2").status_code == 400


# ---------------------------------------------------------------------------------------------
# The render queue


@pytest.fixture()
def held_renders(config, tmp_path, monkeypatch):
    """An app whose renders run in threads and wait for `release`: renders stay queued."""
    release = threading.Event()
    started = []

    def held_job(job):
        started.append(job)
        release.wait(60)
        return b"%PDF-1.7 held", tuple(b"page %d" % n for n in range(1, 20)), 0.5

    monkeypatch.setattr(renders, "render_job", held_job)
    app = create_app(SAMPLE_UTF8, config, audit_log_path=tmp_path / "audit.jsonl")
    app.renderer.close()
    threads = concurrent.futures.ThreadPoolExecutor(1)
    app.renderer = Renderer(
        1, 16 << 20, config, queue_per_process=2, wait_s=30, max_waiting=3, executor=threads
    )
    try:
        yield app, release, started
    finally:
        release.set()
        app.close()
        threads.shutdown(wait=True)


def _get_in_thread(app, url: str) -> tuple[threading.Thread, list]:
    answers: list = []
    thread = threading.Thread(target=lambda: answers.append(app.test_client().get(url)))
    thread.start()
    return thread, answers


def _wait_for(condition, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_a_full_queue_answers_503_with_retry_after_and_pages_still_answer(held_renders):
    app, release, started = held_renders
    client = app.test_client()
    first = _get_in_thread(app, "/households/H0001/pages/1.png?lang=ja")
    second = _get_in_thread(app, "/households/H0002/pages/1.png?lang=ja")
    _wait_for(lambda: app.renderer.queued == 2)
    # The same notice again: it waits for the render already queued, no second render.
    same = _get_in_thread(app, "/households/H0001/notice.pdf?lang=ja")
    _wait_for(lambda: app.renderer.waiting == 3)
    assert app.renderer.renders == 2

    # A third notice: the queue is full.
    refused = client.get("/households/H0003/pages/1.png?lang=ja")
    assert refused.status_code == 503
    assert int(refused.headers["Retry-After"]) >= 1
    assert "混み合っています" in refused.get_data(as_text=True)
    assert client.get("/households/H0003/notice.pdf").status_code == 503
    # Three requests wait already: a fourth for a queued notice is not kept waiting either.
    assert client.get("/households/H0002/pages/2.png?lang=ja").status_code == 503

    # Meanwhile (the renders are held) every page that needs no render answers.
    for url in ("/households/H0003", "/households/H0007", "/?q=H0001", "/problems"):
        assert client.get(url).status_code == 200, url
    assert all(thread.is_alive() for thread, _ in (first, second, same))

    release.set()
    for thread, answers in (first, second, same):
        thread.join(timeout=30)
        assert [answer.status_code for answer in answers] == [200]
    assert first[1][0].data == b"page 1"
    assert same[1][0].data == b"%PDF-1.7 held"
    assert len(started) == 2
    # Rendered now, and kept: answered from the cache, with the queue empty.
    assert client.get("/households/H0002/pages/2.png?lang=ja").data == b"page 2"
    assert app.renderer.queued == 0


def test_a_render_longer_than_a_request_may_wait_is_a_503(held_renders):
    app, release, _started = held_renders
    app.renderer.wait_s = 0.2
    response = app.test_client().get("/households/H0004/pages/1.png?lang=ja")
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) >= 1
    release.set()
    _wait_for(lambda: app.renderer.queued == 0)
    assert app.test_client().get("/households/H0004/pages/1.png?lang=ja").status_code == 200


def test_the_render_queue_and_wait_are_configured_under_preview(config, tmp_path):
    tuned = dataclasses.replace(
        config, preview=dataclasses.replace(config.preview, render_queue=3, render_wait_s=5.0)
    )
    app = create_app(
        SAMPLE_UTF8, tuned, audit_log_path=tmp_path / "audit.jsonl", render_processes=2
    )
    try:
        assert app.renderer.queue_limit == 6 and app.renderer.wait_s == 5.0
    finally:
        app.close()
    for key, value in (("render_queue", 0), ("render_queue", 2.5), ("render_wait_s", 0.0)):
        bad = dataclasses.replace(
            config, preview=dataclasses.replace(config.preview, **{key: value})
        )
        with pytest.raises(settings.ConfigError, match=f"preview.{key}"):
            create_app(SAMPLE_UTF8, bad, audit_log_path=tmp_path / "audit.jsonl")


def test_fewer_requests_wait_for_renders_than_the_server_has_threads():
    from noticegen.preview import server

    assert renders.MAX_WAITING <= server.SERVER_THREADS // 2


def test_a_worker_keeps_a_bounded_number_of_shapes():
    store = renders._ShapeMemory(limit=3)
    for number in range(5):
        store.put(f"shape{number}-fonts", b"x")
    assert store.get("shape0-fonts") is None and store.get("shape4-fonts") == b"x"
    assert store.first("shape3-") == b"x" and len(store._shapes) == 3
    assert store.handed_out == 7  # five given, two taken


class _AtOnce(concurrent.futures.Executor):
    """Runs each job as it is submitted: the future is done before its callback is added."""

    def submit(self, fn, /, *args, **kwargs):
        future: concurrent.futures.Future = concurrent.futures.Future()
        future.set_result(fn(*args, **kwargs))
        return future


def test_a_render_done_at_once_does_not_deadlock(app, monkeypatch):
    monkeypatch.setattr(renders, "render_job", lambda job: (b"%PDF", (b"png",), 0.1))
    renderer = Renderer(1, 1 << 20, executor=_AtOnce())
    prepared = app.notices.prepared(app.directory.household("H0002"), renders.Edition("ja"))
    answers = []
    thread = threading.Thread(target=lambda: answers.append(renderer.rendered(prepared)))
    thread.start()
    thread.join(timeout=10)
    assert answers and answers[0].pdf == b"%PDF"
    assert renderer.queued == 0 and renderer.cache.get(prepared.content_hash) is not None


def test_a_render_that_would_end_after_the_wait_is_not_queued(held_renders):
    app, release, _started = held_renders
    assert app.renderer.queue_limit == 2 and app.renderer.wait_s == 30
    app.renderer.seconds_per_render = 20.0  # two renders of 20 s: the second would end at 40 s
    first = _get_in_thread(app, "/households/H0001/pages/1.png?lang=ja")
    _wait_for(lambda: app.renderer.queued == 1)
    refused = app.test_client().get("/households/H0002/pages/1.png?lang=ja")
    assert refused.status_code == 503
    assert int(refused.headers["Retry-After"]) == 40  # both renders, on one process
    assert app.renderer.renders == 1
    release.set()
    first[0].join(timeout=30)
    assert [answer.status_code for answer in first[1]] == [200]


def test_mailed_large_print_is_what_the_batch_mails_once_the_household_is_listed(
    config, one_per_file, tmp_path
):
    """With the shipped configuration (no household listed), large print as mailed for H0008 is
    the batch's file for H0008 when the configuration lists it."""
    assert LISTED_LARGE not in config.large_print.households
    app = create_app(SAMPLE_UTF8, config, audit_log_path=tmp_path / "audit.jsonl")
    try:
        client = app.test_client()
        listed = client.get(f"/households/{LISTED_LARGE}/notice.pdf?lang=mailed&large=1")
        assert listed.status_code == 200
        assert listed.data == one_per_file[LISTED_LARGE][1]
        standard = client.get(f"/households/{LISTED_LARGE}/notice.pdf")
        assert standard.status_code == 200 and standard.data != listed.data
    finally:
        app.close()


def test_a_worker_renews_its_shape_renderer_once_it_may_hold_more_than_the_bound():
    from noticegen.printing import variable_print

    store = renders._ShapeMemory(limit=2)
    worker = renders._Worker(None, None, store, variable_print.Renderer(store))  # type: ignore[arg-type]
    first = worker.fresh_shapes()
    store.put("a-f", b"x")
    store.put("b-f", b"x")
    assert worker.fresh_shapes() is first  # two handed out: within the bound
    store.get("a-f")
    renewed = worker.fresh_shapes()
    assert renewed is not first and store.handed_out == 0
    assert worker.fresh_shapes() is renewed
