"""The fonts a notice may use: installing them, confining rendering to them, and their coverage.

Rendering must look the same on every machine and must never borrow a glyph from a font nobody
chose, so WeasyPrint (through Pango and fontconfig) is pointed at a fontconfig file that lists only
`fonts/files/` and includes no system configuration. `activate()` must run before WeasyPrint is
imported, because fontconfig reads FONTCONFIG_FILE once, when it is first initialised.
"""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from noticegen import project

MANIFEST = project.FONTS / "manifest.toml"
FONT_DIR = project.FONTS / "files"
FONTCONFIG_FILE = project.FONTS / "fonts.conf"
FONTCONFIG_CACHE = project.FONTS / "cache"

# Variation selectors (standard and ideographic) pick a glyph variant of the character before them.
VARIATION_SELECTORS = frozenset(range(0xFE00, 0xFE10)) | frozenset(range(0xE0100, 0xE01F0))


class FontsMissingError(Exception):
    """The project's fonts are not installed under fonts/files/."""


@dataclass(frozen=True)
class FontFile:
    family: str
    file: str
    weight: int
    scripts: tuple[str, ...]
    languages: tuple[str, ...]  # the locales this font sets
    debian_package: str
    source: Path
    sha256: str
    index: int = 0  # the face within a font collection (.ttc)

    @property
    def path(self) -> Path:
        return FONT_DIR / self.file


@dataclass(frozen=True)
class Coverage:
    """The characters every configured font can draw, and the variation sequences they support."""

    codepoints: frozenset[int]
    variation_sequences: frozenset[tuple[int, int]]

    def unprintable(self, text: str) -> list[tuple[int, str]]:
        """Positions (1-based) and descriptions of the characters in `text` no font can draw.

        >>> Coverage(frozenset(map(ord, "山田")), frozenset()).unprintable("山\\ue000田")
        [(2, 'U+E000 (private-use character, 外字)')]
        """
        problems = []
        previous = None
        for position, char in enumerate(text, start=1):
            code = ord(char)
            if code in VARIATION_SELECTORS:
                if previous is None or (previous, code) not in self.variation_sequences:
                    problems.append(
                        (position, f"U+{code:04X} (variation selector not in the font)")
                    )
            elif code not in self.codepoints and not char.isspace():
                problems.append((position, describe_codepoint(code)))
            previous = code
        return problems


def describe_codepoint(code: int) -> str:
    if 0xE000 <= code <= 0xF8FF or 0xF0000 <= code <= 0x10FFFF:
        return f"U+{code:04X} (private-use character, 外字)"
    return f"U+{code:04X}"


@functools.cache
def manifest() -> tuple[FontFile, ...]:
    # Read once per process: every notice asks which families set its language.
    data = tomllib.loads(MANIFEST.read_text(encoding="utf-8"))
    return tuple(
        FontFile(
            family=entry["family"],
            file=entry["file"],
            weight=entry["weight"],
            scripts=tuple(entry["scripts"]),
            languages=tuple(entry["languages"]),
            debian_package=entry["debian_package"],
            source=Path(entry["source"]),
            sha256=entry["sha256"],
            index=entry.get("index", 0),
        )
        for entry in data["font"]
    )


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# How _make_name_font makes a name font; part of its file name. 2: the source font's timestamps
# kept (fontTools stamps a saved font with the time of saving by default, so every installation
# made a font of different bytes, and notices naming languages on page 1 differed between
# machines).
NAME_FONT_RECIPE = 2


