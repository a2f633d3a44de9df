"""The address block in the envelope window: its type, its lines, and whether it fits.

Japan Post's sorting machines and carriers must see the postal code, address and name through the
window however the insert shifts, so the block's lines are broken here from the font's own advance
widths instead of being left to the renderer. `records` can then reject an address that cannot fit
before anything is printed, and `render` places exactly these lines, one box each.
"""

from __future__ import annotations

from dataclasses import dataclass

from noticegen import fonts
from noticegen.cellfit import NO_LINE_START, PT_MM, WIDTH_SAFETY

FONT_FILE = "BIZUDPGothic-Regular.ttf"
# At least 2 mm from every window edge (spec), plus 1 mm for rounding in layout.
PADDING_MM = 3.0
POSTAL_PT = 12.0
ADDRESS_PT = 10.5
NAME_PT = 13.0
LINE_HEIGHT = 1.35
POSTAL_GAP_MM = 2.0  # between the postal code and the address (内国郵便約款 別記1)
# Under the name, Japan Post's customer barcode: 3.6 mm tall at 10 pt, with 2 mm clear above it
# (measured from the name's glyph box, whose descent leaves a little more ink-free space).
BARCODE_HEIGHT_MM = 3.6
BARCODE_GAP_MM = 2.5
BARCODE_ZONE_MM = BARCODE_GAP_MM + BARCODE_HEIGHT_MM
# The address, the 方書 and the name share the window's height: a short address leaves room for a
# long building name or a name on two lines.
MAX_NAME_LINES = 2
HONORIFIC = "様"


def _line_mm(points: float) -> float:
    return points * PT_MM * LINE_HEIGHT


def _fixed_height_mm() -> float:
    """The parts of the block whose height does not depend on the text: postal code, gap, barcode."""
    return _line_mm(POSTAL_PT) + POSTAL_GAP_MM + BARCODE_ZONE_MM + 2 * PADDING_MM


def minimum_window_height_mm() -> float:
    """The smallest window that holds one address line and one name line."""
    return _fixed_height_mm() + _line_mm(ADDRESS_PT) + _line_mm(NAME_PT)


def block_height_mm(lines: AddressLines) -> float:
    address_count = len(lines.address) + len(lines.address2)
    return (
        _fixed_height_mm()
        + address_count * _line_mm(ADDRESS_PT)
        + len(lines.name) * _line_mm(NAME_PT)
    )


class AddressTooLongError(ValueError):
    """The block does not fit the window; `field` is the column whose text overflowed it."""

    def __init__(self, field: str):
        super().__init__(f"the address block does not fit the envelope window ({field})")
        self.field = field


@dataclass(frozen=True)
class AddressLines:
    postal_code: str  # 173-0004
    address: tuple[str, ...]
    address2: tuple[str, ...]
    name: tuple[str, ...]  # ends with the honorific


def inner_width_mm(window_width_mm: float) -> float:
    return window_width_mm - 2 * PADDING_MM


def lay_out(
    postal_code: str,
    address: str,
    address2: str | None,
    head_name: str,
    window_width_mm: float,
    window_height_mm: float,
) -> AddressLines:
    """Break the block into lines that fit the window; raise AddressTooLongError if they cannot."""
    width_mm = inner_width_mm(window_width_mm) * WIDTH_SAFETY
    address_em = width_mm / (ADDRESS_PT * PT_MM)
    name_lines = _fit(
        "head_name", f"{head_name}　{HONORIFIC}", width_mm / (NAME_PT * PT_MM), MAX_NAME_LINES
    )
    lines = AddressLines(
        f"{postal_code[:3]}-{postal_code[3:]}",
        tuple(break_lines(address, address_em)),
        tuple(break_lines(address2, address_em)) if address2 else (),
        name_lines,
    )
    if block_height_mm(lines) > window_height_mm:
        raise AddressTooLongError("address2" if lines.address2 else "address")
    return lines


def _fit(field: str, text: str, width_em: float, max_lines: int) -> tuple[str, ...]:
    lines = break_lines(text, width_em)
    if len(lines) > max_lines:
        raise AddressTooLongError(field)
    return tuple(lines)


def break_lines(text: str, width_em: float) -> list[str]:
    """Greedy line breaking by advance width, with 行頭禁則 and breaks at spaces in Latin text.

    >>> break_lines("東京都板橋区板橋二丁目66番1号", 8)
    ['東京都板橋区板橋', '二丁目66番1号']
    """
    metrics = fonts.metrics(FONT_FILE)
    lines: list[str] = []
    current = ""
    for char in text:
        if current and _fits_before(char) and metrics.width_em(current + char) > width_em:
            current, carried = _split_point(current, char)
            lines.append(current.rstrip())
            current = carried.lstrip()
        if current or not char.isspace():  # a line never starts with a space
            current += char
    if current.strip():
        lines.append(current.rstrip())
    return lines


def _fits_before(char: str) -> bool:
    """Whether a line may break before `char`: never inside a variation sequence."""
    return ord(char) not in fonts.VARIATION_SELECTORS


def _split_point(current: str, next_char: str) -> tuple[str, str]:
    """Where to end the line `current` when `next_char` no longer fits: (line, carried over)."""
    if next_char in NO_LINE_START and len(current) > 1:
        return current[:-1], current[-1]
    if next_char.isascii() and next_char.isalnum() and " " in current:
        # Inside a Latin word: break at the last space instead of mid-word.
        head, _, tail = current.rpartition(" ")
        if head and tail.isascii():
            return head, tail
    return current, ""
