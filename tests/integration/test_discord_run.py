"""`studybot run discord` and `studybot discord invite-url`, as an operator runs them."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from bot.app import run_discord
from bot.cli import main
from bot.config import ConfigError, load_settings
from tests.conftest import FIXTURE_CONTENT
from tests.fakes.discord import FakeDiscord
from tests.fakes.discord_payloads import CHANNEL, GUILD, Payloads, custom_ids, ephemeral
from tests.integration.discord_harness import discord_settings, running_bot

TOKEN = "MTEw.fake-bot-token.never-printed"


def config_file(tmp_path: Path, *, refresh_seconds: float = 3.0) -> Path:
    path = tmp_path / "local.toml"
    path.write_text(
        f'[content]\npath = "{FIXTURE_CONTENT}"\n[database]\npath = "{tmp_path / "bot.db"}"\n'
        f"[posts]\nrefresh_seconds = {refresh_seconds}\n",
        encoding="utf-8",
    )
    return path


def env(fake: FakeDiscord, **more: str) -> dict[str, str]:
    return {"DISCORD_API_URL": fake.api_url, "DISCORD_GATEWAY_URL": fake.gateway_url, **more}


async def test_run_discord_connects_with_the_environment_and_answers(fake_discord: FakeDiscord, tmp_path: Path):
    settings = load_settings(config_file(tmp_path), env=env(fake_discord, DISCORD_TOKEN=TOKEN))
    running = asyncio.create_task(run_discord(settings))
    await fake_discord.wait_for(lambda: fake_discord.identified > 0 or running.done())
    assert not running.done()
    call = await fake_discord.interact(Payloads(fake_discord).slash("aws", {"query": "efs"}))
    assert call.body["data"]["embeds"][0]["title"].startswith("Amazon EFS")
    assert [c.path for c in fake_discord.calls[:3]] == [
        "/users/@me",
        "/oauth2/applications/@me",
        f"/applications/{fake_discord.application_id}/commands",
    ]
    running.cancel()
    await asyncio.gather(running, return_exceptions=True)
    assert (tmp_path / "bot.db").exists()


async def test_a_refused_token_is_a_clear_error_without_the_token(fake_discord: FakeDiscord, tmp_path: Path):
    fake_discord.fail("GET", "/users/@me", 401, {"message": "401: Unauthorized", "code": 0})
    settings = load_settings(config_file(tmp_path), env=env(fake_discord, DISCORD_TOKEN=TOKEN))
    with pytest.raises(ConfigError) as refused:
        await run_discord(settings)
    assert "DISCORD_TOKEN" in str(refused.value) and TOKEN not in str(refused.value)


def test_a_missing_token_names_the_variable_and_exits_2(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    assert main(["run", "discord", "--config", str(config_file(tmp_path))]) == 2
    assert "DISCORD_TOKEN" in capsys.readouterr().err
    assert not (tmp_path / "bot.db").exists()


def test_invite_url_asks_for_the_bot_scopes_and_the_permissions_it_needs(monkeypatch, capsys):
    monkeypatch.setenv("DISCORD_CLIENT_ID", "123456789012345678")
    assert main(["discord", "invite-url"]) == 0
    url = urlparse(capsys.readouterr().out.strip())
    query = parse_qs(url.query)
    assert url.netloc == "discord.com" and query["client_id"] == ["123456789012345678"]
    assert query["scope"] == ["bot applications.commands"]
    # view channel, send messages, embed links, read history, public threads, send in threads
    bits = (10, 11, 14, 16, 35, 38)
    assert int(query["permissions"][0]) == sum(1 << b for b in bits)
    assert main(["discord", "invite-url", "--client-id", "not-a-number"]) == 2
    monkeypatch.delenv("DISCORD_CLIENT_ID")
    assert main(["discord", "invite-url"]) == 2
    assert "DISCORD_CLIENT_ID" in capsys.readouterr().err


async def test_commands_sync_to_the_dev_guild_as_the_command_table_declares_them(
    fake_discord: FakeDiscord, fixture_settings, library, clock, tmp_path: Path
):
    settings = discord_settings(fixture_settings, fake_discord, tmp_path / "bot.db", dev_guild=int(GUILD))
    async with running_bot(fake_discord, settings, library, clock):
        assert fake_discord.calls_to("PUT", rf"/applications/\d+/guilds/{GUILD}/commands")
        assert not fake_discord.calls_to("PUT", r"/applications/\d+/commands")
    commands = {c["name"]: c for c in fake_discord.commands[GUILD]}
    assert set(commands) == {"aws", "quiz", "leaderboard", "stats", "review", "exam", "studybot"}
    # /studybot help and status are for everyone; its admin subcommands are refused by the router
    assert commands["studybot"]["default_member_permissions"] is None
    assert commands["aws"]["options"][0]["autocomplete"] is True
    assert commands["aws"]["description_localizations"]["ko"]
    subcommands = {o["name"] for o in commands["studybot"]["options"]}
    assert {"setup", "time", "timezone", "post-now", "close-now", "help", "status"} <= subcommands


@pytest.mark.skipif(sys.platform == "win32", reason="no SIGTERM handlers on Windows")
async def test_sigterm_shows_the_last_answered_count_then_stops_cleanly(
    fake_discord: FakeDiscord, tmp_path: Path, caplog
):
    settings = load_settings(config_file(tmp_path, refresh_seconds=0.5), env=env(fake_discord, DISCORD_TOKEN=TOKEN))
    running = asyncio.create_task(run_discord(settings))
    await fake_discord.wait_for(lambda: fake_discord.identified > 0 or running.done())
    say = Payloads(fake_discord)
    await fake_discord.interact(say.slash("studybot", sub="setup", admin=True))
    await fake_discord.interact(say.slash("studybot", sub="post-now", admin=True))
    [post] = fake_discord.channel_messages(CHANNEL)
    answered = await fake_discord.interact(say.click(post, custom_ids(post)[0], who=2))
    assert ephemeral(answered.body)

    assert signal.getsignal(signal.SIGTERM) not in (signal.SIG_DFL, None)  # else SIGTERM would end pytest
    signal.raise_signal(signal.SIGTERM)
    assert await asyncio.wait_for(running, 10) == 0
    assert post["embeds"][0]["footer"]["text"].endswith("1명 응답")  # edited before the connection closed
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_run_discord_shows_studybots_own_start_lines(tmp_path: Path, monkeypatch, caplog):
    async def connected(settings: object) -> int:
        logging.getLogger("bot.platforms.discord.client").info("connected to Discord as studybot")
        return 0

    monkeypatch.setattr("bot.app.run_discord", connected)
    ours = logging.getLogger("bot")
    ours.setLevel(logging.NOTSET)
    try:
        assert main(["run", "discord", "--config", str(config_file(tmp_path))]) == 0
    finally:
        ours.setLevel(logging.NOTSET)
    assert "connected to Discord as studybot" in [r.getMessage() for r in caplog.records]
