"""Voice codes read as a phone reads them: decode rates per decoder, resolution and condition.

Renders every sample household's notice as mailed (samples/members.csv; Japanese, and the
household's language after it) and one bilingual notice per translated locale, rasterises every
voice code from the PDF at 300 and 200 dpi, and reads it clean and through a phone-like capture
(tests/phone_capture.py: tilt, perspective, blur, uneven light, JPEG 60) with zxing-cpp and zbar.
A read counts only when the decoded text is exactly the code's piece of the page's voice text.

    .venv/bin/python bench/phone_capture.py            # everything (a few minutes)
    .venv/bin/python bench/phone_capture.py --sweep    # module sizes, without PDFs (the README's table)
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sample_data  # bench/sample_data.py, beside this script

from noticegen import locales, notice, settings, voicecode
from noticegen.printing import render
from tests import phone_capture

KEYS = [
    (decoder, dpi, condition)
    for decoder in phone_capture.DECODERS
    for dpi in phone_capture.DPIS
    for condition in ("clean", "phone")
]


@dataclasses.dataclass
class Tally:
    read: Counter = dataclasses.field(default_factory=Counter)
    total: Counter = dataclasses.field(default_factory=Counter)
    failures: list = dataclasses.field(default_factory=list)

    def add(self, reading: phone_capture.Reading, where: str) -> None:
        key = (reading.decoder, reading.dpi, reading.condition)
        self.total[key] += 1
        self.read[key] += reading.ok
        if not reading.ok:
            self.failures.append((where, key))

    def rate(self, key) -> str:
        total = self.total[key]
        return f"{self.read[key]}/{total} ({100 * self.read[key] / total:.1f}%)" if total else "-"


def notices(config, encoder, limit=None):
    """(label, language, the notice's parts) for the samples, then one bilingual notice per locale."""
    households = sample_data.sample_households(config)
    for household in households[:limit]:
        yield (
            household.household_id,
            household.language or "ja",
            notice.make_all(household, config, encoder),
        )
    # A household with a few members, given each language in turn.
    model = next(h for h in households if len(h.members) == 3)
    for code in locales.TRANSLATED:
        household = dataclasses.replace(model, language=code)
        yield f"{model.household_id}+{code}", code, notice.make_all(household, config, encoder)


def measure(limit=None) -> None:
    config = settings.load()
    encoder = voicecode.QrEncoder()
    by_group: dict[str, Tally] = defaultdict(Tally)
    codes_per_page: Counter = Counter()
    versions: Counter = Counter()
    levels: Counter = Counter()
    module_sizes: Counter = Counter()
    for label, language, parts in notices(config, encoder, limit):
        pdf = render.pdf(parts)
        page_codes = [codes for part in parts for codes in part.voice_codes]
        for codes in page_codes:
            codes_per_page[len(codes.codes)] += 1
            for code in codes.codes:
                image = code.image
                versions[image.version] += 1
                levels[image.ec_level] += 1
                modules = 17 + 4 * image.version + 2 * voicecode.QUIET_ZONE_MODULES
                module_sizes[round(image.size_mm / modules, 3)] += 1
        group = "samples" if "+" not in label else language
        for page_index, code_index, _code, reading in phone_capture.read_pdf(pdf, page_codes):
            where = f"{label} p{page_index + 1} code {code_index + 1}"
            by_group[group].add(reading, where)
            by_group["all"].add(reading, where)
        print(f"  read {label}", file=sys.stderr, flush=True)

    print("Decode rates (codes decoded to exactly their text / codes)")
    header = "| group | " + " | ".join(f"{d} {dpi} dpi {c}" for d, dpi, c in KEYS) + " |"
    print(header)
    print("|" + "---|" * (len(KEYS) + 1))
    for group in ["all", "samples", *[g for g in by_group if g not in ("all", "samples")]]:
        tally = by_group[group]
        print(f"| {group} | " + " | ".join(tally.rate(key) for key in KEYS) + " |")
    print()
    print("codes per page:    ", dict(sorted(codes_per_page.items())))
    print("versions:          ", dict(sorted(versions.items())))
    print("error correction:  ", dict(sorted(levels.items())))
    print("module sizes (mm): ", dict(sorted(module_sizes.items())))
    failures = by_group["all"].failures
    if failures:
        print(f"\n{len(failures)} failed reads:")
        for where, key in failures[:40]:
            print("  ", where, *key)


def sweep(count: int, dots_list: tuple[int, ...], aligned: bool) -> None:
    """Full symbols at each candidate module size (the largest version that fits MAX_CODE_MM),
    filled with real voice text, laid out by WeasyPrint as the notice lays them out (a PNG with
    a pixel per module, image-rendering: pixelated), rasterised by PDFium and read both ways."""
    import pypdfium2

    config = settings.load()
    encoder = voicecode.QrEncoder()
    corpus = "".join(
        dict.fromkeys(
            text
            for _label, _language, parts in notices(config, encoder, limit=20)
            for part in parts
            for text in part.voice_texts
        )
    )
    dot = 25.4 / 600  # one printer dot at 600 dpi: modules are whole dots
    phone_keys = [(name, dpi) for name in phone_capture.DECODERS for dpi in phone_capture.DPIS]
    print(
        "| module | dots at 600 dpi | px at 200 / 300 dpi | largest version | level | characters | "
        + " | ".join(f"{name} {dpi} dpi phone" for name, dpi in phone_keys)
        + " |"
    )
    print("|---" * (6 + len(phone_keys)) + "|")
    for dots in dots_list:
        module = dots * dot
        version = int((voicecode.MAX_CODE_MM / module - 17) // 4)
        for level in ("M", "Q", "H"):
            read, total = Counter(), Counter()
            symbols = [_fill(corpus, index * 97, level, version) for index in range(count)]
            size = (17 + 4 * version + 2 * voicecode.QUIET_ZONE_MODULES) * module
            per_page = 30  # a 5 × 6 grid on A4, 40 mm apart
            for first in range(0, count, per_page):
                batch = symbols[first : first + per_page]
                images = "".join(
                    f'<img src="{voicecode.png_data_uri(voicecode.png(symbol))}" style="position: '
                    f"absolute; left: {_place(5 + 40 * (i % 5) + 0.37 * i, aligned)}mm; "
                    f"top: {_place(5 + 46 * (i // 5) + 0.23 * i, aligned)}mm; "
                    f'width: {size}mm; height: {size}mm; image-rendering: pixelated">'
                    for i, (_text, symbol) in enumerate(batch)
                )
                markup = (
                    "<html><head><style>@page { size: A4; margin: 0 } body { margin: 0 }</style>"
                    f"</head><body>{images}</body></html>"
                )
                document = pypdfium2.PdfDocument(render.pdf_from_html(markup))
                page = document[0]
                boxes = sorted(
                    phone_capture.image_boxes(page), key=lambda box: (-round(box.top), box.left)
                )
                for offset, ((text, _symbol), box) in enumerate(zip(batch, boxes, strict=True)):
                    index = first + offset
                    for dpi in phone_capture.DPIS:
                        clean = phone_capture.render_region(page, box, dpi)
                        captured = phone_capture.phone_like(
                            clean, dpi, phone_capture.variant(index)
                        )
                        for name, decode in phone_capture.DECODERS.items():
                            total[(name, dpi)] += 1
                            read[(name, dpi)] += decode(captured) == [text]
                page.close()
                document.close()
            rates = " | ".join(f"{100 * read[key] / total[key]:.0f}%" for key in phone_keys)
            lengths = [len(text) for text, _symbol in symbols]
            print(
                f"| {module:.3f} mm | {dots} | {module * 200 / 25.4:.2f} / {module * 300 / 25.4:.2f} "
                f"| {version} | {level} | {min(lengths)}–{max(lengths)} | {rates} |",
                flush=True,
            )


def _place(mm: float, aligned: bool) -> float:
    """A position as placed: on the 1/100 inch grid that 200, 300 and 600 dpi devices share."""
    return round(mm / GRID_MM) * GRID_MM if aligned else mm


GRID_MM = 25.4 / 100


def _fill(corpus: str, offset: int, level: str, version: int):
    """The longest stretch of `corpus` from `offset` that fits the version: a full symbol."""
    source = corpus * 3
    low, high = 1, 4000
    while low < high:
        middle = (low + high + 1) // 2
        result = voicecode._encode(source[offset : offset + middle], level, version)
        if isinstance(result, tuple):
            high = middle - 1
        else:
            low = middle
    text = source[offset : offset + low]
    return text, voicecode._encode(text, level, version)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sweep", action="store_true", help="module sizes, without PDFs")
    parser.add_argument("--count", type=int, default=96, help="symbols per size and level (sweep)")
    parser.add_argument(
        "--dots",
        default="6,7,8,9,10,11",
        help="module sizes to sweep, in 600 dpi printer dots (comma-separated)",
    )
    parser.add_argument(
        "--aligned", action="store_true", help="codes on the 1/100 inch grid (sweep)"
    )
    parser.add_argument("--limit", type=int, help="the first N sample households only")
    args = parser.parse_args()
    if args.sweep:
        sweep(args.count, tuple(int(dots) for dots in args.dots.split(",")), args.aligned)
    else:
        measure(args.limit)


if __name__ == "__main__":
    main()
