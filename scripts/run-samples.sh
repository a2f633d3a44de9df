#!/usr/bin/env bash
# README command 1: set everything up, then render the notice of every sample household into out/
# (with out/rejected.csv for the households the sample file is built to reject).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/python scripts/render_samples.py samples/members.csv out "$@"
