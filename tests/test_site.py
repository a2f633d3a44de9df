"""The translated web pages (`noticegen site`), built once and checked in a real browser.

Chromium (Debian's, through Playwright) opens every page of every locale from disk: axe-core
(from the PyPI package axe-playwright-python) checks them against WCAG 2.x A and AA, screenshots
at 375 and 1280 px go to test-artifacts/site/, and no request may leave the site. The Nu HTML
Checker (npm package vnu-jar, installed by scripts/setup.sh into .cache/npm) validates every HTML
file and the stylesheet with the machine's Java.
"""

from __future__ import annotations

import html.parser
import itertools
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from noticegen import cli, i18n, project, records, site
from tests.browser_helpers import axe_violations

VNU_JAR = project.ROOT / ".cache/npm/node_modules/vnu-jar/build/dist/vnu.jar"
SCREENSHOTS = project.ROOT / "test-artifacts" / "site"
LOCALES = site.site_locales()
PAGES = ["index.html", *(f"{locale}/index.html" for locale in LOCALES)]


@pytest.fixture(scope="module")
def site_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("site")
    site.build(folder)
    return folder


class _Page(html.parser.HTMLParser):
    """What the link check needs from a page: its links, ids and language attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.references: list[str] = []
        self.ids: set[str] = set()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if "id" in attributes:
            self.ids.add(attributes["id"])
        for name in ("href", "src"):
            if attributes.get(name):
                self.references.append(attributes[name])


def parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def test_every_locale_has_a_page_a_sample_pdf_and_its_pictures(site_dir):
    assert LOCALES[0] == "ja" and len(LOCALES) == 16
    for locale in LOCALES:
        folder = site_dir / locale
        assert (folder / "index.html").is_file()
        assert (folder / site.SAMPLE_PDF).read_bytes().startswith(b"%PDF-")
        assert (folder / "sample-page-1.png").read_bytes().startswith(b"\x89PNG")
    assert (site_dir / site.STYLESHEET).is_file()


def test_the_chooser_names_each_language_in_its_own_script(site_dir):
    page = parse(site_dir / "index.html")
    links = {
        attributes["href"]: attributes
        for tag, attributes in page.tags
        if tag == "a" and attributes.get("hreflang")
    }
    assert list(links) == [f"{locale}/index.html" for locale in LOCALES]
    text = (site_dir / "index.html").read_text(encoding="utf-8")
    for locale, name in site.LANGUAGE_NAMES.items():
        assert links[f"{locale}/index.html"]["lang"] == locale
        assert f">{name}</a>" in text


@pytest.mark.parametrize("locale", LOCALES)
def test_lang_dir_alternates_and_the_notice_words(site_dir, locale):
    path = site_dir / locale / "index.html"
    page = parse(path)
    root = page.tags[0][1]
    assert (root["lang"], root["dir"]) == (locale, "ltr")
    alternates = [a["hreflang"] for tag, a in page.tags if tag == "link" and a.get("hreflang")]
    assert alternates == ["x-default", *LOCALES]
    text = path.read_text(encoding="utf-8")
    translator = i18n.translator(locale)
    title = translator.gettext("国民健康保険 加入者情報のお知らせ")
    plain_title = re.sub(r"｜([^《]+)《[^》]+》", r"\1", title)
    assert f"<title>{plain_title}</title>" in text
    assert 'href="tel:+81-3-3964-1111"' in text
    assert 'href="sample-notice.pdf"' in text
    # Five parts explained, with as many numbered boxes over the pictures.
    assert text.count('<span class="callout-box"') == 5
    assert len(re.findall(r"<li><span class=\"callout-number\"", text)) == 5
    if locale not in ("ja", "ja-x-easy"):
        # The office's Japanese data inside a translated page is tagged as Japanese.
        assert '<p><span lang="ja">板橋区 健康生きがい部 国保年金課</span></p>' in text


def test_japanese_words_inside_translations_are_tagged_japanese(site_dir):
    english = (site_dir / "en" / "index.html").read_text(encoding="utf-8")
    assert '<span lang="ja">マイナ保険証</span>' in english
    chinese = (site_dir / "zh-Hans" / "index.html").read_text(encoding="utf-8")
    assert '<span lang="ja">マイナ保険証</span>' in chinese  # kana: Japanese, not Chinese
    japanese = (site_dir / "ja" / "index.html").read_text(encoding="utf-8")
    assert '<span lang="ja">' not in japanese.split("<main", 1)[1].split("contact", 1)[0]


def test_easy_japanese_has_real_ruby(site_dir):
    text = (site_dir / "ja-x-easy" / "index.html").read_text(encoding="utf-8")
    assert text.count("<ruby>") > 10
    assert "｜" not in text and "《" not in text
    title = re.search(r"<title>(.*)</title>", text).group(1)
    assert "<" not in title


def test_every_internal_link_and_asset_resolves_and_nothing_is_external(site_dir):
    pages = sorted(site_dir.rglob("*.html"))
    assert len(pages) == 17
    for path in pages:
        page = parse(path)
        for reference in page.references:
            assert not re.match(r"^(https?:)?//", reference), (path, reference)
            if reference.startswith("tel:"):
                continue
            target, _, fragment = reference.partition("#")
            resolved = (path.parent / target).resolve() if target else path
            assert resolved.is_file(), (path, reference)
            assert site_dir.resolve() in resolved.parents, (path, reference)
            if fragment:
                assert fragment in parse(resolved).ids, (path, reference)
    css = (site_dir / site.STYLESHEET).read_text(encoding="utf-8")
    assert "url(" not in css and "@import" not in css


def test_the_build_is_deterministic(site_dir, tmp_path):
    """A second build, in one process instead of two, gives the same bytes."""
    again = tmp_path / "again"
    site.build(again, workers=1)
    files = sorted(p.relative_to(again) for p in again.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(site_dir) for p in site_dir.rglob("*") if p.is_file())
    for relative in files:
        assert (again / relative).read_bytes() == (site_dir / relative).read_bytes(), relative


def test_nothing_personal_the_build_reads_no_member_file(monkeypatch, tmp_path):
    def refuse(*args, **kwargs):
        raise AssertionError("the site must not read a member file")

    for name in ("open_member_file", "read", "read_all"):
        monkeypatch.setattr(records, name, refuse)
    written = site.build(tmp_path / "site", locales=("en",), workers=1)
    assert {p.relative_to(tmp_path / "site").as_posix() for p in written} == {
        "index.html",
        "site.css",
        "en/index.html",
        "en/sample-notice.pdf",
        "en/sample-page-1.png",
        "en/sample-page-2.png",
    }
    # The sample household is fictional: its names are the samples' placeholder ones.
    assert site.sample_household().head_name == "見本 太郎"


def test_cli_site_subcommand(tmp_path, capsys):
    assert cli.main(["site", "-o", str(tmp_path / "out"), "--lang", "ja-x-easy"]) == 0
    assert (tmp_path / "out" / "ja-x-easy" / "index.html").is_file()
    assert cli.main(["site", "-o", str(tmp_path / "bad"), "--lang", "xx"]) == cli.EXIT_USAGE
    assert "no web page for 'xx'" in capsys.readouterr().err
    assert not (tmp_path / "bad").exists()


def test_the_nu_html_checker_finds_no_errors(site_dir):
    files = [str(p) for p in sorted(site_dir.rglob("*.html"))]
    java = shutil.which("java")
    assert java, "Java is needed for the Nu HTML Checker (scripts/setup.sh installs it)"
    for options, targets in (([], files), (["--css"], [str(site_dir / site.STYLESHEET)])):
        result = subprocess.run(
            [
                java,
                "-jar",
                str(VNU_JAR),
                "--errors-only",
                "--exit-zero-always",
                "--format",
                "json",
                *options,
                *targets,
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
        messages = json.loads(result.stderr or result.stdout)["messages"]
        assert messages == [], json.dumps(messages, ensure_ascii=False, indent=1)


@pytest.mark.parametrize("name", PAGES)
def test_in_the_browser(site_dir, browser, name):
    """axe finds nothing; every request stays in the site; no sideways scrolling at 320 px;
    the skip link comes first; headings in order; screenshots at 375 and 1280 px."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    requests: list[str] = []
    failures: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on("requestfailed", lambda request: failures.append(request.url))
    try:
        page.goto((site_dir / name).as_uri(), wait_until="load")
        root = site_dir.resolve().as_uri() + "/"
        assert all(url.startswith(root) for url in requests), requests
        assert failures == []
        assert page.eval_on_selector_all(
            "img", "images => images.every(i => i.complete && i.naturalWidth > 0)"
        )
        violations = axe_violations(page)
        assert violations == [], json.dumps(violations, ensure_ascii=False, indent=1)

        levels = page.eval_on_selector_all(
            "h1, h2, h3, h4, h5, h6", "hs => hs.map(h => Number(h.tagName[1]))"
        )
        assert levels[0] == 1 and levels.count(1) == 1
        assert all(b - a <= 1 for a, b in itertools.pairwise(levels)), levels

        shot = SCREENSHOTS / name.replace("/index.html", "").replace(".html", "")
        shot.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{shot}-1280.png", full_page=True)
        for width in (375, 320):
            page.set_viewport_size({"width": width, "height": 800})
            scroll = page.evaluate("() => document.documentElement.scrollWidth")
            assert scroll <= width, f"{name} scrolls sideways at {width} px ({scroll})"
            if width == 375:
                page.screenshot(path=f"{shot}-375.png", full_page=True)

        page.keyboard.press("Tab")  # the first stop skips to the content
        assert page.evaluate("() => document.activeElement.getAttribute('href')") == "#main"
    finally:
        context.close()


def test_works_without_javascript_and_prints_without_navigation(site_dir, browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto((site_dir / "index.html").as_uri())
        page.get_by_role("link", name="Tiếng Việt").click()
        assert page.url.endswith("/vi/index.html")
        assert page.locator("html").get_attribute("lang") == "vi"
        page.emulate_media(media="print")
        assert not page.locator(".site-footer").is_visible()
        assert page.locator("h1").is_visible()
    finally:
        context.close()


def test_site_refuses_a_folder_of_other_files_and_replaces_its_own(tmp_path):
    from noticegen import outputs

    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "keep.txt").write_text("someone else's", encoding="utf-8")
    with pytest.raises(outputs.OutputError, match="not written by noticegen site"):
        site.build(foreign, locales=("en",), workers=1)
    assert [p.name for p in foreign.iterdir()] == ["keep.txt"]

    own = tmp_path / "own"
    site.build(own, locales=("en",), workers=1)
    (own / "stale.html").write_text("from an older build", encoding="utf-8")
    site.build(own, locales=("en",), workers=1)
    assert not (own / "stale.html").exists()
    assert (own / site.MARKER).is_file() and (own / "en" / "index.html").is_file()
