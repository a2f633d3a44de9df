"""The data mask chosen by noticegen.qrmask: for any text, level and version, the very symbol
zxing-cpp makes when it chooses the mask itself (so the codes printed are the ones its own
evaluation gave, only made faster), and every mask's symbol as the encoder makes it under that
mask. The symbols are compared module for module with zxing-cpp's, and read back by its decoder."""

from __future__ import annotations

import random

import numpy as np
import pytest
import zxingcpp
from PIL import Image

from noticegen import qrmask, voicecode

_QR = zxingcpp.BarcodeFormat.QRCode
_LEVELS = ("L", "M", "Q", "H")

# Characters the voice texts are made of, by the encoder's modes: Kanji mode, numeric,
# alphanumeric, byte mode (Latin-1 letters), and UTF-8 under an ECI (Thai, Burmese, Vietnamese).
_ALPHABETS = (
    "保険証のお知らせ。マイナンバーカード、区役所国民健康保険課です",
    "0123456789",
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:",
    "abcdefghijklmnopqrstuvwxyzéñçãü, ",
    "บัตรประกันสุขภาพ ကျန်းမာရေးအာမခံ Nguyễn Văn Ánh",
)


def _random_text(rng: random.Random, length: int) -> str:
    """A text of `length` characters in runs from the alphabets, so the encoder mixes segments."""
    text = []
    while len(text) < length:
        alphabet = rng.choice(_ALPHABETS)
        text.extend(rng.choice(alphabet) for _ in range(rng.randint(1, 30)))
    return "".join(text[:length])


def _own_choice(text: str, level: str, version: int | None = None, **options) -> np.ndarray:
    """zxing-cpp's symbol for `text` (its own mask choice unless `data_mask` is given), True where
    dark."""
    if version is not None:
        options["version"] = version
    barcode = zxingcpp.create_barcode(
        text, _QR, ec_level=level, **voicecode._charset(text), **options
    )
    return qrmask.dark_modules(barcode)


def _ours(text: str, level: str, version: int) -> np.ndarray:
    symbol = voicecode._encode(text, level, version)
    assert isinstance(symbol, voicecode._Symbol)
    modules = np.frombuffer(symbol.image, dtype=np.uint8).reshape(symbol.modules, symbol.modules)
    return modules == 0


def test_a_random_corpus_gets_the_encoders_own_symbols():
    """600 texts of 1 to 700 characters in every mode, at each level, at the smallest version
    zxing-cpp picks for them (1 to 40) and at a version above it: the same modules, mask and all."""
    rng = random.Random(20261130)
    versions, masks = set(), set()
    for case in range(600):
        level = _LEVELS[case % 4]
        text = _random_text(rng, rng.randint(1, 700))
        try:
            own = _own_choice(text, level)
        except ValueError:
            continue  # beyond version 40 at this level
        version = (own.shape[0] - 17) // 4
        for tried in (version, min(40, version + rng.randint(1, 5))):
            expected = own if tried == version else _own_choice(text, level, tried)
            ours = _ours(text, level, tried)
            assert np.array_equal(ours, expected), (level, tried, len(text))
            versions.add(tried)
            masks.add(qrmask.best_masked(_unmasked(text, level, tried), tried, level)[0])
    # The corpus reached small and large symbols and every mask was chosen somewhere.
    assert min(versions) <= 3 and max(versions) >= 30
    assert masks == set(range(qrmask.MASKS))


def _unmasked(text: str, level: str, version: int) -> np.ndarray:
    return _own_choice(text, level, version, data_mask=0)


def _filling(version: int, level: str) -> str:
    """The longest start of a mixed text that fits the version: a full symbol."""
    source = ("お知らせ 0123456789 ABC-12 Nguyễn " * 200)[: 40 * version * 3]
    low, high = 1, len(source)
    while low < high:
        middle = (low + high + 1) // 2
        try:
            _own_choice(source[:middle], level, version, data_mask=0)
        except ValueError:
            high = middle - 1
        else:
            low = middle
    return source[:low]


