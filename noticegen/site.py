"""The web team's static pages: the notice explained in every language, from the same source.

`build(outdir)` writes `index.html` (a language chooser), one folder per locale with its
`index.html`, a picture of a sample notice's pages with numbered callouts and the sample as PDF,
and one stylesheet. The sample household is made here, in code, and is fictional: the site never
reads a member file, so nothing personal can reach it. No JavaScript, nothing fetched from
elsewhere; the same inputs give byte-identical files.

The notice's words come from the view (so the pages and the printed notice never disagree). The
few words of the site itself (the skip link, the callouts' explanations) are Japanese msgids in
the same catalogs, extracted from here by `noticegen catalog extract`.
"""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import functools
import io
import math
import re
import shutil
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import jinja2
import markupsafe

from noticegen import catalog, i18n, notice, outputs, project, settings, voicecode
from noticegen import locales as registry
from noticegen.printing import engine, render
from noticegen.records import Household, Member
from noticegen.view import JAPANESE_LOCALES, NoticeView

STYLESHEET = "site.css"
# Written into SITEDIR first: a folder holding it is one this command wrote, and may be replaced.
MARKER = ".noticegen-site"
SAMPLE_PDF = "sample-notice.pdf"
IMAGE_DPI = 110
SITE_TEMPLATES = "site"

# A numbered badge's radius over a picture, as a share of the picture's width (the badges scale
# with the picture): the largest that finds room beside every box of the page, for badges that
# stay legible on a phone. And the white space kept between a badge and the nearest character.
BADGE_RADII = (0.034, 0.027, 0.021)
BADGE_GAP = 0.004


def N_(message: str) -> str:
    """Marks a message for `noticegen catalog extract` where no translator is at hand yet."""
    return message


# The site's own words, translated in the catalogs like the notice's (Japanese is the msgid).
SITE_WORDS = (
    N_("本文へ移動"),
    N_("言語"),
    N_("ほかの言語"),
    N_("お知らせの見方"),
    N_("見本のお知らせの{page}ページ目。番号の付いた枠は、下の説明の番号に対応しています。"),
    N_("架空の世帯の見本です。実際のお知らせには、あなたの世帯の情報が印刷されています。"),
    N_("このお知らせの名前です。"),
    N_(
        "あなたの世帯の加入者の登録情報です。氏名、生年月日、記号・番号などが正しいか確かめてください。"
    ),
    N_(
        "ひも付けられているマイナンバーの下4桁だけを表示しています。「{none}」は、マイナンバーが登録されていないことを示します。"
    ),
    N_(
        "スマートフォンで読み取ると、そのページの内容を音声で聞けます。右の余白にある半円の切り欠きが目印です。"
    ),
    N_("内容に誤りがあるときや、わからないことがあるときは、ここに連絡してください。"),
    N_("見本のお知らせ（PDF、{size} KB）"),
)


@dataclass(frozen=True)
class Words:
    """A piece of the site's own text and the language it is actually in."""

    text: str
    lang: str


@dataclass(frozen=True)
class Callout:
    number: int
    name: str  # the part's name as the notice prints it (from the catalog)
    explanation: Words
    # The part's name as the Japanese pages print it, for finding it there (None in Japanese).
    japanese_name: str | None = None


@dataclass(frozen=True)
class Mark:
    """A numbered box over a picture, in the picture's pixels: the part's outline, and a badge
    with the part's number placed where it covers no printed character."""

    number: int
    left: float
    top: float
    width: float
    height: float
    badge_x: float
    badge_y: float
    badge_r: float


@dataclass(frozen=True)
class Figure:
    src: str
    alt: Words
    width: int
    height: int
    marks: tuple[Mark, ...]


@dataclass(frozen=True)
class Language:
    """A language as the chooser lists it: its name in its own script and the title of its page
    (the same text as that page's <title> and <h1>, from its catalog)."""

    code: str
    name: str
    title: str


@dataclass(frozen=True)
class Part:
    """One of the notice's three parts, as a section of the web page."""

    heading: str
    sections: tuple  # view.Section


def site_locales() -> tuple[str, ...]:
    """Japanese, then the release locales that have a compiled catalog, in the release order."""
    available = set(i18n.available_locales())
    return tuple(code for code in ("ja", *catalog.RELEASE_LOCALES) if code in available)


