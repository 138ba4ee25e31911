"""The daily question on Discord: the post, members answering, the reveal, restarts, refusals by Discord."""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import date
from pathlib import Path

from bot.app import Library
from bot.config import Settings
from bot.core.choices import choice_options, encode_choice
from bot.core.models import Post, Question
from tests.fakes.clock import FixedClock
from tests.fakes.discord import FakeDiscord
from tests.fakes.discord_payloads import CHANNEL, OTHER_CHANNEL, custom_ids, ephemeral
from tests.integration.discord_harness import RunningBot, discord_settings, running_bot

RATE_LIMITED = {"message": "You are being rate limited.", "retry_after": 0.01, "global": False}
RATE_HEADERS = {"Via": "1.1 google", "Retry-After": "0.01", "X-RateLimit-Scope": "user"}


async def post_today(bot: RunningBot) -> tuple[dict, Post, Question]:
    """An admin sets the channel up and posts today's question; the message as Discord has it."""
    await bot.interact(bot.say.slash("studybot", sub="setup", admin=True))
    reply = await bot.interact(bot.say.slash("studybot", sub="post-now", admin=True))
    assert "오늘의 문제를 올렸습니다" in reply.body["data"]["content"]
    key = await bot.channel_id_key(CHANNEL)
    post = await bot.core.store.post_on(key, date(2026, 11, 23))
    assert post is not None and post.message_id is not None
    return bot.fake.messages[post.message_id], post, bot.core.library.bank.questions[post.question_id]


def right(post: Post, question: Question) -> str:
    return f"answer:{post.id}:{encode_choice(question.answer)}"


def wrong(post: Post, question: Question) -> str:
    option = next(o for o in choice_options(question) if o != question.answer)
    return f"answer:{post.id}:{encode_choice(option)}"


async def test_daily_post_three_answers_and_the_reveal(discord_bot: RunningBot):
    message, post, question = await post_today(discord_bot)
    assert message["channel_id"] == CHANNEL
    assert message["embeds"][0]["title"].startswith("📝 오늘의 AWS 문제")  # the channel speaks Korean...
    assert custom_ids(message) == [f"answer:{post.id}:{encode_choice(o)}" for o in choice_options(question)]

    titles = []
    for who, pick in ((1, right), (2, wrong), (3, right)):
        call = await discord_bot.interact(discord_bot.say.click(message, pick(post, question), who=who))
        assert ephemeral(call.body)
        titles.append(call.body["data"]["embeds"][0]["title"])
    # ...and so do the private replies, though every member runs Discord in English (en-US)
    assert "+13점" in titles[0] and "오답" in titles[1] and "+12점" in titles[2]
    await discord_bot.core.daily.refresher.flush()
    edits = discord_bot.fake.calls_to("PATCH", rf"/channels/{CHANNEL}/messages/{post.message_id}")
    assert 1 <= len(edits) <= 3
    assert message["embeds"][0]["footer"]["text"].endswith("3명 응답")
    assert custom_ids(message) == [f"answer:{post.id}:{encode_choice(o)}" for o in choice_options(question)]

    closed = await discord_bot.interact(discord_bot.say.slash("studybot", sub="close-now", admin=True))
    assert "정답을 공개했습니다" in closed.body["data"]["content"]
    reveal = message["embeds"][0]
    assert reveal["title"].startswith("📣 정답 공개")
    assert custom_ids(message) == [f"report:{question.id}"]  # the answer buttons are gone; reporting stays
    assert "2명 (67%) ✅" in reveal["fields"][0]["value"]
    assert reveal["fields"][1]["value"] == "Member 1, Member 3"
    thread = discord_bot.fake.threads[post.message_id]
    assert thread["parent_id"] == CHANNEL and thread["name"] == "💡 해설"
    [explanation] = discord_bot.fake.channel_messages(thread["id"])
    assert question.explanation.ko in explanation["embeds"][0]["description"]

    late = await discord_bot.interact(discord_bot.say.click(message, right(post, question), who=4))
    assert "마감" in late.body["data"]["content"]
    assert len(await discord_bot.core.store.answers_to(post.id)) == 3


async def test_a_post_made_before_a_restart_still_takes_answers(
    fake_discord: FakeDiscord, fixture_settings: Settings, library: Library, clock: FixedClock, tmp_path: Path
):
    settings = discord_settings(fixture_settings, fake_discord, tmp_path / "discord_bot.db")
    async with running_bot(fake_discord, settings, library, clock) as first:
        message, post, question = await post_today(first)
    async with running_bot(fake_discord, settings, library, clock) as second:
        call = await second.interact(second.say.click(message, right(post, question), who=7))
        assert ephemeral(call.body) and "+13" in call.body["data"]["embeds"][0]["title"]
        answers = await second.core.store.answers_to(post.id)
        assert [(a[0], a[3]) for a in answers] == [("1007", True)]


async def test_a_rate_limited_post_is_retried_and_sent_once(discord_bot: RunningBot):
    discord_bot.fake.fail("POST", rf"/channels/{CHANNEL}/messages", 429, RATE_LIMITED, headers=RATE_HEADERS)
    _message, post, _question = await post_today(discord_bot)
    sends = discord_bot.fake.calls_to("POST", rf"/channels/{CHANNEL}/messages")
    assert [c.status for c in sends] == [429, 200]
    assert [m["id"] for m in discord_bot.fake.channel_messages(CHANNEL)] == [post.message_id]


async def test_an_answer_whose_reply_discord_refuses_is_recorded_once_and_logged(discord_bot: RunningBot, caplog):
    caplog.set_level(logging.WARNING, logger="discord_bot.platforms")
    message, post, question = await post_today(discord_bot)
    click = discord_bot.say.click(message, right(post, question), who=1)
    discord_bot.fake.fail(
        "POST",
        rf"/interactions/{click['id']}/{re.escape(click['token'])}/callback",
        404,
        {"message": "Unknown interaction", "code": 10062},
    )
    refused = await discord_bot.interact(click)
    assert refused.status == 404
    for _ in range(500):  # the client logs once it has read Discord's answer
        if any("refused the response" in r.getMessage() for r in caplog.records):
            break
        await asyncio.sleep(0.01)
    assert any(f"interaction {click['id']}" in r.getMessage() for r in caplog.records)
    again = await discord_bot.interact(discord_bot.say.click(message, wrong(post, question), who=1))
    assert "이미 이 문제에 답했습니다" in again.body["data"]["content"]
    answers = await discord_bot.core.store.answers_to(post.id)
    assert [(a[0], a[3]) for a in answers] == [("1001", True)]


async def test_another_channels_post_is_refused(discord_bot: RunningBot):
    message, post, question = await post_today(discord_bot)
    await discord_bot.interact(discord_bot.say.slash("studybot", sub="setup", admin=True, channel_id=OTHER_CHANNEL))
    call = await discord_bot.interact(
        discord_bot.say.click(message, right(post, question), who=2, channel_id=OTHER_CHANNEL)
    )
    assert ephemeral(call.body) and "이 채널에서 찾을 수 없는 문제" in call.body["data"]["content"]
    assert await discord_bot.core.store.answers_to(post.id) == []
