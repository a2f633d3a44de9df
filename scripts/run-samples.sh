#!/usr/bin/env bash
# README command 1: set everything up, then run the print vendor's batch on the sample member file
# into out/: notices/*.pdf in mailing order, manifest.csv, rejected.csv and summary.json.
# Exit status 3 means "done, some households rejected": the sample file is built to have some.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
rm -rf out  # the demo's own output folder: a batch writes into an empty folder
status=0
.venv/bin/noticegen batch samples/members.csv -o out --workers 2 "$@" || status=$?
if [ "$status" -ne 0 ] && [ "$status" -ne 3 ]; then exit "$status"; fi
echo "out/: $(ls out/notices | wc -l) PDF files; see out/summary.json, out/manifest.csv, out/rejected.csv"
