"""The bank's files read in two processes give what one process reads, faults and their lines included;
a child that fails costs only time."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest

from bot.config import DEFAULT_CONTENT
from bot.core import yaml_lines
from bot.core.content import check_bank
from bot.core.yaml_lines import FastLoader, LineLoader, read_documents


def bank_files(root: Path = DEFAULT_CONTENT) -> list[Path]:
    return sorted(root.rglob("*.yaml"))


@pytest.fixture
def forks(monkeypatch):
    """Forking allowed whatever threads earlier tests left; the children started, counted."""
    started: list[int] = []
    real_fork = os.fork

    def counted_fork() -> int:
        pid = real_fork()
        if pid:
            started.append(pid)
        return pid

    monkeypatch.setattr(yaml_lines, "_may_fork", lambda: True)
    monkeypatch.setattr(os, "fork", counted_fork)
    return started


def read_alone(paths: list[Path], loader: type) -> list[yaml_lines.Document]:
    return [yaml_lines._read(path, loader) for path in paths]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this system")
def test_the_whole_bank_read_by_two_processes_is_what_one_reads(forks):
    files = bank_files()
    assert read_documents(files, FastLoader) == read_alone(files, FastLoader)
    assert len(forks) == 1


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this system")
def test_a_child_keeps_the_lines_of_what_it_reads(forks):
    files = bank_files()
    last = read_documents(files, LineLoader)[-1][0]
    alone = read_alone(files[-1:], LineLoader)[0][0]
    assert len(forks) == 1
    assert last == alone
    assert (last.line, last.key_lines) == (alone.line, alone.key_lines)
    questions = last["questions"]
    assert questions.item_lines == alone["questions"].item_lines


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this system")
def test_faults_in_the_half_a_child_reads_name_their_file_and_line(forks, tmp_path, monkeypatch):
    root = tmp_path / "content"
    shutil.copytree(DEFAULT_CONTENT, root)
    files = bank_files(root)
    broken, wrong = files[-1], files[-2]
    broken.write_text("id: broken\nname: [unclosed\n", encoding="utf-8")
    text = wrong.read_text(encoding="utf-8")
    answer = next(row for row in text.splitlines() if row.strip().startswith("answer: ["))
    wrong.write_text(text.replace(answer, answer.split("answer:")[0] + "answer: [9]", 1), encoding="utf-8")
    line = next(n for n, row in enumerate(wrong.read_text().splitlines(), start=1) if "answer: [9]" in row)

    _, faults = check_bank(root)

    assert len(forks) == 2  # the fast read, then the read that tracks lines
    label = f"content/{wrong.relative_to(root).as_posix()}"
    assert any(f.file == label and f.line == line and "answer index 9 is out of range" in f.message for f in faults)
    broken_label = f"content/{broken.relative_to(root).as_posix()}"
    assert any(f.file == broken_label and f.line == 3 and "not valid YAML" in f.message for f in faults)
    monkeypatch.setattr(yaml_lines, "_may_fork", lambda: False)
    assert check_bank(root)[1] == faults
    assert len(forks) == 2


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this system")
def test_a_child_that_fails_leaves_its_half_to_the_parent(forks, monkeypatch):
    def fail(path: Path, loader: type) -> None:
        raise MemoryError("the child ran out")

    monkeypatch.setattr(yaml_lines, "_read_or_leave", fail)  # the child is a copy: it fails there
    files = bank_files()
    assert read_documents(files, FastLoader) == read_alone(files, FastLoader)
    assert len(forks) == 1


def test_no_child_is_forked_while_another_thread_runs(monkeypatch):
    def no_fork() -> int:
        raise AssertionError("forked beside another thread")

    monkeypatch.setattr(os, "fork", no_fork, raising=False)
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        files = bank_files()
        assert read_documents(files, FastLoader) == read_alone(files, FastLoader)
    finally:
        release.set()
        other.join()
