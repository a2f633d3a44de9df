"""The configuration: shipped defaults, overrides, the digest, and errors that name their key."""

from __future__ import annotations

import datetime as dt

import pytest

from noticegen import settings
from noticegen.settings import ConfigError


def write(tmp_path, text: str, name: str = "config.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_load():
    config = settings.load()
    assert config.municipality.name == "板橋区"
    assert config.municipality.insurer == "板橋区国民健康保険"
    assert config.sender.phone == "03-3964-1111"
    assert config.sender.postal_code == "173-8501"
    assert config.dates.issue == dt.date(2024, 10, 25)
    assert config.dates.transition == dt.date(2024, 12, 2)
    assert config.dates.paper_card_limit == dt.date(2025, 9, 30)
    assert config.web.site_url == "https://www.city.itabashi.tokyo.jp/"
    assert config.notice.mask_pattern == "＊＊＊＊ ＊＊＊＊ {last4}"
    assert (config.envelope.window_width_mm, config.envelope.window_height_mm) == (95.0, 45.0)
    assert isinstance(config.envelope.window_x_mm, float)
    assert len(config.digest) == 64
    int(config.digest, 16)


def test_loading_twice_gives_the_same_digest():
    assert settings.load().digest == settings.load().digest


def test_override_changes_one_key_and_keeps_the_rest(tmp_path):
    defaults = settings.load()
    path = write(tmp_path, '[municipality]\nname = "見本市"\n')
    config = settings.load(path)
    assert config.municipality.name == "見本市"
    assert config.municipality.insurer == defaults.municipality.insurer
    assert config.sender == defaults.sender
    assert config.dates == defaults.dates
    assert config.web == defaults.web
    assert config.notice == defaults.notice
    assert config.envelope == defaults.envelope


def test_override_with_every_default_value_keeps_the_digest(tmp_path):
    path = write(tmp_path, '[sender]\nphone = "03-3964-1111"\n')
    assert settings.load(path).digest == settings.load().digest


@pytest.mark.parametrize(
    "override",
    [
        '[municipality]\nname = "見本市"\n',
        "[dates]\nissue = 2024-10-24\n",
        "[envelope]\nwindow_height_mm = 46.0\n",
        '[notice]\nmask_pattern = "**** **** {last4}"\n',
    ],
)
def test_digest_changes_when_a_value_changes(tmp_path, override):
    assert settings.load(write(tmp_path, override)).digest != settings.load().digest


def test_string_date_is_accepted(tmp_path):
    config = settings.load(write(tmp_path, '[dates]\nissue = "2024-10-01"\n'))
    assert config.dates.issue == dt.date(2024, 10, 1)


def test_integer_for_a_number_becomes_float(tmp_path):
    config = settings.load(write(tmp_path, "[envelope]\nwindow_width_mm = 100\n"))
    assert config.envelope.window_width_mm == 100.0
    assert isinstance(config.envelope.window_width_mm, float)


def assert_config_error(tmp_path, text: str, key: str) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        settings.load(write(tmp_path, text))
    assert caught.value.key == key
    assert key in str(caught.value)
    return caught.value


@pytest.mark.parametrize(
    ("text", "key"),
    [
        # unknown key
        ('[sender]\nfax = "03-0000-0000"\n', "sender.fax"),
        ("[envelope]\nwindow_depth_mm = 3.0\n", "envelope.window_depth_mm"),
        # unknown section
        ('[printer]\nname = "x"\n', "printer"),
        ('colour = "red"\n', "colour"),
        # a table where a value belongs, and a value where a table belongs
        ('municipality = "板橋区"\n', "municipality"),
        # string for a number
        ('[envelope]\nwindow_width_mm = "95"\n', "envelope.window_width_mm"),
        # boolean for a number
        ("[envelope]\nwindow_height_mm = true\n", "envelope.window_height_mm"),
        # number for a string
        ("[municipality]\nname = 5\n", "municipality.name"),
        ("[sender]\nphone = 339641111\n", "sender.phone"),
        # empty string
        ('[municipality]\ninsurer = "  "\n', "municipality.insurer"),
        # bad dates
        ('[dates]\nissue = "2024-13-01"\n', "dates.issue"),
        ('[dates]\nissue = "2024/10/25"\n', "dates.issue"),
        ('[dates]\nissue = "令和6年10月25日"\n', "dates.issue"),
        ("[dates]\ntransition = 2024-12-02T09:00:00\n", "dates.transition"),
        ("[dates]\npaper_card_limit = 20250930\n", "dates.paper_card_limit"),
        # bad phone
        ('[sender]\nphone = "0339641111"\n', "sender.phone"),
        ('[sender]\nphone = "03 3964 1111"\n', "sender.phone"),
        # bad postal code and url
        ('[sender]\npostal_code = "1738501"\n', "sender.postal_code"),
        ('[web]\nsite_url = "www.city.itabashi.tokyo.jp"\n', "web.site_url"),
        # mask pattern without {last4}, or with it twice
        ('[notice]\nmask_pattern = "＊＊＊＊ ＊＊＊＊ ＊＊＊＊"\n', "notice.mask_pattern"),
        ('[notice]\nmask_pattern = "{last4} {last4}"\n', "notice.mask_pattern"),
        ('[notice]\nmask_pattern = "{LAST4}"\n', "notice.mask_pattern"),
        # window too small / misplaced
        ("[envelope]\nwindow_width_mm = 79.0\n", "envelope.window_width_mm"),
        ("[envelope]\nwindow_height_mm = 20.0\n", "envelope.window_height_mm"),
        ("[envelope]\nwindow_x_mm = -1.0\n", "envelope.window_x_mm"),
        ("[envelope]\nwindow_x_mm = 110.0\n", "envelope"),
        ("[envelope]\nwindow_y_mm = 60.0\n", "envelope"),
        # the shape cache's bound: a size, 0 or more
        ("[batch]\nshape_cache_max_mb = -1.0\n", "batch.shape_cache_max_mb"),
        ('[batch]\nshape_cache_max_mb = "2 GB"\n', "batch.shape_cache_max_mb"),
        ("[batch]\nshape_cache_max_mb = true\n", "batch.shape_cache_max_mb"),
        ("[batch]\nshape_cache_max_mb = nan\n", "batch.shape_cache_max_mb"),
        ("[batch]\nshape_cache_max_mb = inf\n", "batch.shape_cache_max_mb"),
    ],
)
def test_config_errors_name_the_dotted_key(tmp_path, text, key):
    assert_config_error(tmp_path, text, key)


@pytest.mark.parametrize(
    "text",
    [
        "[dates]\nissue = 2024-12-02\n",  # issue == transition
        "[dates]\nissue = 2025-01-01\n",  # issue after transition
        "[dates]\ntransition = 2025-10-01\n",  # transition after paper_card_limit
    ],
)
def test_dates_out_of_order(tmp_path, text):
    error = assert_config_error(tmp_path, text, "dates")
    assert "issue < transition <= paper_card_limit" in str(error)


def test_transition_may_equal_paper_card_limit(tmp_path):
    config = settings.load(write(tmp_path, "[dates]\ntransition = 2025-09-30\n"))
    assert config.dates.transition == config.dates.paper_card_limit


def test_minimum_window_is_accepted(tmp_path):
    config = settings.load(write(tmp_path, "[envelope]\nwindow_width_mm = 80.0\n"))
    assert config.envelope.window_width_mm == 80.0


def test_missing_file(tmp_path):
    path = tmp_path / "nowhere.toml"
    with pytest.raises(ConfigError) as caught:
        settings.load(path)
    assert caught.value.key == "(file)"
    assert str(path) in str(caught.value)
    assert "does not exist" in str(caught.value)


@pytest.mark.parametrize(
    "text",
    [
        "[municipality\nname = 'x'\n",
        "[dates]\nissue = 2024-13-01\n",  # not a TOML date at all
        "[municipality]\nname = \n",
        '[municipality]\nname = "a"\nname = "b"\n',
    ],
)
def test_invalid_toml(tmp_path, text):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        settings.load(path)
    assert caught.value.key == "(file)"
    assert "not valid TOML" in str(caught.value)
    assert str(path) in str(caught.value)


def test_file_not_utf8(tmp_path):
    path = tmp_path / "config.toml"
    path.write_bytes('[municipality]\nname = "見本市"\n'.encode("cp932"))
    with pytest.raises(ConfigError) as caught:
        settings.load(path)
    assert caught.value.key == "(file)"


def test_preview_tuning_does_not_change_the_digest(tmp_path):
    from noticegen import settings as settings_module

    path = tmp_path / "preview.toml"
    path.write_text("[preview]\ncache_mb = 64.0\n", encoding="utf-8")
    assert settings_module.load(path).digest == settings_module.load().digest
    path.write_text('[sender]\nphone = "03-1234-5678"\n', encoding="utf-8")
    assert settings_module.load(path).digest != settings_module.load().digest


def test_the_shape_cache_bound_is_a_size_outside_the_digest(tmp_path):
    from noticegen import settings as settings_module

    assert settings_module.load().batch.shape_cache_max_mb == 2048.0
    path = tmp_path / "bound.toml"
    for given, loaded in (("0", 0.0), ("100", 100.0), ("0.5", 0.5)):
        path.write_text(f"[batch]\nshape_cache_max_mb = {given}\n", encoding="utf-8")
        config = settings_module.load(path)
        assert config.batch.shape_cache_max_mb == loaded
        assert config.digest == settings_module.load().digest  # no notice changes with it
