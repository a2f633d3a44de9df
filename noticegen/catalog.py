"""The locale catalogs: the workflow translators and reviewers use (`noticegen catalog …`).

    extract    the notice's words from the code into locales/notice.pot (Babel)
    update     merge the template into every locales/<locale>/LC_MESSAGES/notice.po
    translate  pre-fill empty entries by machine translation, each marked fuzzy for a human
    check      fail on anything a release must not have: untranslated or fuzzy entries, a
               placeholder or markup that differs from the Japanese, what `msgfmt -c` and
               translate-toolkit's critical checks find
    status     a table: translated %, fuzzy, words per locale
    compile    the .mo files the renderer reads

The Japanese source text is the msgid: it is the authoritative wording, and translators work from it.
"""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import io
import re
import shutil
import subprocess
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_file
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from noticegen import i18n, project, settings
from noticegen import locales as registry  # `locales` below lists the catalogs on disk

DOMAIN = "notice"
# The modules whose `_("…")` calls hold every word a reader sees (templates only place them).
SOURCES = (
    "noticegen/view.py",
    "noticegen/voice.py",
    "noticegen/voicecode.py",
    "noticegen/site.py",
)
# The locales the ward publishes; a release needs every one complete.
RELEASE_LOCALES = registry.TRANSLATED
# Fixed, so that extracting twice from the same code gives the same file.
TEMPLATE_DATE = dt.datetime(2024, 10, 25, tzinfo=dt.UTC)
PLACEHOLDER = i18n.PLACEHOLDER


class CatalogError(Exception):
    """A catalog operation that cannot be done as asked (a usage error)."""


def template_path(root: Path | None = None) -> Path:
    return (root or project.LOCALES) / f"{DOMAIN}.pot"


def po_path(locale: str, root: Path | None = None) -> Path:
    return (root or project.LOCALES) / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def locales(root: Path | None = None, only: Iterable[str] | None = None) -> list[str]:
    """The locales that have a catalog; `only` (--locale) picks some, each of which must exist."""
    base = root or project.LOCALES
    present = sorted(path.parent.parent.name for path in base.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))
    if only is None:
        return present
    unknown = [locale for locale in only if locale not in present]
    if unknown:
        raise CatalogError(
            f"--locale {', '.join(unknown)}: no catalog; the catalogs are {', '.join(present)}"
        )
    return list(dict.fromkeys(only))


def _read(path: Path, locale: str | None = None) -> Catalog:
    with open(path, "rb") as stream:
        return read_po(stream, locale=registry.get(locale).babel if locale else None)


