#!/usr/bin/env bash
# Sets up everything noticegen needs on a fresh Debian or Ubuntu machine: system libraries and
# fonts (apt, as root or through sudo), a virtual environment in .venv with noticegen and its test
# tools, and the project's own copy of the fonts. Safe to run again: it skips what is already done.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  python3 python3-venv python3-pip     # Python 3.11 or newer
  fontconfig libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b   # WeasyPrint's layout and text stack
  libharfbuzz-subset0                  # font subsetting in C: ~10x faster PDFs than fontTools
  fonts-morisawa-bizud-gothic          # BIZ UDGothic / BIZ UDPGothic (SIL OFL)
  fonts-noto-cjk fonts-noto-core       # Noto Sans CJK KR/SC/TC, Latin, Cyrillic, Devanagari, Thai, Myanmar, Khmer (OFL)
  gettext                              # msgfmt -c, for noticegen catalog check
  chromium                             # the browser of the staff preview's tests (Playwright drives it)
  default-jre-headless                 # runs the Nu HTML Checker (vnu-jar) for the web pages' tests
  libzbar0                             # zbar, the second QR decoder of the phone-capture tests (pyzbar)
  ghostscript                          # ink coverage (inkcov) in the tests; its libgs-common holds the
                                       # CMYK press profile the batch's PDF/X files name by default
)

missing=()
for package in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

python=${PYTHON:-python3}
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "setup: noticegen needs Python 3.11 or newer; $python is $("$python" --version 2>&1)" >&2
  exit 2
fi

if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
# Reinstall only when the declared dependencies change.
stamp=.venv/.noticegen-installed
wanted=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e '.[test]'
  echo "$wanted" > "$stamp"
fi

.venv/bin/python -m noticegen.fonts install
# The renderer reads compiled catalogs (.mo); they are built here from the .po files in git.
.venv/bin/noticegen catalog compile > /dev/null
# The Nu HTML Checker for the web pages' tests (tests/test_site.py): the npm package vnu-jar, kept
# in .cache/npm and run with the machine's Java.
if ! command -v npm > /dev/null; then
  # Only when no npm exists: a machine with Node.js from elsewhere keeps its own.
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi
if [ ! -f .cache/npm/node_modules/vnu-jar/build/dist/vnu.jar ]; then
  npm install --silent --no-audit --no-fund --prefix .cache/npm vnu-jar@26.9.27
fi
