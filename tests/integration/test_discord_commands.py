"""Slash commands and buttons through the real discord.py client and a fake Discord."""

from __future__ import annotations

import pytest

from bot.core.choices import encode_choice
from bot.core.models import ChannelRef
from tests.fakes.discord_payloads import CHANNEL, GUILD, custom_ids, ephemeral
from tests.integration.discord_harness import RunningBot

MESSAGE, DEFERRED, AUTOCOMPLETE_RESULT = 4, 5, 8


@pytest.fixture
def discord_bot(english_discord_bot: RunningBot) -> RunningBot:
    """These tests read the replies: the channel speaks English (test_discord_language covers Korean)."""
    return english_discord_bot


def embed(call_body: dict) -> dict:
    return call_body["data"]["embeds"][0]


async def test_aws_efs_shows_the_card_privately_and_share_posts_it_to_the_channel(discord_bot: RunningBot):
    call = await discord_bot.interact(discord_bot.say.slash("aws", {"query": "efs"}))
    assert call.body["type"] == MESSAGE and ephemeral(call.body)
    card = embed(call.body)
    assert card["title"].startswith("Amazon EFS")
    assert [f["name"] for f in card["fields"]][:2] == ["Key points", "vs Amazon EBS"]
    card_message = discord_bot.fake.messages[discord_bot.fake.interactions[call.path.split("/")[2]].original]
    assert custom_ids(card_message) == ["share:efs", "quiz:efs"]

    shared = await discord_bot.interact(discord_bot.say.click(card_message, "share:efs", who=2))
    assert shared.body["type"] == MESSAGE and not ephemeral(shared.body)
    assert embed(shared.body)["title"].startswith("Amazon EFS")
    assert "Member 2" in embed(shared.body)["footer"]["text"]


async def test_aws_autocomplete_offers_topics_for_a_partial_name(discord_bot: RunningBot):
    call = await discord_bot.interact(discord_bot.say.autocomplete("aws", "query", "ef"))
    assert call.body["type"] == AUTOCOMPLETE_RESULT
    choices = call.body["data"]["choices"]
    assert "efs" in [c["value"] for c in choices]
    assert 0 < len(choices) <= 25 and all(len(c["name"]) <= 100 for c in choices)


async def test_quiz_question_and_a_click_on_its_answer(discord_bot: RunningBot):
    asked = await discord_bot.interact(discord_bot.say.slash("quiz", {"subject": "efs"}, who=3))
    assert asked.body["type"] == MESSAGE and ephemeral(asked.body)
    question_message = discord_bot.fake.original(discord_bot.fake.interactions[asked.path.split("/")[2]].payload)
    ids = custom_ids(question_message)
    assert ids and all(i.startswith("practice:efs-") for i in ids)
    question = discord_bot.core.library.bank.questions[ids[0].split(":")[1]]
    right = f"practice:{question.id}:{encode_choice(question.answer)}"

    result = await discord_bot.interact(discord_bot.say.click(question_message, right, who=3))
    assert ephemeral(result.body) and "Correct" in embed(result.body)["title"]
    key = await discord_bot.channel_id_key(CHANNEL)
    tallies = await discord_bot.core.store.member_tallies(key, "1003")
    assert [(t.question_id, t.source, t.correct) for t in tallies] == [(question.id, "practice", 1)]


async def test_leaderboard_is_shown_to_the_channel(discord_bot: RunningBot):
    call = await discord_bot.interact(discord_bot.say.slash("leaderboard", {"period": "all"}))
    assert call.body["type"] == MESSAGE and not ephemeral(call.body)
    assert "All-time board" in embed(call.body)["title"]


async def test_a_member_without_manage_server_cannot_change_the_time(discord_bot: RunningBot):
    refused = await discord_bot.interact(discord_bot.say.slash("studybot", {"value": "10:00"}, sub="time", who=5))
    assert ephemeral(refused.body)
    assert "admins only" in refused.body["data"]["content"]
    assert await discord_bot.core.store.get_channel(ChannelRef("discord", GUILD, CHANNEL)) is None

    allowed = await discord_bot.interact(discord_bot.say.slash("studybot", {"value": "10:00"}, sub="time", admin=True))
    assert embed(allowed.body)["title"] == "✅ Settings changed"
    settings = await discord_bot.core.store.get_channel(ChannelRef("discord", GUILD, CHANNEL))
    assert settings is not None and settings.post_time.hour == 10