@dataclass(frozen=True)
class NameFont:
    """A font made from a manifest font for one thing: a language's name on page 1.

    Page 1 of every notice names each language in its own script. Drawn in Noto Sans CJK, the
    names 简体中文, 繁體中文 and 한국어 cost about 250 KB in every PDF: WeasyPrint subsets
    keeping every glyph slot below the highest one used, and these glyphs sit high in a font of
    65,000. A font of just the name's characters (and their glyphs' shapes from the same face)
    costs a few kilobytes.
    """

    locale: str
    family: str
    source_file: str  # a manifest font's file
    index: int

    @property
    def characters(self) -> str:
        from noticegen import locales

        return locales.get(self.locale).native_name

    @property
    def path(self) -> Path:
        # The characters and the way it is made are part of the name: a renamed language, or a
        # change to _make_name_font, gets a font of its own (an older one is replaced at install).
        made = f"{self.characters}\0{NAME_FONT_RECIPE}"
        digest = hashlib.sha256(made.encode()).hexdigest()[:10]
        return FONT_DIR / f"name-{self.locale}-{digest}.otf"


@functools.cache
def name_fonts() -> tuple[NameFont, ...]:
    data = tomllib.loads(MANIFEST.read_text(encoding="utf-8"))
    return tuple(
        NameFont(entry["locale"], entry["family"], entry["from_file"], entry.get("index", 0))
        for entry in data.get("name_font", ())
    )


def name_family_for(locale: str) -> str:
    """The family that draws a language's own name on page 1."""
    for font in name_fonts():
        if font.locale == locale:
            return font.family
    return family_for(locale)


def _make_name_font(font: NameFont, path: Path | None = None) -> None:
    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options()
    options.layout_features = ["*"]  # the script's shaping (Hangul jamo, locl forms) kept
    options.name_IDs = ["*"]
    options.notdef_outline = True
    # The source's timestamps kept: the same font, byte for byte, whenever and wherever it is made.
    tt = TTFont(
        FONT_DIR / font.source_file, fontNumber=font.index, lazy=False, recalcTimestamp=False
    )
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=font.characters)
    subsetter.subset(tt)
    # A family name of its own, so fontconfig never offers it for anything but the name.
    postscript = font.family.replace(" ", "")
    names = tt["name"]
    for record in list(names.names):
        if record.nameID in (1, 3, 4, 16, 17, 21, 22):
            names.removeNames(nameID=record.nameID)
    for name_id, value in ((1, font.family), (4, font.family), (6, postscript)):
        names.setName(value, name_id, 3, 1, 0x409)
        names.setName(value, name_id, 1, 0, 0)
    if "CFF " in tt:
        cff = tt["CFF "].cff
        cff.fontNames = [postscript]
    tt.save(path or font.path)
    tt.close()


def _install_name_fonts() -> None:
    for font in name_fonts():
        if not font.path.exists():
            for stale in FONT_DIR.glob(f"name-{font.locale}-*.otf"):
                stale.unlink()
            _make_name_font(font)


def install() -> list[str]:
    """Copy every manifest font from its system package into fonts/files/; return any warnings."""
    FONT_DIR.mkdir(parents=True, exist_ok=True)
    warnings = []
    for font in {font.file: font for font in manifest()}.values():
        if not font.source.exists():
            raise FontsMissingError(
                f"{font.source} not found: install the Debian package {font.debian_package} "
                "(scripts/setup.sh does this)"
            )
        if not font.path.exists() or _sha256(font.path) != _sha256(font.source):
            shutil.copyfile(font.source, font.path)
        if _sha256(font.path) != font.sha256:
            warnings.append(
                f"{font.file} differs from the version pinned in fonts/manifest.toml; "
                "notices will render, but not byte-identical to the golden files"
            )
    _install_name_fonts()
    write_fontconfig()
    return warnings


def write_fontconfig() -> None:
    FONTCONFIG_CACHE.mkdir(parents=True, exist_ok=True)
    FONTCONFIG_FILE.write_text(
        '<?xml version="1.0"?>\n'
        '<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n'
        "<!-- Generated by noticegen.fonts: only the project's fonts, no system configuration. -->\n"
        "<fontconfig>\n"
        f"  <dir>{escape(str(FONT_DIR))}</dir>\n"
        f"  <cachedir>{escape(str(FONTCONFIG_CACHE))}</cachedir>\n"
        "</fontconfig>\n",
        encoding="utf-8",
    )


