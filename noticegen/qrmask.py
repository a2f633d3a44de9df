"""The data mask of a QR symbol, chosen as zxing-cpp's encoder chooses it, in less time.

ISO/IEC 18004 has the encoder try the eight data masks and keep the one whose symbol scores the
lowest penalty (long runs, 2×2 blocks, finder-like patterns, an uneven share of dark modules).
zxing-cpp (through zint) does that one mask at a time, module by module: 1.4–1.8 ms for a symbol of
version 17–20, most of a household's voice-code work. Here the encoder is asked for the symbol
under mask 0 only (0.2 ms: no evaluation), the other seven are derived from it (the data modules
flipped where the two masks differ, the format information put in), and all eight are scored at
once, one bit each of a byte per module, with numpy: about 0.3 ms for a version-17 symbol, so a
code costs 0.7 ms on average (population texts, probes included) where it cost 1.5.

The scoring is zint's (backend/qr.c, `qr_evaluate`), rule for rule, so the mask chosen, and so
every symbol, is the one the encoder would have made itself: tests/test_qrmask.py checks it symbol
for symbol against zxing-cpp's own choice. Zint's reading of the finder-like rule: a 1:1:3:1:1
dark pattern scores 40 once when four light modules precede it or (else) follow it, beyond the
symbol's edge counting as light.
"""

from __future__ import annotations

import functools

import numpy as np
import zxingcpp

MASKS = 8


def symbol_size(version: int) -> int:
    return 17 + 4 * version


def _alignment_centres(version: int) -> list[int]:
    """The rows (and columns) of the alignment patterns' centres (ISO/IEC 18004, annex E)."""
    if version == 1:
        return []
    count = version // 7 + 2
    size = symbol_size(version)
    # Evenly spaced back from the far side, the step rounded up to an even number; version 32's
    # table entry is the one exception to the rule.
    step = 26 if version == 32 else (version * 4 + count * 2 + 1) // (count * 2 - 2) * 2
    return sorted([6] + [size - 7 - index * step for index in range(count - 1)])


@functools.cache
def _function_modules(version: int) -> np.ndarray:
    """True where the symbol holds no data: finder patterns with their separators and format
    information, timing patterns, alignment patterns, version information, the dark module."""
    size = symbol_size(version)
    function = np.zeros((size, size), dtype=bool)
    function[:9, :9] = True
    function[:9, size - 8 :] = True
    function[size - 8 :, :9] = True
    function[6, :] = True
    function[:, 6] = True
    centres = _alignment_centres(version)
    corners = {(6, 6), (6, size - 7), (size - 7, 6)}
    for row in centres:
        for column in centres:
            if (row, column) not in corners:
                function[row - 2 : row + 3, column - 2 : column + 3] = True
    if version >= 7:
        function[:6, size - 11 : size - 8] = True
        function[size - 11 : size - 8, :6] = True
    return function


