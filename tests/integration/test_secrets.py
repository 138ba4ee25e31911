"""Tokens and signing secrets never reach a log line or a reply, even with every logger at DEBUG."""

from __future__ import annotations

import asyncio
import logging
import re

from bot.core.choices import encode_choice
from tests.fakes.discord_payloads import CHANNEL
from tests.integration.discord_harness import discord_settings, running_bot
from tests.integration.slack_harness import ADMIN, BOT_TOKEN, SECRET, SlackWorld

DISCORD_TOKEN = "MTk4NjIyNDgzNDcxOTI1MjQ4.Cl2FMQ.ZnCjm1XVW7vRze4b7Cq4se7kKWs"


def leaked(texts: list[str], *secrets: str) -> list[str]:
    return [text for text in texts if any(secret in text for secret in secrets)]


async def test_slack_token_and_signing_secret_never_reach_logs_or_replies(slack: SlackWorld, caplog):
    caplog.set_level(logging.DEBUG)  # every logger: ours, slack_bolt, slack_sdk, aiohttp
    await slack.run("/aws efs", "U1", key="aws")
    await slack.run("/aws elastc file sytem", "U1", key="typo")
    await slack.run("/studybot post-now", ADMIN, key="post")
    post, question = await slack.todays_post()
    [message] = slack.fake.channel_messages()
    await slack.click(message, "answer:0", "U2", key="click")
    await slack.run("/studybot close-now", ADMIN, key="close")
    await slack.run("/studybot time 10:00", "U3", key="refused")
    forged = await slack.driver.send("command=%2Faws&text=efs", "application/x-www-form-urlencoded", signature="v0=00")
    assert forged.status == 401
    await slack.settle()
    logs = [record.getMessage() for record in caplog.records] + [caplog.text]
    assert len(caplog.records) > 20  # the debug logs really were captured
    assert leaked(logs, BOT_TOKEN, SECRET) == []
    sent = [str(call.args) for call in slack.fake.calls]  # everything the bot sent to Slack, bar the auth header
    assert leaked(sent, BOT_TOKEN, SECRET) == []
    assert post and question


async def test_discord_token_never_reaches_logs_or_replies(
    fake_discord, fixture_settings, library, clock, tmp_path, caplog
):
    caplog.set_level(logging.DEBUG)  # discord.py logs every gateway and HTTP exchange at DEBUG
    settings = discord_settings(fixture_settings, fake_discord, tmp_path / "bot.db")
    async with running_bot(fake_discord, settings, library, clock, token=DISCORD_TOKEN) as bot:
        await bot.interact(bot.say.slash("aws", {"query": "efs"}))
        await bot.interact(bot.say.slash("studybot", {}, sub="post-now", who=0, admin=True))
        key = await bot.channel_id_key(CHANNEL)
        post = await bot.core.store.latest_post(key)
        question = bot.core.library.bank.questions[post.question_id]
        message = bot.fake.messages[post.message_id]
        await bot.interact(bot.say.click(message, f"answer:{post.id}:{encode_choice(question.answer)}", who=2))
    logs = [record.getMessage() for record in caplog.records] + [caplog.text]
    assert len(caplog.records) > 20
    assert leaked(logs, DISCORD_TOKEN) == []
    bodies = [str(call.body) for call in fake_discord.calls]
    assert leaked(bodies, DISCORD_TOKEN) == []


def echoed(path: str) -> dict[str, object]:
    """An error as some servers and proxies word it: the request path, token and all, in the text."""
    return {"message": f"Cannot POST /api/v10{path} (no such interaction, or it expired)", "code": 0}


async def test_interaction_tokens_never_reach_studybots_own_logs(discord_bot, caplog):
    caplog.set_level(logging.DEBUG, logger="bot")  # what -v turns on
    say, fake = discord_bot.say, discord_bot.fake
    refused = say.slash("aws", {"query": "efs"})
    callback = f"/interactions/{refused['id']}/{refused['token']}/callback"
    fake.fail("POST", re.escape(callback), 404, echoed(callback))
    await discord_bot.interact(refused)

    discord_bot.client.responder.defer_after = 0.0
    deferred = say.slash("aws", {"query": "s3"})
    original = f"/webhooks/{fake.application_id}/{deferred['token']}/messages/@original"
    fake.fail("PATCH", re.escape(original), 404, echoed(original))
    await discord_bot.interact(deferred)
    await fake.wait_for(lambda: bool(fake.calls_to("PATCH", re.escape(original))))

    forged = say.click({"id": "1", "channel_id": say.channel_id, "components": []}, "not-ours")
    callback = f"/interactions/{forged['id']}/{forged['token']}/callback"
    fake.fail("POST", re.escape(callback), 404, echoed(callback))
    await discord_bot.interact(forged)

    tokens = [payload["token"] for payload in (refused, deferred, forged)]
    formatter = logging.Formatter()
    for _ in range(500):  # the client logs once it has read each refusal
        ours = [formatter.format(r) for r in caplog.records if r.name.startswith("bot")]
        if sum("404" in text for text in ours) >= 3:
            break
        await asyncio.sleep(0.01)
    assert sum("404" in text for text in ours) >= 3, ours
    assert leaked(ours, *tokens) == []
    assert leaked(ours, *(token[:16] for token in tokens)) == []