def sample_household(language: str | None = None) -> Household:
    """A fictional household, made here and never read from a member file; with `language`, one
    that prefers that language and so is mailed the bilingual notice."""
    return Household(
        household_id="SAMPLE",
        head_name="見本 太郎",
        postal_code="1730004",
        address="東京都板橋区板橋二丁目1番1号",
        address2=None,
        language=None if language == i18n.SOURCE_LOCALE else language,
        members=(
            Member(
                name="見本 太郎",
                kana="ミホン タロウ",
                birth_date=dt.date(1980, 4, 1),
                insured_symbol="板1",
                insured_number="1234567",
                insured_branch="01",
                acquired_date=dt.date(2010, 4, 1),
                copay_ratio=3,
                mynumber_last4="0123",
                line=1,
            ),
        ),
        lines=(1,),
    )


def tel_uri(phone: str) -> str:
    """A Japanese phone number as an international tel: URI.

    >>> tel_uri("03-3964-1111")
    'tel:+81-3-3964-1111'
    """
    digits = re.sub(
        r"[^0-9-]", "", phone.translate(str.maketrans("０１２３４５６７８９－", "0123456789-"))
    )
    return "tel:+81-" + digits.removeprefix("0")


def build(
    outdir: Path,
    config: settings.Settings | None = None,
    locales: Iterable[str] | None = None,
    workers: int = 2,
) -> list[Path]:
    """Write the site into `outdir`; returns the files written, sorted."""
    config = config or settings.load()
    chosen = site_locales() if locales is None else tuple(dict.fromkeys(locales))
    for code in chosen:
        if code not in registry.CODES:
            raise i18n.UnknownLocaleError(
                f"no web page for {code!r}; available: {', '.join(site_locales())}"
            )
        i18n.translator(code)  # an unknown locale fails before any work
    _check_output_folder(Path(outdir))
    files: dict[str, bytes] = {}
    if workers > 1 and len(chosen) > 1:
        with concurrent.futures.ProcessPoolExecutor(max_workers=workers) as pool:
            results = pool.map(
                _locale_files, chosen, [config] * len(chosen), [chosen] * len(chosen)
            )
            for result in results:
                files.update(result)
    else:
        for code in chosen:
            files.update(_locale_files(code, config, chosen))
    files["index.html"] = _index(chosen).encode()
    files[STYLESHEET] = (project.TEMPLATES / SITE_TEMPLATES / STYLESHEET).read_bytes()
    _empty_own_folder(Path(outdir))
    written = []
    for name in sorted(files):
        path = Path(outdir) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(files[name])
        written.append(path)
    return written


def _check_output_folder(outdir: Path) -> None:
    """SITEDIR is new, empty, or a site this command wrote (its marker file): never a folder of
    someone else's files, which a build would mix with its own or replace."""
    if outdir.is_symlink():
        raise outputs.OutputError(f"{outdir} is a symbolic link; give the real folder as -o")
    if outdir.exists() and not outdir.is_dir():
        raise outputs.OutputError(f"-o {outdir} is a file, not a folder")
    if outdir.is_dir() and any(outdir.iterdir()) and not (outdir / MARKER).is_file():
        raise outputs.OutputError(
            f"{outdir} is not empty and was not written by noticegen site; give a new or empty "
            "folder (or one noticegen site wrote, which is replaced)"
        )


