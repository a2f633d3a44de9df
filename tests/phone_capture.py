"""A phone's view of a printed voice code, and two independent decoders to read it.

A flatbed scan at 300 dpi is not how a blind resident reads the notice: they hold a phone over the
page. This module turns a clean rasterisation of a code into what a phone camera delivers (a few
degrees of tilt, a slightly skewed perspective, a slight blur, uneven light, JPEG compression) and
reads it with zxing-cpp and with zbar (pyzbar), which share no code. Used by
tests/test_phone_capture.py and bench/phone_capture.py.

Every condition is deterministic (no random numbers): a failure can be reproduced and looked at.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterator
from dataclasses import dataclass

import cv2
import numpy as np
import pypdfium2
import pypdfium2.raw as pdfium_c
import zxingcpp
from PIL import Image
from pyzbar import pyzbar

from tests.pdf_helpers import objects_in_page_space

MM = 72 / 25.4  # PDF points per millimetre
DPIS = (300, 200)  # the spec's resolutions: recommended print, and the minimum
# Around each code: the paper a phone sees beside it (a finger-width of page, as a reader frames it).
SURROUND_MM = 6.0


@dataclass(frozen=True)
class PhoneConditions:
    """What a hand-held phone adds to a clean image. Sizes are physical, so a condition means the
    same at 200 and 300 dpi."""

    tilt_deg: float = 3.0  # the phone turned in its plane
    keystone: float = (
        0.03  # the far edge this fraction narrower than the near one (the phone leant)
    )
    blur_mm: float = 0.08  # Gaussian sigma: slight defocus and hand shake (0.9 px at 300 dpi)
    light_low: float = 0.55  # uneven light: the darkest corner gets this fraction of the light
    light_from: int = (
        0  # the brightest corner: 0 top left, 1 top right, 2 bottom right, 3 bottom left
    )
    jpeg_quality: int = 60  # a phone's video frames are compressed hard


PHONE = PhoneConditions()
# A phone is held every which way: the tilt either way and the light from each corner, taken in
# turn by the codes read (variant(i)), so that no single angle decides the rates.
VARIANTS = tuple(
    PhoneConditions(tilt_deg=sign * PHONE.tilt_deg, light_from=corner)
    for corner in range(4)
    for sign in (1, -1)
)


def variant(index: int) -> PhoneConditions:
    return VARIANTS[index % len(VARIANTS)]


def phone_like(picture: Image.Image, dpi: int, conditions: PhoneConditions = PHONE) -> Image.Image:
    """`picture` (a clean rasterisation at `dpi`) as a phone captures it: greyscale, same size."""
    grey = np.asarray(picture.convert("L"), dtype=np.float32)
    height, width = grey.shape
    # Perspective: the top edge narrower than the bottom (the phone leant back), then a tilt.
    inset = conditions.keystone * width / 2
    source = np.float32([[0, 0], [width, 0], [width, height], [0, height]])
    target = np.float32([[inset, 0], [width - inset, 0], [width, height], [0, height]])
    warp = cv2.getPerspectiveTransform(source, target)
    turn = cv2.getRotationMatrix2D((width / 2, height / 2), conditions.tilt_deg, 1.0)
    warp = np.vstack([turn, [0, 0, 1]]) @ warp
    grey = cv2.warpPerspective(
        grey, warp, (width, height), flags=cv2.INTER_LINEAR, borderValue=255.0
    )
    sigma = conditions.blur_mm * dpi / 25.4
    grey = cv2.GaussianBlur(grey, (0, 0), sigmaX=sigma, sigmaY=sigma)
    # Light falls off from one corner to the opposite one; ink stays ink, paper gets greyer.
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    across, down = xs / max(width - 1, 1), ys / max(height - 1, 1)
    if conditions.light_from in (1, 2):
        across = 1 - across
    if conditions.light_from in (2, 3):
        down = 1 - down
    ramp = (across + down) / 2
    grey = grey * (1.0 - (1.0 - conditions.light_low) * ramp)
    out = io.BytesIO()
    Image.fromarray(np.clip(grey, 0, 255).astype(np.uint8)).save(
        out, format="JPEG", quality=conditions.jpeg_quality
    )
    out.seek(0)
    return Image.open(out).convert("L")


def decode_zxing(picture: Image.Image) -> list[str]:
    results = zxingcpp.read_barcodes(picture, formats=zxingcpp.BarcodeFormat.QRCode)
    return [result.text for result in results if result.valid]


def decode_zbar(picture: Image.Image) -> list[str]:
    # zbar converts every QR segment mode (Kanji in Shift_JIS, bytes under a UTF-8 ECI) to UTF-8.
    results = pyzbar.decode(picture.convert("L"), symbols=[pyzbar.ZBarSymbol.QRCODE])
    return [result.data.decode("utf-8", "replace") for result in results]


DECODERS = {"zxing-cpp": decode_zxing, "zbar": decode_zbar}


@dataclass(frozen=True)
class CodeBox:
    """A voice code found on a laid-out PDF page: its square in millimetres from the page's
    bottom-left corner (the image's own box, quiet zone included)."""

    left: float
    bottom: float
    size: float

    @property
    def right(self) -> float:
        return self.left + self.size

    @property
    def top(self) -> float:
        return self.bottom + self.size


def image_boxes(page: pypdfium2.PdfPage) -> list[CodeBox]:
    """Every square image on the page, in millimetres: the voice codes among them."""
    boxes = []
    for _obj, (left, bottom, right, top) in objects_in_page_space(
        page, [pdfium_c.FPDF_PAGEOBJ_IMAGE]
    ):
        width, height = (right - left) / MM, (top - bottom) / MM
        if abs(width - height) < 0.05:
            boxes.append(CodeBox(left / MM, bottom / MM, width))
    return boxes


def voice_code_boxes(page: pypdfium2.PdfPage, sizes: list[float]) -> list[CodeBox]:
    """The page's voice codes, left to right, found by their printed sizes (the view's)."""
    found = []
    candidates = image_boxes(page)
    for size in sizes:
        matches = [box for box in candidates if abs(box.size - size) < 0.05 and box not in found]
        found.extend(matches[:1])
    return sorted(found, key=lambda box: box.left)


def render_region(page: pypdfium2.PdfPage, box: CodeBox, dpi: int) -> Image.Image:
    """The code and SURROUND_MM of page around it, as a scan of the whole page at `dpi` shows it:
    the crop's edges fall on the page's own pixel grid (counted from its top-left corner), so a
    code is sampled exactly as in a full-page raster, not shifted by a fraction of a pixel."""
    width, height = page.get_size()
    pixel = 72 / dpi  # points

    def snap(points: float) -> float:
        return math.floor(points / pixel) * pixel

    left = snap(max(0.0, (box.left - SURROUND_MM) * MM))
    right = width - left - snap(min(width, (box.right + SURROUND_MM) * MM) - left)
    top = snap(height - min(height, (box.top + SURROUND_MM) * MM))  # from the top edge down
    bottom = height - top - snap(height - top - max(0.0, (box.bottom - SURROUND_MM) * MM))
    if width - left - right < pixel or height - top - bottom < pixel:
        # A code laid out off the paper (more codes than a row holds): the phone sees paper.
        side = round((box.size + 2 * SURROUND_MM) * dpi / 25.4)
        return Image.new("L", (side, side), 255)
    # PDFium rounds each crop up to whole pixels: a hair less keeps a whole number from rounding up.
    crop = tuple(max(0.0, value - pixel / 1000) for value in (left, bottom, right, top))
    bitmap = page.render(scale=dpi / 72, crop=crop, grayscale=True)
    try:
        return bitmap.to_pil().convert("L")
    finally:
        bitmap.close()


@dataclass(frozen=True)
class Reading:
    """One code read one way: by which decoder, at which resolution, clean or through a phone."""

    decoder: str
    dpi: int
    condition: str  # "clean" or "phone"
    expected: str
    decoded: tuple[str, ...]

    @property
    def ok(self) -> bool:
        # A decode counts only when the code says exactly the page's piece of voice text.
        return self.decoded == (self.expected,)


CONDITIONS = ("clean", "phone")


def read_code(
    region: Image.Image,
    expected: str,
    dpi: int,
    phone: PhoneConditions = PHONE,
    conditions: tuple[str, ...] = CONDITIONS,
) -> Iterator[Reading]:
    """Both decoders on the clean region and on its phone-like capture."""
    for condition in conditions:
        picture = region if condition == "clean" else phone_like(region, dpi, phone)
        for name, decode in DECODERS.items():
            yield Reading(name, dpi, condition, expected, tuple(decode(picture)))


def read_pdf(
    pdf: bytes, page_codes, dpis=DPIS, conditions: tuple[str, ...] = CONDITIONS
) -> Iterator[tuple[int, int, object, Reading]]:
    """Every voice code of a rendered notice, read every way: (page index, code index, the code,
    the reading). `page_codes` is the view's voice_codes, page by page. The codes take the phone's
    VARIANTS in turn (tilted either way, lit from each corner)."""
    document = pypdfium2.PdfDocument(pdf)
    count = 0
    try:
        for page_index, codes in enumerate(page_codes):
            page = document[page_index]
            try:
                printed = codes.printed  # left to right, as on the page
                boxes = voice_code_boxes(page, [code.image.size_mm for code in printed])
                if len(boxes) != len(printed):
                    raise AssertionError(
                        f"page {page_index + 1}: {len(printed)} codes in the view, "
                        f"{len(boxes)} found on the page"
                    )
                for code, box in zip(printed, boxes, strict=True):
                    phone = variant(count)
                    count += 1
                    for dpi in dpis:
                        region = render_region(page, box, dpi)
                        for reading in read_code(region, code.image.text, dpi, phone, conditions):
                            yield page_index, codes.codes.index(code), code, reading
            finally:
                page.close()
    finally:
        document.close()
