"""The configuration: everything municipality-specific, read from TOML over the shipped defaults.

A municipality's file only names what differs from `default_config.toml`; every key it gives is
checked, and a bad one is reported by its dotted name so the person editing the file can find it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import math
import re
import tomllib
import typing
from pathlib import Path
from typing import Any

from noticegen import addressblock, i18n, locales, project

A4_WIDTH_MM = 210.0
A4_HEIGHT_MM = 297.0


PDFX_VERSIONS = ("PDF/X-4", "PDF/X-1a")


class ConfigError(Exception):
    """A configuration value a user must fix; `key` is its dotted name."""

    def __init__(self, key: str, problem: str):
        super().__init__(f"configuration error: {key}: {problem}")
        self.key = key


@dataclasses.dataclass(frozen=True)
class Municipality:
    name: str
    insurer: str
    insurer_number: str  # 保険者番号


@dataclasses.dataclass(frozen=True)
class Sender:
    section: str
    phone: str
    hours: str
    postal_code: str
    address: str


@dataclasses.dataclass(frozen=True)
class Dates:
    reference: dt.date  # 基準日: ages and 負担割合 are judged on this day
    issue: dt.date
    transition: dt.date
    paper_card_limit: dt.date
    # From this day the fee for reading a member's data at a first visit is the same with the
    # マイナ保険証 and the paper card (until the day before, the マイナ保険証 cost 20 yen less).
    first_visit_fee_change: dt.date


@dataclasses.dataclass(frozen=True)
class Web:
    site_url: str


@dataclasses.dataclass(frozen=True)
class NoticeOptions:
    mask_pattern: str
    reply_form: bool  # the enclosed 届出書, on a sheet of its own


@dataclasses.dataclass(frozen=True)
class EnvelopeWindow:
    window_x_mm: float
    window_y_mm: float
    window_width_mm: float
    window_height_mm: float


@dataclasses.dataclass(frozen=True)
class VoiceCodeOptions:
    encoder: str
    command: tuple[str, ...]
    size_mm: float


@dataclasses.dataclass(frozen=True)
class LargePrint:
    households: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class Mailing:
    paper_g_per_sheet: float
    envelope_g: float


@dataclasses.dataclass(frozen=True)
class Press:
    """The batch's print files as the vendor's prepress takes them (see noticegen.press)."""

    pdfx: str  # "PDF/X-4" or "PDF/X-1a"
    output_profile: str  # the press condition's CMYK ICC profile (a file)
    output_condition_identifier: str
    output_condition: str
    registry_name: str
    # Where the marks sit, in mm from the sheet's top-left corner (the README draws them).
    sequence_left_mm: float
    sequence_top_mm: float
    sheet_mark_left_mm: float
    sheet_mark_top_mm: float
    sheet_mark_size_mm: float  # the DataMatrix with its quiet zone, square


@dataclasses.dataclass(frozen=True)
class Batch:
    # Where the batch keeps measured page shapes between runs (noticegen.shapecache): "default"
    # for $XDG_CACHE_HOME/noticegen/shapes (~/.cache/…), a folder, or "off". Not in the digest:
    # where the shapes are kept changes no notice, and a run resumes whatever it is.
    shape_cache: str
    # The most the cache may hold, in MiB: at the end of a run the least recently used entries
    # (other versions' first) are removed until it holds no more. 0 keeps nothing between runs.
    shape_cache_max_mb: float


@dataclasses.dataclass(frozen=True)
class Preview:
    # The staff preview (noticegen.preview). Its access token is deliberately not a field: it is
    # read by the preview itself, so the secret never enters Settings or the digest.
    audit_log: str
    audit_log_max_mb: float
    audit_log_keep: float
    trusted_proxies: tuple[str, ...]
    cache_mb: float
    render_processes: float
    render_queue: float
    render_wait_s: float
    session_idle_minutes: float


@dataclasses.dataclass(frozen=True)
class Translation:
    provider: str
    source: str
    api_key_env: str
    batch_size: float
    timeout_s: float
    retries: float
    min_interval_s: float


# The configuration values a reader sees, by dotted key. A translated notice prints each in the
# reader's language, from the table [translations.<locale>] (see default_config.toml); the
# configuration's own values are the Japanese.
READER_KEYS = (
    "municipality.name",
    "municipality.insurer",
    "sender.section",
    "sender.hours",
    "sender.address",
)


@dataclasses.dataclass(frozen=True)
class Settings:
    municipality: Municipality
    sender: Sender
    dates: Dates
    web: Web
    notice: NoticeOptions
    envelope: EnvelopeWindow
    voice_code: VoiceCodeOptions
    large_print: LargePrint
    mailing: Mailing
    press: Press
    batch: Batch
    preview: Preview
    translation: Translation
    # locale → dotted key (one of READER_KEYS) → the value as that locale's reader reads it. A key
    # a locale lacks (or gives as "", still to be translated) is missing: `catalog check` reports
    # it, and a notice prints the Japanese value instead (see `in_language`).
    translations: dict[str, dict[str, str]]
    digest: str  # sha256 of the effective configuration, for batch manifests and resume checks

    def japanese(self, key: str) -> str:
        """A reader-visible value (a READER_KEYS key) as configured, in Japanese."""
        section, name = key.split(".")
        return getattr(getattr(self, section), name)

    def in_language(self, key: str, locale: str) -> str | None:
        """A reader-visible value as a reader of `locale` reads it: the Japanese for the Japanese
        locales' own, else its translation, or None when the configuration has none (the caller
        prints the Japanese, tagged as Japanese, and warns).

        >>> config = load()
        >>> config.in_language("municipality.name", "en"), config.in_language("municipality.name", "ja")
        ('Itabashi City', '板橋区')
        """
        if key not in READER_KEYS:
            raise KeyError(key)
        if locale == i18n.SOURCE_LOCALE:
            return self.japanese(key)
        return self.translations.get(locale, {}).get(key) or None

    def missing_translations(self, locale: str) -> tuple[str, ...]:
        """The READER_KEYS a translated locale has no value for."""
        return tuple(key for key in READER_KEYS if self.in_language(key, locale) is None)


_SECTION_NAMES = tuple(
    field.name
    for field in dataclasses.fields(Settings)
    if field.name not in ("digest", "translations")
)
_SECTION_TYPES = typing.get_type_hints(Settings)
_NOT_IN_DIGEST = frozenset({"batch", "preview", "translation"})


def load(path: Path | None = None) -> Settings:
    """The shipped defaults, overlaid with the file at `path` when one is given."""
    merged = _read_toml(project.DEFAULT_CONFIG, "the shipped default configuration")
    if path is not None:
        override = _read_toml(path, str(path))
        translations = override.pop("translations", {})
        _overlay(merged, override, prefix="")
        _drop_stale_translations(merged)
        _overlay_translations(merged, translations)
    return _build(merged)


def _drop_stale_translations(merged: dict[str, Any]) -> None:
    """A shipped translation is of one Japanese value: where a municipality's file changes that
    value, the shipped translations of it no longer apply (they would print Itabashi's office in
    another city's notice), and the value is missing until the file gives its own."""
    shipped = _read_toml(project.DEFAULT_CONFIG, "the shipped default configuration")
    for key in READER_KEYS:
        section, name = key.split(".")
        if merged[section][name] == shipped[section][name]:
            continue
        for table in merged.get("translations", {}).values():
            if isinstance(table.get(section), dict):
                table[section].pop(name, None)


def _overlay_translations(merged: dict[str, Any], override: Any) -> None:
    if not isinstance(override, dict):
        raise ConfigError("translations", "must be a table ([translations.en] …)")
    base = merged.setdefault("translations", {})
    for locale, table in override.items():
        if not isinstance(table, dict):
            raise ConfigError(f"translations.{locale}", "must be a table")
        target = base.setdefault(locale, {})
        for section, values in table.items():
            if isinstance(values, dict) and isinstance(target.get(section), dict):
                target[section].update(values)
            else:
                target[section] = values


def _read_toml(path: Path, what: str) -> dict[str, Any]:
    try:
        return tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError("(file)", f"{what} does not exist") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError("(file)", f"{what} cannot be read: {error}") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError("(file)", f"{what} is not valid TOML: {error}") from None


def _overlay(base: dict[str, Any], override: dict[str, Any], prefix: str) -> None:
    for key, value in override.items():
        dotted = f"{prefix}{key}"
        if key not in base:
            raise ConfigError(
                dotted, "unknown key (check its spelling against default_config.toml)"
            )
        if isinstance(base[key], dict):
            if not isinstance(value, dict):
                raise ConfigError(dotted, "must be a table ([" + dotted + "])")
            _overlay(base[key], value, prefix=f"{dotted}.")
        else:
            base[key] = value


def _build(data: dict[str, Any]) -> Settings:
    sections = {}
    for name in _SECTION_NAMES:
        section_type = _SECTION_TYPES[name]
        table = data.get(name, {})
        hints = typing.get_type_hints(section_type)
        values = {}
        for field in dataclasses.fields(section_type):
            key = f"{name}.{field.name}"
            if field.name not in table:
                raise ConfigError(key, "missing")
            values[field.name] = _convert(key, table[field.name], hints[field.name])
        sections[name] = section_type(**values)
    # The digest is of the values as loaded, so 95 and 95.0 (or a reordered file) digest the same,
    # and only of what a notice is made from: tuning the staff preview does not stop a batch's resume.
    canonical = json.dumps(
        {
            name: dataclasses.asdict(value)
            for name, value in sections.items()
            if name not in _NOT_IN_DIGEST
        },
        sort_keys=True,
        default=str,
        ensure_ascii=False,
    )
    translations = _translations(data.get("translations", {}))
    # Translations are printed on the notice: a changed one is a changed notice.
    canonical += json.dumps(translations, sort_keys=True, ensure_ascii=False)
    settings = Settings(
        **sections,
        translations=translations,
        digest=hashlib.sha256(canonical.encode()).hexdigest(),
    )
    _validate(settings)
    return settings


def _translations(data: Any) -> dict[str, dict[str, str]]:
    """[translations.<locale>] checked: known locales, known keys, strings with balanced readings.
    An empty string is allowed (a value still to be translated) and counts as missing."""
    if not isinstance(data, dict):
        raise ConfigError("translations", "must be a table ([translations.en] …)")
    result: dict[str, dict[str, str]] = {}
    for locale, table in data.items():
        where = f"translations.{locale}"
        if locale == i18n.SOURCE_LOCALE:
            raise ConfigError(
                where, "the Japanese values are the configuration's own ([municipality], [sender])"
            )
        if locale not in locales.TRANSLATED:
            meant = locales.from_spelling(locale)
            hint = f' (did you mean "{meant}"?)' if meant and meant != locale else ""
            raise ConfigError(
                where,
                f"unknown locale{hint}; the translated locales are "
                + ", ".join(locales.TRANSLATED),
            )
        if not isinstance(table, dict):
            raise ConfigError(where, "must be a table")
        values: dict[str, str] = {}
        for section, fields in table.items():
            if not isinstance(fields, dict):
                raise ConfigError(
                    f"{where}.{section}",
                    "unknown key; a translation is given for one of " + ", ".join(READER_KEYS),
                )
            for name, value in fields.items():
                key = f"{section}.{name}"
                if key not in READER_KEYS:
                    raise ConfigError(
                        f"{where}.{key}",
                        "unknown key; a translation is given for one of " + ", ".join(READER_KEYS),
                    )
                if not isinstance(value, str):
                    raise ConfigError(
                        f"{where}.{key}", 'must be a string ("" if not yet translated)'
                    )
                text = value.strip()
                if text and (
                    text.count("｜") != len(i18n.RUBY.findall(text))
                    or text.count("《") != text.count("》")
                ):
                    raise ConfigError(
                        f"{where}.{key}", "unbalanced reading notation (write ｜漢字《かんじ》)"
                    )
                values[key] = text
        result[locale] = values
    return result


def _convert(key: str, value: Any, wanted: type) -> Any:
    if wanted is str:
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(key, "must be a non-empty string")
        return value.strip()
    if wanted is bool:
        if not isinstance(value, bool):
            raise ConfigError(key, "must be true or false")
        return value
    if wanted is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(key, "must be a number")
        return float(value)
    if wanted == tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            example = (
                '["127.0.0.1"]'
                if key == "preview.trusted_proxies"
                else '["uni-voice-encoder", "--size", "M"]'
            )
            raise ConfigError(key, f"must be a list of strings, e.g. {example}")
        return tuple(value)
    if wanted is dt.date:
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                pass
        raise ConfigError(key, "must be a date, written YYYY-MM-DD")
    raise AssertionError(f"no conversion for {wanted}")


_PHONE = re.compile(r"^[0-9]{2,5}-[0-9]{1,4}-[0-9]{3,4}$")
_POSTAL = re.compile(r"^[0-9]{3}-[0-9]{4}$")


def _validate(settings: Settings) -> None:
    if not _PHONE.match(settings.sender.phone):
        raise ConfigError("sender.phone", "must be a phone number with hyphens, e.g. 03-3964-1111")
    if not _POSTAL.match(settings.sender.postal_code):
        raise ConfigError("sender.postal_code", "must be written 123-4567")
    if not re.match(r"^https?://[^\s]+$", settings.web.site_url):
        raise ConfigError("web.site_url", "must be an http:// or https:// address")
    if settings.notice.mask_pattern.count("{last4}") != 1:
        raise ConfigError("notice.mask_pattern", "must contain {last4} exactly once")
    if not re.fullmatch(r"\d{6}|\d{8}", settings.municipality.insurer_number):
        raise ConfigError(
            "municipality.insurer_number", "must be the 保険者番号: 6 digits (NHI) or 8 digits"
        )
    dates = settings.dates
    if not dates.reference <= dates.issue:
        raise ConfigError(
            "dates.reference",
            "must be on or before dates.issue (the notice states the data as of it)",
        )
    if not dates.issue < dates.transition <= dates.paper_card_limit:
        raise ConfigError(
            "dates",
            "must satisfy issue < transition <= paper_card_limit (the notice precedes the change)",
        )
    press = settings.press
    if press.pdfx not in PDFX_VERSIONS:
        raise ConfigError("press.pdfx", 'must be "PDF/X-4" or "PDF/X-1a"')
    for name in ("sequence_left_mm", "sequence_top_mm", "sheet_mark_left_mm", "sheet_mark_top_mm"):
        if not 0 <= getattr(press, name) <= 200:
            raise ConfigError(f"press.{name}", "must be on the A4 sheet (0 to 200 mm)")
    if not 4 <= press.sheet_mark_size_mm <= 20:
        raise ConfigError("press.sheet_mark_size_mm", "must be from 4 to 20 mm")
    voice_code = settings.voice_code
    if voice_code.encoder not in ("qr", "command"):
        raise ConfigError("voice_code.encoder", 'must be "qr" or "command"')
    if voice_code.encoder == "command" and not voice_code.command:
        raise ConfigError(
            "voice_code.command", 'must name the encoder program when encoder is "command"'
        )
    if not 10 <= voice_code.size_mm <= 30:
        raise ConfigError("voice_code.size_mm", "must be between 10 and 30 (millimetres)")
    if not 0 <= settings.batch.shape_cache_max_mb < math.inf:
        raise ConfigError("batch.shape_cache_max_mb", "must be a size in MB, 0 or more (e.g. 2048)")
    window = settings.envelope
    for name in ("window_x_mm", "window_y_mm"):
        if getattr(window, name) < 0:
            raise ConfigError(f"envelope.{name}", "must not be negative")
    if window.window_width_mm < 80:
        raise ConfigError(
            "envelope.window_width_mm",
            "must be at least 80 mm: the customer barcode is 79.8 mm wide",
        )
    if window.window_height_mm < addressblock.minimum_window_height_mm():
        raise ConfigError(
            "envelope.window_height_mm",
            f"must be at least {addressblock.minimum_window_height_mm():.1f} mm to hold the address block",
        )
    if window.window_x_mm + window.window_width_mm > A4_WIDTH_MM - 10:
        raise ConfigError("envelope", "the window reaches into the sheet's 10 mm right margin")
    if window.window_y_mm + window.window_height_mm > A4_HEIGHT_MM / 3:
        raise ConfigError(
            "envelope", "the window must lie within the top third of the sheet (99 mm)"
        )
