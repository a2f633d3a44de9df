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
    assert len(page_texts(pdf.read_bytes())) == 6  # page 1, the check page, the guide, the form
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
    assert "45 accepted, 19 rejected" in result.stdout
    assert mode(report) == 0o600
    rows = list(csv.reader(io.StringIO(report.read_text(encoding="utf-8-sig"))))
    assert rows[0] == ["household_id", "line", "code", "message"]
    assert len(rows) == 1 + 19
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


def test_every_command_and_option_has_an_english_description():
    import argparse

    from noticegen import cli

    def described(parser: argparse.ArgumentParser, where: str) -> None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for choice in action._choices_actions:
                    assert choice.help, f"{where} {choice.dest} has no description"
                for name, sub in action.choices.items():
                    described(sub, f"{where} {name}")
                continue
            name = action.option_strings[-1] if action.option_strings else action.dest
            assert action.help, f"{where} {name} has no description"
            assert any("a" <= c.lower() <= "z" for c in action.help), f"{where} {name}"

    described(cli._parser(), "noticegen")
    for command in cli._parser()._actions[-1].choices:
        result = run(command, "--help")
        assert result.returncode == 0, command


def test_a_closed_pipe_ends_quietly_with_141():
    process = subprocess.Popen(
        [sys.executable, "-m", "noticegen", "catalog", "status"],
        cwd=project.ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    process.stdout.close()  # like `| head -0`: the reader is gone before the first line
    _out, error = process.communicate(timeout=120)
    assert process.returncode == 141, error
    assert b"Traceback" not in error and b"Exception ignored" not in error


# Every command, with every operator mistake that applies to it: never status 1 (a "bug").
MISTAKES = {
    "missing input": ["missing.csv"],
    "input is a folder": ["{tmp}"],
    "not a member file": ["{tmp}/not-a-member-file.csv"],
    "encoding": ["samples/members.csv", "--encoding", "latin-1"],
    "bad config": ["samples/members.csv", "--config", "{tmp}/bad.toml"],
    "missing config": ["samples/members.csv", "--config", "{tmp}/missing.toml"],
}
OUTPUT_MISTAKES = {
    "output in a missing folder": "{tmp}/no/such/folder/out",
    "output under a file": "{tmp}/a-file/out",
}


def _mistaken_runs():
    with_input = {
        "render": ["--household", "H0001", "-o", "{tmp}/x.pdf"],
        "voice-text": ["--household", "H0001"],
        "check": [],
        "batch": ["-o", "{tmp}/batch-out"],
        "preview": ["--port", "0"],
    }
    for command, rest in with_input.items():
        for mistake, args in MISTAKES.items():
            yield f"{command}: {mistake}", [command, *args, *rest]
    yield "batch: --limit 0", ["batch", "samples/members.csv", "-o", "{tmp}/o", "--limit", "0"]
    yield "batch: -o a file", ["batch", "samples/members.csv", "-o", "{tmp}/a-file"]
    yield "voice-text: --page 0", ["voice-text", "samples/members.csv", "--household", "H0001", "--page", "0"]  # fmt: skip
    for mistake, output in OUTPUT_MISTAKES.items():
        yield f"render: {mistake}", ["render", "samples/members.csv", "--household", "H0001", "-o", output]  # fmt: skip
        yield f"check: {mistake}", ["check", "samples/members.csv", "--report", output]
    # (site and batch create a missing folder: not a mistake for them)
    yield "site: output under a file", ["site", "--lang", "en", "-o", "{tmp}/a-file/out"]
    yield "site: a folder of other files", ["site", "--lang", "en", "-o", "{tmp}"]
    yield "site: unknown --lang", ["site", "--lang", "xx", "-o", "{tmp}/site"]
    for action in ("update", "check", "status", "compile", "translate"):
        yield f"catalog {action}: unknown --locale", ["catalog", action, "--locale", "xx"]
    yield "catalog extract --locale", ["catalog", "extract", "--locale", "en"]
    yield "catalog: bad config", ["catalog", "status", "--config", "{tmp}/bad.toml"]
    yield "barcode: bad postal code", ["barcode", "12", "東京都"]
    yield "barcode: bad config", ["barcode", "1000001", "東京都", "--config", "{tmp}/bad.toml"]


@pytest.mark.parametrize(("name", "args"), list(_mistaken_runs()), ids=lambda v: str(v))
def test_no_operator_mistake_is_a_bug(tmp_path, name, args):
    (tmp_path / "bad.toml").write_text('[sender]\nphon = "03"\n', encoding="utf-8")
    (tmp_path / "not-a-member-file.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    (tmp_path / "a-file").write_text("x", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "noticegen", *(arg.format(tmp=tmp_path) for arg in args)],
        capture_output=True,
        text=True,
        cwd=project.ROOT,
        timeout=120,  # preview would serve for ever: a mistake must stop it first
    )
    assert result.returncode == 2, (name, result.stderr)
    assert "Traceback" not in result.stderr and "unexpected" not in result.stderr
    assert len(result.stderr.strip().splitlines()) >= 1
