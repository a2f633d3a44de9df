"""The translated web pages (`noticegen site`), built once and checked in a real browser.

Chromium (Debian's, through Playwright) opens every page of every locale from disk: axe-core
(from the PyPI package axe-playwright-python) checks them against WCAG 2.x A and AA, screenshots
at 375 and 1280 px go to test-artifacts/site/, and no request may leave the site. The Nu HTML
Checker (npm package vnu-jar, installed by scripts/setup.sh into .cache/npm) validates every HTML
file and the stylesheet with the machine's Java.
"""

from __future__ import annotations

import html
import html.parser
import itertools
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from noticegen import cli, i18n, notice, project, records, settings, site, voicecode
from noticegen import locales as registry
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
    for locale in LOCALES:
        assert links[f"{locale}/index.html"]["lang"] == locale
        name = registry.get(locale).native_name
        assert f'<span class="language-name">{name}</span>' in text


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
    # Five parts explained; each numbered box over the pictures of the Japanese pages (and of
    # the translated ones, which have them again) has its explanation.
    assert len(re.findall(r"<li><span class=\"callout-number\"", text)) == 5
    numbers = re.findall(r'class="callout-badge" data-number="(\d)"', text)
    assert set(numbers) == {"1", "2", "3", "4", "5"}
    assert len(numbers) == (5 if locale == "ja" else 10)
    assert text.count('<rect class="callout-box"') == len(numbers)
    if locale != "ja":
        # Each part also named as the Japanese pages print it, for finding it there.
        assert '<span lang="ja">（登録されている加入者情報）</span>' in text
    if locale not in ("ja", "ja-x-easy"):
        # The office in the reader's language, its Japanese name beside it tagged as Japanese.
        section = settings.load().in_language("sender.section", locale)
        assert re.search(
            f'<p>[^<]*{re.escape(section)} / <span lang="ja">板橋区 健康生きがい部 国保年金課</span></p>',
            text,
        )


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
    names = {p.relative_to(tmp_path / "site").as_posix() for p in written}
    pictures = {name for name in names if re.fullmatch(r"en/sample-page-\d+\.png", name)}
    assert names - pictures == {"index.html", "site.css", "en/index.html", "en/sample-notice.pdf"}
    assert "en/sample-page-1.png" in pictures and len(pictures) >= 2
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


def _pdf_texts(path: Path) -> list[str]:
    import pypdfium2

    document = pypdfium2.PdfDocument(path)
    try:
        return [document[index].get_textpage().get_text_range() for index in range(len(document))]
    finally:
        document.close()


@pytest.mark.parametrize("locale", ["en", "ja-x-easy", "th"])
def test_the_pictures_are_the_mailed_bilingual_notice(site_dir, locale):
    """The sample and its pictures are the notice a household preferring the language receives:
    the Japanese pages, then the same in its language, numbered through both."""
    config = settings.load()
    japanese, translated = notice.make_all(
        site.sample_household(locale), config, voicecode.encoder_for(config.voice_code)
    )
    texts = _pdf_texts(site_dir / locale / site.SAMPLE_PDF)
    assert len(texts) == japanese.page_count + translated.page_count
    assert "国民健康保険加入者情報のお知らせ" in re.sub(r"\s", "", texts[0])
    first_translated = japanese.page_count
    # The title as print shows it (やさしい日本語's readings in brackets after the word).
    printed = i18n.RUBY.sub(r"\1（\2）", i18n.translator(locale).gettext(site.TITLE))
    title = re.sub(r"\s", "", printed)
    assert title in re.sub(r"\s", "", texts[first_translated]), texts[first_translated][:300]
    page = (site_dir / locale / "index.html").read_text(encoding="utf-8")
    shown = [int(n) for n in re.findall(r'<img src="sample-page-(\d+)\.png"', page)]
    # Pictures of both parts: page 1 as mailed (Japanese), and the translated part's own.
    assert shown[0] == 1 and any(n > first_translated for n in shown), shown


def test_one_title_per_language(site_dir):
    """The chooser lists each language with the title of its page, which is that page's <title>
    and (readings aside) its <h1>: one text, the notice's title from the language's catalog."""
    index = (site_dir / "index.html").read_text(encoding="utf-8")
    listed = dict(
        re.findall(
            r'<a href="([^"/]+)/index\.html"[^>]*><span class="language-name">[^<]*</span> '
            r'<span class="page-title">([^<]*)</span></a>',
            index,
        )
    )
    assert list(listed) == list(LOCALES)
    for locale in LOCALES:
        page = (site_dir / locale / "index.html").read_text(encoding="utf-8")
        title = html.unescape(re.search(r"<title>(.*)</title>", page).group(1))
        h1 = re.search(r"<h1>(.*?)</h1>", page).group(1)
        h1 = html.unescape(re.sub(r"<[^>]+>", "", re.sub(r"<rp>.*?</rp>|<rt>.*?</rt>", "", h1)))
        assert html.unescape(listed[locale]) == title == h1 == site.page_title(locale), locale
    # The index's own title: the Japanese and the English page titles, not words of its own.
    index_title = html.unescape(re.search(r"<title>(.*)</title>", index).group(1))
    assert index_title == f"{site.page_title('ja')} / {site.page_title('en')}"


