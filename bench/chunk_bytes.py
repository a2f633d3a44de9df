"""Where the bytes of a batch's chunk files go (issue 11's ≤ 12 KB a notice), per notice.

Reads chunk PDFs (a batch's OUTDIR/notices/*.pdf, or files given) back with pikepdf and counts
each object's stored bytes once, by what it is:
- page contents, split into the images written inline in them (a household's voice codes, sheet
  marks, barcode: their share is the contents' size less the contents compressed without them)
  and the rest (the data runs, the page's few operators);
- forms (the static pages' Form XObjects, and the blocks they share: formblocks);
- image XObjects (images several pages show), font programs, the other streams (ToUnicode maps,
  metadata, …) and what is left: object streams (dictionaries), cross-reference, header.
The notices of a chunk are its manifest rows (OUTDIR/manifest.csv) when there is one, else given
with --notices. Printed for each file and in all: KB a notice for each part.

    .venv/bin/python bench/chunk_bytes.py OUTDIR_OR_PDF... [--notices N]
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
import zlib
from collections import Counter
from pathlib import Path

import pikepdf

# An inline image as assembly._inline_image writes it (hexadecimal data).
_INLINE_IMAGE = re.compile(rb"BI .*?ID [0-9a-f]*> EI", re.S)
PARTS = (
    "codes and marks (inline)",
    "data runs and page operators",
    "forms",
    "image XObjects",
    "font programs",
    "other streams",
    "dictionaries, xref, header",
)


def stored_parts(path: Path) -> Counter:
    """The file's bytes by part (PARTS)."""
    size = path.stat().st_size
    parts: Counter = Counter()
    with pikepdf.open(path) as pdf:
        contents = set()
        for page in pdf.pages:
            streams = page.obj.get("/Contents")
            streams = streams if isinstance(streams, pikepdf.Array) else [streams]
            for stream in streams:
                if stream is None or stream.objgen in contents:
                    continue
                contents.add(stream.objgen)
                stored = len(stream.read_raw_bytes())
                data = stream.read_bytes()
                without = _INLINE_IMAGE.sub(b"", data)
                rest = stored if without == data else min(stored, len(zlib.compress(without)))
                parts["codes and marks (inline)"] += stored - rest
                parts["data runs and page operators"] += rest
        for obj in pdf.objects:
            if not isinstance(obj, pikepdf.Stream) or obj.objgen in contents:
                continue
            if obj.get("/Type") in ("/ObjStm", "/XRef"):
                continue
            stored = len(obj.read_raw_bytes())
            subtype = obj.get("/Subtype")
            if subtype == "/Form":
                parts["forms"] += stored
            elif subtype == "/Image":
                parts["image XObjects"] += stored
            elif "/Length1" in obj or subtype in ("/CIDFontType0C", "/OpenType", "/Type1C"):
                parts["font programs"] += stored
            else:
                parts["other streams"] += stored
    parts["dictionaries, xref, header"] = size - sum(parts.values())
    return parts


def notices_by_file(folder: Path) -> Counter:
    found: Counter = Counter()
    manifest = folder / "manifest.csv"
    if manifest.exists():
        with open(manifest, encoding="utf-8", newline="") as stream:
            found.update(Path(row["file"]).name for row in csv.DictReader(stream))
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", type=Path, nargs="+", help="batch OUTDIRs or chunk PDFs")
    parser.add_argument("--notices", type=int, help="notices a file holds (without a manifest)")
    args = parser.parse_args()
    files: list[tuple[Path, int]] = []
    for path in args.paths:
        if path.is_dir():
            counts = notices_by_file(path)
            for pdf in sorted((path / "notices").glob("*.pdf")):
                files.append((pdf, counts.get(pdf.name) or args.notices or 0))
        else:
            files.append((path, args.notices or 0))
    if not files or any(notices <= 0 for _path, notices in files):
        print("no chunk files, or a file whose notices are not known (--notices N)")
        return 2
    total: Counter = Counter()
    notices_in_all = 0
    print("KB a notice: " + " | ".join(PARTS) + " | all")
    for path, notices in files:
        parts = stored_parts(path)
        total.update(parts)
        notices_in_all += notices
        figures = " | ".join(f"{parts[part] / notices / 1000:.2f}" for part in PARTS)
        print(
            f"{path.name} ({notices} notices): {figures} | {sum(parts.values()) / notices / 1000:.2f}"
        )
    figures = " | ".join(f"{total[part] / notices_in_all / 1000:.2f}" for part in PARTS)
    print(
        f"all ({notices_in_all} notices): {figures} | {sum(total.values()) / notices_in_all / 1000:.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
