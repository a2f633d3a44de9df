"""Render every accepted household of a member file into a folder, one PDF each, plus rejected.csv.

Until the print vendor's batch exists this is the main job run on the shipped samples:
    .venv/bin/python scripts/render_samples.py samples/members.csv out
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from noticegen import fonts, i18n, notice, outputs, records, render, report, settings, voicecode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input", type=Path)
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--config", type=Path)
    args = parser.parse_args()

    config = settings.load(args.config)
    member_file = records.open_member_file(args.input)
    outputs.make_private_dir(args.outdir)
    window = (config.envelope.window_width_mm, config.envelope.window_height_mm)
    translator = i18n.translator()
    encoder = voicecode.encoder_for(config.voice_code)
    counts = report.Counts()
    rejections = []
    for outcome in records.read(member_file, fonts.coverage(), dt.date.today(), window):
        counts.add(outcome)
        if isinstance(outcome, records.Rejection):
            rejections.append(outcome)
            continue
        finished = notice.make(outcome, config, translator, encoder)
        outputs.write_private(args.outdir / f"{outcome.household_id}.pdf", render.pdf(finished))
    outputs.write_private(args.outdir / "rejected.csv", report.rejected_csv(rejections))
    print(
        f"{counts.households} households: {counts.accepted} notices in {args.outdir}/, "
        f"{counts.rejected} rejected (see {args.outdir}/rejected.csv)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
