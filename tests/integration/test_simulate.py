"""`studybot simulate`: the live scheduler's jobs on a virtual clock, through the CLI entry."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest

from bot.cli import main
from tests.conftest import FIXTURE_CONTENT


@pytest.fixture
def fixture_config(tmp_path: Path) -> Path:
    # The shipped bank is still being written; the simulation runs on the fixture bank.
    path = tmp_path / "sim.toml"
    path.write_text(f'[content]\npath = "{FIXTURE_CONTENT.as_posix()}"\n', encoding="utf-8")
    return path


def simulate(capsys: pytest.CaptureFixture[str], config: Path, *args: str) -> list[dict[str, str]]:
    code = main(["simulate", "--config", str(config), "--json", *args])
    out = capsys.readouterr().out
    assert code == 0
    return [json.loads(line) for line in out.splitlines()]


def test_two_weeks_from_a_monday_post_reveal_and_board_at_the_configured_local_times(capsys, fixture_config):
    lines = simulate(capsys, fixture_config, "--days", "14", "--members", "6", "--start", "2026-11-23", "--seed", "3")
    kinds = Counter(line["kind"] for line in lines)
    assert (kinds["daily"], kinds["reveal"], kinds["weekly"]) == (10, 10, 2)
    when = {kind: [datetime.fromisoformat(x["at"]) for x in lines if x["kind"] == kind] for kind in kinds}
    weekdays = ["2026-11-23", "2026-11-24", "2026-11-25", "2026-11-26", "2026-11-27"]
    weekdays += ["2026-11-30", "2026-12-01", "2026-12-02", "2026-12-03", "2026-12-04"]
    assert [f"{t:%Y-%m-%d %H:%M %z}" for t in when["daily"]] == [f"{d} 09:00 +0900" for d in weekdays]
    assert [f"{t:%Y-%m-%d %H:%M}" for t in when["reveal"]] == [f"{d} 18:00" for d in weekdays]
    assert [f"{t:%Y-%m-%d %a %H:%M}" for t in when["weekly"]] == ["2026-11-23 Mon 09:00", "2026-11-30 Mon 09:00"]
    assert all(a <= b for a, b in zip(when["count"], when["count"][1:], strict=False))  # members answer in time
    second_board = [x["text"] for x in lines if x["kind"] == "weekly"][1]
    assert "2026-11-23 – 2026-11-29" in second_board and "🥇" in second_board
    first_reveal = next(x["text"] for x in lines if x["kind"] == "reveal")
    assert "✅" in first_reveal


def test_the_same_seed_gives_the_same_run_and_the_zone_is_the_channels(capsys, fixture_config):
    args = ("--days", "3", "--members", "3", "--start", "2026-11-02", "--timezone", "America/New_York")
    first = simulate(capsys, fixture_config, *args, "--seed", "5")
    again = simulate(capsys, fixture_config, *args, "--seed", "5")
    other = simulate(capsys, fixture_config, *args, "--seed", "6")
    assert first == again and first != other
    daily = [x["at"] for x in first if x["kind"] == "daily"]
    assert daily == ["2026-11-02T09:00:00-05:00", "2026-11-03T09:00:00-05:00", "2026-11-04T09:00:00-05:00"]


def test_plain_output_and_a_bad_zone(capsys, fixture_config):
    code = main(["simulate", "--config", str(fixture_config), "--days", "1", "--start", "2026-11-23", "--lang", "en"])
    out = capsys.readouterr().out
    assert code == 0
    assert "[2026-11-23 Mon 09:00 KST] daily" in out and "Today's AWS question (2026-11-23)" in out
    assert "[2026-11-23 Mon 18:00 KST] reveal" in out
    code = main(["simulate", "--config", str(fixture_config), "--days", "1", "--timezone", "Mars/Olympus"])
    assert code == 2 and "Mars/Olympus" in capsys.readouterr().err


def test_the_second_weekly_board_names_the_most_improved_member_and_the_weakest_domain(capsys, fixture_config):
    lines = simulate(
        capsys, fixture_config, "--days", "15", "--members", "5", "--start", "2026-11-23", "--seed", "3", "--lang", "en"
    )
    boards = [line["text"] for line in lines if line["kind"] == "weekly"]
    assert len(boards) == 3
    assert "Most improved" in boards[2] and "weakest domain" in boards[2]
    assert "/aws " in boards[2]


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--days", "99999999"], "--days: '99999999': give a whole number from 1 to 3,660"),
        (["--members", "abc"], "--members: 'abc': give a whole number from 1 to 5,000"),
        (["--members", "999999999999"], "--members: '999999999999': give a whole number from 1 to 5,000"),
        (["--start", "9999-12-30"], "--start: '9999-12-30': give a day from 1970-01-01 to 2999-12-31"),
        (["--start", "2026-02-30"], "'2026-02-30' is not a date (YYYY-MM-DD)"),
    ],
)
def test_a_run_too_long_too_large_or_off_the_calendar_is_refused_before_it_starts(capsys, fixture_config, args, said):
    with pytest.raises(SystemExit) as stopped:
        main(["simulate", "--config", str(fixture_config), *args])
    err = capsys.readouterr().err
    assert stopped.value.code == 2 and said in err and "Traceback" not in err
