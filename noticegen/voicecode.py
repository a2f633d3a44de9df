"""Voice-readable codes: a page's voice text made into printable code images.

The widespread Uni-Voice symbology is proprietary, so the default encoder prints a standard QR code
holding the text exactly, labelled honestly; a phone camera reads it and the screen reader speaks
it. A municipality with a licensed Uni-Voice encoder plugs it in as an external command (text on
stdin, SVG or PNG on stdout) without code changes.

QR codes are made by zxing-cpp, whose encoder picks Kanji, alphanumeric and byte segments to make
the smallest symbol; it is ~10x faster than segno with its automatic mask choice.
"""

from __future__ import annotations

import base64
import collections
import functools
import io
import re
import shutil
import subprocess
import threading
from dataclasses import dataclass
from typing import Protocol

import zxingcpp

from noticegen.i18n import Translator

# Sizes from spec/voice-code.md: modules of at least 0.25 mm, at most 30 mm square. 0.254 mm is
# exactly 2 pixels at 200 dpi and 6 printer dots at 600 dpi, so a code stays crisp when printed or
# scanned at those resolutions.
MIN_MODULE_MM = 0.254
MAX_MODULE_MM = 0.5
MAX_CODE_MM = 30.0
MAX_SLOT_CODE_MM = 32.0  # the code with its quiet zone, within the 32.5 mm slot
QUIET_ZONE_MODULES = 4
# The largest version whose symbol fits MAX_CODE_MM at MIN_MODULE_MM: 17 + 4 × 25 = 117 modules.
MAX_VERSION = 25
EC_LEVELS = ("H", "Q", "M", "L")  # strongest first: dirt and creases are common on mail
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

    def split(self, page_text: str, page: int, translator: Translator) -> tuple[str, ...]:
        """The texts of the page's codes, in reading order: one, or several with markers."""
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


def _encode(text: str, ec_level: str, version: int) -> _Symbol | tuple[int, int]:
    """The symbol at exactly `version`, or (codewords needed, codewords available) if too long.

    zxing-cpp answers "too long" in a tenth of a millisecond with both numbers, which is what makes
    choosing the version and the error-correction level cheap.
    """
    try:
        barcode = zxingcpp.create_barcode(
            text, zxingcpp.BarcodeFormat.QRCode, ec_level=ec_level, version=version
        )
    except ValueError as error:
        match = _TOO_LONG.search(str(error))
        if match is None:
            raise
        return int(match.group(1)), int(match.group(2))
    image = zxingcpp.write_barcode_to_image(barcode, scale=1, add_quiet_zones=False)
    return _Symbol(image.shape[0], ec_level, bytes(memoryview(image)))


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
# counts exactly what any version up to MAX_VERSION needs.
_PROBE_VERSION = 10


@functools.lru_cache(maxsize=64)
def _needed(text: str, ec_level: str) -> int:
    """Codewords `text` needs in versions 10–26; 0 when it fits version 10 or smaller.

    Cached: splitting a page's text asks about the texts it then encodes.
    """
    result = _encode(text, ec_level, _PROBE_VERSION)
    return 0 if isinstance(result, _Symbol) else result[0]


# Byte mode with a UTF-8 ECI header costs at most this many codewords beyond the text's bytes; the
# encoder's own choice of segments is never larger.
_BYTE_MODE_OVERHEAD = 6


def _fits(text: str, ec_level: str) -> bool:
    # Short texts surely fit: skip the probe, which builds a whole symbol when the text is small.
    if len(text.encode("utf-8")) + _BYTE_MODE_OVERHEAD <= _capacity(MAX_VERSION, ec_level):
        return True
    return _needed(text, ec_level) <= _capacity(MAX_VERSION, ec_level)


def qr_symbol(text: str) -> _Symbol | None:
    """The smallest symbol for `text` at the strongest error correction that fits 30 mm."""
    for level in EC_LEVELS:
        needed = _needed(text, level)
        if needed > _capacity(MAX_VERSION, level):
            continue
        if needed == 0:
            versions = range(1, _PROBE_VERSION + 1)
        else:
            versions = [
                version
                for version in range(_PROBE_VERSION, MAX_VERSION + 1)
                if _capacity(version, level) >= needed
            ][:1]
        for version in versions:
            result = _encode(text, level, version)
            if isinstance(result, _Symbol):
                return result
    return None


