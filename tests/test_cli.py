"""The command line as a user runs it: exit codes, files written, and what it prints."""

from __future__ import annotations

import csv
import io
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from noticegen import project
from tests.conftest import SAMPLE_UTF8
from tests.pdf_helpers import page_texts


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "noticegen", *args],
        capture_output=True,
        text=True,
        cwd=cwd or project.ROOT,
        timeout=300,
    )


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_help_on_every_level():
    assert run("--help").returncode == 0
    for command in ("render", "check"):
        result = run(command, "--help")
        assert result.returncode == 0
        assert "--config" in result.stdout


def test_render_pdf_html_and_png(tmp_path):
    pdf = tmp_path / "H0001.pdf"
    result = run("render", str(SAMPLE_UTF8), "--household", "H0001", "-o", str(pdf))
    assert result.returncode == 0, result.stderr
    assert pdf.read_bytes().startswith(b"%PDF-")
    assert mode(pdf) == 0o600
    assert len(page_texts(pdf.read_bytes())) == 4
    assert "H0001" in result.stderr  # the log names the household by id …
    assert "試験" not in result.stderr  # … and by nothing else

    html = tmp_path / "notice.html"
    assert run("render", str(SAMPLE_UTF8), "--household", "H0001", "-o", str(html)).returncode == 0
    assert html.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert mode(html) == 0o600

    png = tmp_path / "notice.out"
    result = run(
        "render", str(SAMPLE_UTF8), "--household", "H0001", "--format", "png", "-o", str(png)
    )
    assert result.returncode == 0, result.stderr
    from PIL import Image

    image = Image.open(io.BytesIO(png.read_bytes()))
    assert image.format == "PNG" and image.height > 4 * image.width  # four pages, stacked


def test_render_of_a_rejected_household_exits_3_and_writes_nothing(tmp_path):
    out = tmp_path / "x.pdf"
    result = run("render", str(SAMPLE_UTF8), "--household", "H0045", "-o", str(out))
    assert result.returncode == 3
    assert "BAD_MYNUMBER" in result.stderr
    assert not out.exists()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["render", "samples/members.csv", "--household", "NOPE", "-o", "{tmp}/x.pdf"], "NOPE"),
        (["render", "missing.csv", "--household", "H0001", "-o", "{tmp}/x.pdf"], "no such file"),
        (
            ["render", "samples/members.csv", "--household", "H0001", "-o", "{tmp}/no/x.pdf"],
            "does not exist",
        ),
        (
            [
                "render",
                "samples/members.csv",
                "--household",
                "H0001",
                "--lang",
                "xx",
                "-o",
                "{tmp}/x.pdf",
            ],
            "xx",
        ),
        (["check", "samples/members.csv", "--config", "{tmp}/bad.toml"], "sender.phon"),
        (["check", "samples/members.csv", "--config", "{tmp}/missing.toml"], "does not exist"),
        (["check", "{tmp}/not-a-member-file.csv"], "household_id"),
        (["check", "samples/members.csv", "--encoding", "klingon"], "klingon"),
        (["render", "samples/members.csv"], "required"),
    ],
)
def test_usage_errors_exit_2_with_one_clear_line(tmp_path, args, expected):
    (tmp_path / "bad.toml").write_text('[sender]\nphon = "03"\n', encoding="utf-8")
    (tmp_path / "not-a-member-file.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    result = run(*(arg.format(tmp=tmp_path) for arg in args))
    assert result.returncode == 2, result.stderr
    assert expected in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "x.pdf").exists()


def test_check_counts_and_report(tmp_path):
    report = tmp_path / "rejected.csv"
    result = run("check", str(SAMPLE_UTF8), "--report", str(report))
    assert result.returncode == 3
    assert "45 accepted, 18 rejected" in result.stdout
    assert mode(report) == 0o600
    rows = list(csv.reader(io.StringIO(report.read_text(encoding="utf-8-sig"))))
    assert rows[0] == ["household_id", "line", "code", "message"]
    assert len(rows) == 1 + 16
    by_id = {row[0]: row for row in rows[1:]}
    assert by_id["H0048"][1:3] == ["123;128", "HOUSEHOLD_SPLIT"]
    for row in rows[1:]:
        assert " / " in row[3]  # Japanese, then English
        assert row[1].replace(";", "").isdigit()


def test_check_without_rejections_exits_0_and_writes_nothing(tmp_path):
    lines = SAMPLE_UTF8.read_text(encoding="utf-8").splitlines(keepends=True)
    clean = tmp_path / "clean.csv"
    clean.write_text(
        lines[0] + "".join(line for line in lines if line.startswith("H0001,")), encoding="utf-8"
    )
    result = run("check", str(clean))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 accepted, 0 rejected" in result.stdout
    assert sorted(os.listdir(tmp_path)) == ["clean.csv"]


def test_no_full_my_number_in_any_output_report_or_log(tmp_path, sample_full_mynumbers):
    outputs = []
    report = tmp_path / "rejected.csv"
    result = run("check", str(SAMPLE_UTF8), "--report", str(report))
    outputs += [result.stdout, result.stderr, report.read_text(encoding="utf-8-sig")]
    # Households with a full number: an accepted one, one with a bad check digit, a mismatch.
    for household_id in ("H0002", "H0017", "H0045", "H0046"):
        for suffix in ("pdf", "html"):
            out = tmp_path / f"{household_id}.{suffix}"
            result = run("render", str(SAMPLE_UTF8), "--household", household_id, "-o", str(out))
            outputs += [result.stdout, result.stderr]
            if out.exists():
                data = out.read_bytes()
                outputs.append(data.decode("latin-1"))
                if suffix == "pdf":
                    outputs.append("".join(page_texts(data)))
    everything = "\n".join(outputs)
    assert "621498320257" in SAMPLE_UTF8.read_text(encoding="utf-8")
    for number in sample_full_mynumbers:
        assert number not in everything
    leftovers = [name for name in os.listdir(tmp_path) if name.endswith(".tmp")]
    assert leftovers == []
