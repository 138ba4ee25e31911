"""`studybot content reports` and the reports in `studybot content check`: each open report with the
question's file:line, warnings that never change the exit status; SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.cli import main
from bot.core.content import locate_questions
from bot.core.models import ChannelSettings
from bot.store import open_store
from tests.conftest import FIXTURE_CONTENT
from tests.integration.test_db_tools import postgres  # noqa: F401

NOW = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "fixture.toml"
    path.write_text(f'[content]\npath = "{FIXTURE_CONTENT.as_posix()}"\n', encoding="utf-8")
    return path


def with_reports(url: str) -> str:
    """Reports as members made them: two on efs-001 (one a Korean note), one closed, one on a question
    that has left the bank."""

    async def make() -> None:
        store = await open_store(url)
        try:
            channel = await store.save_channel(ChannelSettings("slack", "T1", "C1", active=True))
            await store.remember_member("slack", "U1", "Jiwoo")
            add = store.add_report
            await add("slack", channel.id, "U1", "efs-001", "wrong", 'the answer is "B"', NOW)
            await add("slack", channel.id, "U2", "efs-001", "typo", "선택지 B에 오타", NOW)
            closed = (await add("slack", channel.id, "U1", "s3-001", "outdated", "", NOW)).report
            await store.close_report(closed.id, NOW)
            await add("slack", channel.id, "U3", "gone-001", "unclear", "", NOW)
        finally:
            await store.close()

    asyncio.run(make())
    return url


def place(question: str) -> str:
    file, line = locate_questions(FIXTURE_CONTENT)[question]
    assert f"id: {question}" in (FIXTURE_CONTENT.parent / file).read_text(encoding="utf-8").splitlines()[line - 1]
    return f"{file}:{line}"


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_content_reports_prints_each_open_report_at_its_question(capsys, config, tmp_path):
    db = with_reports(str(tmp_path / "bot.db"))
    code, out, err = run(capsys, "content", "reports", "--db", db, "--config", str(config))
    assert code == 0
    assert out.splitlines() == [
        f'{place("efs-001")}: efs-001: report #1: wrong, 2026-11-23 01:00 UTC, by Jiwoo (slack): "the answer is "B""',
        f'{place("efs-001")}: efs-001: report #2: typo, 2026-11-23 01:00 UTC, by U2 (slack): "선택지 B에 오타"',
        "?: gone-001: report #4: unclear, 2026-11-23 01:00 UTC, by U3 (slack)",
    ]
    assert err.strip() == "3 open reports on 2 questions"

    code, out, _ = run(capsys, "content", "reports", "--db", db, "--config", str(config), "--all")
    assert f"{place('s3-001')}: s3-001: report #3: outdated [closed]" in out and len(out.splitlines()) == 4

    code, out, _ = run(capsys, "content", "reports", "--db", db, "--config", str(config), "--json")
    first = json.loads(out.splitlines()[0])
    assert (first["id"], first["file"], first["reason"], first["user_name"]) == (
        1,
        "content/storage/efs.yaml",
        "wrong",
        "Jiwoo",
    )
    assert f"{first['file']}:{first['line']}" == place("efs-001") and first["status"] == "open"


def test_content_reports_without_a_database_says_so_and_makes_none(capsys, config, tmp_path):
    code, out, err = run(capsys, "content", "reports", "--db", str(tmp_path / "missing.db"), "--config", str(config))
    assert code == 2 and out == "" and "no database at" in err
    assert not (tmp_path / "missing.db").exists()


def test_content_check_shows_reported_questions_as_warnings_not_faults(capsys, config, tmp_path):
    db = with_reports(str(tmp_path / "bot.db"))
    code, out, _ = run(capsys, "content", "check", "--db", db, "--config", str(config))
    assert code == 0
    assert out.splitlines() == [
        f"{place('efs-001')}: warning: efs-001: 2 open reports (typo, wrong); `studybot content reports`",
        "warning: gone-001: 1 open report (unclear), but the question is not in the bank",
        "ok: 5 topics, 7 questions; 2 questions with open reports (warnings above)",
    ]
    code, out, err = run(capsys, "content", "check", "--db", db, "--config", str(config), "--json")
    checked = json.loads(out)
    assert code == 0 and checked["ok"] is True and checked["faults"] == 0 and checked["warnings"] == 2
    assert checked["reports"][0] == {
        "file": "content/storage/efs.yaml",
        "line": int(place("efs-001").rsplit(":", 1)[1]),
        "question": "efs-001",
        "open": 2,
        "reasons": ["typo", "wrong"],
    }
    assert "warning: efs-001" in err  # the lines go to stderr with --json, as faults do

    broken = tmp_path / "content" / "storage"  # faults still decide the exit status
    broken.mkdir(parents=True)
    (broken / "bad.yaml").write_text("id: bad\nname: Bad\n", encoding="utf-8")
    bad_config = tmp_path / "broken.toml"
    bad_config.write_text(f'[content]\npath = "{(tmp_path / "content").as_posix()}"\n', encoding="utf-8")
    code, out, _ = run(capsys, "content", "check", "--db", db, "--config", str(bad_config))
    assert code == 1 and "bad.yaml" in out and "warning: efs-001: 2 open reports" in out

    code, out, err = run(capsys, "content", "check", "--db", str(tmp_path / "none.db"), "--config", str(config))
    assert code == 0 and "no database at" in err and "warning" not in out


def test_content_reports_on_postgresql(capsys, config, postgres):  # noqa: F811
    db = with_reports(postgres())
    code, out, _ = run(capsys, "content", "reports", "--db", db, "--config", str(config))
    assert code == 0 and len(out.splitlines()) == 3 and out.startswith(f"{place('efs-001')}: efs-001: report #1")
    code, out, _ = run(capsys, "content", "check", "--db", db, "--config", str(config), "--json")
    assert code == 0 and json.loads(out)["warnings"] == 2
