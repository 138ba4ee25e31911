"""Delivery's send rate: a scheduled send waits for its slot in the bucket the store keeps."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.core.delivery import SendRate
from bot.store import open_store
from tests.fakes.clock import FixedClock

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


class Sleeps:
    def __init__(self, clock: FixedClock) -> None:
        self.clock = clock
        self.waited: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waited.append(seconds)
        self.clock.advance(seconds=seconds)


async def test_sends_past_the_burst_wait_their_turn():
    store = await open_store(":memory:")
    clock = FixedClock(T0)
    sleeps = Sleeps(clock)
    rate = SendRate(store, clock, sleeps, rate=2.0, burst=3)
    try:
        for _ in range(6):
            await rate.wait("discord")
    finally:
        await store.close()
    assert sleeps.waited == [0.5, 0.5, 0.5]  # three at once, then one every half second
    assert clock.now() == datetime(2026, 12, 7, 9, 0, 1, 500000, tzinfo=UTC)


async def test_a_rate_of_zero_never_waits_nor_touches_the_store():
    class NoStore:
        async def send_slot(self, *args: object) -> datetime:
            raise AssertionError("no bucket without a rate")

    clock = FixedClock(T0)
    sleeps = Sleeps(clock)
    rate = SendRate(NoStore(), clock, sleeps, rate=0.0, burst=1)  # type: ignore[arg-type]
    for _ in range(100):
        await rate.wait("slack")
    assert sleeps.waited == []
