"""The staff preview's pages, through the app (Flask's test client): search, a household's notice
and its rejections, page images and the PDF, the audit log, and the app's defences.

The browser, the sign-in and the load are tested in test_preview_browser, test_preview_security
and test_preview_load.
"""

from __future__ import annotations

import builtins
import dataclasses
import hashlib
import html.parser
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from PIL import Image

from noticegen import cli, i18n, notice, project, voicecode
from noticegen.preview import create_app
from noticegen.preview.directory import Directory, fold
from noticegen.preview.renders import RenderCache, Rendered
from noticegen.preview.security import CONTENT_SECURITY_POLICY
from noticegen.printing import render
from tests.conftest import SAMPLE_UTF8


@pytest.fixture(scope="module")
def audit_path(tmp_path_factory):
    return tmp_path_factory.mktemp("audit") / "audit.jsonl"


@pytest.fixture(scope="module")
def app(config, audit_path):
    app = create_app(SAMPLE_UTF8, config, audit_log_path=audit_path)
    yield app
    app.close()


@pytest.fixture()
def client(app):
    return app.test_client()


def audit_entries(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


class Outline(html.parser.HTMLParser):
    """Headings, images, form controls with their labels, and the html element's lang."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[int] = []
        self.images: list[dict] = []
        self.controls: list[dict] = []
        self.label_for: set[str] = set()
        self.lang = None
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.tags.append(tag)
        if tag == "html":
            self.lang = attributes.get("lang")
        elif tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self.headings.append(int(tag[1]))
        elif tag == "img":
            self.images.append(attributes)
        elif tag in ("input", "select", "textarea") and attributes.get("type") != "hidden":
            self.controls.append(attributes)
        elif tag == "label" and "for" in attributes:
            self.label_for.add(attributes["for"])


def outline(response) -> Outline:
    parser = Outline()
    parser.feed(response.get_data(as_text=True))
    return parser


def assert_accessible_structure(response) -> Outline:
    page = outline(response)
    assert page.lang == "ja"
    assert page.headings and page.headings[0] == 1 and page.headings.count(1) == 1
    for before, after in zip(page.headings, page.headings[1:], strict=False):
        assert after <= before + 1, f"heading level jumps from h{before} to h{after}"
    for control in page.controls:
        assert control.get("id") in page.label_for, f"no label for {control}"
    for image in page.images:
        assert image.get("alt"), f"an image without alt text: {image}"
    assert "script" not in page.tags
    return page


# ---------------------------------------------------------------------------------------------
# Search


@pytest.mark.parametrize(
    ("query", "expected_first"),
    [
        ("H0001", "H0001"),
        ("h0001", "H0001"),
        ("Ｈ０００１", "H0001"),
        ("試験 結衣", "H0001"),
        ("試験結衣", "H0001"),
        ("シケン ユイ", "H0001"),
        ("しけん　ゆい", "H0001"),
        ("ｼｹﾝ ﾕｲ", "H0001"),
        ("1222207", "H0001"),
        ("１２２２２０７", "H0001"),
        ("板1222207", "H0001"),  # 記号 and 番号 together (the household's, shared by its members)
        ("試験 美咲", "H0001"),
    ],
)
def test_search_finds_by_id_name_kana_or_insured_number(app, query, expected_first):
    result = app.directory.search(query)
    assert result.found, query
    assert result.found[0].household_id == expected_first


def test_search_page_lists_matches_with_a_link_to_each(client):
    response = client.get("/", query_string={"q": "しけん ゆい"})
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert 'href="/households/H0001"' in text
    assert "試験 結衣" in text
    assert_accessible_structure(response)


def test_an_exact_id_comes_first(sample_households):
    first, second = sample_households[0], sample_households[1]
    # The first household's head is named after the second household's id.
    named = dataclasses.replace(first, head_name=f"SAMPLE {second.household_id}")
    directory = Directory([named, second], [])
    found = [f.household_id for f in directory.search(second.household_id).found]
    assert found == [second.household_id, first.household_id]


def test_search_shows_rejections_with_their_reasons(client, sample_outcomes):
    rejection = next(r for r in sample_outcomes[1] if r.household_id == "H0045")
    response = client.get("/", query_string={"q": "H0045"})
    text = response.get_data(as_text=True)
    assert "受付不可" in text
    assert "BAD_MYNUMBER" in text
    problem = rejection.problems[0]
    assert problem.message_ja in text
    assert problem.message_en in text


def test_search_shows_warnings(client):
    text = client.get("/", query_string={"q": "H0012"}).get_data(as_text=True)
    assert "UNKNOWN_LANGUAGE" in text
    assert "注意あり" in text


def test_search_results_are_capped_and_say_so(app, client):
    result = app.directory.search("H", limit=5)
    assert len(result.found) == 5 and result.more
    full = app.directory.search("H")
    assert len(full.found) == 50 and full.more
    assert "ほかにも該当があります" in client.get("/?q=H").get_data(as_text=True)


def test_an_empty_query_lists_no_one(app, client):
    assert app.directory.search("  　").found == ()
    text = client.get("/?q=").get_data(as_text=True)
    assert "検索結果" not in text and "/households/H0001" not in text


def test_fold_makes_forms_alike():
    assert fold("しけん　ゆい") == fold("ｼｹﾝ ﾕｲ") == fold("シケンユイ") == "シケンユイ"
    assert fold("Ｈ０００１") == "h0001"


def test_problems_page_lists_every_rejection_and_the_file_warnings(client, sample_outcomes):
    response = client.get("/problems")
    text = response.get_data(as_text=True)
    for rejection in sample_outcomes[1]:
        if rejection.household_id:
            assert f'href="/households/{rejection.household_id}"' in text
        for problem in rejection.problems:
            assert problem.code in text
    assert "UNKNOWN_COLUMN" in text
    assert_accessible_structure(response)


# ---------------------------------------------------------------------------------------------
# A household's page


def test_household_page_shows_every_page_with_alt_text_and_its_voice_text(client, config):
    response = client.get("/households/H0001")
    assert response.status_code == 200
    page = assert_accessible_structure(response)
    household = client.application.directory.household("H0001")
    view = notice.make(household, config, i18n.translator(), voicecode.QrEncoder())
    assert len(page.images) == view.page_count > 1
    for number, image in enumerate(page.images, start=1):
        assert image["alt"] == f"{number}ページ目の画像（音声読み上げ用テキストは下にあります）"
        # The default edition is the notice as mailed (Japanese only, for this household).
        assert image["src"] == f"/households/H0001/pages/{number}.png?lang=mailed"
    text = response.get_data(as_text=True)
    for voice_text in view.voice_texts:
        assert html_escape(voice_text) in text
    assert 'href="/households/H0001/notice.pdf?lang=mailed"' in text
    assert "試験 結衣" in text


def html_escape(text: str) -> str:
    import markupsafe

    return str(markupsafe.escape(text))


def test_language_switch_lists_the_available_locales(client):
    text = client.get("/households/H0001").get_data(as_text=True)
    options = [code for code in i18n.available_locales()]
    for code in options:
        assert f'<option value="{code}"' in text
    assert '<option value="mailed" selected>郵送と同じもの（日本語）</option>' in text
    assert text.count("<option ") == len(options) + 1


def test_the_preferred_language_is_marked_or_said_to_have_no_catalog(client, sample_households):
    available = i18n.available_locales()
    preferring = [h for h in sample_households if h.language]
    assert preferring
    for household in preferring:
        text = client.get(f"/households/{household.household_id}").get_data(as_text=True)
        if household.language in available:
            assert f'<option value="{household.language}">' in text
            assert "：この世帯の希望言語</option>" in text
            assert "この言語の翻訳はまだありません" not in text
        else:
            assert "この言語の翻訳はまだありません" in text
            assert f'<option value="{household.language}"' not in text


def test_large_print_switch_gives_the_large_print_edition(client, config):
    standard = outline(client.get("/households/H0003"))
    large = client.get("/households/H0003", query_string={"large": "1"})
    assert "大きな文字版・全" in large.get_data(as_text=True)
    household = client.application.directory.household("H0003")
    view = notice.make(household, config, i18n.translator(), voicecode.QrEncoder(), True)
    assert len(outline(large).images) == view.page_count > len(standard.images)
    assert 'name="large" value="1" checked' in large.get_data(as_text=True)


@pytest.mark.parametrize(
    "query",
    [
        {"lang": "xx"},
        {"lang": "../../../../etc/passwd"},
        {"lang": "ja/../../"},
        {"large": "yes"},
        {"large": "2"},
    ],
)
def test_an_unknown_language_or_edition_is_a_bad_request(client, query):
    response = client.get("/households/H0001", query_string=query)
    assert response.status_code == 400
    assert "passwd" not in response.get_data(as_text=True)


def test_rejected_household_page_gives_the_reasons_and_no_notice(client):
    response = client.get("/households/H0045")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "受け付けられませんでした" in text and "BAD_MYNUMBER" in text
    assert "notice.pdf" not in text and "<img" not in text
    assert_accessible_structure(response)
    assert client.get("/households/H0045/notice.pdf").status_code == 404
    assert client.get("/households/H0045/pages/1.png").status_code == 404


def test_unknown_household_is_404(client):
    assert client.get("/households/H9999").status_code == 404
    assert client.get("/households/H9999/notice.pdf").status_code == 404


# ---------------------------------------------------------------------------------------------
# Page images and the PDF


def test_page_images_are_150_dpi_pngs_one_per_pdf_page(client):
    import pypdfium2

    pdf = client.get("/households/H0002/notice.pdf").data
    page_count = len(pypdfium2.PdfDocument(pdf))
    for number in range(1, page_count + 1):
        response = client.get(f"/households/H0002/pages/{number}.png")
        assert response.status_code == 200
        assert response.mimetype == "image/png"
        image = Image.open(io.BytesIO(response.data))
        assert image.format == "PNG"
        assert round(image.info["dpi"][0]) == render.PNG_DPI
        assert abs(image.width - 210 / 25.4 * render.PNG_DPI) <= 2  # A4 at 150 dpi
        assert abs(image.height - 297 / 25.4 * render.PNG_DPI) <= 2
    assert client.get(f"/households/H0002/pages/{page_count + 1}.png").status_code == 404
    assert client.get("/households/H0002/pages/0.png").status_code == 404


@pytest.mark.parametrize(
    ("household_id", "extra_args", "query"),
    [
        ("H0001", [], {"lang": "ja"}),
        ("H0003", ["--large-print"], {"lang": "ja", "large": "1"}),
    ],
)
def test_pdf_download_is_byte_identical_to_noticegen_render(
    client, tmp_path, household_id, extra_args, query
):
    out = tmp_path / "cli.pdf"
    status = cli.main(
        ["render", str(SAMPLE_UTF8), "--household", household_id, *extra_args, "-o", str(out)]
    )
    assert status == 0
    response = client.get(f"/households/{household_id}/notice.pdf", query_string=query)
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    suffix = "-large" if "large" in query else ""
    assert (
        response.headers["Content-Disposition"]
        == f'attachment; filename="{household_id}-ja{suffix}.pdf"'
    )
    assert response.data == out.read_bytes()


def test_renders_are_cached_by_the_notices_content_hash(app, client, config):
    household = app.directory.household("H0004")
    view = notice.make(household, config, i18n.translator(), voicecode.QrEncoder())
    content_hash = hashlib.sha256(render.html(view).encode()).hexdigest()
    before = app.renderer.renders
    first = client.get("/households/H0004/pages/1.png?lang=ja").data
    second = client.get("/households/H0004/pages/2.png?lang=ja").data
    pdf = client.get("/households/H0004/notice.pdf?lang=ja").data
    assert app.renderer.renders == before + 1
    cached = app.renderer.cache.get(content_hash)
    assert cached is not None
    assert cached.pages[0] == first and cached.pages[1] == second and cached.pdf == pdf


def test_render_cache_keeps_within_its_bytes_least_recently_used_out():
    cache = RenderCache(max_bytes=3000)
    for name in "abc":
        cache.put(Rendered(name, b"x" * 500, (b"y" * 500,)))
    assert len(cache) == 3 and cache.bytes == 3000
    cache.get("a")  # now the most recently used
    cache.put(Rendered("d", b"x" * 500, (b"y" * 500,)))
    assert cache.get("b") is None
    assert cache.get("a") is not None and cache.get("d") is not None
    assert cache.bytes <= 3000
    cache.put(Rendered("huge", b"x" * 4000, ()))
    assert cache.get("huge") is None and len(cache) == 3


def test_the_app_answers_while_a_notice_renders(config, tmp_path):
    """The render runs in another process: pages keep coming while a (cold) render is under way."""
    app = create_app(SAMPLE_UTF8, config, audit_log_path=tmp_path / "audit.jsonl")
    try:
        client = app.test_client()
        done = threading.Event()
        statuses = []

        def download():
            statuses.append(client.get("/households/H0003/notice.pdf?large=1").status_code)
            done.set()

        thread = threading.Thread(target=download)
        thread.start()
        answered_during_render = 0
        # No time limit here (the machine is shared): pages that waited for the render could not
        # answer five times before it ends.
        while not done.is_set():
            response = client.get("/households/H0002")
            assert response.status_code == 200
            if not done.is_set():
                answered_during_render += 1
            time.sleep(0.02)
        thread.join()
        assert statuses == [200]
        assert answered_during_render >= 5
    finally:
        app.close()


def test_the_input_file_is_read_once_at_start(config, tmp_path, monkeypatch):
    from noticegen import records

    copy = tmp_path / "members.csv"
    shutil.copy(SAMPLE_UTF8, copy)
    opened = []
    real_open = records.open_member_file
    monkeypatch.setattr(
        records, "open_member_file", lambda *a, **k: opened.append(a) or real_open(*a, **k)
    )
    app = create_app(copy, config, audit_log_path=tmp_path / "audit.jsonl")
    try:
        copy.unlink()
        client = app.test_client()
        assert client.get("/?q=H0001").status_code == 200
        assert client.get("/households/H0001").status_code == 200
        assert len(opened) == 1
    finally:
        app.close()


# ---------------------------------------------------------------------------------------------
# Safety


def test_security_headers_on_every_response(client):
    for url in [
        "/",
        "/?q=H0001",
        "/households/H0001",
        "/households/H0045",
        "/problems",
        "/households/H0001/pages/1.png",
        "/households/H0001/notice.pdf",
        "/households/nothing",
        "/preview.css",
    ]:
        response = client.get(url)
        headers = response.headers
        assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY, url
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert "script-src" not in headers["Content-Security-Policy"]  # default-src 'none'
        assert headers["X-Content-Type-Options"] == "nosniff", url
        assert headers["X-Frame-Options"] == "DENY", url
        assert headers["Referrer-Policy"] == "same-origin", url
        if url != "/preview.css":
            assert "no-store" in headers["Cache-Control"], url


def test_stylesheet_is_the_file_in_templates_preview(client):
    response = client.get("/preview.css")
    assert response.mimetype == "text/css"
    assert response.data == (project.TEMPLATES / "preview" / "preview.css").read_bytes()


@pytest.mark.parametrize("method", ["post", "put", "delete", "patch"])
@pytest.mark.parametrize("url", ["/", "/households/H0001", "/households/H0001/notice.pdf"])
def test_reads_are_get_only(client, method, url):
    assert getattr(client, method)(url).status_code == 405


def test_without_a_token_there_is_no_sign_in(client):
    assert client.get("/login").status_code == 404


TRAVERSALS = [
    "/households/../../../etc/passwd",
    "/households/..%2F..%2F..%2Fetc%2Fpasswd",
    "/households/%2e%2e%2f%2e%2e%2fpyproject.toml",
    "/households/H0001/pages/..%2F..%2Fpyproject.toml",
    "/households/H0001/pages/%2e%2e.png",
    "/households/..%2Fpyproject.toml/notice.pdf",
    "/preview.css/../../pyproject.toml",
    "/preview.css%2F..%2F..%2Fpyproject.toml",
    "/static/../pyproject.toml",
    "/templates/preview/base.html.j2",
    "/..%2F..%2Fetc%2Fpasswd",
    "/households/H0001?lang=..%2F..%2F..%2Fetc%2Fpasswd",
    "/households/H0001/notice.pdf?lang=../../../../etc/passwd",
    "/households/H0001/pages/1.png?lang=/etc/passwd",
]


def test_path_traversal_reads_no_file(client, monkeypatch):
    opened = []
    real_open, real_io_open, real_os_open = builtins.open, io.open, os.open

    def spy(real):
        def opener(file, *args, **kwargs):
            opened.append(str(file))
            return real(file, *args, **kwargs)

        return opener

    monkeypatch.setattr(builtins, "open", spy(real_open))
    monkeypatch.setattr(io, "open", spy(real_io_open))
    monkeypatch.setattr(os, "open", spy(real_os_open))
    for url in TRAVERSALS:
        response = client.get(url)
        assert response.status_code in (400, 404), url
        body = response.get_data(as_text=True)
        assert "root:" not in body and "[project]" not in body and "{%" not in body, url
    monkeypatch.undo()
    suspicious = [
        path for path in opened if "passwd" in path or "pyproject" in path or ".." in path
    ]
    assert suspicious == []


def test_a_script_bearing_name_is_shown_as_text(client):
    for response in (
        client.get("/households/H0015"),
        client.get("/", query_string={"q": "SAMPLE"}),
        client.get("/", query_string={"q": '<script>alert("x")</script>'}),
    ):
        text = response.get_data(as_text=True)
        assert "<b>" not in text and "<script" not in text
        assert "alert(" not in text or "&lt;script&gt;alert(" in text
    text = client.get("/households/H0015").get_data(as_text=True)
    assert "SAMPLE &lt;b&gt;&amp;&#34;JOHN&#34;" in text


def test_the_audit_log_records_each_view_with_the_id_only(app, client, audit_path, sample_outcomes):
    client.get("/", query_string={"q": "試験 結衣"})
    client.get("/households/H0001")
    client.get("/households/H0045")
    client.get("/households/H0001/notice.pdf")
    entries = audit_entries(audit_path)
    for entry in entries:
        assert {"time", "client", "household_id", "action"} <= set(entry)
        assert entry["client"] == "127.0.0.1"
    actions = [(e["action"], e["household_id"]) for e in entries]
    assert ("view", "H0001") in actions
    assert ("view", "H0045") in actions
    assert ("download_pdf", "H0001") in actions
    searches = [e for e in entries if e["action"] == "search"]
    assert searches and all(set(e) >= {"results"} for e in searches)
    # Nothing personal: no name, kana, address, postal code or insured number of anyone.
    text = audit_path.read_text(encoding="utf-8")
    for household in sample_outcomes[0]:
        personal = [household.head_name, household.address, household.postal_code]
        for member in household.members:
            personal += [member.name, member.kana or "", member.insured_number]
        for value in personal:
            if value:
                assert value not in text
    assert "試験" not in text
    assert os.stat(audit_path).st_mode & 0o777 == 0o600


def children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stream:
                    fields = stream.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry))
    return found


def test_render_workers_end_when_the_app_is_killed(tmp_path):
    """A preview killed outright (SIGKILL, out of memory) leaves no render process behind."""
    config = tmp_path / "config.toml"
    config.write_text(f'[preview]\naudit_log = "{tmp_path / "audit.jsonl"}"\n')
    code = (
        "import logging, sys; from noticegen.preview import serve; "
        "logging.basicConfig(level=logging.INFO); "
        f"sys.exit(serve({str(SAMPLE_UTF8)!r}, '127.0.0.1', 0, {str(config)!r}))"
    )
    environment = {**os.environ, "PYTHONPATH": str(project.ROOT)}
    environment.pop("NOTICEGEN_PREVIEW_TOKEN", None)
    process = subprocess.Popen(
        [sys.executable, "-c", code], stderr=subprocess.PIPE, text=True, env=environment
    )
    try:
        assert re.search("listening on", process.stderr.readline())
        deadline = time.monotonic() + 20
        workers: list[int] = []
        while not workers and time.monotonic() < deadline:
            workers = [
                pid
                for pid in children(process.pid)
                if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()
            ]
            time.sleep(0.1)
        assert workers, "the preview started no render worker"
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
        deadline = time.monotonic() + 10
        while any(os.path.exists(f"/proc/{pid}") for pid in workers):
            assert time.monotonic() < deadline, "a render worker outlived its app"
            time.sleep(0.2)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stderr.close()
