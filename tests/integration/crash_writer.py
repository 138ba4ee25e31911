"""Run by test_reliability: answers a burst of clicks and prints each confirmed answer, until killed."""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, date, datetime

from bot.core.models import ChannelSettings
from bot.store.sqlite import SqliteStore


async def main(path: str) -> None:
    store = await SqliteStore.open(path, synchronous="FULL")
    channel = await store.save_channel(ChannelSettings("crash", "T", "C1", active=True))
    now = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
    post = await store.claim_post(channel.id, date(2026, 11, 23), "q", now)
    await store.mark_posted(post.id, "m1", now)
    print("ready", flush=True)

    async def click(n: int) -> None:
        outcome = await store.record_answer(post, f"U{n}", frozenset({0}), n % 2 == 0, 10, (3, 2, 1), now)
        if outcome.recorded:
            print(f"confirmed U{n}", flush=True)

    n = 0
    while True:  # bursts of 50 concurrent clicks until the parent kills us
        await asyncio.gather(*(click(n + i) for i in range(50)))
        n += 50


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