def _format_positions(size: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows and columns of the 30 format-information modules (both copies), in one fixed order."""
    rows = [8] * 6 + [8, 8, 7] + [5, 4, 3, 2, 1, 0] + [size - 1 - k for k in range(7)] + [8] * 8
    columns = list(range(6)) + [7, 8, 8] + [8] * 6 + [8] * 7 + [size - 8 + k for k in range(8)]
    return np.array(rows), np.array(columns)


def _mask_patterns(size: int) -> np.ndarray:
    """The eight masks (ISO/IEC 18004, table 10) over a symbol: True where a module is flipped."""
    i, j = np.indices((size, size))  # row, column
    return np.array(
        [
            (i + j) % 2 == 0,
            i % 2 == 0,
            j % 3 == 0,
            (i + j) % 3 == 0,
            (i // 2 + j // 3) % 2 == 0,
            (i * j) % 2 + (i * j) % 3 == 0,
            ((i * j) % 2 + (i * j) % 3) % 2 == 0,
            ((i + j) % 2 + (i * j) % 3) % 2 == 0,
        ]
    )


@functools.cache
def _flips_from_mask_zero(version: int) -> np.ndarray:
    """Per module, a byte whose bit m is set where mask m differs from mask 0 on a data module:
    XORed into a symbol made under mask 0 (every bit set where it is dark), it gives all eight."""
    masks = _mask_patterns(symbol_size(version)) & ~_function_modules(version)
    differs = masks ^ masks[0]
    return np.bitwise_or.reduce(
        differs.astype(np.uint8) << np.arange(MASKS, dtype=np.uint8)[:, None, None], axis=0
    )


def dark_modules(barcode) -> np.ndarray:
    """The barcode's modules, True where dark (zxing-cpp writes dark as 0)."""
    image = zxingcpp.write_barcode_to_image(barcode, scale=1, add_quiet_zones=False)
    return np.asarray(image) == 0


@functools.cache
def _format_bits(ec_level: str) -> np.ndarray:
    """The format-information modules for each mask at this level, as bytes (bit m: mask m's
    module is dark), read from version-1 symbols the encoder makes."""
    rows, columns = _format_positions(symbol_size(1))
    bits = np.zeros(len(rows), dtype=np.uint8)
    for mask in range(MASKS):
        barcode = zxingcpp.create_barcode(
            "0", zxingcpp.BarcodeFormat.QRCode, ec_level=ec_level, version=1, data_mask=mask
        )
        bits |= dark_modules(barcode)[rows, columns].astype(np.uint8) << mask
    return bits


def all_masks(unmasked_dark: np.ndarray, version: int, ec_level: str) -> np.ndarray:
    """Every mask's symbol at once, from the symbol made under mask 0 (`unmasked_dark`, True where
    dark): a byte per module whose bit m is the module under mask m (1 = dark)."""
    symbols = np.where(unmasked_dark, np.uint8(0xFF), np.uint8(0)) ^ _flips_from_mask_zero(version)
    rows, columns = _format_positions(symbols.shape[0])
    symbols[rows, columns] = _format_bits(ec_level)
    return symbols


# Row b of this table holds the eight bits of the byte b.
_BITS_OF_BYTE = np.unpackbits(
    np.arange(256, dtype=np.uint8)[:, None], axis=1, bitorder="little"
).astype(np.int64)


def _per_mask(bits: np.ndarray) -> np.ndarray:
    """How many of the bytes have each bit set: a count for each of the eight masks (a histogram of
    the byte values, then each value's bits: unpacking every byte takes five times as long)."""
    histogram = np.bincount(bits.ravel(), minlength=256)
    return histogram @ _BITS_OF_BYTE


def _line_penalties(lines: np.ndarray) -> np.ndarray:
    """Rules 1 and 3 along the rows of `lines` (pass the transpose for the columns)."""
    same = ~(lines[:, 1:] ^ lines[:, :-1])  # bit set: the module equals the next one
    # A run of L ≥ 5 like modules scores L − 2: it holds L − 4 windows of five and L − 5 of six,
    # and 3 × (L − 4) − 2 × (L − 5) = L − 2.
    fives = same[:, :-3] & same[:, 1:-2] & same[:, 2:-1] & same[:, 3:]
    sixes = fives[:, :-1] & same[:, 4:]
    # Finder-like: dark, light, three dark, light, dark, with four light modules before or after
    # it; the symbol's surroundings count as light, hence the padding.
    size = lines.shape[1]
    padded = np.zeros((lines.shape[0], size + 8), dtype=np.uint8)
    padded[:, 4:-4] = lines
    width = size + 8
    core = (
        padded[:, 0 : width - 6]
        & ~padded[:, 1 : width - 5]
        & padded[:, 2 : width - 4]
        & padded[:, 3 : width - 3]
        & padded[:, 4 : width - 2]
        & ~padded[:, 5 : width - 1]
        & padded[:, 6:width]
    )
    light = ~padded
    four_light = (
        light[:, : width - 3] & light[:, 1 : width - 2] & light[:, 2 : width - 1] & light[:, 3:]
    )
    # A pattern starting at padded column p (4 ≤ p ≤ size − 3): light at p − 4 … p − 1 or at
    # p + 7 … p + 10.
    finder_like = core[:, 4 : width - 10] & (
        four_light[:, : width - 14] | four_light[:, 11 : width - 3]
    )
    return 3 * _per_mask(fives) - 2 * _per_mask(sixes) + 40 * _per_mask(finder_like)


def penalties(symbols: np.ndarray) -> np.ndarray:
    """The eight masks' penalty scores (zint's `qr_evaluate`) of `all_masks`' symbols."""
    size = symbols.shape[0]
    score = _line_penalties(symbols) + _line_penalties(np.ascontiguousarray(symbols.T))
    blocks = ~(symbols[:-1, :-1] ^ symbols[1:, :-1]) & ~(symbols[:-1, :-1] ^ symbols[:-1, 1:])
    blocks &= ~(symbols[:-1, :-1] ^ symbols[1:, 1:])
    score += 3 * _per_mask(blocks)
    # Rule 4 in zint's floating point, so that a share on a 5% step rounds the same way.
    percentage = 100.0 * _per_mask(symbols) / (size * size)
    score += 10 * (np.abs(percentage - 50.0) / 5.0).astype(np.int64)
    return score


def best_masked(unmasked_dark: np.ndarray, version: int, ec_level: str) -> tuple[int, np.ndarray]:
    """The mask with the lowest penalty (the first of equals, as zint keeps it) and its symbol,
    True where dark."""
    symbols = all_masks(unmasked_dark, version, ec_level)
    mask = int(np.argmin(penalties(symbols)))
    return mask, (symbols >> mask & 1).astype(bool)
