"""1,000 channels due at the same minute, through a platform that allows 50 posts per second.

Ours: the scheduler's own job function fired for every channel at once (as APScheduler fires them).
Reference: the minimum time the rate limit allows (N / rate). Then resident memory after start with
1,000 channels scheduled on the live AsyncIOScheduler, in a fresh process.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import subprocess
import sys
import time
from datetime import UTC, datetime
from datetime import time as clock_time
from pathlib import Path

from bench.common import emit
from bot.app import Library, build_core
from bot.config import Settings
from bot.core.models import ChannelRef, ChannelSettings, MessageRef, Reply
from bot.schedule import Scheduler
from bot.store.sqlite import SqliteStore

ROOT = Path(__file__).resolve().parent.parent
POST_TIME_SEOUL = datetime(2026, 11, 23, 0, 0, 30, tzinfo=UTC)  # Monday 09:00:30 in Seoul


class RateLimitedPlatform:
    """Lets `rate` posts through per second (a token bucket with no burst), counting every post."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate
        self.next_slot = 0.0
        self.posted: dict[str, int] = {}
        self._ids = itertools.count(1)

    async def _wait_for_slot(self) -> None:
        now = time.monotonic()
        slot = max(now, self.next_slot)
        self.next_slot = slot + self.interval
        await asyncio.sleep(slot - now)

    async def post(self, channel: ChannelRef, reply: Reply) -> MessageRef:
        await self._wait_for_slot()
        self.posted[channel.channel_id] = self.posted.get(channel.channel_id, 0) + 1
        return MessageRef(channel, str(next(self._ids)))

    async def edit(self, message: MessageRef, reply: Reply) -> None:
        await self._wait_for_slot()

    async def send_private(self, channel: ChannelRef, user_id: str, reply: Reply) -> None:
        return None


class Clock:
    def now(self) -> datetime:
        return POST_TIME_SEOUL


async def _channels(store: SqliteStore, count: int) -> list[ChannelSettings]:
    return [
        await store.save_channel(ChannelSettings("bench", "T", f"C{n}", post_time=clock_time(9, 0), active=True))
        for n in range(count)
    ]


async def fanout(settings: Settings, library: Library, channels: int, rate: float) -> tuple[float, dict[str, int]]:
    """Every channel's post job fired at once, then fired again (a DST double fire, a second process)."""
    store = await SqliteStore.open(":memory:")
    saved = await _channels(store, channels)
    platform = RateLimitedPlatform(rate)
    core = await build_core(settings, platform, library=library, clock=Clock(), store=store)
    scheduler = Scheduler(store=store, quiz=core.daily, views=library.views, platform=platform, clock=Clock())
    started = time.perf_counter()
    await asyncio.gather(*(scheduler.run_job("post", s.ref) for s in saved))
    elapsed = time.perf_counter() - started
    await asyncio.gather(*(scheduler.run_job("post", s.ref) for s in saved))
    counts = dict(platform.posted)
    await core.close()
    return elapsed, counts


MEMORY = """
import asyncio, json
from datetime import time
from bot.app import build_core, start_scheduler
from bot.config import load_settings
from bot.core.models import ChannelSettings
from bot.store.sqlite import SqliteStore
from bench.bench_fanout import RateLimitedPlatform
from bench.common import rss_mb

async def main():
    settings = load_settings(env={})
    store = await SqliteStore.open(":memory:")
    for n in range(1000):
        await store.save_channel(ChannelSettings("bench", "T", f"C{n}", post_time=time(23, 59), active=True))
    core = await build_core(settings, RateLimitedPlatform(50), store=store)
    scheduler = await start_scheduler(core, live=True)
    jobs = len(scheduler.live.get_jobs())
    await core.close()
    print(json.dumps({"rss_mb": rss_mb(), "jobs": jobs}))

asyncio.run(main())
"""


def run(settings: Settings, library: Library, quick: bool) -> None:
    channels, rate = (500, 50.0) if quick else (1000, 50.0)
    elapsed, counts = asyncio.run(fanout(settings, library, channels, rate))
    minimum = channels / rate
    ratio = elapsed / minimum
    all_posted = len(counts) == channels and all(n == 1 for n in counts.values())
    emit("fanout", "time_vs_rate_limit", ratio, "x minimum", "<= 1.15 and all posted once",
         ratio <= 1.15 and all_posted, seconds=round(elapsed, 2), minimum_s=round(minimum, 2),
         channels=channels, rate_per_s=rate, posted=sum(counts.values()),
         twice=sum(n > 1 for n in counts.values()))  # fmt: skip
    out = subprocess.run([sys.executable, "-c", MEMORY], cwd=ROOT, capture_output=True, text=True, check=True)
    mem = json.loads(out.stdout.strip().splitlines()[-1])
    emit("start", "rss_with_1000_channels_scheduled", mem["rss_mb"], "MB", "<= 100", mem["rss_mb"] <= 100,
         jobs=mem["jobs"])  # fmt: skip
