"""The commands a newcomer types: a piped console session, lookup, content check, config layering."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import ConfigError, load_settings
from tests.conftest import FIXTURE_CONTENT


@pytest.fixture
def fixture_config(tmp_path: Path) -> Path:
    path = tmp_path / "fixture.toml"
    path.write_text(f'[content]\npath = "{FIXTURE_CONTENT}"\n', encoding="utf-8")
    return path


def console(monkeypatch, capsys, config: Path, lines: list[str], *args: str) -> str:
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join(lines) + "\n"))
    assert main(["console", "--db", ":memory:", "--config", str(config), *args]) == 0
    return capsys.readouterr().out


def test_a_piped_console_session_runs_the_whole_daily_loop(monkeypatch, capsys, fixture_config):
    out = console(
        monkeypatch,
        capsys,
        fixture_config,
        ["/aws efs", "/quiz efs", "/answer 1", "/studybot post-now", "/answer 99", "/answer 2",
         "/studybot close-now", "/leaderboard", "/bogus"],
        "--lang", "en", "--user", "Dana",
    )  # fmt: skip
    assert "== Amazon EFS — Amazon Elastic File System ==" in out
    assert "[1] Share to channel" in out
    assert "Practice question" in out and ("Correct!" in out or "Not quite." in out)
    assert "[#4 posted in the channel]" in out  # messages are numbered in the order they were shown
    assert "Message #4 has no button 99" in out
    assert "[#4 edited]" in out and "Answer revealed" in out  # --lang en: a new console channel speaks English
    assert "Weekly board" in out and "Dana" in out
    assert "Unknown command: /bogus" in out


def test_the_console_database_is_a_file_that_keeps_answers(monkeypatch, capsys, fixture_config, tmp_path):
    db = tmp_path / "data" / "bot.db"
    monkeypatch.setattr(sys, "stdin", io.StringIO("/studybot post-now\n/answer 1\n"))
    assert main(["console", "--db", str(db), "--config", str(fixture_config), "--lang", "en"]) == 0
    capsys.readouterr()
    monkeypatch.setattr(sys, "stdin", io.StringIO("/leaderboard all\n"))
    assert main(["console", "--db", str(db), "--config", str(fixture_config), "--lang", "en"]) == 0
    later = capsys.readouterr().out
    assert db.exists()
    assert "🥇 me —" in later and "/1 correct)" in later  # the first session's answer, read back from the file


def test_lookup_prints_json_and_exits_1_when_nothing_matches(capsys, fixture_config):
    assert main(["lookup", "elastc file sytem", "--json", "--config", str(fixture_config)]) == 0
    found = json.loads(capsys.readouterr().out)
    assert (found["id"], found["name"]) == ("efs", "Amazon EFS") and found["score"] > 80
    assert main(["lookup", "quantum pizza oven", "--json", "--config", str(fixture_config)]) == 1
    missing = json.loads(capsys.readouterr().out)
    assert missing["id"] is None and isinstance(missing["suggestions"], list)
    assert main(["lookup", "보안그룹", "--lang", "ko", "--config", str(fixture_config)]) == 0
    assert "상태 저장" in capsys.readouterr().out


def test_content_check_counts_and_faults(capsys, fixture_config, tmp_path):
    assert main(["content", "check", "--json", "--config", str(fixture_config)]) == 0
    counts = json.loads(capsys.readouterr().out)
    assert counts["ok"] and counts["topics"] == 5 and counts["questions"] == 7
    assert counts["by_kind"] == {"single": 4, "truefalse": 2, "multi": 1}
    broken = tmp_path / "content" / "storage"
    broken.mkdir(parents=True)
    (broken / "bad.yaml").write_text("id: bad\nname: Bad\n", encoding="utf-8")
    config = tmp_path / "broken.toml"
    config.write_text(f'[content]\npath = "{tmp_path / "content"}"\n', encoding="utf-8")
    assert main(["content", "check", "--config", str(config)]) == 1
    assert "content/storage/bad.yaml:" in capsys.readouterr().out


def test_config_layers_default_file_then_environment(tmp_path):
    local = tmp_path / "local.toml"
    local.write_text('[database]\npath = "from-file.db"\n[channel_defaults]\ntimezone = "Europe/London"\n')
    settings = load_settings(local, env={"SLACK_BOT_TOKEN": "xoxb-1", "UNRELATED": "x"})
    assert settings.db_path == "from-file.db" and settings.channel_defaults.timezone == "Europe/London"
    assert settings.channel_defaults.post_time.hour == 9  # untouched defaults stay
    assert settings.secrets == {"SLACK_BOT_TOKEN": "xoxb-1"}
    assert load_settings(local, env={"STUDYBOT_DB": "from-env.db"}).db_path == "from-env.db"
    assert load_settings(local, env={"STUDYBOT_DB": "from-env.db"}, db_path="flag.db").db_path == "flag.db"
    local.write_text('[channel_defaults]\ntimezone = "Mars/Olympus"\n')
    with pytest.raises(ConfigError, match="channel_defaults"):
        load_settings(local, env={})
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path / "missing.toml", env={})


def test_a_send_rate_below_its_floor_is_refused_by_name(tmp_path):
    local = tmp_path / "local.toml"
    local.write_text("[schedule]\nsends_per_second = 25\nsend_burst = 5\n")
    settings = load_settings(local, env={})
    assert (settings.sends_per_second, settings.send_burst) == (25.0, 5)
    local.write_text("[schedule]\nsend_burst = 0\n")
    with pytest.raises(ConfigError, match=r"\[schedule\] send_burst is 0: use a number of at least 1"):
        load_settings(local, env={})
    local.write_text("[schedule]\nsends_per_second = -1\n")
    with pytest.raises(ConfigError, match=r"sends_per_second is -1"):
        load_settings(local, env={})
