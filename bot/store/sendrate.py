"""The bot's send rate, shared by every process on the database: one counter row per platform.

A platform limits the bot's token, not a process: Discord allows a token about 50 requests a second
however many processes use it. So every scheduled send takes the next slot of one row of `counters`
("send_slot:<platform>", a moment in unix microseconds) and starts no earlier than its slot:

    slot = max(the last slot taken, now - burst / rate) + 1 / rate

This is a token bucket kept in one number (GCRA): after a quiet spell the first `burst` slots are due at
once, then they come 1/rate apart, whichever process takes them. The row's lock (SQLite's write lock,
PostgreSQL's row lock) orders the takers of every process. The takers waiting together in one process take
their slots in one statement, in the writer's group commit, after the batch's other work, so PostgreSQL
holds the row's lock only until the COMMIT. Takers waiting together share the latest of their `now`s.

A last slot further ahead than HORIZON is a clock that went back (or a test's clock set back): the bucket
starts again from now instead of making every send wait for the old time to come round.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.store.engine import BatchGroup, Engine, Tx

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICRO = timedelta(microseconds=1)
HORIZON = 600_000_000  # µs: how far ahead of now the last slot may legitimately be (24,000 sends at 40/s)
ADVANCE = (
    "UPDATE counters SET value = CASE WHEN value > ? AND value <= ? THEN value ELSE ? END + ? "
    "WHERE name = ? RETURNING value"
)


def to_us(moment: datetime) -> int:
    return (moment - EPOCH) // MICRO


def at_us(us: int) -> datetime:
    return EPOCH + timedelta(microseconds=us)


@dataclass(frozen=True)
class _Take:
    counter: str
    now: int  # µs
    interval: int  # µs between two slots: 1 / rate
    burst: int


async def _advance(tx: Tx, counter: str, now: int, interval: int, burst: int, slots: int) -> int:
    """Move the counter past `slots` more slots; the last of them."""
    floor = now - burst * interval
    params = (floor, now + HORIZON, floor, slots * interval, counter)
    rows = await tx.fetch(ADVANCE, params)
    if not rows:  # the first send under this name on this database
        await tx.execute("INSERT INTO counters (name, value) VALUES (?, 0) ON CONFLICT (name) DO NOTHING", (counter,))
        rows = await tx.fetch(ADVANCE, params)
    return int(rows[0][0])


async def _take_all(tx: Tx, items: list[_Take]) -> list[datetime]:
    """Consecutive slots for the takers waiting together, in the order they asked: one UPDATE per counter."""
    found: list[datetime] = [EPOCH] * len(items)
    together: dict[tuple[str, int, int], list[int]] = {}
    for n, item in enumerate(items):
        together.setdefault((item.counter, item.interval, item.burst), []).append(n)
    for (counter, interval, burst), members in together.items():
        now = max(items[n].now for n in members)
        last = await _advance(tx, counter, now, interval, burst, len(members))
        first = last - len(members) * interval
        for k, n in enumerate(members, start=1):
            found[n] = at_us(first + k * interval)
    return found


TAKE = BatchGroup("send_slot", _take_all, last=True)


class SendRates:
    engine: Engine

    async def send_slot(self, name: str, now: datetime, rate: float, burst: int) -> datetime:
        if rate <= 0:
            raise ValueError("a send rate must be above 0")
        interval = max(1, round(1_000_000 / rate))
        take = _Take(f"send_slot:{name}", to_us(now), interval, max(1, burst))
        slot: datetime = await self.engine.write_in(TAKE, take)
        return slot
