"""The fonts noticegen makes itself (noticegen.fonts.NameFont) are the same bytes on every machine."""

from __future__ import annotations

import pytest
from fontTools.misc import timeTools
from fontTools.ttLib import TTFont

from noticegen import fonts


@pytest.mark.parametrize("name_font", fonts.name_fonts(), ids=lambda font: font.locale)
def test_a_name_font_is_made_the_same_whenever_it_is_made(name_font, tmp_path, monkeypatch):
    """fontTools stamps a saved font with the time of saving unless told not to: two
    installations a second apart made different fonts, and so different notices."""
    made = []
    for number, now in enumerate((1_000_000_000, 2_000_000_000)):
        # The time fontTools would stamp the font with, were it to stamp it.
        monkeypatch.setattr(timeTools, "timestampNow", lambda now=now: now)
        path = tmp_path / f"{number}.otf"
        fonts._make_name_font(name_font, path)
        made.append(path.read_bytes())
    assert made[0] == made[1]
    source = TTFont(fonts.FONT_DIR / name_font.source_file, fontNumber=name_font.index, lazy=True)
    with TTFont(tmp_path / "0.otf") as font:
        assert font["head"].modified == source["head"].modified
        assert font["name"].getDebugName(1) == name_font.family
        # Only the name's characters (and .notdef): a few kilobytes, not a CJK font.
        assert set(font.getBestCmap()) == {ord(character) for character in name_font.characters}
    source.close()


def test_a_name_fonts_file_name_changes_with_how_it_is_made(monkeypatch):
    """An installation made before a change to _make_name_font gets the new font (install makes
    what is missing and removes the stale file), not the old one kept."""
    font = fonts.name_fonts()[0]
    before = font.path
    monkeypatch.setattr(fonts, "NAME_FONT_RECIPE", fonts.NAME_FONT_RECIPE + 1)
    assert font.path != before
    assert font.path.name.startswith(f"name-{font.locale}-")