async def test_commands_the_bot_does_not_know_still_get_the_routers_answer(discord_bot: RunningBot):
    for payload in (discord_bot.say.slash("frobnicate"), discord_bot.say.slash("studybot", sub="explode", admin=True)):
        call = await discord_bot.interact(payload)
        assert call.body["type"] == MESSAGE and ephemeral(call.body)
        assert "Unknown" in call.body["data"]["content"]
    renamed = discord_bot.say.slash("studybot", {"hour": "11:00"}, sub="time", admin=True)  # not "value"
    changed = await discord_bot.interact(renamed)
    assert embed(changed.body)["title"] == "✅ Settings changed"
    for name in ("stats", "review", "exam"):  # registered; the router answers whatever it has
        call = await discord_bot.interact(discord_bot.say.slash(name))
        assert call.body["type"] == MESSAGE


async def test_forged_and_broken_clicks_are_refused_clearly(discord_bot: RunningBot):
    card = await discord_bot.interact(discord_bot.say.slash("aws", {"query": "efs"}))
    message = discord_bot.fake.original(discord_bot.fake.interactions[card.path.split("/")[2]].payload)
    without_components = {**message, "components": []}
    for payload in (
        discord_bot.say.click(message, "answer:99999:0"),
        discord_bot.say.click(message, "answer:abc"),
        discord_bot.say.click(message, "garbage"),
        discord_bot.say.click(message, "x" * 100),
        discord_bot.say.click(without_components, "share:nope"),
    ):
        call = await discord_bot.interact(payload)
        assert call.body["type"] == MESSAGE and ephemeral(call.body), payload["data"]
        text = call.body["data"]["content"]
        assert "no longer valid" in text or "not one of this channel's posts" in text, text
    no_message = discord_bot.say.click(message, "share:efs")
    del no_message["message"]
    call = await discord_bot.interact(no_message)
    assert not ephemeral(call.body)  # a share still works: the custom_id carries everything


async def test_a_slow_reply_is_deferred_then_sent(discord_bot: RunningBot):
    discord_bot.client.responder.defer_after = 0.01
    release = discord_bot.held("cards", "command")
    payload = discord_bot.say.slash("aws", {"query": "efs"})
    call = await discord_bot.interact(payload)
    assert call.body["type"] == DEFERRED and ephemeral(call.body)
    release.set()
    edit = rf"/webhooks/\d+/{payload['token']}/messages/@original"
    await discord_bot.fake.wait_for(lambda: bool(discord_bot.fake.calls_to("PATCH", edit)))
    answer = discord_bot.fake.original(payload)
    assert answer is not None and answer["embeds"][0]["title"].startswith("Amazon EFS")
    assert answer["flags"] & 64 and custom_ids(answer) == ["share:efs", "quiz:efs"]


async def test_a_server_answering_callbacks_with_no_content_still_gets_every_reply(discord_bot: RunningBot, caplog):
    discord_bot.fake.bare_callbacks = True
    for payload in (discord_bot.say.slash("aws", {"query": "efs"}), discord_bot.say.slash("leaderboard")):
        call = await discord_bot.interact(payload)
        assert call.status == 204 and call.body["type"] == MESSAGE
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]


async def test_a_number_sent_for_a_text_option_is_read_as_the_text_typed(discord_bot: RunningBot, caplog):
    looked_up = await discord_bot.interact(discord_bot.say.slash("aws", {"query": 123}))
    text = str(looked_up.body["data"])
    assert "'123'" in text and "Something went wrong" not in text
    timed = await discord_bot.interact(discord_bot.say.slash("studybot", {"value": 1000}, sub="time", admin=True))
    assert "Something went wrong" not in str(timed.body["data"])
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]


async def test_options_discord_py_cannot_read_are_refused_not_left_unanswered(discord_bot: RunningBot):
    untyped = discord_bot.say.slash("aws", {"query": "efs"})
    del untyped["data"]["options"][0]["type"]
    not_a_user = discord_bot.say.slash("stats")
    not_a_user["data"]["options"] = [{"name": "member", "type": 6, "value": "not-a-snowflake"}]
    for payload in (untyped, not_a_user):
        call = await discord_bot.interact(payload)
        assert call.body["type"] == MESSAGE and ephemeral(call.body)
        assert "Something went wrong" in call.body["data"]["content"]
