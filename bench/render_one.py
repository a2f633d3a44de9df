"""Median time to render one household's notice to PDF in a warm process (issue target: ≤ 0.15 s).

The machine is shared and noisy, so a baseline runs in the same process, interleaved with the
measured work: a one-page WeasyPrint document in the same fonts. The ratio tells whether a change
made rendering slower even when the machine's speed moves.

    .venv/bin/python bench/render_one.py [--rounds 40]
"""

from __future__ import annotations

import argparse
import statistics
import time

import sample_data  # bench/sample_data.py, beside this script

from noticegen import i18n, notice, settings, voicecode
from noticegen.printing import render


def baseline_pdf() -> bytes:
    weasyprint, font_config = render.ready()
    html = (
        '<html lang="ja"><head><title>基準</title><style>@page{size:A4}'
        'body{font-family:"BIZ UDPGothic";font-size:11pt}</style></head>'
        "<body><h1>基準ページ</h1><p>" + "文字組みの基準です。" * 40 + "</p></body></html>"
    )
    document = weasyprint.HTML(string=html).render(font_config=font_config)
    return document.write_pdf(pdf_variant=render.PDF_VARIANT)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args()

    config = settings.load()
    households = sample_data.sample_households(config)
    translator = i18n.translator()
    encoder = voicecode.QrEncoder()  # one per run, as in a batch: shared pages are encoded once

    # Warm up: fonts, templates, WeasyPrint's caches, the shared pages' voice codes.
    render.pdf(notice.make(households[0], config, translator, encoder))
    baseline_pdf()

    notice_times, baseline_times, view_times = [], [], []
    for index in range(args.rounds):
        household = households[index % len(households)]
        start = time.perf_counter()
        finished = notice.make(household, config, translator, encoder)
        built = time.perf_counter()
        render.pdf(finished)
        done = time.perf_counter()
        baseline_pdf()
        baseline_done = time.perf_counter()
        view_times.append(built - start)
        notice_times.append(done - start)
        baseline_times.append(baseline_done - done)

    median = statistics.median(notice_times)
    base = statistics.median(baseline_times)
    print(
        f"households rendered:           {args.rounds} (cycling through {len(households)} samples)"
    )
    print(f"median view + voice codes:     {statistics.median(view_times) * 1000:.1f} ms")
    print(f"median notice PDF (view+PDF):  {median * 1000:.1f} ms   target ≤ 150 ms")
    print(
        f"p90 notice PDF:                {statistics.quantiles(notice_times, n=10)[-1] * 1000:.1f} ms"
    )
    print(f"median baseline one-page PDF:  {base * 1000:.1f} ms")
    print(f"notice / baseline:             {median / base:.2f}")


if __name__ == "__main__":
    main()
