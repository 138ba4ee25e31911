"""A studybot process on the fake Discord killed with SIGKILL at each step of each send, then restarted:
the channel ends with exactly one daily post (whose buttons work), one applied reveal, one explanation
and one weekly board.

The steps: the request is in but Discord has made nothing yet; Discord made the message and holds its
answer; Discord answered but the bot could not record it yet (the test holds the database's write lock).
Discord's nonce window is taken as passed, so a restart must find the message itself.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.fakes.discord import FakeDiscord
from tests.fakes.discord_payloads import CHANNEL, Payloads, custom_ids, ephemeral
from tests.integration.crash_harness import Studybot, all_sent_after_restart, kill_at, write_config

TOKEN = "MTEw.fake-bot-token.crash"
STEPS = ("before", "made", "answered")
ITEMS = ("post", "reveal", "explain", "board")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class World:
    def __init__(self, fake: FakeDiscord, folder: Path) -> None:
        self.fake = fake
        self.folder = folder
        self.config = write_config(folder)
        self.say = Payloads(fake)
        self.db = folder / "bot.db"
        self.runs = 0

    async def start(self) -> Studybot:
        self.runs += 1
        seen = self.fake.identified
        env = {
            "DISCORD_API_URL": self.fake.api_url,
            "DISCORD_GATEWAY_URL": self.fake.gateway_url,
            "DISCORD_TOKEN": TOKEN,
        }
        bot = await Studybot(["run", "discord", "--config", str(self.config)], env, self.folder / "bot.log").start()
        await self.fake.wait_for(lambda: self.fake.identified > seen, timeout=30)
        return bot

    async def admin(self, text: str) -> dict:  # type: ignore[type-arg]
        sub, _, value = text.partition(" ")
        options: dict[str, object] = {}
        if sub == "board":
            day, time = value.split()
            options = {"day": day, "time": time}
        elif value:
            options = {"value": value}
        call = await self.fake.interact(self.say.slash("studybot", options, sub=sub, admin=True))
        return call.body

    def channel_messages(self) -> list[dict]:  # type: ignore[type-arg]
        return self.fake.channel_messages(CHANNEL)

    def daily_posts(self) -> list[dict]:  # type: ignore[type-arg]
        return [m for m in self.channel_messages() if any(i.startswith("answer:") for i in custom_ids(m))]

    def titled(self, start: str) -> list[dict]:  # type: ignore[type-arg]
        return [
            m for m in self.fake.messages.values() if m["embeds"] and m["embeds"][0].get("title", "").startswith(start)
        ]


@pytest.fixture
async def world(fake_discord: FakeDiscord, tmp_path: Path) -> World:
    fake_discord.nonces_forgotten = True
    return World(fake_discord, tmp_path)


def target(item: str) -> tuple[str, str]:
    """The request of a send: a post or a board, the reveal's edit, the explanation in the thread."""
    if item == "reveal":
        return "PATCH", rf"/channels/{CHANNEL}/messages/\d+"
    if item == "explain":
        return "POST", rf"/channels/(?!{CHANNEL})\d+/messages"
    return "POST", rf"/channels/{CHANNEL}/messages"


async def crash(world: World, bot: Studybot, item: str, step: str, trigger) -> None:  # type: ignore[no-untyped-def]
    method, path = target(item)
    hold = world.fake.hold_before(method, path) if step == "before" else world.fake.hold_after(method, path)
    acting = asyncio.ensure_future(trigger())
    await asyncio.wait_for(world.fake.arrived.wait(), 30)
    await kill_at(step, bot, world.fake, hold, world.db)
    acting.cancel()
    await asyncio.gather(acting, return_exceptions=True)
    world.fake.drop_held = False


async def set_up(world: World, bot: Studybot) -> None:
    now = datetime.now(UTC)
    for command in ("setup", "timezone UTC", "days mon-sun", "close 23:59", "time 00:00"):
        body = await world.admin(command)
        assert "embeds" in body["data"] or "content" in body["data"], body
    assert now.hour < 23 or now.minute < 58, "too close to midnight UTC for this test"


@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize("item", ITEMS)
async def test_a_kill_at_any_step_of_a_send_ends_with_exactly_one_of_it(world: World, item: str, step: str):
    bot = await world.start()
    try:
        await set_up(world, bot)
        if item == "post":
            await crash(world, bot, item, step, lambda: world.admin("post-now"))
        else:
            await world.admin("post-now")
            [post] = world.daily_posts()
            right = next(i for i in custom_ids(post))
            await world.fake.interact(world.say.click(post, right, who=2))
            if item == "board":
                soon = datetime.now(UTC) - timedelta(minutes=1)
                await world.admin(f"board {DAYS[soon.weekday()]} {soon:%H:%M}")
                assert await bot.stop() == 0  # the board is due when the next process starts
                bot = await crash_on_start(world, item, step)
            else:
                await crash(world, bot, item, step, lambda: world.admin("close-now"))
        bot = await world.start()  # the restart: its reconciler settles what the killed process left
        await all_sent_after_restart(world.db)
        await check_exactly_once(world, item)
    finally:
        await bot.stop()
        print(world.folder.joinpath("bot.log").read_text(encoding="utf-8", errors="replace")[-3000:])


async def crash_on_start(world: World, item: str, step: str) -> Studybot:
    method, path = target(item)
    hold = world.fake.hold_before(method, path) if step == "before" else world.fake.hold_after(method, path)
    bot = await world.start()
    await asyncio.wait_for(world.fake.arrived.wait(), 30)
    await kill_at(step, bot, world.fake, hold, world.db)
    await asyncio.sleep(0.1)
    world.fake.drop_held = False
    return bot


async def check_exactly_once(world: World, item: str) -> None:
    [post] = world.daily_posts() or [m for m in world.channel_messages() if m["embeds"][0]["title"].startswith("📣")]
    if item == "post":
        assert len(world.daily_posts()) == 1
        answer = next(i for i in custom_ids(post))
        reply = await world.fake.interact(world.say.click(post, answer, who=3))
        assert ephemeral(reply.body), reply.body  # the buttons of the one post work
        return
    if item in ("reveal", "explain"):
        revealed = world.fake.messages[post["id"]]
        assert revealed["embeds"][0]["title"].startswith("📣")
        assert [i.partition(":")[0] for i in custom_ids(revealed)] == ["report"]  # the answers are gone
        explanations = [m for m in world.fake.messages.values() if m["channel_id"] == post["id"]]
        assert len(explanations) == 1, explanations
        return
    boards = world.titled("🏆")
    assert len(boards) == 1, [b["embeds"][0]["title"] for b in boards]
