"""`/studybot setup` and `post-now` first check that the bot can post in the channel. Where it cannot
(Slack: not a member of the channel; Discord: no View Channel or Send Messages there), the admin is told
exactly how to fix it, nothing is posted, and the channel is not left set up (the scheduler would fail
there every day)."""

from __future__ import annotations

import pytest

from bot.core.models import ChannelRef
from bot.platforms.slack.render import mrkdwn
from tests.fakes.discord_payloads import (
    BOT_PERMISSIONS,
    CHANNEL,
    EMBED_LINKS,
    GUILD,
    SEND_MESSAGES,
    VIEW_CHANNEL,
    Payloads,
    custom_ids,
    ephemeral,
)
from tests.fakes.slack_driver import text_of
from tests.integration.discord_harness import RunningBot
from tests.integration.slack_harness import ADMIN, SlackWorld
from tests.integration.slack_harness import CHANNEL as SLACK_CHANNEL

DISCORD_CHANNEL = ChannelRef("discord", GUILD, CHANNEL)


def shown(response: dict) -> str:  # type: ignore[type-arg]
    """What the admin reads in a Slack reply: the fallback text and every block."""
    return f"{response.get('text', '')}\n{text_of(response.get('blocks', []))}"


# --- Slack: conversations.info says whether the bot is a member ----------------------------------


@pytest.mark.parametrize("command", ["setup", "post-now"])
async def test_slack_in_a_channel_without_the_bot_tells_the_admin_to_invite_it(slack: SlackWorld, command: str):
    slack.fake.not_member_of.add("C1")
    [reply] = await slack.run(f"/studybot {command}", ADMIN, key="refused")
    assert mrkdwn(slack.t("admin.cannot_post_not_in_channel")) in shown(reply)
    assert "/invite @studybot" in shown(reply)
    assert reply["response_type"] == "ephemeral"
    settings = await slack.core.store.get_channel(SLACK_CHANNEL)
    assert settings is None or not settings.active  # not set up: no job will fail here every day
    assert slack.fake.calls_to("chat.postMessage", ok_only=False) == []  # nothing was even tried
    assert slack.fake.calls_to("conversations.info")  # the check asked Slack

    slack.fake.not_member_of.discard("C1")  # the admin invites the bot, and runs the command again
    [done] = await slack.run(f"/studybot {command}", ADMIN, key="again")
    assert mrkdwn(slack.t("admin.cannot_post_not_in_channel")) not in shown(done)
    settings = await slack.core.store.get_channel(SLACK_CHANNEL)
    assert settings is not None and settings.active
    assert len(slack.fake.channel_messages()) == (1 if command == "post-now" else 0)


async def test_slack_post_now_after_the_bot_was_removed_is_refused_and_claims_nothing(slack: SlackWorld):
    await slack.run("/studybot setup", ADMIN, key="setup")
    slack.fake.not_member_of.add("C1")  # someone removes the bot from the channel
    [reply] = await slack.run("/studybot post-now", ADMIN, key="refused")
    assert mrkdwn(slack.t("admin.cannot_post_not_in_channel")) in shown(reply)
    settings = await slack.core.store.get_channel(SLACK_CHANNEL)
    assert settings is not None and settings.id is not None
    assert await slack.core.store.latest_post(settings.id) is None  # no claim left to fail later
    assert await slack.core.store.outbox_open() == []
    assert slack.fake.channel_messages() == []


# --- Discord: the interaction's app_permissions say what the bot may do in the channel ------------


@pytest.fixture
def discord_bot(english_discord_bot: RunningBot) -> RunningBot:
    return english_discord_bot


MISSING = {
    "send messages": BOT_PERMISSIONS & ~SEND_MESSAGES,
    "view channel": BOT_PERMISSIONS & ~VIEW_CHANNEL,
    "embed links": BOT_PERMISSIONS & ~EMBED_LINKS,
    "nothing": 0,
}


@pytest.mark.parametrize("command", ["setup", "post-now"])
@pytest.mark.parametrize("missing", list(MISSING))
async def test_discord_without_the_permissions_to_post_tells_the_admin_which_to_give(
    discord_bot: RunningBot, command: str, missing: str
):
    text = discord_bot.core.library.catalog.t("en", "admin.cannot_post_no_permission")
    lacking = Payloads(discord_bot.fake, bot_permissions=MISSING[missing])
    call = await discord_bot.interact(lacking.slash("studybot", sub=command, admin=True))
    assert ephemeral(call.body) and call.body["data"]["content"] == text
    assert "Send Messages" in text and "View Channel" in text  # exactly what to give
    settings = await discord_bot.core.store.get_channel(DISCORD_CHANNEL)
    assert settings is None or not settings.active
    assert discord_bot.fake.calls_to("POST", rf"/channels/{CHANNEL}/messages") == []
    assert discord_bot.fake.channel_messages(CHANNEL) == []

    # The permissions are given (the next interaction says so): the same command works.
    done = await discord_bot.interact(discord_bot.say.slash("studybot", sub=command, admin=True))
    assert (done.body["data"].get("content") or "") != text
    settings = await discord_bot.core.store.get_channel(DISCORD_CHANNEL)
    assert settings is not None and settings.active
    posts = [m for m in discord_bot.fake.channel_messages(CHANNEL) if custom_ids(m)]
    assert len(posts) == (1 if command == "post-now" else 0)


async def test_discord_post_now_after_the_bot_lost_its_permissions_is_refused_and_claims_nothing(
    discord_bot: RunningBot,
):
    await discord_bot.interact(discord_bot.say.slash("studybot", sub="setup", admin=True))
    lacking = Payloads(discord_bot.fake, bot_permissions=BOT_PERMISSIONS & ~SEND_MESSAGES)  # its role changed
    call = await discord_bot.interact(lacking.slash("studybot", sub="post-now", admin=True))
    assert call.body["data"]["content"] == discord_bot.core.library.catalog.t("en", "admin.cannot_post_no_permission")
    settings = await discord_bot.core.store.get_channel(DISCORD_CHANNEL)
    assert settings is not None and settings.id is not None
    assert await discord_bot.core.store.latest_post(settings.id) is None  # no claim left to fail later
    assert await discord_bot.core.store.outbox_open() == []
    assert discord_bot.fake.channel_messages(CHANNEL) == []
