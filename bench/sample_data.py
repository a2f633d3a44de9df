"""What the benchmarks share: the shipped sample households, read as every run reads them."""

from __future__ import annotations

import datetime as dt

from noticegen import fonts, project, records, settings


def sample_households(config: settings.Settings) -> list[records.Household]:
    member_file = records.open_member_file(project.SAMPLES / "members.csv")
    window = (config.envelope.window_width_mm, config.envelope.window_height_mm)
    households, _ = records.read_all(
        member_file, fonts.coverage(), dt.date.today(), window, reference=config.dates.reference
    )
    return households
