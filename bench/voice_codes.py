"""Per-household voice-code work (issue target: under 10 ms median), and the largest code made.

Pages that are the same for every household of a language are encoded once and reused, so the
work per household is its own pages: page 1 (often split over several codes), continuation pages
and the blank page. As a baseline in the same process, interleaved: one uncached QR code of a fixed
400-character text, the unit of work the target was set against.

    .venv/bin/python bench/voice_codes.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics
import time

import sample_data  # bench/sample_data.py, beside this script

from noticegen import i18n, settings, view, voicecode

BASELINE_TEXT = ("1ページ目。マイナンバーの下4桁は、4、8、2、1です。" * 20)[:400]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    config = settings.load()
    households = sample_data.sample_households(config)
    translator = i18n.translator()
    views = [view.build(household, config, translator) for household in households]

    encoder = voicecode.QrEncoder()
    # Warm up: the shared pages' codes and the encoder's capacity table.
    for page, text in zip(views[0].pages, views[0].voice_texts, strict=True):
        voicecode.page_codes(text, page.number, encoder, translator)

    per_household, baseline, largest = [], [], None
    codes_on_page_one = []
    for _round in range(args.rounds):
        for notice in views:
            # A fresh cache for the household's own pages, as a new household would meet them.
            own = voicecode.QrEncoder()
            own._cache.update({k: v for k, v in encoder._cache.items() if k in shared(views[0])})
            start = time.perf_counter()
            made = [
                voicecode.page_codes(text, page.number, own, translator)
                for page, text in zip(notice.pages, notice.voice_texts, strict=True)
            ]
            per_household.append(time.perf_counter() - start)
            start = time.perf_counter()
            voicecode.qr_image(BASELINE_TEXT)
            baseline.append(time.perf_counter() - start)
            codes_on_page_one.append(len(made[0].codes))
            for page_codes in made:
                for code in page_codes.codes:
                    if largest is None or code.image.version > largest.version:
                        largest = code.image

    median = statistics.median(per_household)
    base = statistics.median(baseline)
    print(f"households:                        {len(views)} × {args.rounds} rounds")
    print(f"median code work per household:    {median * 1000:.2f} ms   target < 10 ms")
    print(
        f"p90 code work per household:       {statistics.quantiles(per_household, n=10)[-1] * 1000:.2f} ms"
    )
    print(f"median baseline (one 400-char QR): {base * 1000:.2f} ms")
    print(f"per household / baseline:          {median / base:.2f}")
    print(
        f"codes on page 1:                   {min(codes_on_page_one)} to {max(codes_on_page_one)}"
    )
    module = largest.size_mm / (17 + 4 * largest.version + 2 * voicecode.QUIET_ZONE_MODULES)
    print(
        f"largest code:                      version {largest.version} ({largest.ec_level}), "
        f"{largest.size_mm - 2 * voicecode.QUIET_ZONE_MODULES * module:.1f} mm square "
        f"({largest.size_mm:.1f} mm with quiet zone), module {module:.3f} mm"
    )


def shared(notice: view.NoticeView) -> set[str]:
    """The texts of the guide pages, identical for every household of a language."""
    return {
        text
        for page, text in zip(notice.pages, notice.voice_texts, strict=True)
        if page.kind == "guide"
    }


if __name__ == "__main__":
    main()
