"""noticegen.greypng's PNGs, read back by decoders the product does not write with: Pillow pixel
for pixel, zxing-cpp for the codes. (tests/test_variable_print.py compares the pages WeasyPrint
draws from them, rasterised by PDFium, with the shapes renderer's.)"""

from __future__ import annotations

import io
import random
import zlib

import pytest
from PIL import Image

from noticegen import greypng, postal, voicecode


def _pixels(width: int, height: int, seed: int, values: bytes = b"\x00\xff") -> bytes:
    rng = random.Random(seed)
    return bytes(rng.choice(values) for _ in range(width * height))


@pytest.mark.parametrize(
    ("width", "height"), [(1, 1), (1, 40), (40, 1), (21, 21), (133, 6), (185, 185), (7, 300)]
)
def test_pillow_reads_back_the_pixels_written(width, height):
    for seed, values in ((1, b"\x00\xff"), (2, bytes(range(256)))):
        pixels = _pixels(width, height, seed, values)
        image = Image.open(io.BytesIO(greypng.encode(width, height, pixels)))
        image.load()  # checks every chunk's CRC and the zlib stream
        assert (image.mode, image.size) == ("L", (width, height))
        assert image.tobytes() == pixels


def test_a_wrong_pixel_count_is_refused():
    with pytest.raises(ValueError, match="cannot make"):
        greypng.encode(3, 3, b"\x00" * 8)
    with pytest.raises(ValueError):
        greypng.encode(0, 3, b"")


def test_black_and_white_sees_any_grey_pixel():
    assert greypng.black_and_white(b"\x00\xff\xff\x00")
    assert not greypng.black_and_white(b"\x00\xfe\xff")
    assert not greypng.black_and_white(b"\x01")


def test_codes_are_smaller_than_pillows_png_of_the_same_pixels():
    """The reason for writing PNGs here: the files are smaller (and made faster) than Pillow's."""
    for text in ("1ページ目。", "音声コードの確認。" * 30, "Español: información " * 20):
        data = voicecode.png(voicecode.qr_symbol(text))
        image = Image.open(io.BytesIO(data))
        out = io.BytesIO()
        image.save(out, format="PNG")
        assert len(data) < len(out.getvalue())


def test_the_made_codes_decode_and_are_what_the_symbol_holds():
    """A voice code, a DataMatrix mark and the customer barcode, decoded from their PNGs."""
    import zxingcpp

    text = "マイナ保険証の登録について。電話 03-3964-1111"
    symbol = voicecode.qr_symbol(text)
    image = Image.open(io.BytesIO(voicecode.png(symbol)))
    quiet = voicecode.QUIET_ZONE_MODULES
    assert image.size == (symbol.modules + 2 * quiet,) * 2
    inner = image.crop((quiet, quiet, quiet + symbol.modules, quiet + symbol.modules))
    assert inner.tobytes() == symbol.image
    assert set(image.crop((0, 0, image.width, quiet)).tobytes()) == {255}
    big = image.resize((image.width * 4, image.height * 4), Image.Resampling.NEAREST)
    assert [found.text for found in zxingcpp.read_barcodes(big)] == [text]

    mark = Image.open(io.BytesIO(voicecode.datamatrix_png("000001-1/2")))
    big = mark.resize((mark.width * 6, mark.height * 6), Image.Resampling.NEAREST)
    assert [found.text for found in zxingcpp.read_barcodes(big)] == ["000001-1/2"]

    barcode = postal.customer_barcode("100-0013", "東京都千代田区霞が関1丁目3番2号", "")
    bars = Image.open(io.BytesIO(postal.png(barcode)))
    assert bars.mode == "L" and set(bars.tobytes()) == {0, 255}


def test_the_stream_is_one_zlib_stream_of_unfiltered_rows():
    """Rows carry filter type 0, so a reader that only knows "None" reads them too."""
    data = greypng.encode(3, 2, b"\x00\xff\x00\xff\x00\xff")
    start = data.index(b"IDAT") + 4
    length = int.from_bytes(data[start - 8 : start - 4], "big")
    assert zlib.decompress(data[start : start + length]) == b"\x00\x00\xff\x00\x00\xff\x00\xff"
