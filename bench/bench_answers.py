"""A burst of members clicking the daily post at once: our whole answer path vs raw sqlite3.

Ours: Router.press -> quiz rules -> SqliteStore (file, WAL, synchronous=FULL) -> the reply.
Reference: the same rows inserted with the stdlib sqlite3 module, one commit per answer, same pragmas.
"""

from __future__ import annotations

import asyncio
import random
import sqlite3
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.common import NullPlatform, emit, percentile
from bot.app import Library, build_core
from bot.config import Settings
from bot.core.choices import encode_choice
from bot.core.models import ChannelRef, Invocation, Member, Press
from bot.store.sqlite import SqliteStore

CHANNEL = ChannelRef("bench", "T", "C1")
ADMIN = Member("admin", "admin", is_admin=True)


class StepClock:
    def __init__(self) -> None:
        self.moment = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.moment


async def _burst(core, clock: StepClock, members: int, day: int) -> tuple[float, list[float], int]:  # type: ignore[no-untyped-def]
    """Post day `day`'s question, then `members` clicks at once: (seconds, latencies, confirmed)."""
    clock.moment = datetime(2026, 11, 23, 1, 0, tzinfo=UTC) + timedelta(days=day)
    await core.router.handle(Invocation(CHANNEL, ADMIN, "studybot", "post-now"))
    settings = await core.store.get_channel(CHANNEL)
    post = await core.store.latest_post(settings.id)
    question = core.library.bank.questions[post.question_id]
    value = f"{post.id}:{encode_choice(question.answer)}"
    latencies: list[float] = []

    async def click(n: int) -> bool:
        started = time.perf_counter()
        reply = await core.router.press(Press(CHANNEL, Member(f"U{n}", f"member {n}"), "answer", value))
        latencies.append(time.perf_counter() - started)
        return reply.kind == "result"

    started = time.perf_counter()
    confirmed = sum(await asyncio.gather(*(click(n) for n in range(members))))
    return time.perf_counter() - started, latencies, confirmed


def _reference(path: Path, members: int) -> float:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute(
        "CREATE TABLE answers (post_id INTEGER, user_id TEXT, channel_key INTEGER, picked TEXT, correct INTEGER,"
        " points INTEGER, answered_at INTEGER, PRIMARY KEY (post_id, user_id))"
    )
    started = time.perf_counter()
    for n in range(members):
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(
            "INSERT INTO answers VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (1, f"U{n}", 1, "1", 1, 10, 1_700_000_000_000 + n),
        )
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed


async def run(settings: Settings, library: Library, quick: bool) -> None:
    members = 1000
    rounds = 3 if quick else 10
    with tempfile.TemporaryDirectory() as folder:
        ours, reference, p99s, durable = [], [], [], True
        for r in range(rounds):
            path = Path(folder) / f"ours{r}.db"
            store = await SqliteStore.open(path, synchronous="FULL")
            clock = StepClock()
            core = await build_core(
                replace(settings, db_path=str(path)), NullPlatform(), library=library, clock=clock,
                rng=random.Random(r), store=store, refresh_seconds=3.0,
            )  # fmt: skip
            elapsed, _, confirmed = await _burst(core, clock, members, day=0)
            ours.append(members / elapsed)
            small = []
            for day in range(1, 6):
                _, latencies, _ = await _burst(core, clock, 100, day=day)
                small.extend(latencies)
            p99s.append(percentile(small, 99) * 1000)
            await core.close()
            with sqlite3.connect(path) as check:
                stored = check.execute("SELECT COUNT(*) FROM answers").fetchone()[0]
            durable = durable and stored == confirmed + 5 * 100
            reference.append(members / _reference(Path(folder) / f"ref{r}.db", members))
    best_ours, best_ref = max(ours), max(reference)
    ratio = best_ours / best_ref
    emit("answers", "throughput", best_ours, "answers/s", "ratio >= 0.5", ratio >= 0.5,
         reference=round(best_ref, 1), ratio=round(ratio, 2), members=members, durable=durable)  # fmt: skip
    p99 = min(p99s)
    emit("answers", "p99_latency_100_members", p99, "ms", "<= 20", p99 <= 20.0)
