"""Progress: a bar with rate and time left on a terminal, periodic log lines otherwise."""

from __future__ import annotations

import io
import logging
import sys

from noticegen import progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_a_bar_with_rate_and_time_left():
    stream = Terminal()
    bar = progress.Progress(100, "notices", stream=stream)
    bar.advance(25)
    bar.bar.refresh()
    shown = stream.getvalue()
    assert "25/100 notices" in shown and "/s" in shown and "left" in shown
    bar.close()
    assert stream.getvalue().endswith("\n")


def test_log_lines_go_above_the_bar_not_into_it(monkeypatch):
    stream = Terminal()
    monkeypatch.setattr(sys, "stderr", stream)  # the log and the bar share the terminal
    log = logging.getLogger("test-bar")
    log.propagate = False
    handler = logging.StreamHandler()
    log.addHandler(handler)
    try:
        bar = progress.Progress(10, "notices", log=log)
        bar.advance(3)
        log.warning("chunk-00001 written")
        bar.close()
    finally:
        log.removeHandler(handler)
    lines = stream.getvalue().replace("\r", "\n").split("\n")
    assert "chunk-00001 written" in lines  # a line of its own, not glued to the bar


def test_a_log_gets_a_line_every_ten_seconds_and_at_the_end(caplog):
    now = [0.0]
    bar = progress.Progress(
        10, "rows", stream=io.StringIO(), log=logging.getLogger("test"), clock=lambda: now[0]
    )
    with caplog.at_level(logging.INFO, logger="test"):
        for second in range(1, 10):
            now[0] = float(second)
            bar.advance(1)
        assert len(caplog.records) == 0
        now[0] = 10.0
        bar.advance(1)
    assert len(caplog.records) == 1
    assert "10/10 rows" in caplog.records[0].getMessage()


def test_count_lines_leaves_out_the_header(tmp_path):
    path = tmp_path / "members.csv"
    path.write_bytes(b"a,b\r\n1,2\r\n3,4\r\n")
    assert progress.count_lines(path) == 2