def _write(catalog: Catalog, path: Path) -> None:
    out = io.BytesIO()
    write_po(out, catalog, width=0, sort_output=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(out.getvalue())


# ---------------------------------------------------------------------------------------------
# extract, update, compile


def extract(root: Path | None = None, sources: Iterable[str] = SOURCES) -> Catalog:
    """The template from the code's `_("…")` calls, written to locales/notice.pot."""
    catalog = Catalog(
        project="noticegen",
        version="0.1.0",
        copyright_holder="noticegen",
        creation_date=TEMPLATE_DATE,
        fuzzy=False,
    )
    for source in sources:
        for _line, message, comments, _context in extract_from_file(
            "python", project.ROOT / source, keywords={"_": None, "N_": None}
        ):
            # File names without line numbers: editing the code does not churn every catalog.
            catalog.add(message, locations=[(source, None)], auto_comments=comments)
    _write(catalog, template_path(root))
    return catalog


def update(root: Path | None = None, only: Iterable[str] | None = None) -> dict[str, int]:
    """Merge the template into every catalog; returns how many entries each now has to review."""
    template = _read(template_path(root))
    result = {}
    for locale in locales(root, only):
        path = po_path(locale, root)
        catalog = _read(path, locale)
        catalog.update(template)
        _write(catalog, path)
        result[locale] = sum(1 for message in _messages(catalog) if _needs_work(message))
    return result


def compile_catalogs(root: Path | None = None, only: Iterable[str] | None = None) -> list[Path]:
    """The .mo files; none is written while any chosen catalog has an entry that would break a
    page (what `check` calls fatal): CatalogError names the locale and the entry."""
    chosen = locales(root, only)
    fatal = [finding for locale in chosen for finding in fatal_findings(locale, root)]
    if fatal:
        more = f" (and {len(fatal) - 1} more; `noticegen catalog check` lists them)"
        raise CatalogError(
            f"not compiled: {fatal[0]}{more if len(fatal) > 1 else ''}; fix the catalog first"
        )
    written = []
    for locale in chosen:
        catalog = _read(po_path(locale, root), locale)
        target = po_path(locale, root).with_suffix(".mo")
        with open(target, "wb") as stream:
            write_mo(stream, catalog, use_fuzzy=False)
        written.append(target)
    return written


def _messages(catalog: Catalog) -> list[Message]:
    return [message for message in catalog if message.id]


def _needs_work(message: Message) -> bool:
    return not message.string or message.fuzzy


# ---------------------------------------------------------------------------------------------
# status


@dataclass(frozen=True)
class Status:
    locale: str
    total: int
    translated: int
    fuzzy: int
    words: int  # words (or, for scripts without spaces, characters / 2) in the translations

    @property
    def percent(self) -> float:
        return 100.0 * self.translated / self.total if self.total else 0.0


def status(root: Path | None = None, only: Iterable[str] | None = None) -> list[Status]:
    result = []
    for locale in locales(root, only):
        messages = _messages(_read(po_path(locale, root), locale))
        translated = [m for m in messages if m.string and not m.fuzzy]
        result.append(
            Status(
                locale=locale,
                total=len(messages),
                translated=len(translated),
                fuzzy=sum(1 for m in messages if m.fuzzy),
                words=sum(_word_count(str(m.string)) for m in translated),
            )
        )
    return result


def _word_count(text: str) -> int:
    words = len(text.split())
    # Chinese, Japanese, Thai, Khmer and Burmese write without spaces between words.
    return words if words > len(text) / 12 else max(words, len(text) // 2)


def status_table(rows: list[Status]) -> str:
    lines = [f"{'locale':<10} {'translated':>10} {'fuzzy':>6} {'words':>7}"]
    for row in rows:
        lines.append(f"{row.locale:<10} {row.percent:>9.1f}% {row.fuzzy:>6} {row.words:>7}")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# check


@dataclass(frozen=True)
class Finding:
    locale: str
    msgid: str
    problem: str
    # A configuration value's dotted key (settings.READER_KEYS) instead of a catalog entry.
    config_key: str = ""

    def __str__(self) -> str:
        if self.config_key:
            return f"{self.locale}: configuration {self.config_key}: {self.problem}"
        excerpt = self.msgid if len(self.msgid) <= 30 else self.msgid[:29] + "…"
        return f"{self.locale}: 「{excerpt}」: {self.problem}"


def fatal_findings(locale: str, root: Path | None = None) -> list[Finding]:
    """What would break a page or the .mo file: wrong placeholders, markup or readings, and what
    `msgfmt -c` rejects. (Untranslated and fuzzy entries only fall back to the Japanese.)"""
    path = po_path(locale, root)
    found = [
        finding
        for message in _messages(_read(path, locale))
        for finding in _check_message(locale, message, release=False)
    ]
    if shutil.which("msgfmt") is not None:
        found += _msgfmt(locale, path)
    return found


def check(
    root: Path | None = None,
    release: Iterable[str] = RELEASE_LOCALES,
    only: Iterable[str] | None = None,
    config: settings.Settings | None = None,
) -> list[Finding]:
    """Everything that must be fixed before the catalogs ship; an empty list means none. With
    `config`, its reader-visible values too: each release locale needs its translation."""
    findings: list[Finding] = []
    present = set(locales(root, only))
    if only is not None:
        release = [locale for locale in release if locale in present]
    if config is not None:
        findings += configuration_findings(config, release)
    template = {m.id for m in _messages(_read(template_path(root)))}
    for locale in sorted(set(release) - present):
        findings.append(Finding(locale, "", "release locale has no catalog"))
    for locale in sorted(present):
        path = po_path(locale, root)
        catalog = _read(path, locale)
        messages = _messages(catalog)
        for msgid in sorted(template - {m.id for m in messages}):
            findings.append(Finding(locale, msgid, "missing: run `noticegen catalog update`"))
        for message in messages:
            findings += _check_message(locale, message, locale in release)
        findings += _msgfmt(locale, path)
        findings += _pofilter_critical(locale, path)
    return findings


def configuration_findings(
    config: settings.Settings, release: Iterable[str] = RELEASE_LOCALES
) -> list[Finding]:
    """Each release locale's missing or empty translation of a value a reader sees: without it,
    its notice would print that value in Japanese."""
    return [
        Finding(
            locale,
            "",
            ("empty translation" if key in config.translations.get(locale, {}) else "missing")
            + f': give it as [translations.{locale}] {key} = "…" in the configuration'
            f" (the Japanese: 「{config.japanese(key)}」)",
            config_key=key,
        )
        for locale in release
        for key in config.missing_translations(locale)
    ]


def _check_message(locale: str, message: Message, release: bool) -> list[Finding]:
    msgid, text = str(message.id), str(message.string or "")
    found = []
    if release and not text:
        found.append(Finding(locale, msgid, "untranslated"))
    if release and message.fuzzy:
        found.append(Finding(locale, msgid, "fuzzy: a human must review it"))
    if not text:
        return found
    found += [Finding(locale, msgid, problem) for problem in i18n.translation_problems(msgid, text)]
    return found


def _msgfmt(locale: str, path: Path) -> list[Finding]:
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        return [Finding(locale, "", "msgfmt not found: install gettext (scripts/setup.sh does)")]
    result = subprocess.run(
        [msgfmt, "-c", "-o", "/dev/null", str(path)], capture_output=True, text=True, check=False
    )
    if result.returncode == 0 and not result.stderr.strip():
        return []
    return [Finding(locale, "", f"msgfmt -c: {line}") for line in result.stderr.splitlines()]


def _pofilter_critical(locale: str, path: Path) -> list[Finding]:
    from translate.filters import checks
    from translate.storage import factory

    checker = checks.StandardChecker()
    store = factory.getobject(str(path))
    found = []
    for unit in store.units:
        if unit.isheader() or not unit.target:
            continue
        for name, failure in checker.run_filters(unit, categorised=True).items():
            if failure["category"] == "critical":
                found.append(
                    Finding(locale, str(unit.source), f"pofilter {name}: {failure['message']}")
                )
    return found


# ---------------------------------------------------------------------------------------------
# translate: machine pre-fill for human review


class Provider(Protocol):
    """A machine-translation service: a deep-translator translator, or a fake in tests."""

    name: str

    def translate_batch(self, texts: list[str], target: str) -> list[str]: ...


@dataclass
class DeepTranslatorProvider:
    """One of deep-translator's services (google, deepl, microsoft, …), configured by name."""

    service: str
    source: str = "ja"
    api_key: str | None = None
    name: str = field(init=False)

    def __post_init__(self) -> None:
        self.name = f"deep-translator/{self.service}"

    def translate_batch(self, texts: list[str], target: str) -> list[str]:
        import deep_translator

        classes = {
            "google": deep_translator.GoogleTranslator,
            "deepl": deep_translator.DeeplTranslator,
            "microsoft": deep_translator.MicrosoftTranslator,
            "mymemory": deep_translator.MyMemoryTranslator,
            "libre": deep_translator.LibreTranslator,
        }
        if self.service not in classes:
            raise CatalogError(
                f"unknown translation provider {self.service!r}; one of {sorted(classes)}"
            )
        options = {"source": self.source, "target": target}
        if self.api_key:
            options["api_key"] = self.api_key
        return list(classes[self.service](**options).translate_batch(texts))


@dataclass(frozen=True)
class TranslateOptions:
    batch_size: int = 20
    timeout_s: float = 30.0
    retries: int = 3
    backoff_s: float = 2.0  # doubled after each failed try
    min_interval_s: float = 1.0  # at most one request per interval: the provider's rate limit


@dataclass(frozen=True)
class TranslateReport:
    locale: str
    filled: int
    failed: int


def translate(
    provider: Provider,
    options: TranslateOptions = TranslateOptions(),
    root: Path | None = None,
    only: Iterable[str] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> list[TranslateReport]:
    """Fill empty entries by machine translation, each marked fuzzy with a comment naming the
    provider. A human translation (any non-empty string) is never overwritten."""
    reports = []
    last_request = [float("-inf")]
    for locale in locales(root, only):
        target = registry.get(locale).provider_code
        if target is None:
            continue
        path = po_path(locale, root)
        catalog = _read(path, locale)
        empty = [message for message in _messages(catalog) if not message.string]
        filled = failed = 0
        for start in range(0, len(empty), options.batch_size):
            batch = empty[start : start + options.batch_size]
            protected = [_protect(str(message.id)) for message in batch]
            texts = [text for text, _tokens in protected]
            try:
                results = _with_retries(
                    lambda texts=texts, target=target: _rate_limited(
                        lambda: _with_timeout(
                            lambda: provider.translate_batch(texts, target), options.timeout_s
                        ),
                        options.min_interval_s,
                        last_request,
                        sleep,
                        clock,
                    ),
                    options,
                    sleep,
                )
            except Exception:  # the provider failed every try: leave the batch for later
                failed += len(batch)
                continue
            for message, (_text, tokens), result in zip(batch, protected, results, strict=True):
                message.string = _restore(result or "", tokens)
                message.flags.add("fuzzy")
                message.auto_comments = [
                    *message.auto_comments,
                    f"machine translation by {provider.name}: review before release",
                ]
                filled += 1
        _write(catalog, path)
        reports.append(TranslateReport(locale, filled, failed))
    return reports


def _protect(text: str) -> tuple[str, list[str]]:
    """Placeholders swapped for tokens a translator service leaves alone, and the originals."""
    tokens = PLACEHOLDER.findall(text)
    for index, token in enumerate(tokens):
        text = text.replace(token, f"[[{index}]]", 1)
    return text, tokens


def _restore(text: str, tokens: list[str]) -> str:
    for index, token in enumerate(tokens):
        text = re.sub(rf"\[\[\s*{index}\s*\]\]", token.replace("\\", "\\\\"), text, count=1)
    return text


def _with_timeout(call: Callable[[], list[str]], timeout_s: float) -> list[str]:
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)
    try:
        return pool.submit(call).result(timeout=timeout_s)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def _rate_limited(call, min_interval_s, last_request, sleep, clock):
    wait = last_request[0] + min_interval_s - clock()
    if wait > 0:
        sleep(wait)
    last_request[0] = clock()
    return call()


def _with_retries(call, options: TranslateOptions, sleep):
    delay = options.backoff_s
    for attempt in range(options.retries + 1):
        try:
            return call()
        except Exception:
            if attempt == options.retries:
                raise
            sleep(delay)
            delay *= 2
    raise AssertionError("unreachable")
