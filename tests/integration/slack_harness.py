"""The real slack-bolt app served on 127.0.0.1, talking to the fake Slack; imported by test_slack*.py."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from datetime import date

import pytest
from aiohttp.test_utils import TestServer

from bot.app import Core, Library, build_core
from bot.config import Settings
from bot.core.models import ChannelRef, Post, Question
from bot.platforms.slack.app import SlackBot
from bot.platforms.slack.members import MemberDirectory
from bot.platforms.slack.platform import SlackPlatform, make_client
from bot.platforms.slack.server import web_app
from tests.fakes.clock import FixedClock
from tests.fakes.slack import FakeSlack, Message
from tests.fakes.slack_driver import SlackDriver

SECRET = "signing-secret-for-tests"
BOT_TOKEN = "xoxb-token-for-tests"
CHANNEL = ChannelRef("slack", "T1", "C1")
ADMIN = "UADMIN"
CONFIG_ADMIN = "U7"  # listed in config [slack] admins
MEMBERS = {"U1": "Jiwoo", "U2": "Minseo", "U3": "Hana", "U4": "Doyun", CONFIG_ADMIN: "Seojun"}


@dataclass
class SlackWorld:
    fake: FakeSlack
    core: Core
    bot: SlackBot
    driver: SlackDriver
    clock: FixedClock

    def t(self, key: str, **values: object) -> str:
        return self.core.library.catalog.t("ko", key, **values)

    async def settle(self) -> None:
        """Let the bot finish what it acknowledged, and the post refresher its edits."""
        for _ in range(3):
            await self.bot.drain()
            await self.core.daily.refresher.flush()

    async def run(self, text: str, user: str, key: str = "cmd") -> list[dict]:
        """A slash command; returns what reached its response_url."""
        sent = await self.driver.command(text, user, key=key)
        assert sent.status == 200, sent.text
        await self.settle()
        return self.fake.responses_to(key)

    async def click(self, message: Message, action_id: str, user: str, key: str = "click") -> list[dict]:
        sent = await self.driver.click(message, action_id, user, key=key)
        assert sent.status == 200, sent.text
        await self.settle()
        return self.fake.responses_to(key)

    async def todays_post(self) -> tuple[Post, Question]:
        settings = await self.core.store.get_channel(CHANNEL)
        assert settings is not None and settings.id is not None
        post = await self.core.store.post_on(settings.id, date(2026, 11, 23))
        assert post is not None
        return post, self.core.library.bank.questions[post.question_id]


async def until(condition: Callable[[], object], seconds: float = 10.0) -> None:
    """Wait for something another task does; fails after `seconds` (a guard, not a timing assert)."""
    for _ in range(int(seconds / 0.02)):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the condition never held")


@pytest.fixture
async def slack(fixture_settings: Settings, library: Library, clock: FixedClock) -> AsyncIterator[SlackWorld]:
    fake = await FakeSlack().start()
    fake.add_user(ADMIN, "Boss", is_admin=True)
    for user_id, name in MEMBERS.items():
        fake.add_user(user_id, name)
    client = make_client(BOT_TOKEN, fake.api_url)
    platform = SlackPlatform(client)
    settings = replace(fixture_settings, slack={"admins": [CONFIG_ADMIN], "api_url": fake.api_url})
    core = await build_core(settings, platform, library=library, clock=clock, rng=random.Random(7), refresh_seconds=0.0)
    bot = SlackBot(
        router=core.router,
        platform=platform,
        members=MemberDirectory(client, settings.slack["admins"]),
        lang="ko",
        signing_secret=SECRET,
    )
    server = TestServer(web_app(bot.app, SECRET), host="127.0.0.1")
    await server.start_server()
    driver = SlackDriver(f"http://127.0.0.1:{server.port}/slack/events", SECRET, fake)
    try:
        yield SlackWorld(fake, core, bot, driver, clock)
    finally:
        await bot.drain()
        await server.close()
        await core.close()
        await fake.close()


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    """A bare fake Slack (one member) for tests that start the bot themselves."""
    slack = await FakeSlack().start()
    slack.add_user("U1", "Jiwoo")
    yield slack
    await slack.close()
