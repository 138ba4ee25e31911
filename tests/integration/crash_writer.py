"""Run by test_reliability: answers a burst of clicks and prints each confirmed answer, until killed."""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, date, datetime, timedelta

from bot.core.models import ChannelSettings, Periods
from bot.core.ports import AnswerRules, NewAnswer
from bot.store.sqlite import SqliteStore


async def main(path: str) -> None:
    store = await SqliteStore.open(path, synchronous="FULL")
    channel = await store.save_channel(ChannelSettings("crash", "T", "C1", active=True))
    now = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
    day = date(2026, 11, 23)
    post = await store.claim_post(channel.id, day, "q", now, now + timedelta(hours=9))
    assert post is not None
    print("ready", flush=True)
    rules = AnswerRules(lambda rank: 10 if rank else 0)
    periods = Periods(day, day.replace(day=1))

    async def click(n: int) -> None:
        answer = NewAnswer("crash", f"U{n}", "q", frozenset({0}), n % 2 == 0, now, periods)
        outcome = await store.record_answer(post, answer, rules)
        if outcome.recorded:
            print(f"confirmed U{n}", flush=True)

    n = 0
    while True:  # bursts of 50 concurrent clicks until the parent kills us
        await asyncio.gather(*(click(n + i) for i in range(50)))
        n += 50


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
