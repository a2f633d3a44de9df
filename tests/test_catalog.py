"""The catalog workflow, on a copy of the locales folder: nothing here touches the network."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from noticegen import catalog, locales, project

TITLE = "国民健康保険 加入者情報のお知らせ"
PAGE = "{page}ページ目。"
BOTH = "{page} / {total}"


@pytest.fixture
def root(tmp_path) -> Path:
    base = tmp_path / "locales"
    base.mkdir()
    catalog.extract(base)
    return base


def write_po(root: Path, locale: str, strings: dict[str, str], fuzzy: set[str] = frozenset()):
    template = catalog._read(catalog.template_path(root))
    po = Catalog(
        locale=locales.get(locale).babel,
        fuzzy=False,
        revision_date=catalog.TEMPLATE_DATE,
        last_translator="noticegen team",
        language_team="noticegen",
    )
    for message in template:
        if message.id:
            flags = {"fuzzy"} if message.id in fuzzy else set()
            po.add(message.id, strings.get(message.id, ""), flags=flags)
    catalog._write(po, catalog.po_path(locale, root))


def test_extract_is_deterministic_and_finds_the_notices_words(root, tmp_path):
    first = catalog.template_path(root).read_bytes()
    catalog.extract(root)
    assert catalog.template_path(root).read_bytes() == first
    ids = {message.id for message in catalog._read(catalog.template_path(root))}
    assert {TITLE, PAGE, BOTH, "登録なし"} <= ids
    assert (project.LOCALES / "notice.pot").read_bytes() == first  # the committed one is current


def test_update_adds_new_messages_and_keeps_translations(root):
    write_po(root, "en", {TITLE: "National Health Insurance: Member Information"})
    template = catalog._read(catalog.template_path(root))
    template.add("新しい文です。", locations=[("noticegen/view.py", 1)])
    catalog._write(template, catalog.template_path(root))
    to_review = catalog.update(root)
    updated = catalog._read(catalog.po_path("en", root), "en")
    assert updated[TITLE].string == "National Health Insurance: Member Information"
    assert updated["新しい文です。"] is not None and updated["新しい文です。"].string == ""
    assert to_review["en"] == len([m for m in template if m.id]) - 1


def test_status_counts_translated_fuzzy_and_words(root):
    write_po(root, "en", {TITLE: "Member information notice", PAGE: "Page {page}."}, {PAGE})
    (row,) = catalog.status(root)
    assert row.locale == "en" and row.translated == 1 and row.fuzzy == 1
    assert row.words == 3
    assert 0 < row.percent < 5
    assert "en" in catalog.status_table([row])


def test_check_reports_what_a_release_must_not_have(root):
    write_po(
        root,
        "en",
        {
            TITLE: "Member information <b>notice</b>",  # markup the Japanese does not have
            PAGE: "Page {pages}.",  # a placeholder renamed
            BOTH: "{page} of {total}",
            "登録なし": "Not registered",
        },
        fuzzy={"登録なし"},
    )
    problems = [str(finding) for finding in catalog.check(root, release=("en", "ko"))]
    joined = "\n".join(problems)
    assert "ko: 「」: release locale has no catalog" in joined
    assert "markup differs" in joined
    assert "placeholders differ" in joined
    assert "fuzzy" in joined and "untranslated" in joined
    assert any("msgfmt -c" in problem or "pofilter" in problem for problem in problems)


def test_check_passes_a_complete_catalog(root):
    template = catalog._read(catalog.template_path(root))
    # A "translation" that copies the Japanese is complete and consistent: nothing to report.
    write_po(root, "en", {m.id: m.id for m in template if m.id})
    assert catalog.check(root, release=("en",)) == []


def test_check_finds_unbalanced_reading_notation(root):
    write_po(
        root,
        "ja-x-easy",
        {TITLE: "｜国民健康保険《こくみんけんこうほけん》の ｜お知らせ《おしらせ"},
    )
    problems = "\n".join(str(f) for f in catalog.check(root, release=()))
    assert "unbalanced reading notation" in problems


def test_compile_writes_mo_files_the_translator_reads(root):
    write_po(root, "en", {TITLE: "Member information notice"})
    (path,) = catalog.compile_catalogs(root)
    import gettext

    with open(path, "rb") as stream:
        assert gettext.GNUTranslations(stream).gettext(TITLE) == "Member information notice"


class FakeProvider:
    name = "fake"

    def __init__(self, fail_first: int = 0, hang_first: int = 0):
        self.calls: list[tuple[list[str], str]] = []
        self.fail_first = fail_first
        self.hang_first = hang_first

    def translate_batch(self, texts: list[str], target: str) -> list[str]:
        self.calls.append((list(texts), target))
        if len(self.calls) <= self.hang_first:
            time.sleep(0.5)  # longer than the timeout
        if len(self.calls) <= self.fail_first + self.hang_first:
            raise ConnectionError("provider unavailable")
        return [f"<{target}>{text}" for text in texts]


def test_translate_prefills_empty_entries_as_fuzzy_and_never_overwrites(root):
    write_po(root, "en", {TITLE: "Member information notice"})
    write_po(root, "ja-x-easy", {})
    provider = FakeProvider()
    sleeps: list[float] = []
    options = catalog.TranslateOptions(batch_size=30, timeout_s=5, retries=2, min_interval_s=0)
    reports = catalog.translate(provider, options, root, sleep=sleeps.append)
    assert [r.locale for r in reports] == ["en"]  # Easy Japanese is never machine-written
    result = catalog._read(catalog.po_path("en", root), "en")
    assert result[TITLE].string == "Member information notice"
    assert not result[TITLE].fuzzy
    page = result[PAGE]
    assert page.fuzzy and page.string == "<en>{page}ページ目。"  # placeholders protected and back
    assert any("machine translation by fake" in comment for comment in page.auto_comments)
    assert all(len(texts) <= 30 for texts, _ in provider.calls)
    assert all("{" not in text for texts, _ in provider.calls for text in texts)
    assert reports[0].filled == len([m for m in result if m.id]) - 1
    assert reports[0].failed == 0


def test_translate_retries_with_backoff_after_a_timeout_and_a_failure(root):
    write_po(root, "ko", {})
    provider = FakeProvider(hang_first=1, fail_first=1)
    sleeps: list[float] = []
    options = catalog.TranslateOptions(
        batch_size=200, timeout_s=0.1, retries=3, backoff_s=2.0, min_interval_s=0
    )
    (report,) = catalog.translate(provider, options, root, sleep=sleeps.append)
    assert len(provider.calls) == 3  # timed out, failed, then succeeded
    assert sleeps[:2] == [2.0, 4.0]  # backoff doubles
    assert report.filled > 0 and report.failed == 0
    assert catalog._read(catalog.po_path("ko", root), "ko")[PAGE].string == "<ko>{page}ページ目。"


def test_translate_gives_up_after_its_retries_and_leaves_entries_empty(root):
    write_po(root, "vi", {})
    provider = FakeProvider(fail_first=99)
    options = catalog.TranslateOptions(batch_size=200, timeout_s=1, retries=2, min_interval_s=0)
    (report,) = catalog.translate(provider, options, root, sleep=lambda _s: None)
    assert len(provider.calls) == 3 and report.filled == 0 and report.failed > 0
    assert catalog._read(catalog.po_path("vi", root), "vi")[PAGE].string == ""


def test_translate_keeps_to_the_rate_limit(root):
    write_po(root, "th", {})
    now = [0.0]
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds

    options = catalog.TranslateOptions(batch_size=10, timeout_s=5, retries=0, min_interval_s=1.5)
    catalog.translate(FakeProvider(), options, root, sleep=sleep, clock=lambda: now[0])
    assert len(sleeps) >= 5 and all(abs(s - 1.5) < 1e-9 for s in sleeps)


def test_po_files_are_valid_for_babel(root):
    write_po(root, "es", {TITLE: "Aviso"})
    with open(catalog.po_path("es", root), "rb") as stream:
        assert read_po(stream)[TITLE].string == "Aviso"
    shutil.rmtree(root / "es")
    assert catalog.locales(root) == []


def test_compile_refuses_what_check_calls_fatal_and_writes_no_mo(root):
    write_po(root, "en", {TITLE: "Member information notice"})
    write_po(root, "ko", {PAGE: "{pages}페이지."})  # a placeholder renamed: the page would break
    with pytest.raises(catalog.CatalogError) as refused:
        catalog.compile_catalogs(root)
    assert "ko" in str(refused.value) and "{page}ページ目。" in str(refused.value)
    assert "placeholders differ" in str(refused.value)
    assert list(root.glob("*/LC_MESSAGES/*.mo")) == []  # not even the sound catalog's
    # Untranslated entries are not fatal (the Japanese is shown): en alone compiles.
    (path,) = catalog.compile_catalogs(root, only=["en"])
    assert path.parent.parent.name == "en"


def test_every_catalog_action_keeps_to_locale(root):
    write_po(root, "en", {TITLE: "Member information notice"})
    write_po(root, "ko", {PAGE: "{pages}페이지."})
    assert [row.locale for row in catalog.status(root, only=["en"])] == ["en"]
    assert list(catalog.update(root, only=["en"])) == ["en"]
    assert {f.locale for f in catalog.check(root, release=("en", "ko"), only=["en"])} == {"en"}
    with pytest.raises(catalog.CatalogError, match="--locale xx"):
        catalog.status(root, only=["xx"])
    with pytest.raises(catalog.CatalogError, match="--locale xx"):
        catalog.compile_catalogs(root, only=["xx"])
    options = catalog.TranslateOptions(batch_size=500, timeout_s=5, retries=0, min_interval_s=0)
    reports = catalog.translate(FakeProvider(), options, root, only=["en"])
    assert [report.locale for report in reports] == ["en"]


def test_a_broken_or_empty_entry_renders_as_the_japanese_with_one_warning(caplog):
    import gettext

    from noticegen import i18n

    class Broken(gettext.NullTranslations):
        def gettext(self, message):
            return {PAGE: "Page {pages}.", TITLE: " ", BOTH: "{page} of {total}"}.get(
                message, message
            )

    translator = i18n.Translator("en", Broken())
    with caplog.at_level("WARNING", logger="noticegen"):
        for _ in range(3):
            assert translator.gettext(PAGE).format(page=1) == "1ページ目。"
            assert translator.gettext(TITLE) == TITLE  # empty: the Japanese
            assert translator.gettext(BOTH) == "{page} of {total}"  # sound: used
    warnings = [record.getMessage() for record in caplog.records]
    assert len(warnings) == 2, warnings  # one per broken entry, however often it is shown
    assert any("placeholders differ" in warning for warning in warnings)
    assert any("empty" in warning for warning in warnings)
    # One translator per locale in a process, so a batch of 100,000 notices warns once too.
    assert i18n.translator("en") is i18n.translator("en")


def _literal_gettext_calls(source: str) -> list[int]:
    """Lines calling `<something>.gettext("literal")` or `gettext("literal")` directly."""
    import ast

    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
        if name in ("gettext", "ngettext") and isinstance(node.args[0], ast.Constant):
            found.append(node.lineno)
    return found


def test_every_literal_message_is_marked_so_that_extraction_finds_it():
    """`catalog extract` finds only _() and N_() calls: a `translator.gettext("…")` call is
    translated at run time while its message drops out of notice.pot, and the next `catalog update`
    drops its translations (it happened twice)."""
    assert _literal_gettext_calls('t.gettext("a")\n_("b")\n') == [1]  # the check itself works
    found = {
        str(path.relative_to(project.ROOT)): lines
        for path in sorted((project.ROOT / "noticegen").rglob("*.py"))
        if (lines := _literal_gettext_calls(path.read_text(encoding="utf-8")))
    }
    assert found == {}
