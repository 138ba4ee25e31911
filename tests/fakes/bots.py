"""Running studybot processes for schedule tests: each a Core with its scheduler on a virtual clock."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.app import Core, Library, build_core, start_scheduler
from bot.config import Settings
from bot.core.models import ChannelSettings, Reply
from bot.schedule import Scheduler
from bot.simulate import VirtualRunner
from tests.conftest import Channel
from tests.fakes.clock import FixedClock
from tests.fakes.platform import RecordingPlatform

SEOUL = ZoneInfo("Asia/Seoul")
NEW_YORK = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")


def at(zone: ZoneInfo, *parts: int, fold: int = 0) -> datetime:
    return datetime(*parts, tzinfo=zone, fold=fold)  # type: ignore[misc]


@dataclass
class Bot:
    """One running studybot process: its core, scheduler, virtual runner and platform."""

    core: Core
    scheduler: Scheduler
    runner: VirtualRunner
    platform: RecordingPlatform
    clock: FixedClock
    channel: Channel
    sleeps: list[float]

    async def run_until(self, moment: datetime) -> list[tuple[datetime, str]]:
        return await self.runner.run_until(moment)

    async def settings(self) -> ChannelSettings:
        found = await self.core.store.get_channel(self.channel.ref)
        assert found is not None
        return found

    def daily_posts(self) -> list[Reply]:
        return [s.reply for s in self.platform.posts("question")]


class Bots:
    def __init__(self, settings: Settings, library: Library) -> None:
        self.settings = settings
        self.library = library
        self.running: list[Bot] = []

    async def start(
        self,
        moment: datetime,
        platform: RecordingPlatform | None = None,
        *,
        live: bool = False,
        clock: FixedClock | None = None,
    ) -> Bot:
        """A process starting at `moment`; processes given one `clock` share time (see `run_together`)."""
        if clock is None:
            clock = FixedClock(moment)
        platform = platform or RecordingPlatform()
        sleeps: list[float] = []

        async def sleep(seconds: float) -> None:
            sleeps.append(seconds)

        core = await build_core(
            self.settings,
            platform,
            library=self.library,
            clock=clock,
            rng=random.Random(7),
            refresh_seconds=0.0,
            sleep=sleep,
        )
        scheduler = await start_scheduler(core, live=live)
        runner = VirtualRunner(scheduler, clock)
        runner.reconcile_every = scheduler.reconcile_seconds  # as the live scheduler's interval job
        bot = Bot(core, scheduler, runner, platform, clock, Channel(core), sleeps)
        self.running.append(bot)
        return bot

    async def stop(self, bot: Bot) -> None:
        self.running.remove(bot)
        await bot.core.drain(0.2)  # a send stuck on the platform is cut short at once
        await bot.core.close()


async def set_up(bot: Bot, *commands: str) -> None:
    for command in ("/studybot setup", *commands):
        reply = await bot.channel.say(command)
        assert reply.kind == "status", (command, reply.body)


async def posted_times(bot: Bot, zone: ZoneInfo) -> list[str]:
    settings = await bot.settings()
    assert settings.id is not None
    times = []
    for day in await bot.core.store.post_dates(settings.id):
        post = await bot.core.store.post_on(settings.id, day)
        assert post is not None and post.posted_at is not None
        times.append(f"{post.posted_at.astimezone(zone):%Y-%m-%d %H:%M}")
    return times
