"""Voice-readable codes: a page's voice text made into printable code images.

The widespread Uni-Voice symbology is proprietary, so the default encoder prints a standard QR code
holding the text exactly, labelled honestly; a phone camera reads it and the screen reader speaks
it. A municipality with a licensed Uni-Voice encoder plugs it in as an external command (text on
stdin, SVG or PNG on stdout) without code changes.

QR codes are made by zxing-cpp, whose encoder picks Kanji, alphanumeric and byte segments to make
the smallest symbol; it is ~10x faster than segno. Its data mask is chosen by noticegen.qrmask,
which makes the encoder's own choice in less time (0.7 ms a code, probes included, where
zxing-cpp's own choice took 1.5 ms).
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import functools
import hashlib
import math
import re
import shutil
import subprocess
import unicodedata
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import zxingcpp

from noticegen import caches, greypng, locales, pagegeometry, qrmask
from noticegen.i18n import Translator

# Sizes for a phone, measured (bench/phone_capture.py --sweep, the README's table): a phone-like
# capture (tilt, perspective, blur, uneven light, JPEG 60) of full symbols with modules of 6 printer
# dots at 600 dpi (0.254 mm, version 25) was read by zbar 92-98% of the time at 300 dpi and never at
# 200 dpi; with 7 dots (0.296 mm, version 21) zxing-cpp and zbar read 99-100% at 300 dpi, and with
# 8 dots (0.339 mm, version 17) 100%, and zxing-cpp 99-100% at 200 dpi too. The spec's limits
# stay: modules of at least 0.25 mm, at most 30 mm square.
MAX_CODE_MM = 30.0
QUIET_ZONE_MODULES = 4
# The largest versions tried, the sturdiest first: 17 (85 modules of 0.344 mm: 29.3 mm, 32 mm with
# its quiet zone); 20 (97 of 0.305 mm) for a page whose text would otherwise need more codes than
# leave room for the text beside them (pagegeometry.PAGE.max_codes_beside_text); 25 (117 of
# 0.256 mm), the weakest, only when 20 cannot do that either. 17 and 20 decode from a phone at
# 300 dpi, 17 at 200 dpi too. (Version 21 needs modules under 0.296 mm to fit the code area.)
VERSION_TIERS = (17, 20, 25)
MAX_VERSION = VERSION_TIERS[-1]
MIN_MODULE_MM = 0.254  # the spec's 0.25 mm; version 25 in the code area gets 0.256 mm
MAX_MODULE_MM = 0.5  # small codes grow to here
# Strongest first (dirt and creases are common on mail), never L: in issue 15's check, zbar read 6
# of 38 level-L codes from a phone-like capture, and 37 of 37 at M, Q or H.
EC_LEVELS = ("H", "Q", "M")
COMMAND_TIMEOUT_S = 30


class VoiceCodeError(Exception):
    """The configured encoder cannot make codes (a usage or configuration problem)."""


@dataclass(frozen=True)
class CodeImage:
    """One printed code: its image as a data URI, its printed size and what it says it is."""

    data_uri: str
    size_mm: float  # the square's side, quiet zone included
    text: str  # exactly what the code holds
    ec_level: str  # H, Q, M or L; "" for an external encoder
    version: int  # QR version (1–40); 0 for an external encoder


class Encoder(Protocol):
    name: str

    def split(
        self,
        page_text: str,
        page: int,
        translator: Translator,
        passages: tuple[Passage, ...] | None = None,
        room: int | None = None,
    ) -> tuple[str, ...]:
        """The texts of the page's codes, in reading order: one, or several with markers; at most
        `room` of them where the text fits (the codes the page's row holds)."""
        ...

    def encode(self, text: str) -> CodeImage: ...


# ---------------------------------------------------------------------------------------------
# QR codes


@dataclass(frozen=True)
class _Symbol:
    modules: int
    ec_level: str
    image: bytes  # modules × modules, row-major, 0 = dark


_TOO_LONG = re.compile(r"requires (\d+) codewords \(maximum (\d+)\)")
_TOO_LONG_FOR_VERSION = re.compile(
    r"too long for Version \d+-[LMQH], requires \d+ codewords \(maximum (\d+)\)"
)
# Texts that overflow version MAX_VERSION yet fit version 40 at each level: probing a version with
# one makes the encoder report that version's capacity.
_OVERFLOW = {"L": "あ" * 1000, "M": "あ" * 1000, "Q": "あ" * 900, "H": "あ" * 500}


_UTF8_ECI = 26


def _charset(text: str) -> dict:
    """The encoder's character-set option for `text`.

    Left to itself, zxing-cpp writes a text that ISO-8859-1 can hold (Spanish, Portuguese) as
    bytes in that set without saying so, as QR allows; but zbar, like readers set up for Japan,
    takes such bytes for Shift_JIS when they can be read so (「Informaci鏮」): the harness saw it
    misread 16 Spanish and Portuguese codes. A text with characters outside Shift_JIS is written as
    UTF-8 under an explicit ECI; Japanese keeps the compact Kanji mode, which every reader knows.
    """
    try:
        text.encode("shift_jis")
    except UnicodeEncodeError:
        return {"eci": _UTF8_ECI}
    return {}


def _attempt(text: str, ec_level: str, version: int):
    """The encoder's symbol at exactly `version` under data mask 0 (unscored, see `_masked`), or
    (codewords needed, codewords available) if the text is too long for it.

    zxing-cpp answers "too long" in a tenth of a millisecond with both numbers, which is what makes
    choosing the version and the error-correction level cheap.
    """
    try:
        return zxingcpp.create_barcode(
            text,
            zxingcpp.BarcodeFormat.QRCode,
            ec_level=ec_level,
            version=version,
            data_mask=0,
            **_charset(text),
        )
    except ValueError as error:
        match = _TOO_LONG.search(str(error))
        if match is None:
            raise
        return int(match.group(1)), int(match.group(2))


def _masked(barcode, ec_level: str, version: int) -> _Symbol:
    """The symbol under the data mask the encoder itself would choose (noticegen.qrmask: the same
    choice, scored for the eight masks at once)."""
    _mask, dark = qrmask.best_masked(qrmask.dark_modules(barcode), version, ec_level)
    return _Symbol(dark.shape[0], ec_level, np.where(dark, np.uint8(0), np.uint8(255)).tobytes())


def _encode(text: str, ec_level: str, version: int) -> _Symbol | tuple[int, int]:
    """The symbol at exactly `version`, or (codewords needed, codewords available) if too long."""
    result = _attempt(text, ec_level, version)
    return result if isinstance(result, tuple) else _masked(result, ec_level, version)


@functools.cache
def _capacity(version: int, ec_level: str) -> int:
    """Data codewords of a version at an error-correction level (read from the encoder)."""
    try:
        zxingcpp.create_barcode(
            _OVERFLOW[ec_level], zxingcpp.BarcodeFormat.QRCode, ec_level=ec_level, version=version
        )
    except ValueError as error:
        match = _TOO_LONG_FOR_VERSION.search(str(error))
        if match is not None:
            return int(match.group(1))
    raise AssertionError(f"cannot read the capacity of QR version {version}-{ec_level}")


# Versions 10 to 26 share the length of the segment headers' count fields, so a probe at version 10
# counts exactly what any version up to MAX_VERSION needs; versions 1 to 9 share theirs (shorter),
# so a probe at version 1 counts what any of them needs.
_PROBE_VERSION = 10
_SMALL_PROBE_VERSION = 1


@functools.lru_cache(maxsize=64)
def _needed(text: str, ec_level: str) -> int:
    """Codewords `text` needs in versions 10–26; 0 when it fits version 10 or smaller.

    Cached: splitting a page's text asks about the texts it then encodes.
    """
    result = _attempt(text, ec_level, _PROBE_VERSION)
    return result[0] if isinstance(result, tuple) else 0


# One byte-mode segment (with its header, and a UTF-8 ECI header when there is one) costs at most
# this many codewords beyond the text's bytes; the encoder's own choice of segments is never larger.
_BYTE_MODE_OVERHEAD = 6


# Characters Python's shift_jis codec writes otherwise than the encoder's own Shift_JIS table: the
# backslash (U+005C) takes two bytes there (0x815F), not one; "~" and "＼" (U+FF3C) are not in it
# at all, so that a text holding one of them is written as UTF-8. Found by asking the encoder
# about every character the codec writes (tests/test_voicecode_choice.py).
_TWO_BYTES_IN_ENCODERS_SHIFT_JIS = "\\"
_OUTSIDE_ENCODERS_SHIFT_JIS = ("~", "\uff3c")


def _most_codewords(text: str) -> int:
    """As many codewords as any version from 10 to 26 needs for `text`, or more: the text as one
    byte-mode segment, in Shift_JIS as the encoder's own table writes it, or in UTF-8 for a text
    that table cannot hold. The encoder picks the cheapest segments (an all-Latin-1 text it may
    write in ISO-8859-1, shorter still), never dearer than that one.

    Shift_JIS, not UTF-8, for a Japanese text: its kana and kanji take two bytes, not three, so
    that the bound decides about half of the texts that splitting a page asks about without
    asking the encoder (measured on the population's pages: 2,721 of 5,867 probes).
    """
    if not any(character in text for character in _OUTSIDE_ENCODERS_SHIFT_JIS):
        with contextlib.suppress(UnicodeEncodeError):
            shift_jis = len(text.encode("shift_jis")) + text.count(_TWO_BYTES_IN_ENCODERS_SHIFT_JIS)
            return shift_jis + _BYTE_MODE_OVERHEAD
    return len(text.encode("utf-8")) + _BYTE_MODE_OVERHEAD


def _fits(text: str, ec_level: str, max_version: int = MAX_VERSION) -> bool:
    capacity = _capacity(max_version, ec_level)
    # Short texts surely fit: skip the probe, which builds a whole symbol when the text is small;
    # long ones surely do not: skip it too.
    if _most_codewords(text) <= capacity:
        return True
    if _least_codewords(text) > capacity:
        return False
    return _needed(text, ec_level) <= capacity


_DIGITS = re.compile(r"[0-9]")
_ALPHANUMERIC_NOT_DIGITS = re.compile(r"[A-Z $%*+\-./:]")


@functools.lru_cache(maxsize=256)
def _least_codewords(text: str) -> int:
    """Fewer codewords than any QR symbol of `text` holds its data in, however it is segmented:
    a bound that needs no encoding, so that splitting a page's text asks the encoder about the
    texts that may fit only.

    Each character costs at least: a digit 10/3 bits (numeric mode), a character of the
    alphanumeric set 5.5 bits, any other one 8 bits a byte in byte mode, except that a
    double-byte Shift_JIS character may take 13 bits in Kanji mode (3 fewer than its two bytes),
    or one byte if it is also in ISO-8859-1 (8 fewer). A text outside Shift_JIS is written as
    UTF-8 (`_charset`): there a character Kanji mode could hold saves at most 11 bits of its
    three bytes, and a text has at most half as many of them as the bytes of its Shift_JIS
    characters beyond ASCII. Every segment starts with a 4-bit mode indicator.
    """
    ascii_count = len(text.encode("ascii", "ignore"))
    digits = len(_DIGITS.findall(text))
    alphanumeric = len(_ALPHANUMERIC_NOT_DIGITS.findall(text))
    saved = digits * 14 / 3 + alphanumeric * 2.5
    try:
        encoded = text.encode("shift_jis")
    except UnicodeEncodeError:
        encoded = text.encode("utf-8")
        kanji_able = (len(text.encode("shift_jis", "ignore")) - ascii_count) // 2
        saved += 11 * kanji_able
    else:
        double_byte = len(encoded) - len(text)
        latin1 = len(text.encode("latin-1", "ignore")) - ascii_count
        saved += 3 * double_byte + 5 * latin1
    return math.ceil((8 * len(encoded) - saved + 4) / 8) - 1


def qr_symbol(text: str) -> _Symbol | None:
    """The smallest symbol for `text` within the sturdiest version tier that holds it at level M,
    at the strongest error correction that fits that tier."""
    for max_version in VERSION_TIERS:
        for level in EC_LEVELS:
            if _least_codewords(text) > _capacity(max_version, level):
                continue  # surely too long for this tier and level: the encoder is not asked
            needed = _needed(text, level)
            if needed > _capacity(max_version, level):
                continue
            if needed == 0:
                symbol = _smallest_up_to_probe(text, level)
            else:
                version = next(
                    version
                    for version in range(_PROBE_VERSION, max_version + 1)
                    if _capacity(version, level) >= needed
                )
                symbol = _encode(text, level, version)
            if isinstance(symbol, _Symbol):
                return symbol
    return None


def _smallest_up_to_probe(text: str, level: str) -> _Symbol | None:
    """The symbol at the smallest version, up to _PROBE_VERSION, for a text that fits that one.

    A probe at version 1 either is the symbol or says what versions 1 to 9 need: a version with
    fewer codewords cannot hold the text, so the encoding starts at the first with enough (one
    attempt, where trying each version in turn made up to ten)."""
    probe = _encode(text, level, _SMALL_PROBE_VERSION)
    if isinstance(probe, _Symbol):
        return probe
    needed = probe[0]
    for version in range(_SMALL_PROBE_VERSION + 1, _PROBE_VERSION + 1):
        if version < _PROBE_VERSION and _capacity(version, level) < needed:
            continue
        result = _encode(text, level, version)
        if isinstance(result, _Symbol):
            return result
    return None


def png(symbol: _Symbol) -> bytes:
    """The symbol as a grey PNG (black and white pixels), one pixel per module, quiet zone included
    (drawn in DeviceGray: see noticegen.greypng).

    Printed with image-rendering: pixelated, a module stays a sharp square at any size; building
    the image from bytes is about ten times faster than writing an SVG path in Python.
    """
    n = symbol.modules
    q = QUIET_ZONE_MODULES
    side = b"\xff" * q
    blank = b"\xff" * (n + 2 * q) * q
    rows = [side + symbol.image[start : start + n] + side for start in range(0, n * n, n)]
    # zxing-cpp writes 0 and 255
    return _saved(n + 2 * q, n + 2 * q, b"".join((blank, *rows, blank)))


# The pixels of the PNGs made here lately, by the PNG's digest: the shapes renderer draws a code
# after the whole chunk's notices were made (500 households, a dozen images each), and takes its
# pixels from here rather than decoding the PNG again. Kept at one bit a pixel (every image made
# here is black and white), a kilobyte or two each.
_MADE = caches.Bounded(8192)


def _saved(width: int, height: int, pixels: bytes) -> bytes:
    from PIL import Image

    data = greypng.encode(width, height, pixels)
    if caches.on() and greypng.black_and_white(pixels):
        image = Image.frombytes("L", (width, height), pixels)
        _MADE.put(hashlib.sha256(data).digest(), image.convert("1", dither=Image.Dither.NONE))
    return data


def made_image(data: bytes):
    """An image with the pixels of this PNG when it was lately made here (1-bit), else None."""
    return _MADE.get(hashlib.sha256(data).digest())


def module_mm(modules: int) -> float:
    """Large modules read best; small codes grow to MAX_MODULE_MM, big ones keep MIN_MODULE_MM.

    The symbol stays within MAX_CODE_MM and, with its quiet zone, within the page's code area
    (pagegeometry.PAGE.code_area_mm).
    """
    area = pagegeometry.PAGE.code_area_mm
    fitting = min(MAX_CODE_MM / modules, area / (modules + 2 * QUIET_ZONE_MODULES))
    return max(MIN_MODULE_MM, min(MAX_MODULE_MM, fitting))


def png_data_uri(data: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


def datamatrix_png(text: str) -> bytes:
    """A DataMatrix holding `text`, one pixel per module with its quiet zone, as a grey PNG of
    black and white pixels (drawn in DeviceGray, as png() says).

    For codes that machines and staff read (the inserter's sheet marks, the reply form's household
    id), never voice codes: a phone's camera does not take a DataMatrix for text to speak.
    """
    barcode = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.DataMatrix)
    image = zxingcpp.write_barcode_to_image(barcode, scale=1, add_quiet_zones=True)
    return _saved(image.shape[1], image.shape[0], bytes(memoryview(image)))


def qr_image(text: str) -> CodeImage:
    """A QR code for `text` (up to MAX_VERSION), sized by module_mm: pure, no caching."""
    symbol = qr_symbol(text)
    if symbol is None:
        raise ValueError("text does not fit one code; split it first")
    size = module_mm(symbol.modules)
    return CodeImage(
        data_uri=png_data_uri(png(symbol)),
        size_mm=round((symbol.modules + 2 * QUIET_ZONE_MODULES) * size, 3),
        text=text,
        ec_level=symbol.ec_level,
        version=(symbol.modules - 17) // 4,
    )


# Codes kept by the encoders: enough for the pages every household of a language shares (16
# locales, two editions, a few pages each), while each household's own page 1 passes through.
RECENT_CODES = 512


def _recent_codes() -> caches.Bounded:
    """An encoder's recent codes (or splits). Unbounded, a cache of codes would grow with every
    household of a run (each page 1 is its own) and with every notice the preview shows."""
    return caches.Bounded(RECENT_CODES, switchable=False)


class QrEncoder:
    """The default: a standard QR code holding the text exactly. Recent codes are kept by text,
    so the pages that are the same for every household of a language are encoded once per run."""

    name = "qr"
    # What its codes depend on beside their text (noticegen.notice keeps shared pages' codes by it).
    cache_key = ("qr",)

    def __init__(self) -> None:
        self._cache = _recent_codes()
        self._splits = _recent_codes()

    def encode(self, text: str) -> CodeImage:
        image = self._cache.get(text)
        if image is None:
            image = qr_image(text)
            self._cache.put(text, image)
        return image

    def split(
        self,
        page_text: str,
        page: int,
        translator: Translator,
        passages: tuple[Passage, ...] | None = None,
        room: int | None = None,
    ) -> tuple[str, ...]:
        key = (page_text, page, translator.locale, passages, room)
        texts = self._splits.get(key)
        if texts is None:
            texts = _split_in_tiers(page_text, page, translator, passages, room)
            self._splits.put(key, texts)
        return texts


def _fits_any(text: str) -> bool:
    return _fits(text, EC_LEVELS[-1])


def _split_in_tiers(page_text, page, translator, passages, room=None) -> tuple[str, ...]:
    """The page's codes at the sturdiest version tier whose codes fit the page's row (`room`
    codes); when none does, the fewest codes.

    Without `room`: the page that opens a part (its passages say what its first code must hold)
    is taken to have its contact box beside the codes, so that fewer codes fit its row.
    """
    if room is None:
        geometry = pagegeometry.PAGE
        opens_part = passages is not None and any(passage.first_code for passage in passages)
        room = geometry.max_codes_beside_text if opens_part else geometry.max_codes
    texts: tuple[str, ...] | None = None
    # The sturdy sizes (tiers 1 and 2, which a phone reads) with codes that break between
    # passages; then the same sizes with codes that break between any two sentences, and then
    # between words too, each code filled to the last word that fits; the weakest size last. A
    # passage longer than what a code has left wastes the rest of that code: measured, a Thai
    # check page of 2,087 bytes took six codes of version 20 between passages or sentences, and
    # fits five when a sentence may continue in the next code.
    # When nothing fits the row, the fewest codes.
    sturdy, weakest = VERSION_TIERS[:-1], VERSION_TIERS[-1:]
    # (max_version, piece bytes: None for whole sentences, 0 for the passages as they are)
    attempts: list[tuple[int, int | None]] = [(max_version, 0) for max_version in sturdy]
    for versions in (sturdy, weakest):
        for max_version in versions:
            attempts.append((max_version, 0))
            if passages is not None:
                # Pieces of a few words (a sixteenth of a code): small enough to fill each code.
                piece_bytes = _capacity(max_version, EC_LEVELS[-1]) // 16
                attempts += [(max_version, None), (max_version, piece_bytes)]
    # The finer ways made only when the attempts before fail (most pages fit the first), and
    # each tried once.
    ways: dict[int | None, tuple[Passage, ...] | None] = {0: passages}
    tried = set()
    for max_version, piece_bytes in attempts:
        if piece_bytes not in ways:
            ways[piece_bytes] = _finer(passages, piece_bytes)
        way = ways[piece_bytes]
        if (max_version, way) in tried:
            continue
        tried.add((max_version, way))
        fits = functools.partial(_fits, ec_level=EC_LEVELS[-1], max_version=max_version)
        try:
            split = split_text(page_text, page, translator, fits, way)
        except VoiceCodeError:
            continue
        if len(split) <= room:
            return split
        if texts is None or len(split) < len(texts):
            texts = split
    if texts is None:
        raise VoiceCodeError(f"page {page}: one sentence is too long for a single code")
    return texts


def _finer(passages: tuple[Passage, ...], piece_bytes: int | None) -> tuple[Passage, ...]:
    """The passages with each sentence a passage of its own, so that codes may break between any
    two sentences. With `piece_bytes`, a longer sentence also in pieces of about that many UTF-8
    bytes, cut between words (never beside a digit nor an abbreviation, so that no number or date
    is cut in two; not after a clause's comma, where a code's text would differ from the page's);
    and a member's data in runs of a few sentences (about five pieces), each starting with the
    member's number and name, so that a code may hold the end of one member and the start of the
    next and still name whose data it reads. Page 1's essentials, which keep their place in its
    first code, stay whole."""

    def pieces(sentence: str) -> list[str]:
        if piece_bytes is None:
            return [sentence]
        result, start = [], 0
        for point in _cut_points(sentence, level=0):
            if len(sentence[start:point].encode()) >= piece_bytes:
                result.append(sentence[start:point].strip())
                start = point
        return [*result, sentence[start:].strip()]

    def member_runs(passage: Passage) -> list[Passage]:
        if piece_bytes is None:
            return [passage]
        lead, *rest = passage.sentences
        runs: list[list[str]] = [[]]
        for sentence in rest:
            run = runs[-1]
            if run and len(" ".join((lead, *run, sentence)).encode()) > 5 * piece_bytes:
                runs.append([])
            runs[-1].append(sentence)
        return [dataclasses.replace(passage, sentences=(lead, *run)) for run in runs]

    result: list[Passage] = []
    for passage in passages:
        if passage.first_code:
            result.append(passage)
        elif passage.names_member:
            result += member_runs(passage)
        else:
            result += [
                dataclasses.replace(passage, sentences=(text,))
                for sentence in passage.sentences
                for text in pieces(sentence)
                if text
            ]
    return tuple(result)


@dataclass(frozen=True)
class Passage:
    """Sentences of a page's voice text that belong together. Codes are split between passages;
    inside one only when it alone is longer than a code, and then between its sentences."""

    sentences: tuple[str, ...]
    # A member's data: a code that continues it starts again with its first sentence, the member's
    # number and name, so that no code starts in the middle of someone's data without naming them.
    names_member: bool = False
    # Page 1's essentials (spec/voice-code.md: who, the four digits, what to do, the phone number).
    # "must": in the page's first code (the phone number). "may": there when there is room, else
    # straight after it. "lead": there when there is room, else straight after it (the title and
    # the page count, what to do): it makes room before the first member does. "extra": there
    # when there is room, else not said at all (a member's name and digits, read in full later).
    first_code: str = ""
    # The member's number in the household, for a member's passages (their summary on page 1 and
    # their data): which summary a member's data can take the place of.
    member: int = 0


def joined(sentences, gap: str) -> str:
    """Sentences as one text, `gap` apart (the locale's sentence gap: none in Japanese and Chinese,
    a space elsewhere; Thai ends a sentence with that space alone)."""
    return gap.join(sentence.strip() for sentence in sentences if sentence.strip())


# A Latin full stop ends a sentence only before a space (not inside www.example.jp), and not after
# an abbreviation of single letters (the Thai era ค.ศ., e.g.); the others always do.
_SENTENCE_END = re.compile(r"(?<=[。．！？။។।])|(?<=[.!?])(?=\s)")
_ABBREVIATION = re.compile(r"(?:[^\W\d_]\.)+")


def split_sentences(text: str) -> list[str]:
    """A text without passages (an old caller's, or a test's) cut at its sentence ends."""
    sentences: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        end = match.start()
        words = text[start:end].split()
        if text[end - 1 : end] == "." and words and _ABBREVIATION.fullmatch(words[-1]):
            continue
        if text[start:end].strip():
            sentences.append(text[start:end].strip())
            start = end
    if text[start:].strip():
        sentences.append(text[start:].strip())
    return sentences


# Marks that join the letter after them to the one before (Burmese and Khmer stack consonants
# after these; Devanagari's virama joins a conjunct): never cut right after one.
_JOINERS = "\u1039\u17d2\u094d\u200d"
# After these a clause ends in scripts written without spaces (Japanese, Chinese, Burmese).
_CLAUSE_ENDS = "、，,;；：၊"


def _cut_points(sentence: str, level: int = 0) -> list[int]:
    """Where a sentence longer than a code may be cut, from the best places to the last resort.

    0: between words, never beside an abbreviation (ค.ศ.) nor beside a digit, so that no date,
    number or spelled-out digits is cut in two; 1: also after a clause's comma (Japanese and
    Chinese have no spaces); 2: between any two words; 3: between any two letters (never inside
    a stacked cluster), so that no text is ever too long to print, however small the codes.
    """
    points = []
    if level >= 3:
        return [
            index
            for index in range(1, len(sentence))
            if not unicodedata.category(sentence[index]).startswith("M")
            and sentence[index - 1] not in _JOINERS
        ]
    for space in re.finditer(r"\s+", sentence):
        before = sentence[: space.start()].split()
        after = sentence[space.end() :].split()
        if not before or not after:
            continue
        if level < 2 and any(_ABBREVIATION.fullmatch(word) for word in (before[-1], after[0])):
            continue
        if level < 2 and re.search(r"\d", before[-1] + after[0]):
            continue
        points.append(space.end())
    if level >= 1:
        points += [
            match.end()
            for match in re.finditer(f"[{_CLAUSE_ENDS}](?=\\S)", sentence)
            if not re.match(r"\d", sentence[match.end() : match.end() + 1])
        ]
    return sorted(set(points))


def _cut(sentence: str, fits, level: int = 0) -> list[str]:
    """A sentence in pieces that each fit, cut at the best places that make them fit."""
    if fits(sentence) or level > 3:
        return [sentence]
    pieces = []
    start = previous = 0
    for point in [*_cut_points(sentence, level), len(sentence)]:
        if previous > start and not fits(sentence[start:point].strip()):
            pieces.append(sentence[start:previous].strip())
            start = previous
        previous = point
    pieces.append(sentence[start:].strip())
    return [piece for part in pieces for piece in _cut(part, fits, level + 1)]


def _cut_long_sentences(sentences: list[str], fits) -> list[str]:
    """Each sentence that `fits` refuses, cut at the best places that make its pieces fit (see
    `_cut_points`)."""
    return [piece for sentence in sentences for piece in _cut(sentence, fits)]


def _small_enough(passages, fits_alone) -> list[Passage]:
    """The passages, each that does not fit a code alone cut between its sentences (a member's
    continuation starting with the member's name again), and a sentence that alone does not fit
    cut between words."""
    result = []
    for passage in passages:
        if fits_alone(passage.sentences):
            result.append(passage)
            continue
        lead = passage.sentences[:1] if passage.names_member else ()
        sentences = _cut_long_sentences(
            list(passage.sentences), lambda sentence, lead=lead: fits_alone((*lead, sentence))
        )
        runs: list[list[str]] = []
        current: list[str] = []
        for sentence in sentences:
            if current and not fits_alone((*current, sentence)):
                runs.append(current)
                current = [*lead] if runs and lead and sentence != lead[0] else []
            current.append(sentence)
        runs.append(current)
        result += [Passage(tuple(run), False, passage.first_code, passage.member) for run in runs]
    return result


def _flat(passages) -> tuple[str, ...]:
    return tuple(sentence for passage in passages for sentence in passage.sentences)


def _longest_fitting(passages: list[Passage], fits_run) -> int:
    """How many of the passages, from the first, one code holds (found by bisection)."""
    low, high = 0, len(passages)
    while low < high:
        middle = (low + high + 1) // 2
        if fits_run(passages[:middle]):
            low = middle
        else:
            high = middle - 1
    return low


def _first_code(passages: list[Passage], fits_run) -> tuple[list[Passage], list[Passage]]:
    """Page 1's first code: every "must" passage; the others while there is room (making room,
    the latest leave first, but the title only before the first member's name), those left out
    but "extra" following straight after; then, when nothing was left out, whatever else fits."""
    last = max(index for index, passage in enumerate(passages) if passage.first_code)
    chosen: list[int] = []
    left: list[int] = []
    for index in range(last + 1):
        must = passages[index].first_code == "must"
        # Once one member is left for the next code, the members after follow it there, in order
        # (what to do and the title still take the room there is).
        if passages[index].first_code in ("may", "extra") and left:
            left.append(index)
            continue
        if fits_run([passages[i] for i in (*chosen, index)]):
            chosen.append(index)
            continue
        if not must:
            left.append(index)
            continue
        # Make room for it: the passages that may leave the first code leave it, latest first.
        while not fits_run([passages[i] for i in (*chosen, index)]):
            movable = [i for i in chosen if passages[i].first_code != "must"]
            if not movable:
                break
            # The members go latest first, but the first member only after the "lead" passages
            # (the title, what to do): who the notice is for matters most.
            members = [i for i in movable if passages[i].first_code in ("may", "extra")]
            leads = [i for i in movable if passages[i].first_code == "lead"]
            leaving = movable[-1] if len(members) > 1 or not leads else leads[0]
            chosen.remove(leaving)
            left.append(leaving)
        if fits_run([passages[i] for i in (*chosen, index)]):
            chosen.append(index)
        else:
            left.append(index)
    first = [passages[i] for i in chosen]
    rest = [passages[i] for i in sorted(left) if passages[i].first_code != "extra"]
    rest += passages[last + 1 :]
    if not left:
        more = _longest_fitting(rest, lambda run: fits_run(first + run))
        first, rest = first + rest[:more], rest[more:]
    return first, rest


def split_text(
    page_text: str,
    page: int,
    translator: Translator,
    fits,
    passages: tuple[Passage, ...] | None = None,
) -> tuple[str, ...]:
    """Split a page's text over as many codes as it needs, between passages, never truncating.

    `passages` are the page's text after its opening 「1ページ目。」, as the voice text was made
    (noticegen.voice); without them the text is cut at its sentence ends. Each part starts with
    「1ページ目、その2。」 and all but the last end by saying where the next code is, so a reader
    who finds one code can find the others. Page 1's essentials go in its first code.
    """
    if fits(page_text):
        return (page_text,)
    _ = translator.gettext
    gap = locales.get(translator.locale).sentence_gap
    opening = _("{page}ページ目。").format(page=page)
    if passages is None:
        passages = tuple(Passage((s,)) for s in split_sentences(page_text.removeprefix(opening)))
    # Page 1's summary of the members (their names and digits, said again with their data) costs
    # a code when the first code has no room to spare: then the members printed on the page are
    # read in full at the front instead, as many as the first code holds.
    in_front = _members_in_front(passages)
    if in_front != passages:
        whole = joined((opening, *_flat(in_front)), gap)
        if fits(whole):
            return (whole,)

    def part(number: int, sentences, last: bool) -> str:
        marker = _("{page}ページ目、その{part}。").format(page=page, part=number)
        follows = _("続きは、左どなりのコード、その{part}にあります。").format(part=number + 1)
        return joined((marker, *sentences, *(() if last else (follows,))), gap)

    def parts_of(passages) -> list[tuple[str, ...]]:
        # Sized as the widest part could carry them: 「その99」 and its continuation are longest.
        remaining = _small_enough(passages, lambda run: fits(part(99, run, last=False)))
        parts: list[tuple[str, ...]] = []
        if any(passage.first_code for passage in remaining):
            first, remaining = _first_code(
                remaining, lambda run: fits(part(1, _flat(run), last=False))
            )
            parts.append(_flat(first))
        while remaining:
            number = len(parts) + 1

            def fits_run(run, number: int = number, left: int = len(remaining)) -> bool:
                return fits(part(number, _flat(run), last=len(run) == left))

            count = _longest_fitting(remaining, fits_run)
            if count == 0:
                raise VoiceCodeError(f"page {page}: one sentence is too long for a single code")
            parts.append(_flat(remaining[:count]))
            remaining = remaining[count:]
        return parts

    parts = parts_of(passages)
    if in_front != passages:
        fewer = parts_of(in_front)
        names = {passage.sentences[0] for passage in passages if passage.names_member}
        named = any(sentence in names for sentence in fewer[0])
        # … as long as the first code then still names someone.
        if len(fewer) < len(parts) and (named or not any(s in names for s in parts[0])):
            parts = fewer
    return tuple(
        part(number, sentences, last=number == len(parts))
        for number, sentences in enumerate(parts, start=1)
    )


def _members_in_front(passages) -> tuple[Passage, ...]:
    """The page's passages with each member's summary replaced by their full data, when the page
    reads them in full too (its member table); members printed elsewhere keep their summary."""
    # Only members summarised on this page move: a continuation page has no summary, and its
    # members' data stays where it is (dropping it there lost every member from the codes).
    summarised = {passage.member for passage in passages if passage.first_code == "extra"}
    records = {
        passage.member: passage
        for passage in passages
        if passage.names_member
        and passage.member
        and not passage.first_code
        and passage.member in summarised
    }
    result = []
    for passage in passages:
        if passage.first_code == "extra" and passage.member in records:
            result.append(dataclasses.replace(records[passage.member], first_code="may"))
        elif passage.member in records and passage is records[passage.member]:
            continue
        else:
            result.append(passage)
    return tuple(result)


# ---------------------------------------------------------------------------------------------
# An external encoder (a licensed Uni-Voice encoder, for example)


class CommandEncoder:
    """Runs the configured program with the page's text on stdin; it prints an SVG or a PNG."""

    name = "command"

    def __init__(self, command: tuple[str, ...], size_mm: float) -> None:
        if not command:
            raise VoiceCodeError("voice_code.command is empty; name the encoder program to run")
        program = shutil.which(command[0])
        if program is None:
            raise VoiceCodeError(
                f"voice code encoder {command[0]!r} was not found; install it or fix "
                "voice_code.command in the configuration"
            )
        self.command = (program, *command[1:])
        self.size_mm = size_mm
        self.cache_key = ("command", self.command, size_mm)
        self._cache = _recent_codes()
        # Fail before any page is rendered, not halfway through a run.
        self.encode("音声コードの確認。")

    def split(
        self,
        page_text: str,
        page: int,
        translator: Translator,
        passages: tuple[Passage, ...] | None = None,
        room: int | None = None,
    ) -> tuple[str, ...]:
        return (page_text,)  # the encoder owns its capacity; it fails if the text is too long

    def encode(self, text: str) -> CodeImage:
        cached = self._cache.get(text)
        if cached is not None:
            return cached
        try:
            result = subprocess.run(
                self.command,
                input=text.encode("utf-8"),
                capture_output=True,
                timeout=COMMAND_TIMEOUT_S,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            raise VoiceCodeError(f"voice code encoder {self.command[0]} failed: {error}") from None
        if result.returncode != 0:
            detail = result.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
            raise VoiceCodeError(
                f"voice code encoder {self.command[0]} exited with status {result.returncode}: "
                f"{detail[0][:200]}"
            )
        image = CodeImage(
            data_uri=_image_data_uri(result.stdout, self.command[0]),
            size_mm=self.size_mm,
            text=text,
            ec_level="",
            version=0,
        )
        self._cache.put(text, image)
        return image


def _image_data_uri(output: bytes, program: str) -> str:
    if output.startswith(b"\x89PNG\r\n\x1a\n"):
        return "data:image/png;base64," + base64.b64encode(output).decode("ascii")
    head = output[:512].lstrip()
    if head.startswith(b"<?xml") or head.startswith(b"<svg") or b"<svg" in head:
        return "data:image/svg+xml;base64," + base64.b64encode(output).decode("ascii")
    raise VoiceCodeError(f"voice code encoder {program} printed neither an SVG nor a PNG image")


# ---------------------------------------------------------------------------------------------
# Choosing the encoder, and placing the codes on the pages

# Placement (spec/voice-code.md): at the bottom of every page, the first code beside the notch the
# vendor punches in the paper's edge, further codes away from it in reading order. Where the codes,
# their slots and the notch are: noticegen.pagegeometry, the one definition the CSS reads too.


def encoder_for(options) -> Encoder:
    """The encoder the configuration names (settings.VoiceCodeOptions)."""
    if options.encoder == "command":
        return CommandEncoder(options.command, options.size_mm)
    return QrEncoder()


@dataclass(frozen=True)
class VoiceCode:
    image: CodeImage
    label: str  # printed under the code
    alt: str  # the alternative text a screen reader announces for the image


@dataclass(frozen=True)
class PageCodes:
    codes: tuple[VoiceCode, ...]  # in reading order

    @property
    def texts(self) -> tuple[str, ...]:
        return tuple(code.image.text for code in self.codes)

    @property
    def printed(self) -> tuple[VoiceCode, ...]:
        """Left to right on the page: the first code is rightmost, beside the notch."""
        return tuple(reversed(self.codes))

    @property
    def zone_width_mm(self) -> float:
        return pagegeometry.PAGE.zone_width_mm(len(self.codes))

    @property
    def slot_mm(self) -> float:
        return pagegeometry.PAGE.slot_mm

    @property
    def beside_width_mm(self) -> float:
        """The width left for text beside the codes, between the margin and the codes."""
        return pagegeometry.PAGE.beside_width_mm(len(self.codes))

    @property
    def area_mm(self) -> float:
        """The height of the area each code is centred in: the same on every page, whatever its
        codes, so that the notch is punched at one height (no code is larger: module_mm, and
        settings keep an external encoder's codes within 30 mm)."""
        return pagegeometry.PAGE.code_area_mm

    @property
    def notch_bottom_mm(self) -> float:
        """The notch's lower edge above the page bottom: level with the codes' centres."""
        return pagegeometry.PAGE.notch_bottom_mm


def page_codes(
    page_text: str,
    page: int,
    encoder: Encoder,
    translator: Translator,
    passages: tuple[Passage, ...] | None = None,
    room: int | None = None,
) -> PageCodes:
    """The page's codes; `room`: how many its row holds (pagegeometry), when the caller knows."""
    _ = translator.gettext
    texts = encoder.split(page_text, page, translator, passages, room)
    label = (
        _("音声読み上げ用コード（QRコード）") if encoder.name == "qr" else _("音声読み上げ用コード")
    )
    alt = _("このページの内容を読み上げるための音声コード")
    codes = []
    for number, text in enumerate(texts, start=1):
        suffix = _("（その{part}）").format(part=number) if len(texts) > 1 else ""
        codes.append(VoiceCode(encoder.encode(text), label + suffix, alt + suffix))
    return PageCodes(tuple(codes))
