"""The preview in a real browser: Debian's Chromium, driven by Playwright.

A clerk's path (search, open a household, switch language and edition, download the PDF) is
walked with JavaScript turned off, since the pages need none. axe-core (the copy that the PyPI
package axe-playwright-python ships) checks every kind of page against WCAG 2.x A and AA.

Only Japanese has a catalog today, so these tests compile a small English one into a temporary
locales folder: enough for the language switch to have somewhere to go, and for the English PDF
to be compared with `noticegen render --lang en`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo

from noticegen import cli, project
from noticegen.preview import create_app, running
from tests.browser_helpers import axe_violations
from tests.conftest import SAMPLE_UTF8

ENGLISH_TITLE = "National Health Insurance: Your Member Information"
TOKEN = "browser-test-token-0123456789"


def english_catalog(folder: Path) -> Path:
    catalog = Catalog(locale="en", fuzzy=False)
    catalog.add("国民健康保険 加入者情報のお知らせ", ENGLISH_TITLE)
    catalog.add(
        "このページは、両面印刷のための白紙です。", "This page is left blank for duplex printing."
    )
    messages = folder / "en" / "LC_MESSAGES"
    messages.mkdir(parents=True)
    with open(messages / "notice.mo", "wb") as stream:
        write_mo(stream, catalog)
    return folder


@pytest.fixture(scope="module")
def locales(tmp_path_factory):
    """The project's locales plus English, for this module's app and `noticegen render`."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(project, "LOCALES", english_catalog(tmp_path_factory.mktemp("locales")))
        yield project.LOCALES


@pytest.fixture(scope="module")
def base_url(locales, config, tmp_path_factory):
    app = create_app(
        SAMPLE_UTF8, config, audit_log_path=tmp_path_factory.mktemp("audit") / "audit.jsonl"
    )
    assert app.locales == ("ja", "en")
    try:
        with running(app) as url:
            yield url
    finally:
        app.close()


@pytest.fixture(scope="module")
def token_url(config, tmp_path_factory):
    app = create_app(
        SAMPLE_UTF8,
        config,
        token=TOKEN,
        audit_log_path=tmp_path_factory.mktemp("audit") / "audit.jsonl",
    )
    try:
        with running(app) as url:
            yield url
    finally:
        app.close()


@pytest.fixture()
def page_without_js(browser):
    context = browser.new_context(java_script_enabled=False, accept_downloads=True)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture()
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    page.console_errors = []
    page.on(
        "console", lambda message: message.type == "error" and page.console_errors.append(message)
    )
    yield page
    context.close()


def cli_pdf(tmp_path, household_id: str, *options: str) -> bytes:
    out = tmp_path / f"{household_id}.pdf"
    status = cli.main(
        ["render", str(SAMPLE_UTF8), "--household", household_id, *options, "-o", str(out)]
    )
    assert status == 0
    return out.read_bytes()


def test_a_clerk_searches_opens_switches_language_and_downloads_the_pdf(
    base_url, page_without_js, tmp_path
):
    page = page_without_js
    images = []
    page.on("response", lambda r: r.url.split("?")[0].endswith(".png") and images.append(r))

    page.goto(base_url + "/")
    page.get_by_label("世帯番号・氏名（漢字またはカナ）・被保険者番号").fill("しさく ゆい")
    page.get_by_role("button", name="検索").click()
    page.get_by_role("link", name="H0007　試作 結衣").click()
    page.wait_for_load_state("load")  # the page images too
    assert page.url == base_url + "/households/H0007"
    assert page.get_by_role("heading", level=1).inner_text() == "世帯 H0007：試作 結衣 様"
    page_count = page.locator("section.page").count()
    assert page_count >= 2
    assert [r.status for r in images] == [200] * page_count  # every page image arrived

    # Its preferred language (English) has a catalog here, so the switch offers it as such.
    language = page.get_by_label("言語")
    assert "この世帯の希望言語" in language.locator("option[value=en]").inner_text()
    language.select_option("en")
    page.get_by_role("button", name="表示を切り替える").click()
    assert page.url == base_url + "/households/H0007?lang=en"
    assert page.get_by_label("言語").input_value() == "en"
    voice = page.locator(".voice p").first
    assert voice.get_attribute("lang") == "en"
    assert ENGLISH_TITLE in voice.inner_text()
    assert page.locator("img").first.get_attribute("src").endswith("?lang=en")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="PDFをダウンロード（英語だけの版）").click()
    download = download_info.value
    assert download.suggested_filename == "H0007-en.pdf"
    assert Path(download.path()).read_bytes() == cli_pdf(tmp_path, "H0007", "--lang", "en")


