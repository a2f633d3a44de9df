"""The printed page's geometry: where the text may go, where the voice codes sit, where the vendor
punches the notches. One definition, read by the print CSS (as custom properties, `css()`), by the
code placement (voicecode.PageCodes), by the batch manifest (`sheet_notches`) and by the tests.

A4 portrait, printed on both sides and turned like a book page (long-edge duplex). Voice codes
follow JAVIS's rules (「音声コードと切り欠きの位置事例」, https://www.javis.jp/音声コードと切り欠きの位置事例):
the code at the bottom right of each page, a semicircular notch of about 6 mm cut in the paper's
edge beside it; an item with codes on both sides gets two notches, at the bottom and at the top
(「両面・複数ページに音声コードを貼付する場合、「切り欠き」は上下に2つ施すことが基本ルール」). So each
sheet is cut on one edge only, the front's right edge (the back's left): the lower notch beside the
front's first code, the upper one, as far from the top as the lower is from the bottom, saying the
back has codes too. Each page draws guides where its sheet is cut, on whichever side that edge is.

    >>> PAGE.foot_mm
    53.0
    >>> PAGE.notch_centre_mm, PAGE.upper_notch_centre_mm
    (34.0, 263.0)
    >>> [(n.edge, n.position) for n in PAGE.page_notches(2)]
    [('left', 'lower'), ('left', 'upper')]
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PageGeometry:
    width_mm: float = 210.0
    height_mm: float = 297.0
    margin_mm: float = 10.0  # nothing printed closer to the paper's edge (the page number, codes)
    top_mm: float = 18.0  # where the text starts: below the page number
    # Each code is centred in an area this high (its quiet zone included), whatever its size, so
    # the notch is at one height on every page; a code never exceeds it (voicecode.module_mm).
    code_area_mm: float = 32.0
    # Every code gets a slot this wide, whatever its size: the largest code fits, and so does its
    # label on two lines. The layout's shape is the same for every household (variable_print).
    slot_mm: float = 32.5
    code_gap_mm: float = 3.0  # between two codes, and between the codes and the text above
    label_mm: float = 8.0  # the label under each code: two lines of 9 pt
    notch_diameter_mm: float = 6.0  # JAVIS: about 6 mm
    # The narrowest the text beside the codes may be (page 1's contact box: the office, its
    # address and the phone number in 13 pt).
    min_beside_mm: float = 45.0

    @property
    def text_width_mm(self) -> float:
        return self.width_mm - 2 * self.margin_mm

    @property
    def foot_mm(self) -> float:
        """The page's foot kept for the codes: margin, label, code area and a gap above."""
        return self.margin_mm + self.label_mm + self.code_area_mm + self.code_gap_mm

    @property
    def max_codes(self) -> int:
        """How many code slots fit in one row between the margins."""
        return int((self.text_width_mm + self.code_gap_mm) // (self.slot_mm + self.code_gap_mm))

    @property
    def max_codes_beside_text(self) -> int:
        """How many codes leave room for the contact box beside them (min_beside_mm)."""
        return max(
            n for n in range(1, self.max_codes + 1) if self.beside_width_mm(n) >= self.min_beside_mm
        )

    def zone_width_mm(self, codes: int) -> float:
        """The width of a row of `codes` slots."""
        return self.slot_mm * codes + self.code_gap_mm * max(codes - 1, 0)

    def beside_width_mm(self, codes: int) -> float:
        """The width left for text beside a row of `codes` codes."""
        return self.text_width_mm - self.zone_width_mm(codes) - self.code_gap_mm

    @property
    def notch_centre_mm(self) -> float:
        """The lower notch's centre above the paper's bottom edge: level with the codes' centres."""
        return self.margin_mm + self.label_mm + self.code_area_mm / 2

    @property
    def notch_bottom_mm(self) -> float:
        return self.notch_centre_mm - self.notch_diameter_mm / 2

    @property
    def upper_notch_centre_mm(self) -> float:
        """The upper notch's centre above the bottom edge: as far from the top as the lower one
        is from the bottom, so the sheet feels the same either way up."""
        return self.height_mm - self.notch_centre_mm

    def cut_edge(self, page_number: int) -> str:
        """The side of the page on which its sheet is cut: the front's right edge, which is the
        back's left edge."""
        return "right" if page_number % 2 == 1 else "left"

    def page_notches(self, page_number: int) -> tuple[NotchGuide, ...]:
        """The cut guides a page draws, for a sheet with codes on both sides (every page of a
        notice has its code: spec/voice-code.md)."""
        edge = self.cut_edge(page_number)
        return (
            NotchGuide(edge, "lower", self.notch_centre_mm),
            NotchGuide(edge, "upper", self.upper_notch_centre_mm),
        )

    def code_centre_mm(self, index: int) -> tuple[float, float]:
        """The centre of a page's `index`-th code (0: the first, at the right margin) from the
        page's bottom-left corner; the codes run leftwards in reading order."""
        from_edge = self.margin_mm + self.slot_mm / 2 + index * (self.slot_mm + self.code_gap_mm)
        return self.width_mm - from_edge, self.notch_centre_mm

    def css(self) -> str:
        """The geometry as CSS custom properties, for the print style sheet."""
        values = {
            "page-width": self.width_mm,
            "page-height": self.height_mm,
            "page-margin": self.margin_mm,
            "page-top": self.top_mm,
            "page-foot": self.foot_mm,
            "code-area": self.code_area_mm,
            "code-slot": self.slot_mm,
            "code-gap": self.code_gap_mm,
            "code-label": self.label_mm,
            "notch-diameter": self.notch_diameter_mm,
            "notch-lower": self.notch_centre_mm - self.notch_diameter_mm / 2,
            "notch-upper": self.upper_notch_centre_mm - self.notch_diameter_mm / 2,
        }
        return (
            ":root { "
            + " ".join(f"--{name}: {value:g}mm;" for name, value in values.items())
            + " }"
        )


PAGE = PageGeometry()


@dataclass(frozen=True)
class NotchGuide:
    """A notch's cut guide as a page draws it."""

    edge: str  # "right" or "left" of this page
    position: str  # "lower" or "upper"
    centre_mm: float  # above the page's bottom edge


@dataclass(frozen=True)
class SheetNotches:
    """Where the vendor cuts one sheet, as seen on the sheet's front (its odd page): always its
    right edge; the lower notch when the sheet has codes, the upper too when its back has."""

    sheet: int  # 1, 2, … within the notice
    centres_mm: tuple[float, ...]  # above the sheet's bottom edge, lowest first

    def __str__(self) -> str:
        return "+".join(f"{centre:.1f}" for centre in self.centres_mm)


def sheet_notches(
    pages_with_codes: list[bool], geometry: PageGeometry = PAGE
) -> list[SheetNotches]:
    """Each sheet's notches, for a notice whose pages (from page 1) have codes or not; pages 1–2
    are sheet 1's front and back, and so on."""
    sheets = []
    for sheet, first in enumerate(range(0, len(pages_with_codes), 2), start=1):
        back = first + 1 < len(pages_with_codes) and pages_with_codes[first + 1]
        centres: tuple[float, ...] = ()
        if pages_with_codes[first] or back:
            centres = (geometry.notch_centre_mm,)
        if back:
            centres += (geometry.upper_notch_centre_mm,)
        sheets.append(SheetNotches(sheet, centres))
    return sheets
