"""Replies speak the channel's language, whatever language a member runs Discord in."""

from __future__ import annotations

from tests.fakes.discord_payloads import custom_ids, ephemeral
from tests.integration.discord_harness import RunningBot


def embed(call_body: dict) -> dict:
    return call_body["data"]["embeds"][0]


async def test_a_korean_channel_gets_korean_from_members_using_discord_in_english(discord_bot: RunningBot):
    assert discord_bot.say.locale == "en-US"  # every member here runs Discord in English
    board = await discord_bot.interact(discord_bot.say.slash("leaderboard", {"period": "all"}))
    assert not ephemeral(board.body) and "전체 순위" in embed(board.body)["title"]

    card = await discord_bot.interact(discord_bot.say.slash("aws", {"query": "efs"}))
    assert ephemeral(card.body) and embed(card.body)["fields"][0]["name"] == "핵심 포인트"
    card_message = discord_bot.fake.original(discord_bot.fake.interactions[card.path.split("/")[2]].payload)
    assert custom_ids(card_message)[0] == "share:efs"
    shared = await discord_bot.interact(discord_bot.say.click(card_message, "share:efs", who=2))
    assert not ephemeral(shared.body)
    assert embed(shared.body)["fields"][0]["name"] == "핵심 포인트"
    assert "Member 2님이 공유" in embed(shared.body)["footer"]["text"]


async def test_an_interaction_without_a_locale_gets_the_channels_language(discord_bot: RunningBot):
    # discord.py reads a missing locale as en-US; the channel's Korean must still win
    payload = discord_bot.say.slash("leaderboard", {"period": "all"})
    del payload["locale"]
    board = await discord_bot.interact(payload)
    assert "전체 순위" in embed(board.body)["title"]


async def test_an_english_channel_gets_english_from_members_using_discord_in_korean(discord_bot: RunningBot):
    changed = await discord_bot.interact(discord_bot.say.slash("studybot", {"value": "en"}, sub="language", admin=True))
    assert ephemeral(changed.body)
    discord_bot.say.locale = "ko"
    board = await discord_bot.interact(discord_bot.say.slash("leaderboard", {"period": "all"}))
    assert "All-time board" in embed(board.body)["title"]
    card = await discord_bot.interact(discord_bot.say.slash("aws", {"query": "efs"}))
    assert embed(card.body)["fields"][0]["name"] == "Key points"