def test_the_large_print_switch(base_url, page_without_js, tmp_path):
    page = page_without_js
    page.goto(base_url + "/households/H0002")
    standard_pages = page.locator("section.page").count()
    page.get_by_label("言語").select_option("ja")
    page.get_by_label("大きな文字版（本文16ポイント）").check()
    page.get_by_role("button", name="表示を切り替える").click()
    assert page.url == base_url + "/households/H0002?lang=ja&large=1"
    heading = page.get_by_role("heading", level=2, name=re.compile("^お知らせ"))
    assert "大きな文字版" in heading.inner_text()
    assert page.locator("section.page").count() > standard_pages
    with page.expect_download() as download_info:
        page.get_by_role("link", name="PDFをダウンロード（日本語だけの版）").click()
    download = download_info.value
    assert Path(download.path()).read_bytes() == cli_pdf(tmp_path, "H0002", "--large-print")


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/?q=しけん",
        "/?q=H004",
        "/households/H0007",
        "/households/H0007?lang=en&large=1",
        "/households/H0015",
        "/households/H0045",
        "/problems",
        "/households/no-such-household",
    ],
)
def test_axe_finds_no_violations(base_url, page, path):
    page.goto(base_url + path)
    violations = axe_violations(page)
    assert violations == [], json.dumps(violations, ensure_ascii=False, indent=1)
    # The policy forbids scripts and anything not from the app: nothing the page needs is refused.
    expected_404 = path == "/households/no-such-household"
    errors = [m.text for m in page.console_errors if not (expected_404 and "404" in m.text)]
    assert errors == []


def test_sign_in_page_is_accessible_and_signs_in(token_url, page):
    page.goto(token_url + "/households/H0001")
    assert page.url.startswith(token_url + "/login?next=")
    assert axe_violations(page) == []
    page.get_by_label("アクセストークン").fill("not-the-token-at-all")
    page.get_by_role("button", name="ログイン").click()
    assert "アクセストークンが違います" in page.get_by_role("alert").inner_text()
    page.get_by_label("アクセストークン").fill(TOKEN)
    page.get_by_role("button", name="ログイン").click()
    assert page.url == token_url + "/households/H0001"
    assert page.get_by_role("heading", level=1).inner_text() == "世帯 H0001：試験 結衣 様"
    cookie = next(c for c in page.context.cookies() if c["name"] == "noticegen_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    page.get_by_role("button", name="ログアウト").click()
    assert page.url == token_url + "/login"
    page.goto(token_url + "/households/H0001")
    assert page.url.startswith(token_url + "/login")
    # Only the wrong token's answer (401) was an error.
    assert [m.text for m in page.console_errors] == [
        "Failed to load resource: the server responded with a status of 401 (UNAUTHORIZED)"
    ]


def test_focus_is_visible_and_the_first_stop_skips_to_the_content(base_url, page):
    page.goto(base_url + "/?q=H0001")
    page.keyboard.press("Tab")
    focused = page.evaluate(
        """() => {
            const element = document.activeElement, style = getComputedStyle(element);
            const box = element.getBoundingClientRect();
            return {text: element.textContent, outline: style.outlineStyle,
                    width: style.outlineWidth, visible: box.left >= 0 && box.top >= 0};
        }"""
    )
    assert focused == {"text": "本文へ移動", "outline": "solid", "width": "3px", "visible": True}
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"
