"""`bench/run.py` refuses what it cannot use before it measures anything, and says what to do instead."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import pytest

from bench import run


def bench(monkeypatch, *args: str) -> int:
    monkeypatch.setattr(sys, "argv", ["bench/run.py", *args])
    try:
        return run.main()
    except SystemExit as exc:  # argparse's own refusals
        return int(exc.code or 0)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_an_unreachable_postgres_is_refused_before_any_bench_runs(monkeypatch, capsys):
    measured = []
    monkeypatch.setattr(run.bench_start, "run", lambda quick: measured.append("start"))
    url = f"postgresql://studybot@127.0.0.1:{closed_port()}/studybot"
    assert bench(monkeypatch, "--only", "start", "--postgres", url) == 2
    captured = capsys.readouterr()
    assert measured == []
    assert captured.out == ""  # no result line
    assert f"--postgres {url}: cannot connect" in captured.err
    assert "Start the server or fix the URL" in captured.err
    assert "Traceback" not in captured.err


@pytest.mark.parametrize("given", ["abc", "10", "100k,,1M"])
def test_sizes_that_are_not_answer_counts_are_refused_with_an_example(monkeypatch, capsys, given):
    assert bench(monkeypatch, "--only", "start", "--sizes", given) == 2
    err = capsys.readouterr().err
    assert f"--sizes: {given!r}: give answer counts of 1k or more, e.g. 100k,1M,5M" in err


def test_sizes_take_k_and_m(monkeypatch):
    assert run.sizes("100k,1M,2.5m") == [100_000, 1_000_000, 2_500_000]


def test_a_data_folder_that_cannot_be_made_is_refused(monkeypatch, capsys, tmp_path: Path):
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    assert bench(monkeypatch, "--only", "start", "--data", str(blocker / "datasets")) == 2
    err = capsys.readouterr().err
    assert f"--data {blocker / 'datasets'}: cannot create the folder" in err
    assert "name a writable folder" in err
