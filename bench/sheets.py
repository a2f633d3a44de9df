"""Sheets per notice and Japan Post weight class, by language, on a synthetic ward population.

Every household of the population is given each language in turn (the Japanese notice alone, then
Japanese with each translated part), and its notice paginated as the batch paginates it (the
view's page count, the reply form included when the configuration asks for one). Postage depends
on the sheets: 定形 25 g holds (25 − envelope) / sheet weight sheets, 4 with the shipped [mailing].

The population: household sizes as in an NHI register, mostly one or two members (about 1.6 a
household; the 国民健康保険実態調査 gives 1.5 to 1.7 insured persons per household), ages 0 to 73,
and the shipped samples' hard cases are not included (they are built for layout, not as a
population).

    .venv/bin/python bench/sheets.py [--households 400] [--seed 1] [--large-print] [--measure]

With --measure, one household of each size (1 to 6 members) is also laid out in each language
(render.document, as the batch renders it) and every page of its translated part checked as the
tests check it (tests/page_fit.py: inside the margins, above the codes' foot, clear of the codes,
nothing overprinted); printed per language: pages whose layout differs from the view's count,
pages with a problem (the reply form's apart), the fullest page's bottom and the most codes a page.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import datetime as dt
import random
import sys
import tempfile
from collections import Counter
from pathlib import Path

from noticegen import (
    batch,
    fonts,
    i18n,
    locales,
    mynumber,
    notice,
    records,
    settings,
    view,
    voicecode,
)
from noticegen.printing import render

# Members per household, and how often (weights): one or two members in most households.
SIZES = (1, 2, 3, 4, 5, 6)
SIZE_WEIGHTS = (62, 24, 8, 4, 1.5, 0.5)
SURNAMES = (("見本", "ミホン"), ("試験", "シケン"), ("架空", "カクウ"), ("例題", "レイダイ"))
GIVEN = (
    ("太郎", "タロウ"),
    ("花子", "ハナコ"),
    ("一郎", "イチロウ"),
    ("春子", "ハルコ"),
    ("次郎", "ジロウ"),
    ("夏美", "ナツミ"),
)
COLUMNS = (
    "household_id", "head_name", "postal_code", "address", "language", "member_name",
    "member_kana", "birth_date", "insured_symbol", "insured_number", "insured_branch",
    "acquired_date", "copay_ratio", "mynumber_last4",
)  # fmt: skip


def write_population(path: Path, households: int, seed: int) -> None:
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(COLUMNS)
        for number in range(1, households + 1):
            surname = rng.choice(SURNAMES)
            size = rng.choices(SIZES, SIZE_WEIGHTS)[0]
            members = rng.sample(GIVEN, size)
            address = f"東京都板橋区本町{rng.randint(1, 5)}丁目{rng.randint(1, 40)}番{rng.randint(1, 20)}号"
            insured_number = f"{rng.randint(1, 9999999):07d}"  # the household's, members by 枝番
            for index, given in enumerate(members):
                # Under 75 on the reference date (older people are not in NHI), and clear of the
                # birthdays where the copay ratio changes (school age, 70), so none is rejected.
                born = rng.choice([*range(1951, 1953), *range(1956, 2016), *range(2020, 2024)])
                base = "".join(str(rng.randrange(10)) for _ in range(11))
                full = base + str(mynumber.check_digit(base))
                writer.writerow(
                    (
                        f"P{number:06d}",
                        f"{surname[0]} {members[0][0]}",
                        "1730001",
                        address,
                        "",
                        f"{surname[0]} {given[0]}",
                        f"{surname[1]} {given[1]}",
                        f"{born}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                        "板",
                        insured_number,
                        f"{index + 1:02d}",
                        f"{max(born + 1, 2010)}-04-01",
                        "2" if born < 1955 or born >= 2019 else "3",
                        full[-4:] if rng.random() < 0.85 else "",
                    )
                )


def notice_pages(household, config, language: str | None, large_print: bool) -> int:
    """The notice's pages as mailed: Japanese alone, or Japanese then `language` (as notice.make_all
    counts them, without encoding the voice codes, which do not change the pagination)."""
    japanese = i18n.translator()
    if language is None:
        return view.build(household, config, japanese, large_print).page_count
    first = view.build(household, config, japanese, large_print, carries_form=False).page_count
    second = view.build(
        household, config, i18n.translator(language), large_print, shows_address=False
    ).page_count
    return first + second


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=400)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--large-print", action="store_true")
    parser.add_argument("--measure", action="store_true", help="lay out one household a size")
    args = parser.parse_args()
    config = settings.load()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "members.csv"
        write_population(path, args.households, args.seed)
        member_file = records.open_member_file(path)
        window = (config.envelope.window_width_mm, config.envelope.window_height_mm)
        households, rejections = records.read_all(
            member_file, fonts.coverage(), dt.date.today(), window, reference=config.dates.reference
        )
    sizes = Counter(len(household.members) for household in households)
    print(
        f"{len(households)} households ({len(rejections)} rejected), members per household "
        f"{sum(k * v for k, v in sizes.items()) / len(households):.2f}: "
        + ", ".join(f"{k}: {v}" for k, v in sorted(sizes.items()))
    )
    print(
        f"{'language':<10} {'sheets/notice':>13} {'25 g':>6} {'50 g':>6} {'over':>6}"
        "  sheets: notices"
    )
    for language in (None, *locales.TRANSLATED):
        sheets = Counter()
        classes = Counter()
        for household in households:
            count = notice_pages(household, config, language, args.large_print) // 2
            sheets[count] += 1
            classes[batch._weight(count, config)[1]] += 1
        total = len(households)
        print(
            f"{language or 'ja':<10} {sum(k * v for k, v in sheets.items()) / total:13.2f} "
            f"{classes['定形25g以内'] / total:6.1%} {classes['定形50g以内'] / total:6.1%} "
            f"{classes['定形外'] / total:6.1%}  "
            + " ".join(f"{k}: {v}" for k, v in sorted(sheets.items())),
            flush=True,
        )
    if args.measure:
        measure(households, config, args.large_print)


def measure(households, config, large_print: bool) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tests.page_fit import FOOT_MM, PAGE_HEIGHT_MM, content_bottom_mm, problems

    by_size = {}
    for household in households:
        by_size.setdefault(len(household.members), household)
    sample = [by_size[size] for size in sorted(by_size)]
    encoder = voicecode.QrEncoder()
    print(
        f"\nlaid out: {len(sample)} households a language ({', '.join(map(str, sorted(by_size)))}"
        f" members); foot from {PAGE_HEIGHT_MM - FOOT_MM:.0f} mm"
    )
    print(f"{'language':<10} {'pages':>5} {'miscount':>8} {'problems':>8} {'form':>5} "
          f"{'fullest':>8} {'codes':>5}")  # fmt: skip
    for language in locales.TRANSLATED:
        pages = miscounted = bad = bad_form = most_codes = 0
        fullest = 0.0
        for household in sample:
            household = dataclasses.replace(household, language=language)
            part = notice.make_all(household, config, encoder, large_print)[-1]
            document = render.document(part)
            pages += part.page_count
            miscounted += len(document.pages) != part.page_count
            for page, laid_out, codes in zip(
                part.pages, document.pages, part.voice_codes, strict=False
            ):
                found = bool(problems(laid_out))
                if page.kind == "form":
                    bad_form += found
                    continue
                bad += found
                fullest = max(fullest, content_bottom_mm(laid_out))
                most_codes = max(most_codes, len(codes.codes))
        print(
            f"{language:<10} {pages:5d} {miscounted:8d} {bad:8d} {bad_form:5d} "
            f"{fullest:6.1f}mm {most_codes:5d}",
            flush=True,
        )


if __name__ == "__main__":
    sys.exit(main())