def _char_boxes(pdf: Path, index: int) -> tuple[float, float, list[tuple[float, ...]]]:
    """Every printed character's box on a page of the PDF, in points from the top-left."""
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    try:
        page = document[index]
        width, height = page.get_size()
        text = page.get_textpage()
        boxes = []
        for char in range(text.count_chars()):
            left, bottom, right, top = text.get_charbox(char)
            if right > left and top > bottom:
                boxes.append((left, height - top, right, height - bottom))
        return width, height, boxes
    finally:
        document.close()


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@pytest.mark.parametrize("locale", LOCALES)
def test_callouts_cover_no_printed_character(site_dir, browser, locale):
    """Measured in the browser at 1280 and 320 px: no numbered badge, and no stroke of a box,
    lies over any character of the picture, the characters' boxes taken from the PDF the
    picture was rasterised from and scaled onto the picture as shown."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto((site_dir / locale / "index.html").as_uri(), wait_until="load")
        for width in (1280, 320):
            page.set_viewport_size({"width": width, "height": 800})
            figures = page.evaluate(
                """() => [...document.querySelectorAll('.sample-image')].map(figure => {
                    const rect = e => { const b = e.getBoundingClientRect();
                                        return [b.left, b.top, b.right, b.bottom]; };
                    const img = figure.querySelector('img');
                    return {src: img.getAttribute('src'), img: rect(img),
                            natural: img.naturalWidth,
                            badges: [...figure.querySelectorAll('.callout-badge circle')].map(rect),
                            svg: rect(figure.querySelector('svg')),
                            boxes: [...figure.querySelectorAll('rect.callout-box')].map(r => {
                                const b = r.getBBox();  // without the stroke, in the picture's px
                                return [b.x, b.y, b.x + b.width, b.y + b.height]; })};
                })"""
            )
            assert figures and all(f["badges"] for f in figures)
            for figure in figures:
                number = int(re.fullmatch(r"sample-page-(\d+)\.png", figure["src"]).group(1))
                pdf_width, _h, chars = _char_boxes(site_dir / locale / site.SAMPLE_PDF, number - 1)
                x0, y0, x1, _y1 = figure["img"]
                scale = (x1 - x0) / pdf_width
                shown = [
                    (x0 + a * scale, y0 + b * scale, x0 + c * scale, y0 + d * scale)
                    for a, b, c, d in chars
                ]
                assert len(shown) > 100, figure["src"]
                for badge in figure["badges"]:
                    covered = [c for c in shown if _overlap(badge, c)]
                    assert not covered, (locale, width, figure["src"], badge, covered[:3])
                # The dashed box's stroke (3 of the picture's pixels) runs between characters:
                # each is wholly inside the box or wholly outside it.
                # The SVG lies exactly over the picture: its units are the picture's pixels.
                assert figure["svg"] == figure["img"]
                ratio = (x1 - x0) / figure["natural"]
                half = 1.5 * ratio
                for box in figure["boxes"]:
                    left, top, right, bottom = (
                        x0 + box[0] * ratio, y0 + box[1] * ratio,
                        x0 + box[2] * ratio, y0 + box[3] * ratio,
                    )  # fmt: skip
                    outer = (left - half, top - half, right + half, bottom + half)
                    inner = (left + half, top + half, right - half, bottom - half)
                    crossed = [
                        c
                        for c in shown
                        if _overlap(outer, c)
                        and not (
                            inner[0] <= c[0] and c[2] <= inner[2]
                            and inner[1] <= c[1] and c[3] <= inner[3]
                        )
                    ]  # fmt: skip
                    assert not crossed, (locale, width, figure["src"], crossed[:3])
    finally:
        context.close()


def test_easy_japanese_says_setai_on_the_web_as_on_paper(site_dir):
    """世帯 is 「世帯」 read せたい on the web page and in the notice it explains (never せたい
    alone, never 家族 in its place outside the one explanation)."""
    page = (site_dir / "ja-x-easy" / "index.html").read_text(encoding="utf-8")
    assert "<ruby>世帯<rp>（</rp><rt>せたい</rt><rp>）</rp></ruby>" in page
    words = re.sub(r"<rt>.*?</rt>|<rp>.*?</rp>", "", page.split("<main", 1)[1])
    words = re.sub(r"<[^>]+>", "", words)
    assert "せたい" not in words
    printed = "".join(_pdf_texts(site_dir / "ja-x-easy" / site.SAMPLE_PDF))
    assert "世帯（せたい）" in printed
    assert not re.search(r"(?<!（)せたい", printed)
    for text in (words, printed):
        explained = re.sub(r"\s", "", text).replace("（いっしょに住んでいる家族）", "")
        explained = explained.replace("（いっしょに住（す）んでいる家族（かぞく））", "")
        assert "家族" not in explained
