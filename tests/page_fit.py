"""Whether a laid-out page keeps its content where the design puts it: inside the margins, above the
voice codes' foot, clear of the codes and of each other. Used by the tests and by bench/sheets.py
(--measure), from WeasyPrint's layout of render.document(...).

The foot (pagegeometry: margin, label, code area and the gap above) is kept for the codes on every
page; only the contact block beside the codes (`.closing`, absolutely placed at the bottom) may
reach into it, and then it must stay clear of every code.
"""

from __future__ import annotations

from dataclasses import dataclass

from weasyprint.formatting_structure.boxes import LineBox, ReplacedBox, TextBox
from weasyprint.layout.absolute import AbsolutePlaceholder

MM_PER_PX = 25.4 / 96  # WeasyPrint lays out in CSS pixels
PAGE_WIDTH_MM = 210.0
PAGE_HEIGHT_MM = 297.0
MARGIN_MM = 10.0
FOOT_MM = 53.0  # print.css's bottom padding: margin 10, label 8, code area 32, gap 3
TOLERANCE_MM = 0.01

# Absolutely placed parts drawn in the margins or the foot by design: the codes and their labels,
# the notch guides (half outside the page), the page number in the top margin, the batch's marks.
_OWN_PLACES = {"voice-codes", "notch-guide", "page-number", "sequence", "sheet-mark"}


@dataclass(frozen=True)
class Box:
    left: float
    top: float
    right: float
    bottom: float
    what: str
    in_foot_allowed: bool  # inside the .closing block, which sits beside the codes

    def overlaps(self, other: Box) -> bool:
        return (
            self.left < other.right - TOLERANCE_MM
            and other.left < self.right - TOLERANCE_MM
            and self.top < other.bottom - TOLERANCE_MM
            and other.top < self.bottom - TOLERANCE_MM
        )


def _classes(box) -> set[str]:
    element = getattr(box, "element", None)
    if element is None:
        return set()
    return set((element.get("class") or "").split())


def page_boxes(page) -> tuple[list[Box], list[Box]]:
    """(content, codes): every text box and image of the page in mm, and the voice codes' images.

    A text box is as tall as its font's content area but no taller than its line (some fonts'
    content area, Noto Sans Myanmar's 2.18 em, is taller than the line spacing)."""
    content: list[Box] = []
    codes: list[Box] = []

    def visit(box, closing: bool, code: bool, own: bool, line):
        if isinstance(box, AbsolutePlaceholder):
            box = box._box
        classes = _classes(box)
        closing = closing or "closing" in classes
        code = code or "voice-codes" in classes
        own = own or bool(classes & _OWN_PLACES)
        if isinstance(box, LineBox):
            line = box
        if isinstance(box, TextBox) and box.text.strip() and not own:
            top, bottom = box.position_y, box.position_y + box.height
            if line is not None:
                top = max(top, line.position_y)
                bottom = min(bottom, line.position_y + line.height)
            left = box.position_x
            content.append(
                Box(
                    left * MM_PER_PX,
                    top * MM_PER_PX,
                    (left + box.width) * MM_PER_PX,
                    bottom * MM_PER_PX,
                    box.text,
                    closing,
                )
            )
        if isinstance(box, ReplacedBox) and (code or not own):
            left, top = box.content_box_x() * MM_PER_PX, box.content_box_y() * MM_PER_PX
            image = Box(
                left,
                top,
                left + box.width * MM_PER_PX,
                top + box.height * MM_PER_PX,
                "image",
                closing,
            )
            (codes if code else content).append(image)
        for child in getattr(box, "children", None) or ():
            visit(child, closing, code, own, line)

    visit(page._page_box, False, False, False, None)
    return content, codes


def problems(page) -> list[str]:
    """What is out of place on one laid-out page; empty when it fits."""
    found = []
    content, codes = page_boxes(page)
    foot_top = PAGE_HEIGHT_MM - FOOT_MM
    for box in content:
        if (
            box.left < MARGIN_MM - TOLERANCE_MM
            or box.right > PAGE_WIDTH_MM - MARGIN_MM + TOLERANCE_MM
            or box.top < MARGIN_MM - TOLERANCE_MM
            or box.bottom > PAGE_HEIGHT_MM - MARGIN_MM + TOLERANCE_MM
        ):
            found.append(f"outside the margins: {box.what!r} at {box.top:.1f}-{box.bottom:.1f} mm")
        elif box.bottom > foot_top + TOLERANCE_MM and not box.in_foot_allowed:
            found.append(f"in the codes' foot: {box.what!r} ends at {box.bottom:.1f} mm")
        for code in codes:
            if box.overlaps(code):
                found.append(f"over a voice code: {box.what!r}")
    texts = [box for box in content if box.what != "image"]
    for index, first in enumerate(texts):
        for second in texts[index + 1 :]:
            if first.overlaps(second):
                found.append(f"overprinted: {first.what!r} and {second.what!r}")
    return found


def content_bottom_mm(page) -> float:
    """How far down the page its flowing content reaches (the contact block beside the codes not
    counted): what is left above the foot is room to spare."""
    content, _codes = page_boxes(page)
    return max((box.bottom for box in content if not box.in_foot_allowed), default=0.0)


def _content_top(box: TextBox) -> float:
    """Where a text box's content area (its fonts' ascent: as high as its ink may reach) begins:
    WeasyPrint places the box at the top of its line-height, which a font's taller content area
    overhangs by half the difference."""
    line_height = box.style["line_height"]
    if line_height == "normal":
        return box.position_y
    if getattr(line_height, "unit", None) is None:  # a number: a multiple of the font size
        line_height_px = float(getattr(line_height, "value", line_height)) * box.style["font_size"]
    else:
        line_height_px = line_height.value
    return box.position_y + (line_height_px - box.height) / 2


def labels_in_quiet_zones(page) -> list[str]:
    """Each voice code's label whose text reaches up into the code's square (the image is the
    symbol with its quiet zone): what a phone must see clear around the symbol."""
    found = []

    def visit(box, code):
        if isinstance(box, AbsolutePlaceholder):
            box = box._box
        if "voice-code" in _classes(box):
            code = {"square_bottom": None, "texts": []}
            found.append(code)
        if code is not None:
            if isinstance(box, ReplacedBox):
                code["square_bottom"] = (box.content_box_y() + box.height) * MM_PER_PX
            if isinstance(box, TextBox) and box.text.strip():
                code["texts"].append((box.text, _content_top(box) * MM_PER_PX))
        for child in getattr(box, "children", None) or ():
            visit(child, code)

    visit(page._page_box, None)
    return [
        f"{text!r} starts at {top:.2f} mm, in the code above (to {code['square_bottom']:.2f} mm)"
        for code in found
        for text, top in code["texts"]
        if top < code["square_bottom"] - TOLERANCE_MM
    ]