def check_installed() -> None:
    missing = [font.file for font in manifest() if not font.path.exists()]
    missing += [font.path.name for font in name_fonts() if not font.path.exists()]
    if missing:
        raise FontsMissingError(
            f"fonts not installed: {', '.join(missing)} missing from {FONT_DIR}; "
            "run scripts/setup.sh (or: python -m noticegen.fonts install)"
        )


def activate() -> None:
    """Confine this process's fontconfig to the project's fonts. Call before importing WeasyPrint."""
    check_installed()
    if not FONTCONFIG_FILE.exists():
        write_fontconfig()
    os.environ["FONTCONFIG_FILE"] = str(FONTCONFIG_FILE)


@functools.cache
def coverage() -> Coverage:
    """What the Japanese notice's fonts can draw: names and addresses are set in them, so a
    character is printable only if every one of them has it."""
    return _coverage(tuple(font for font in manifest() if "ja" in font.languages))


@functools.cache
def coverage_for(locale: str) -> Coverage:
    """What the fonts that set `locale` can draw."""
    chosen = tuple(font for font in manifest() if locale in font.languages)
    if not chosen:
        raise FontsMissingError(f"no font in fonts/manifest.toml sets the locale {locale!r}")
    return _coverage(chosen)


def family_for(locale: str) -> str:
    """The font family that sets a locale's text (BIZ UDPGothic for Japanese)."""
    for font in manifest():
        if locale in font.languages and font.family != "BIZ UDGothic":
            return font.family
    raise FontsMissingError(f"no font in fonts/manifest.toml sets the locale {locale!r}")


def _coverage(fonts_to_read: tuple[FontFile, ...]) -> Coverage:
    from fontTools.ttLib import TTFont

    check_installed()
    codepoints: frozenset[int] | None = None
    sequences: frozenset[tuple[int, int]] | None = None
    for font in fonts_to_read:
        tt = TTFont(font.path, lazy=True, fontNumber=font.index)
        cmap = tt["cmap"]
        these = frozenset(cmap.getBestCmap())
        uvs = frozenset(
            (base, selector)
            for table in cmap.tables
            if table.format == 14
            for selector, pairs in table.uvsDict.items()
            for base, _glyph in pairs
        )
        codepoints = these if codepoints is None else codepoints & these
        sequences = uvs if sequences is None else sequences & uvs
        tt.close()
    return Coverage(codepoints or frozenset(), sequences or frozenset())


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args != ["install"]:
        print("usage: python -m noticegen.fonts install", file=sys.stderr)
        return 2
    try:
        for warning in install():
            print(f"warning: {warning}", file=sys.stderr)
    except FontsMissingError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"fonts installed in {FONT_DIR}")
    return 0


if __name__ == "__main__":
    sys.exit(main())


@dataclass(frozen=True)
class Metrics:
    """Horizontal advances of one font, in em, for laying out lines whose breaks we must control,
    and how far its content area reaches above and below the baseline (hhea, as the renderer's
    text shaping takes them)."""

    advances: dict[int, float]
    fallback: float  # the advance of the widest glyph, for a character the font lacks
    ascent: float = 0.0
    descent: float = 0.0  # below the baseline, positive

    def width_em(self, text: str) -> float:
        return sum(self.advances.get(ord(char), self.fallback) for char in text)


@functools.cache
def metrics(file: str, index: int = 0) -> Metrics:
    """The advances and vertical extent of a manifest font (`index`: the face within a
    collection)."""
    from fontTools.ttLib import TTFont

    check_installed()
    tt = TTFont(FONT_DIR / file, lazy=True, fontNumber=index)
    units = tt["head"].unitsPerEm
    hmtx = tt["hmtx"].metrics
    advances = {code: hmtx[glyph][0] / units for code, glyph in tt["cmap"].getBestCmap().items()}
    ascent, descent = tt["hhea"].ascent / units, -tt["hhea"].descent / units
    tt.close()
    return Metrics(advances, max(advances.values()), ascent, descent)
