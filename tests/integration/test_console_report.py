"""Reporting a question in the terminal: the report button, the numbered reasons, the optional line,
all from piped input, and what the database keeps."""

from __future__ import annotations

import asyncio
import io
import sys
from pathlib import Path

from bot.cli import main
from bot.store import open_store
from tests.conftest import FIXTURE_CONTENT


def session(monkeypatch, capsys, tmp_path: Path, lines: list[str]) -> str:
    config = tmp_path / "fixture.toml"
    config.write_text(f'[content]\npath = "{FIXTURE_CONTENT.as_posix()}"\n', encoding="utf-8")
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join(lines) + "\n"))
    code = main(
        ["console", "--db", str(tmp_path / "bot.db"), "--config", str(config), "--lang", "en", "--user", "Dana"]
    )
    assert code == 0
    return capsys.readouterr().out


async def stored(tmp_path: Path) -> list:
    store = await open_store(str(tmp_path / "bot.db"))
    try:
        return await store.reports(None)
    finally:
        await store.close()


def test_the_report_button_on_the_reveal_asks_a_reason_then_a_line(monkeypatch, capsys, tmp_path):
    out = session(
        monkeypatch,
        capsys,
        tmp_path,
        ["/studybot post-now", "/answer 1", "/studybot close-now",
         "/answer 1", "9", "1", "x" * 301, "The answer should be B",
         "/studybot reports",
         "/answer 1", "typo", "",
         "/answer 1", "/cancel",
         "/quit", "/answer 1"],
    )  # fmt: skip
    reveal = out[out.index("== 📣 Answer revealed") :]
    assert "[1] ⚑ Report" in reveal[: reveal.index("\n> ")]  # the reveal's one button: the answers are gone
    assert "== Report this question ==" in out
    assert "[1] Wrong answer  [2] Unclear  [3] Outdated  [4] Typo" in out
    assert "> 9\n[1] Wrong answer" in out  # not a choice: asked again at once
    assert "The note is 301 characters long; keep it to 300. Nothing was recorded." in out
    assert "Thanks! Report #1 on " in out and "is recorded (Wrong answer)" in out
    assert "#1 · " in out and "· Wrong answer · Dana · " in out and "“The answer should be B”" in out
    assert "Your report #1 on " in out and "is updated (Typo)" in out
    assert "Cancelled: nothing was sent." in out
    [report] = asyncio.run(stored(tmp_path))
    assert (report.id, report.reason, report.note, report.user_name, report.status) == (1, "typo", "", "Dana", "open")
    assert out.count("Report this question ==") == 3  # the line after /quit was never read


def test_a_korean_console_reports_in_korean(monkeypatch, capsys, tmp_path):
    config = tmp_path / "fixture.toml"
    config.write_text(f'[content]\npath = "{FIXTURE_CONTENT.as_posix()}"\n', encoding="utf-8")
    monkeypatch.setattr(sys, "stdin", io.StringIO("/quiz efs\n/answer 1\n/answer 3\n4\n선택지 B에 오타\n"))
    assert main(["console", "--db", str(tmp_path / "bot.db"), "--config", str(config), "--lang", "ko"]) == 0
    out = capsys.readouterr().out
    assert "[3] ⚑ 신고" in out and "== 문제 신고 ==" in out and "[4] 오타" in out
    assert "신고 #1이(가) 접수되었습니다 (오타)" in out
    [report] = asyncio.run(stored(tmp_path))
    assert (report.reason, report.note) == ("typo", "선택지 B에 오타")
