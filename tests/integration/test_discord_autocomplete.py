"""Every autocomplete request gets suggestions (possibly none) and never runs a command."""

from __future__ import annotations

import pytest

import bot.platforms.discord.commands as discord_commands
from bot.core.models import ChannelRef
from tests.fakes.discord_payloads import CHANNEL, GUILD
from tests.integration.discord_harness import RunningBot

AUTOCOMPLETE_RESULT = 8


def suggestions(call_body: dict) -> list[str]:
    assert call_body["type"] == AUTOCOMPLETE_RESULT, call_body
    return [choice["value"] for choice in call_body["data"]["choices"]]


@pytest.mark.parametrize(
    ("name", "option", "sub"),
    [
        ("aws", "nope", None),  # an option the command does not have
        ("leaderboard", "period", None),  # an option with fixed choices, no autocomplete
        ("studybot", "value", "time"),  # a sub-command option without autocomplete
        ("studybot", "value", "explode"),  # a sub-command the bot does not have
        ("frobnicate", "query", None),  # a command the bot does not have
    ],
)
async def test_autocomplete_where_the_bot_has_no_suggestions_gets_an_empty_list(
    discord_bot: RunningBot, name: str, option: str, sub: str | None
):
    call = await discord_bot.interact(discord_bot.say.autocomplete(name, option, "1", sub=sub, admin=True))
    assert suggestions(call.body) == []


async def test_a_keystroke_never_runs_a_command(discord_bot: RunningBot):
    # `/studybot` with no sub-command: discord.py cannot map it, and the typed text is an admin command
    for typed in ("setup", "post-now"):
        call = await discord_bot.interact(discord_bot.say.autocomplete("studybot", "value", typed, admin=True))
        assert suggestions(call.body) == []
    assert await discord_bot.core.store.get_channel(ChannelRef("discord", GUILD, CHANNEL)) is None
    assert discord_bot.fake.channel_messages(CHANNEL) == []


async def test_a_request_without_a_focused_option_gets_an_empty_list(discord_bot: RunningBot):
    payload = discord_bot.say.autocomplete("aws", "query", "ef")
    del payload["data"]["options"][0]["focused"]
    call = await discord_bot.interact(payload)
    assert suggestions(call.body) == []


async def test_a_number_typed_where_text_is_expected_still_gets_suggestions(discord_bot: RunningBot):
    for name, option, sub in (("aws", "query", None), ("quiz", "subject", None), ("studybot", "value", "timezone")):
        call = await discord_bot.interact(discord_bot.say.autocomplete(name, option, 3, sub=sub, admin=True))
        assert isinstance(suggestions(call.body), list)
    zones = await discord_bot.interact(discord_bot.say.autocomplete("studybot", "value", "seoul", sub="timezone"))
    assert suggestions(zones.body) == ["Asia/Seoul"]


async def test_a_suggester_that_fails_answers_with_an_empty_list(discord_bot: RunningBot, monkeypatch):
    def broken(text: str, limit: int) -> list[tuple[str, str]]:
        raise RuntimeError("index gone")

    monkeypatch.setattr(discord_bot.core.router, "complete_topics", broken)
    for name, option in (("aws", "query"), ("quiz", "subject")):
        call = await discord_bot.interact(discord_bot.say.autocomplete(name, option, "zz"))
        assert suggestions(call.body) == []


async def test_one_limit_caps_every_suggestion_list(discord_bot: RunningBot, monkeypatch):
    monkeypatch.setattr(discord_commands, "AUTOCOMPLETE_LIMIT", 2)
    for name, option, sub, typed in (
        ("aws", "query", None, "e"),
        ("quiz", "subject", None, "s"),
        ("studybot", "value", "timezone", "america"),
    ):
        call = await discord_bot.interact(discord_bot.say.autocomplete(name, option, typed, sub=sub))
        assert len(suggestions(call.body)) == 2, (name, call.body)
