"""A studybot process on the fake Slack (HTTP mode) killed with SIGKILL at each step of each send, then
restarted: the channel ends with exactly one daily post (whose buttons work), one applied reveal, one
explanation in its thread and one weekly board. A restart finds a message a killed process may have
made through the metadata every keyed post carries (conversations.history / conversations.replies)."""

from __future__ import annotations

import asyncio
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest

from tests.fakes.slack import FakeSlack
from tests.fakes.slack_driver import SlackDriver
from tests.integration.crash_harness import Studybot, all_sent_after_restart, kill_at, until, write_config

SECRET = "crash-signing-secret"
STEPS = ("before", "made", "answered")
ITEMS = ("post", "reveal", "explain", "board")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class World:
    def __init__(self, fake: FakeSlack, folder: Path) -> None:
        self.fake = fake
        self.folder = folder
        self.config = write_config(folder)
        self.db = folder / "bot.db"
        self.port = free_port()
        self.driver = SlackDriver(f"http://127.0.0.1:{self.port}/slack/events", SECRET, fake)
        fake.add_user("U0", "Admin", is_admin=True)
        fake.add_user("U2", "Minseo")

    async def start(self) -> Studybot:
        env = {"SLACK_BOT_TOKEN": "xoxb-crash", "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": self.fake.api_url}
        args = ["run", "slack", "--http", str(self.port), "--config", str(self.config)]
        bot = await Studybot(args, env, self.folder / "bot.log").start()

        async def healthy() -> bool:
            try:
                async with (
                    aiohttp.ClientSession() as session,
                    session.get(f"http://127.0.0.1:{self.port}/healthz") as r,
                ):
                    return r.status == 200
            except aiohttp.ClientError:
                return False

        for _ in range(300):
            if await healthy():
                return bot
            await asyncio.sleep(0.1)
        raise AssertionError(bot.output())

    async def admin(self, text: str) -> None:
        before = len(self.fake.responses)
        sent = await self.driver.command(f"/studybot {text}", "U0")
        assert sent.status == 200
        await until(lambda: len(self.fake.responses) > before, 20)

    def posts(self) -> list:  # type: ignore[type-arg]
        return [
            m for m in self.fake.channel_messages("C1") if '"answer:' in str(m.blocks) or "answer:" in str(m.blocks)
        ]

    def top_level(self) -> list:  # type: ignore[type-arg]
        return self.fake.channel_messages("C1")


def target(item: str):  # type: ignore[no-untyped-def]
    if item == "reveal":
        return "chat.update", None
    if item == "explain":
        return "chat.postMessage", lambda args: bool(args.get("thread_ts"))
    return "chat.postMessage", lambda args: not args.get("thread_ts")


async def kill_during(world: World, bot: Studybot, item: str, step: str) -> None:
    method, _ = target(item)
    await asyncio.wait_for(world.fake.arrived[method].wait(), 30)
    await kill_at(step, bot, world.fake, world.release, world.db)
    await asyncio.sleep(0.2)
    world.fake.drop_held = False


def arm(world: World, item: str, step: str) -> None:
    method, when = target(item)
    world.release = world.fake.hold(method, when) if step == "before" else world.fake.hold_after(method, when)


@pytest.fixture
async def world(tmp_path: Path):  # type: ignore[no-untyped-def]
    fake = await FakeSlack().start()
    yield World(fake, tmp_path)
    await fake.close()


@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize("item", ITEMS)
async def test_a_kill_at_any_step_of_a_send_ends_with_exactly_one_of_it(world: World, item: str, step: str):
    bot = await world.start()
    try:
        now = datetime.now(UTC)
        assert now.hour < 23 or now.minute < 58, "too close to midnight UTC for this test"
        for command in ("setup", "timezone UTC", "days mon-sun", "close 23:59", "time 00:00"):
            await world.admin(command)
        if item == "post":
            arm(world, item, step)
            acting = asyncio.ensure_future(world.driver.command("/studybot post-now", "U0"))
            await kill_during(world, bot, item, step)
            await asyncio.gather(acting, return_exceptions=True)
        else:
            await world.admin("post-now")
            [post] = world.posts()
            await world.driver.click(post, "answer:0", "U2")
            if item == "board":
                soon = datetime.now(UTC) - timedelta(minutes=1)
                await world.admin(f"board {DAYS[soon.weekday()]} {soon:%H:%M}")
                assert await bot.stop() == 0
                arm(world, item, step)
                bot = await world.start()
                await kill_during(world, bot, item, step)
            else:
                arm(world, item, step)
                acting = asyncio.ensure_future(world.driver.command("/studybot close-now", "U0"))
                await kill_during(world, bot, item, step)
                await asyncio.gather(acting, return_exceptions=True)
        bot = await world.start()  # the restart: its reconciler settles what the killed process left
        await all_sent_after_restart(world.db)
        await check_exactly_once(world, item)
    finally:
        await bot.stop()
        print(world.folder.joinpath("bot.log").read_text(encoding="utf-8", errors="replace")[-3000:])


async def check_exactly_once(world: World, item: str) -> None:
    top = world.top_level()
    if item == "post":
        [post] = world.posts()
        before = len(world.fake.responses) + len(world.fake.ephemerals)
        assert (await world.driver.click(post, "answer:0", "U2")).status == 200  # its buttons work
        await until(lambda: len(world.fake.responses) + len(world.fake.ephemerals) > before, 20)
        return
    if item in ("reveal", "explain"):
        [post] = [m for m in top if "answer" not in str(m.blocks) or m.edits]
        assert post.edits >= 1 and "answer:" not in str(post.blocks)  # revealed: the buttons are gone
        assert len(world.fake.thread(post.ts)) == 1, [m.text for m in world.fake.thread(post.ts)]
        return
    boards = [m for m in top if "🏆" in m.text]
    assert len(boards) == 1, [m.text for m in boards]