@pytest.mark.parametrize("version", range(1, 41))
def test_each_masks_symbol_is_the_one_the_encoder_makes_under_that_mask(version):
    """Derived from the symbol under mask 0, each of the eight is the encoder's own under that
    mask: the function modules (alignment patterns, version information) and the format
    information are where qrmask takes them to be, at every version."""
    level = _LEVELS[version % 4]
    text = _filling(version, level)
    symbols = qrmask.all_masks(_unmasked(text, level, version), version, level)
    for mask in range(qrmask.MASKS):
        derived = (symbols >> mask & 1).astype(bool)
        assert np.array_equal(derived, _own_choice(text, level, version, data_mask=mask)), mask


def _penalty_one_by_one(modules: np.ndarray) -> int:
    """zint's `qr_evaluate` (backend/qr.c) as it reads, module by module: the reference."""
    size, score = modules.shape[0], 0
    lines = [list(row) for row in modules] + [list(column) for column in modules.T]
    for line in lines:
        run, colour = 0, 0
        for module in line:
            if module == colour:
                run += 1
            else:
                score += run - 2 if run >= 5 else 0
                run, colour = 1, module
        score += run - 2 if run >= 5 else 0
    for y in range(size - 1):
        for x in range(size - 1):
            block = modules[y : y + 2, x : x + 2]
            score += 3 if block.min() == block.max() else 0
    for line in lines:
        x = 0
        while x <= size - 7:
            if line[x : x + 7] == [1, 0, 1, 1, 1, 0, 1]:
                before = line[max(0, x - 4) : x]
                after = line[x + 7 : x + 11]
                if not any(before) or not any(after):  # the symbol's edge counts as light
                    score += 40
                x += 3
            x += 1
    percentage = 100.0 * modules.sum() / (size * size)
    return score + 10 * int(abs(percentage - 50.0) / 5.0)


def test_the_penalty_is_zints_rule_for_rule():
    """An all-light 21 × 21 square, counted by hand: 42 runs of 21 (19 each), 400 blocks of 2 × 2
    (3 each), no finder-like pattern, no dark module (10 × 10). Then random symbols, with
    finder-like patterns planted near the edges and inside, against the one-by-one reference."""
    assert qrmask.penalties(np.zeros((21, 21), dtype=np.uint8))[0] == 42 * 19 + 400 * 3 + 100
    rng = np.random.default_rng(3)
    finder_like = np.array([0, 0, 0, 0, 1, 0, 1, 1, 1, 0, 1, 0, 0, 0, 0], dtype=np.uint8)
    for size in (21, 25, 45, 57):
        for dark_share in (0.2, 0.5, 0.7):
            symbols = np.zeros((size, size), dtype=np.uint8)
            for mask in range(qrmask.MASKS):
                modules = (rng.random((size, size)) < dark_share).astype(np.uint8)
                for _ in range(6):
                    row, start = rng.integers(size), rng.integers(-4, size - 10)
                    piece = finder_like[max(0, -start) : size - start]
                    modules[row, max(0, start) : max(0, start) + len(piece)] = piece
                    modules = modules.T.copy()
                symbols |= modules << mask
            expected = [_penalty_one_by_one(symbols >> mask & 1) for mask in range(qrmask.MASKS)]
            assert qrmask.penalties(symbols).tolist() == expected, (size, dark_share)


def test_the_codes_made_are_read_back_by_zxing_cpp():
    """Symbols whose mask qrmask chose, at versions from 1 to 25, scaled up with their quiet
    zone: the decoder reads each to its text."""
    rng = random.Random(7)
    for version in (1, 5, 10, 17, 20, 25):
        text = _random_text(rng, 3 * version)
        symbol = voicecode._encode(text, "M", max(version, 1))
        if isinstance(symbol, tuple):
            continue
        image = Image.frombytes("L", (symbol.modules, symbol.modules), symbol.image)
        framed = Image.new("L", (symbol.modules + 8, symbol.modules + 8), 255)
        framed.paste(image, (4, 4))
        big = framed.resize((framed.width * 4, framed.height * 4), Image.Resampling.NEAREST)
        results = zxingcpp.read_barcodes(big, formats=_QR)
        assert [result.text for result in results] == [text], version
