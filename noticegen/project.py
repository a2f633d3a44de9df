"""Where the project's non-code parts live: templates, locales, fonts and samples.

They sit beside the package in the repository (see DESIGN.md), and the package is installed from the
repository in editable mode by scripts/setup.sh, so one root serves them all.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
LOCALES = ROOT / "locales"
FONTS = ROOT / "fonts"
SAMPLES = ROOT / "samples"
DEFAULT_CONFIG = Path(__file__).resolve().parent / "default_config.toml"
