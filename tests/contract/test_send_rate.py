"""`Store.send_slot`: one token bucket per platform, shared by every process on the database.

A platform limits the bot's token, not a process, so the slots a send may start at come from one row
every store on the database takes in turn: `burst` at once after a quiet spell, then 1/rate apart."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime, timedelta

from bot.core.ports import Store
from tests.contract.conftest import Opener

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
RATE, BURST = 50.0, 5
GAP = timedelta(seconds=1 / RATE)


async def slots(store: Store, count: int, now: datetime = T0, name: str = "discord") -> list[datetime]:
    return [await store.send_slot(name, now, RATE, BURST) for _ in range(count)]


async def test_a_quiet_bucket_lets_the_burst_go_at_once_then_one_send_per_interval(store: Store):
    taken = await slots(store, BURST + 3)
    assert all(slot <= T0 for slot in taken[:BURST])
    assert taken[BURST:] == [T0 + GAP * k for k in (1, 2, 3)]
    assert all(b - a == GAP for a, b in itertools.pairwise(taken))


async def test_sends_taken_together_get_distinct_consecutive_slots(store: Store):
    taken = await asyncio.gather(*(store.send_slot("slack", T0, RATE, BURST) for _ in range(40)))
    assert len(set(taken)) == 40
    assert sorted(taken)[-1] == T0 + GAP * (40 - BURST)


async def test_the_bucket_refills_with_time(store: Store):
    await slots(store, BURST + 10)  # the bucket is empty and 10 sends ahead
    later = T0 + timedelta(seconds=10)  # long enough to refill
    taken = await slots(store, BURST + 1, now=later)
    assert all(slot <= later for slot in taken[:BURST])
    assert taken[BURST] == later + GAP


async def test_each_platform_has_its_own_bucket(store: Store):
    await slots(store, BURST + 20, name="discord")
    assert (await slots(store, 1, name="slack"))[0] <= T0


async def test_a_clock_set_back_far_does_not_make_every_send_wait_for_the_old_time(store: Store):
    await slots(store, BURST + 1, now=T0 + timedelta(days=2))  # a slot two days "ahead"
    assert (await slots(store, 1))[0] <= T0


async def test_processes_on_one_database_share_one_bucket(opener: Opener):
    stores = [await opener() for _ in range(3)]
    try:
        taken = await asyncio.gather(
            *(store.send_slot("discord", T0, RATE, BURST) for store in stores for _ in range(20))
        )
    finally:
        for store in stores:
            await store.close()
    assert len(set(taken)) == 60  # no slot given twice, whichever process took it
    assert sorted(taken)[-1] == T0 + GAP * (60 - BURST)  # together at the rate one process may send


async def test_a_bucket_survives_a_restart(opener: Opener):
    first = await opener()
    try:
        await slots(first, BURST + 10)
    finally:
        await first.close()
    second = await opener()
    try:
        assert (await slots(second, 1))[0] == T0 + GAP * 11
    finally:
        await second.close()