def png(symbol: _Symbol) -> bytes:
    """The symbol as a grey PNG (black and white pixels), one pixel per module, quiet zone included.

    8-bit grey, not 1-bit: WeasyPrint draws a grey PNG in DeviceGray (black ink alone on a press)
    but turns a 1-bit one into RGB, which a press prints in four inks.

    Printed with image-rendering: pixelated, a module stays a sharp square at any size; building
    the image in C is about ten times faster than writing an SVG path in Python.
    """
    from PIL import Image

    n = symbol.modules
    q = QUIET_ZONE_MODULES
    image = Image.new("L", (n + 2 * q, n + 2 * q), 255)
    image.paste(Image.frombytes("L", (n, n), symbol.image), (q, q))  # zxing-cpp writes 0 and 255
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def module_mm(modules: int) -> float:
    """Large modules read best; small codes grow to MAX_MODULE_MM, big ones keep MIN_MODULE_MM.

    The symbol stays within MAX_CODE_MM and, with its quiet zone, within a SLOT_MM slot.
    """
    fitting = min(MAX_CODE_MM / modules, MAX_SLOT_CODE_MM / (modules + 2 * QUIET_ZONE_MODULES))
    return max(MIN_MODULE_MM, min(MAX_MODULE_MM, fitting))


def png_data_uri(data: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


def datamatrix_png(text: str) -> bytes:
    """A DataMatrix holding `text`, one pixel per module with its quiet zone, as a grey PNG of
    black and white pixels (drawn in DeviceGray, as png() says).

    For codes that machines and staff read (the inserter's sheet marks, the reply form's household
    id), never voice codes: a phone's camera does not take a DataMatrix for text to speak.
    """
    from PIL import Image

    barcode = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.DataMatrix)
    image = zxingcpp.write_barcode_to_image(barcode, scale=1, add_quiet_zones=True)
    width, height = image.shape[1], image.shape[0]
    picture = Image.frombytes("L", (width, height), bytes(memoryview(image)))
    out = io.BytesIO()
    picture.save(out, format="PNG")
    return out.getvalue()


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


class _Recent:
    """The most recently used entries of a cache, at most `size` of them.

    Unbounded, a cache of codes would grow with every household of a run (each page 1 is its own)
    and with every notice the preview shows. Thread-safe: the preview serves several threads.
    """

    def __init__(self, size: int = RECENT_CODES) -> None:
        self._entries: collections.OrderedDict = collections.OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            return value

    def put(self, key, value) -> None:
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)


class QrEncoder:
    """The default: a standard QR code holding the text exactly. Recent codes are kept by text,
    so the pages that are the same for every household of a language are encoded once per run."""

    name = "qr"

    def __init__(self) -> None:
        self._cache = _Recent()
        self._splits = _Recent()

    def encode(self, text: str) -> CodeImage:
        image = self._cache.get(text)
        if image is None:
            image = qr_image(text)
            self._cache.put(text, image)
        return image

    def split(self, page_text: str, page: int, translator: Translator) -> tuple[str, ...]:
        key = (page_text, page, translator.locale)
        texts = self._splits.get(key)
        if texts is None:
            texts = split_text(page_text, page, translator, _fits_any)
            self._splits.put(key, texts)
        return texts


def _fits_any(text: str) -> bool:
    return _fits(text, EC_LEVELS[-1])


def _sentences(text: str) -> list[str]:
    # A full stop ends a sentence; a Latin one only before a space (not inside www.example.jp).
    # Burmese ။, Khmer ។ and Devanagari । end sentences too.
    return [part for part in re.split(r"(?<=[。．！？။។।])|(?<=[.!?])(?=\s)", text) if part]


def _cut_long_sentences(sentences: list[str], fits) -> list[str]:
    pieces = []
    for sentence in sentences:
        if fits(sentence):
            pieces.append(sentence)
            continue
        current = ""
        for word in re.split(r"(?<=\s)", sentence):
            if current and not fits(current + word):
                pieces.append(current)
                current = word
            else:
                current += word
        if current:
            pieces.append(current)
    return pieces