def _empty_own_folder(outdir: Path) -> None:
    """The previous build's files go (nothing else is there: see _check_output_folder); the
    marker comes first, so that a build stopped half-way is still known as this command's."""
    _check_output_folder(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    for path in outdir.iterdir():
        if path.name == MARKER:
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()
    (outdir / MARKER).write_text(
        "This folder was written by noticegen site; the next build replaces all of it.\n",
        encoding="utf-8",
    )


@functools.cache
def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(project.TEMPLATES / SITE_TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=render._ruby_for_html,  # ｜漢字《かんじ》 → <ruby>
    )
    environment.filters["plain"] = _without_readings
    environment.filters["jp"] = japanese_runs
    return environment


def japanese_runs(text: str, locale: str) -> markupsafe.Markup:
    """Japanese words inside a translation (マイナ保険証, a 和暦 date) wrapped in lang="ja", so a
    screen reader switches voice. In Chinese, Han characters are the page's own: only runs with kana
    are Japanese there.

    >>> str(japanese_runs("the card (マイナ保険証) & more", "en"))
    'the card (<span lang="ja">マイナ保険証</span>) &amp; more'
    >>> str(japanese_runs("个人编号卡保险证（マイナ保険証）", "zh-Hans"))
    '个人编号卡保险证（<span lang="ja">マイナ保険証</span>）'
    """
    if not isinstance(text, str):
        return markupsafe.escape(text)
    pieces, last = [], 0
    for match in i18n.japanese_runs(text, locale):
        pieces.append(markupsafe.escape(text[last : match.start()]))
        pieces.append(markupsafe.Markup('<span lang="ja">{}</span>').format(match.group()))
        last = match.end()
    pieces.append(markupsafe.escape(text[last:]))
    return markupsafe.Markup("").join(pieces)


def _without_readings(text: str) -> str:
    """For <title> and attributes, which hold no markup: the word without its reading."""
    return i18n.RUBY.sub(r"\1", text)


# The notice's title (a msgid of view.py): each language's page is titled with it, and the
# chooser lists each language with that same text, so a reader finds the page they were promised.
TITLE = "国民健康保険 加入者情報のお知らせ"


def page_title(locale: str) -> str:
    """A locale's page title, as its <title> and the chooser show it (without readings).

    >>> page_title("ja")
    '国民健康保険 加入者情報のお知らせ'
    """
    return _without_readings(i18n.translator(locale).gettext(TITLE))


def _languages(chosen: tuple[str, ...]) -> list[Language]:
    return [Language(code, registry.get(code).native_name, page_title(code)) for code in chosen]


def _index(chosen: tuple[str, ...]) -> str:
    english = "en" if "en" in i18n.available_locales() else None
    return (
        _environment()
        .get_template("index.html.j2")
        .render(
            languages=_languages(chosen),
            title=page_title(i18n.SOURCE_LOCALE),
            subtitle=page_title(english) if english else None,
        )
    )


def _words(translator: i18n.Translator, msgid: str, **values: str) -> Words:
    assert msgid in SITE_WORDS, msgid
    return Words(translator.gettext(msgid).format(**values), translator.locale)


def _locale_files(
    locale: str, config: settings.Settings, chosen: tuple[str, ...]
) -> dict[str, bytes]:
    """The locale's folder: index.html, the sample notice as PDF and its pages as images."""
    translator = i18n.translator(locale)
    encoder = voicecode.encoder_for(config.voice_code)
    # The notice as a household that prefers this language receives it: the Japanese pages,
    # then the same in its language (for Japanese, the Japanese pages alone).
    views = notice.make_all(sample_household(locale), config, encoder)
    view = views[-1]
    markup = render.html(views, for_print=True)
    document = render.document(views)
    # The same bytes as render.pdf(views) writes, from the layout measured here.
    pdf = render.write_pdf(document, markup)
    boxes = _part_boxes(document, tuple(part.page_count for part in views))
    callouts = _callouts(view, translator, {key for _part, key in boxes}, views[0])
    numbers = {key: callout.number for key, callout in callouts}
    files = {f"{locale}/{SAMPLE_PDF}": pdf}
    figures = []
    for index in sorted({page for page, _box in boxes.values()}):
        name = f"sample-page-{index + 1}.png"
        image, width, height, characters, pictures = _page_picture(pdf, index)
        files[f"{locale}/{name}"] = image
        outlines = [
            (
                numbers[key],
                _outline(
                    (box[0] * width, box[1] * height, box[2] * width, box[3] * height),
                    characters,
                    width,
                ),
            )
            for (_part, key), (page, box) in sorted(
                boxes.items(), key=lambda item: numbers[item[0][1]]
            )
            if page == index
        ]
        for share in BADGE_RADII:
            marks: list[Mark] = []
            try:
                for number, outline in outlines:
                    x, y = _badge_place(
                        outline, share * width, characters + pictures, marks, width, height
                    )
                    r = share * width
                    marks.append(Mark(number, *(round(v, 1) for v in (*outline, x, y, r))))
                break
            except NoRoom:
                continue
        else:
            raise NoRoom(f"no room for the callouts' numbers on page {index + 1} ({locale})")
        figures.append(
            Figure(
                src=name,
                alt=_words(
                    translator,
                    "見本のお知らせの{page}ページ目。番号の付いた枠は、下の説明の番号に対応しています。",
                    page=str(index + 1),
                ),
                width=width,
                height=height,
                marks=tuple(marks),
            )
        )
    page = (
        _environment()
        .get_template("locale.html.j2")
        .render(
            locale=locale,
            view=view,
            title=page_title(locale),
            parts=_parts(view, translator),
            figures=figures,
            callouts=[callout for _key, callout in callouts],
            download=_words(
                translator, "見本のお知らせ（PDF、{size} KB）", size=str(-(-len(pdf) // 1024))
            ),
            words={msgid: _words(translator, msgid) for msgid in SITE_WORDS if "{" not in msgid},
            sample_note=_words(
                translator,
                "架空の世帯の見本です。実際のお知らせには、あなたの世帯の情報が印刷されています。",
            ),
            japanese_data=locale not in JAPANESE_LOCALES,
            tel=tel_uri(view.contact.phone),
            languages=_languages(chosen),
            stylesheet=f"../{STYLESHEET}",
            pdf_name=SAMPLE_PDF,
        )
    )
    files[f"{locale}/index.html"] = page.encode()
    return files


# The parts of the notice that the callouts explain, and how to find each in the layout:
# (key, tags, class or None for any).
_PARTS = (
    ("title", ("h1",), None),
    ("members", ("table",), ("members", "member-card")),
    ("mynumber", ("td",), ("mynumber",)),
    ("voice", ("div",), ("voice-codes",)),
    # The contact block, or where a translated part leaves it to the check page, that page's
    # contact details (the same office, phone, hours and address).
    ("contact", ("div", "section"), ("contact", "section-contact")),
)

Box = tuple[float, float, float, float]  # left, top, width, height


def _part_boxes(document, part_pages: tuple[int, ...]) -> dict[tuple[int, str], tuple[int, Box]]:
    """Where each part first appears in each part of the notice (the Japanese pages, then the
    translated ones): keyed by (part, key), its page and its box as fractions of the page."""
    assert sum(part_pages) == len(document.pages), (part_pages, len(document.pages))
    starts = [sum(part_pages[:n]) for n in range(len(part_pages))]
    found: dict[tuple[int, str], tuple[int, Box]] = {}
    for index in range(len(document.pages)):
        part = max(n for n, start in enumerate(starts) if start <= index)
        page_box = engine.page_box(document, index)
        page_size = engine.geometry(page_box)
        width, height = page_size.margin_width, page_size.margin_height
        for box in _element_boxes(page_box):
            classes = (engine.element_class(box) or "").split()
            for key, tags, wanted in _PARTS:
                if (part, key) in found or engine.box_tag(box) not in tags:
                    continue
                if wanted is None or any(c in classes for c in wanted):
                    left, top, right, bottom = _printed_extent(box)
                    found[(part, key)] = (
                        index,
                        (
                            left / width,
                            top / height,
                            (right - left) / width,
                            (bottom - top) / height,
                        ),
                    )
    return found


def _printed_extent(box) -> tuple[float, float, float, float]:
    """Left, top, right and bottom of an element's box and of every box in it: what it prints,
    lines that run out of it included (a voice code's second label line in Burmese runs a little
    below its label's box), so that a callout's box drawn around it crosses none of its text."""
    extents = [engine.geometry(inner) for inner in engine.descendants(box)]
    return (
        min(where.x for where in extents),
        min(where.y for where in extents),
        max(where.x + where.margin_width for where in extents),
        max(where.y + where.margin_height for where in extents),
    )


def _element_boxes(page_box) -> Iterator:
    """The outermost box of each element, in document order, absolutely placed ones included."""
    seen = set()

    def walk(parent) -> Iterator:
        for box in engine.descendants(parent):
            if engine.box_kinds(box).placeholder:
                placed = engine.placed_box(box)
                if placed is not parent:
                    yield from walk(placed)
                continue
            element = engine.element_id(box)
            if element is None or element in seen:
                continue
            seen.add(element)
            yield box

    yield from walk(page_box)


def _part_names(view: NoticeView) -> dict[str, str]:
    """Each explained part's name as the view prints it."""
    table = next(page.members for page in view.pages if page.members is not None)
    return {
        "title": view.title,
        "members": table.caption,
        "mynumber": table.heading_mynumber,
        "voice": view.voice_codes[0].codes[0].label if view.voice_codes else "",
        "contact": (
            view.contact.heading
            if any(page.shows_contact for page in view.pages)
            else next(
                section.heading
                for page in view.pages
                for section in page.sections
                if section.role == "contact"
            )
        ),
    }


def _callouts(
    view: NoticeView, translator: i18n.Translator, keys: set[str], japanese: NoticeView
) -> list[tuple[str, Callout]]:
    """The numbered explanations, one per part found, in the order of _PARTS; beside a
    translation, each with the name the Japanese pages print, which the reader looks for there."""
    _ = translator.gettext
    printed = _part_names(view)
    in_japanese = _part_names(japanese) if japanese is not view else {}
    names = {
        "title": (printed["title"], "このお知らせの名前です。", {}),
        "members": (
            printed["members"],
            "あなたの世帯の加入者の登録情報です。氏名、生年月日、記号・番号などが正しいか確かめてください。",
            {},
        ),
        "mynumber": (
            printed["mynumber"],
            "ひも付けられているマイナンバーの下4桁だけを表示しています。「{none}」は、マイナンバーが登録されていないことを示します。",
            {"none": _("登録なし")},
        ),
        "voice": (
            printed["voice"],
            "スマートフォンで読み取ると、そのページの内容を音声で聞けます。右の余白にある半円の切り欠きが目印です。",
            {},
        ),
        "contact": (
            printed["contact"],
            "内容に誤りがあるときや、わからないことがあるときは、ここに連絡してください。",
            {},
        ),
    }
    result = []
    for number, (key, _tags, _classes) in enumerate(
        (part for part in _PARTS if part[0] in keys), start=1
    ):
        name, msgid, values = names[key]
        japanese_name = in_japanese.get(key)
        result.append(
            (
                key,
                Callout(
                    number,
                    name,
                    _words(translator, msgid, **values),
                    japanese_name if japanese_name != name else None,
                ),
            )
        )
    return result


def _parts(view: NoticeView, translator: i18n.Translator) -> list[Part]:
    """The guide pages as web sections, a page continued onto the next joined to it again."""
    _ = translator.gettext
    parts: list[Part] = []
    for page in view.pages:
        if page.kind != "guide" or page.heading is None:
            continue
        if parts and page.heading == _("{heading}（続き）").format(heading=parts[-1].heading):
            parts[-1] = Part(parts[-1].heading, parts[-1].sections + page.sections)
        else:
            parts.append(Part(page.heading, page.sections))
    return parts


def _page_picture(pdf: bytes, index: int) -> tuple[bytes, int, int, list[Box], list[Box]]:
    """A page as a PNG, and what is printed on it that a callout must not cover: every
    character's box and every image's (the voice codes, the QR code), in the picture's pixels."""
    import pypdfium2
    import pypdfium2.raw as pdfium_c

    document = pypdfium2.PdfDocument(pdf)
    try:
        page = document[index]
        scale = IMAGE_DPI / 72
        image = page.render(scale=scale).to_pil()
        page_height = page.get_height()

        def pixels(left: float, bottom: float, right: float, top: float) -> Box:
            return (left * scale, (page_height - top) * scale, (right - left) * scale,
                    (top - bottom) * scale)  # fmt: skip

        characters = []
        text = page.get_textpage()
        for char in range(text.count_chars()):
            left, bottom, right, top = text.get_charbox(char)
            if right > left and top > bottom:
                characters.append(pixels(left, bottom, right, top))
        pictures = [
            pixels(*picture.get_bounds())
            for picture in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE])
        ]
    finally:
        document.close()
    out = io.BytesIO()
    image.convert("RGB").save(out, format="PNG", optimize=False)
    return out.getvalue(), image.width, image.height, characters, pictures


# The dashed outline's stroke, and how far each side may stand off the part's own box (out, then
# in), as shares of the picture's width: the stroke runs in white space, never across a character.
OUTLINE_STROKE = 3
OUTLINE_OFFSETS = (0.007, 0.005, 0.0035, 0.002, 0.0, -0.002, -0.004)


def _outline(box: Box, characters: list[Box], width: int) -> Box:
    """The part's box with each side moved where its stroke crosses no character: a part's box
    hugs its glyphs (a title without padding, a caption at the table's edge) or the line before
    it. Each side takes the first offset that works, outward first, its stroke as long as the
    other sides make it (a few rounds, as moving one side lengthens the others); the last offset
    if none does (the site's tests then say so)."""
    half = OUTLINE_STROKE / 2 + 0.5
    original = [box[0], box[1], box[0] + box[2], box[1] + box[3]]  # left, top, right, bottom
    edges = list(original)
    outward = (-1, -1, 1, 1)

    def clear(x0: float, y0: float, x1: float, y1: float) -> bool:
        return not any(
            cx < x1 and x0 < cx + cw and cy < y1 and y0 < cy + ch for cx, cy, cw, ch in characters
        )

    def band(side: int, at: float) -> tuple[float, float, float, float]:
        left, top, right, bottom = edges
        if side in (0, 2):
            return at - half, top - half, at + half, bottom + half
        return left - half, at - half, right + half, at + half

    for _round in range(3):
        for side in range(4):
            for share in OUTLINE_OFFSETS:
                at = original[side] + outward[side] * share * width
                if clear(*band(side, at)):
                    break
            edges[side] = at
    left, top, right, bottom = edges
    return left, top, right - left, bottom - top


class NoRoom(LookupError):
    """No white space near a box holds its number."""


def _badge_place(
    outline: Box, radius: float, obstacles: list[Box], marks: list[Mark], width: int, height: int
) -> tuple[float, float]:
    """Where a part's numbered badge goes: the free spot nearest the outline (the highest, then
    the leftmost of equally near ones),
    where the badge (with a gap around it) covers no character, no image and no other badge,
    inside the picture. Returns the badge's centre, in the picture's pixels.

    The badges are drawn in the picture's own coordinates (an SVG over it), so what is free here
    stays free at every size the browser shows the picture at.
    """
    reach = radius + BADGE_GAP * width  # half the side of the square kept clear
    left, top, box_width, box_height = outline
    around = 4 * radius
    near = [
        (x, y, x + w, y + h)
        for x, y, w, h in obstacles
        if x < left + box_width + around + reach
        and x + w > left - around - reach
        and y < top + box_height + around + reach
        and y + h > top - around - reach
    ]
    step = radius / 2
    columns = int((box_width + 2 * around) / step) + 1
    rows = int((box_height + 2 * around) / step) + 1
    candidates = sorted(
        (
            (left - around + column * step, top - around + row * step)
            for row in range(rows)
            for column in range(columns)
        ),
        key=lambda point: (_from_outline(point, outline), point[1], point[0]),
    )
    for x, y in candidates:
        if not (reach <= x <= width - reach and reach <= y <= height - reach):
            continue
        if any(
            x - reach < right and x + reach > x0 and y - reach < bottom and y + reach > y0
            for x0, y0, right, bottom in near
        ):
            continue
        if any(
            (x - mark.badge_x) ** 2 + (y - mark.badge_y) ** 2 < (2 * reach) ** 2 for mark in marks
        ):
            continue
        return x, y
    raise NoRoom(f"no free place for a callout badge near {outline}")


def _from_outline(point: tuple[float, float], outline: Box) -> float:
    """How far a point is from a rectangle's edges, inside or out."""
    x, y = point
    left, top, width, height = outline
    right, bottom = left + width, top + height
    if left <= x <= right and top <= y <= bottom:
        return min(x - left, right - x, y - top, bottom - y)
    return math.hypot(max(left - x, 0, x - right), max(top - y, 0, y - bottom))


__all__ = ["TITLE", "build", "page_title", "sample_household", "site_locales", "tel_uri"]