def split_text(page_text: str, page: int, translator: Translator, fits) -> tuple[str, ...]:
    """Split a page's text over as many codes as it needs, at sentence ends, never truncating.

    Each part starts with 「1ページ目、その2。」 and all but the last end by saying where the next
    code is, so a reader who finds one code can find the others.
    """
    if fits(page_text):
        return (page_text,)
    _ = translator.gettext
    opening = _("{page}ページ目。").format(page=page)
    body = _sentences(page_text.removeprefix(opening))

    def part(number: int, sentences: list[str], last: bool) -> str:
        text = _("{page}ページ目、その{part}。").format(page=page, part=number) + "".join(sentences)
        if not last:
            text += _("続きは、左どなりのコード、その{part}にあります。").format(part=number + 1)
        return text

    # A sentence too long for one code (Thai separates sentences by spaces alone, so a page may
    # look like one sentence) is cut between words instead.
    body = _cut_long_sentences(body, lambda piece: fits(part(1, [piece], last=False)))
    parts: list[list[str]] = []
    remaining = body
    while remaining:
        number = len(parts) + 1
        # The longest run of whole sentences that fits, found by bisection.
        low, high = 1, len(remaining)
        if not fits(part(number, remaining[:1], last=len(remaining) == 1)):
            raise VoiceCodeError(f"page {page}: one sentence is too long for a single code")
        while low < high:
            middle = (low + high + 1) // 2
            if fits(part(number, remaining[:middle], last=middle == len(remaining))):
                low = middle
            else:
                high = middle - 1
        parts.append(remaining[:low])
        remaining = remaining[low:]
    return tuple(
        part(number, sentences, last=number == len(parts))
        for number, sentences in enumerate(parts, start=1)
    )


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
        self._cache = _Recent()
        # Fail before any page is rendered, not halfway through a run.
        self.encode("音声コードの確認。")

    def split(self, page_text: str, page: int, translator: Translator) -> tuple[str, ...]:
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

# Placement (spec/voice-code.md): bottom-right of every page, the first code beside a notch the
# vendor punches in the paper's right edge, further codes to its left in reading order.
PAGE_MARGIN_MM = 10.0
LABEL_HEIGHT_MM = 8.0  # the label under each code: two lines of 9 pt
# Every code gets a slot this wide, whatever its size: the largest code (30 mm plus its quiet zone)
# fits, and so does its label on two lines.
SLOT_MM = 32.5
CODE_GAP_MM = 3.0
NOTCH_DIAMETER_MM = 6.0
PAGE_WIDTH_MM = 210.0


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
        return SLOT_MM * len(self.codes) + CODE_GAP_MM * (len(self.codes) - 1)

    @property
    def slot_mm(self) -> float:
        return SLOT_MM

    @property
    def beside_width_mm(self) -> float:
        """The width left for text beside the codes, between the left margin and the codes."""
        return PAGE_WIDTH_MM - 2 * PAGE_MARGIN_MM - self.zone_width_mm - CODE_GAP_MM

    @property
    def area_mm(self) -> float:
        """The height of the area each code is centred in: the largest code's, whatever this
        page's codes are, so the notch is punched at one height on every page."""
        return max(MAX_SLOT_CODE_MM, *(code.image.size_mm for code in self.codes))

    @property
    def notch_bottom_mm(self) -> float:
        """The notch's lower edge above the page bottom: centred on the first code's area."""
        return PAGE_MARGIN_MM + LABEL_HEIGHT_MM + self.area_mm / 2 - NOTCH_DIAMETER_MM / 2


def page_codes(page_text: str, page: int, encoder: Encoder, translator: Translator) -> PageCodes:
    _ = translator.gettext
    texts = encoder.split(page_text, page, translator)
    label = (
        _("音声読み上げ用コード（QRコード）") if encoder.name == "qr" else _("音声読み上げ用コード")
    )
    alt = _("このページの内容を読み上げるための音声コード")
    codes = []
    for number, text in enumerate(texts, start=1):
        suffix = _("（その{part}）").format(part=number) if len(texts) > 1 else ""
        codes.append(VoiceCode(encoder.encode(text), label + suffix, alt + suffix))
    return PageCodes(tuple(codes))
