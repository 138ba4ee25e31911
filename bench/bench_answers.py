"""Members answering the daily post at once, through the whole command path, beside two raw references.

Ours: `Router.press` (context, the member's name, the quiz rules, the post from its cache) -> the store
(the answer, its rank and points, the boards' totals, the tallies, the post's counters and, for a wrong
answer, the member's review card, all in the answer's own commit, group-committed with the other clicks
waiting at that moment) -> the reply, rendered for Slack. About 40% of the answers are wrong. Each round
is a new day's post (posted with /studybot post-now) and a burst of N members clicking at the same
instant; a click's latency runs from the press to its rendered reply. Before the rounds, one untimed
round lets the process learn the members' names (a member's first click after a start also stores it).

References, same run, same schema (made by the store's migrations), same pragmas (WAL,
synchronous=FULL, foreign keys on): raw `sqlite3` inserting the same number of answer rows in one
transaction (the physical limit of group commit: one fsync, nothing but the rows), and raw `sqlite3`
with one commit per answer. On PostgreSQL the same with raw asyncpg.
"""

from __future__ import annotations

import asyncio
import random
import sqlite3
import tempfile
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import FixedClock, RenderingPlatform, emit, median, percentile, progress
from bench.dataset import PLATFORM, TEAM, channel_id, channel_settings
from bot.app import Core, Library, build_core, settle_memory
from bot.config import Settings
from bot.core.choices import choice_options, encode_choice
from bot.core.models import ChannelRef, Invocation, Member, Press
from bot.platforms.slack.render import render
from bot.store import open_store

DAY0 = datetime(2026, 1, 5, 0, 0, 30, tzinfo=UTC)  # a Monday, 09:00:30 in Seoul
WRONG = 0.4
ADMIN = Member("admin", "admin", is_admin=True)


@dataclass
class Burst:
    seconds: float
    latencies: list[float]  # ms
    confirmed: int
    wrong: int


async def burst(core: Core, clock: FixedClock, members: list[Member], day: int, rng: random.Random) -> Burst:
    clock.moment = DAY0 + timedelta(days=day)
    ref = ChannelRef(PLATFORM, TEAM, channel_id(0))
    reply = await core.router.handle(Invocation(ref, ADMIN, "studybot", "post-now"))
    assert reply.kind != "error", reply.body
    settings = await core.store.get_channel(ref)
    assert settings is not None and settings.id is not None
    post = await core.store.post_on(settings.id, clock.moment.astimezone(UTC).date())
    assert post is not None
    question = core.library.bank.questions[post.question_id]
    right = encode_choice(question.answer)
    wrong = [encode_choice(o) for o in choice_options(question) if o != question.answer]
    picks = [rng.choice(wrong) if rng.random() < WRONG else right for _ in members]
    clock.moment += timedelta(seconds=20)
    latencies: list[float] = []

    async def click(member: Member, pick: str) -> bool:
        started = time.perf_counter()
        reply = await core.router.press(Press(ref, member, "answer", f"{post.id}:{pick}"))
        render(reply)
        latencies.append((time.perf_counter() - started) * 1000)
        if reply.kind != "result":
            progress(f"  a click got {reply.kind}: {reply.body[:80]!r}")
        return reply.kind == "result"

    started = time.perf_counter()
    results = await asyncio.gather(*(click(m, p) for m, p in zip(members, picks, strict=True)))
    seconds = time.perf_counter() - started
    return Burst(seconds, latencies, sum(results), sum(p != right for p in picks))


async def ours(url: str, settings: Settings, library: Library, size: int, rounds: int) -> tuple[list[Burst], int]:
    """The timed bursts, and answers stored less answers confirmed (0: every confirmed answer, nothing else)."""
    store = await open_store(url, synchronous="FULL")
    await store.save_channel(channel_settings(0))
    core = await build_core(
        replace(settings, db_path=url), RenderingPlatform(), library=library, clock=FixedClock(DAY0),
        rng=random.Random(size), store=store, refresh_seconds=3.0,
    )  # fmt: skip
    settle_memory()  # as a started bot does (Core.start), without its scheduler
    clock = core.clock
    assert isinstance(clock, FixedClock)
    members = [Member(f"U{n:06d}", f"member {n}") for n in range(size)]
    rng = random.Random(size + 1)
    try:
        warm = await burst(core, clock, members, 0, rng)  # untimed: the process learns the members' names
        bursts = []
        for r in range(rounds):
            bursts.append(await burst(core, clock, members, 1 + r, rng))
            await asyncio.sleep(0.05)
        await core.daily.refresher.flush()
        rows = await store.engine.read("SELECT COUNT(*) FROM answers")  # type: ignore[attr-defined]
        stored = int(rows[0][0])
    finally:
        await core.close()
    confirmed = warm.confirmed + sum(b.confirmed for b in bursts)
    return bursts, stored - confirmed


# --- references -----------------------------------------------------------------------------------

INSERT = (
    "INSERT INTO answers (post_id, user_id, channel_key, picked, correct, points, answered_at, seq) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)


async def _reference_db(url: str, posts: int) -> tuple[int, list[int]]:
    """A database the store made, with a channel and `posts` posts to answer."""
    store = await open_store(url, synchronous="FULL")
    saved = await store.save_channel(channel_settings(0))
    assert saved.id is not None
    ids = []
    for d in range(posts):
        day = (DAY0 + timedelta(days=d)).date()
        post = await store.claim_post(saved.id, day, "q", DAY0, DAY0 + timedelta(days=d + 1))
        assert post is not None
        ids.append(post.id)
    await store.close()
    return saved.id, ids


def _rows(channel: int, post: int, size: int, rng: random.Random) -> list[tuple[Any, ...]]:
    at = int(DAY0.timestamp() * 1000)
    rows = []
    for n in range(size):
        correct = rng.random() >= WRONG
        rows.append((post, f"U{n:06d}", channel, "0" if correct else "1", int(correct), 10 * correct, at + n, n + 1))
    return rows


async def sqlite_references(folder: Path, size: int, rounds: int) -> tuple[list[float], list[float]]:
    """(group commit rows/s per round, one commit per answer rows/s per round)."""
    path = folder / f"reference-{size}.db"
    channel, posts = await _reference_db(str(path), 2 * rounds)
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON", "busy_timeout=5000"):
        conn.execute(f"PRAGMA {pragma}")
    rng = random.Random(3)
    group, single = [], []
    for r in range(rounds):
        rows = _rows(channel, posts[2 * r], size, rng)
        started = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(INSERT, rows)
        conn.execute("COMMIT")
        group.append(size / (time.perf_counter() - started))
        rows = _rows(channel, posts[2 * r + 1], size, rng)
        started = time.perf_counter()
        for row in rows:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(INSERT, row)
            conn.execute("COMMIT")
        single.append(size / (time.perf_counter() - started))
    conn.close()
    return group, single


async def postgres_references(url: str, size: int, rounds: int) -> tuple[list[float], list[float]]:
    import asyncpg

    from bot.store.postgres.engine import dollars

    channel, posts = await _reference_db(url, 2 * rounds)
    conn = await asyncpg.connect(url)
    sql = dollars(INSERT)
    rng = random.Random(3)
    group, single = [], []
    try:
        for r in range(rounds):
            rows = _rows(channel, posts[2 * r], size, rng)
            started = time.perf_counter()
            async with conn.transaction():
                await conn.executemany(sql, rows)
            group.append(size / (time.perf_counter() - started))
            rows = _rows(channel, posts[2 * r + 1], size, rng)
            started = time.perf_counter()
            for row in rows:
                async with conn.transaction():
                    await conn.execute(sql, *row)
            single.append(size / (time.perf_counter() - started))
    finally:
        await conn.close()
    return group, single


# --- the figures ----------------------------------------------------------------------------------


def report(
    engine: str, size: int, bursts: list[Burst], unconfirmed: int, refs: tuple[list[float], list[float]]
) -> None:
    throughput = median([size / b.seconds for b in bursts])
    group, single = median(refs[0]), median(refs[1])
    latencies = [x for b in bursts for x in b.latencies]
    confirmed = sum(b.confirmed for b in bursts)
    wrong = sum(b.wrong for b in bursts) / (size * len(bursts))
    durable = unconfirmed == 0  # the database holds exactly the answers confirmed to members
    common = {
        "members": size,
        "rounds": len(bursts),
        "wrong_share": round(wrong, 3),
        "confirmed": confirmed,
        "durable": durable,
    }
    emit(
        f"answers-{engine}",
        f"throughput_{size}_members",
        throughput,
        "answers/s",
        ">= 0.10x raw group commit",
        throughput >= 0.10 * group and durable,
        reference=group,
        reference_is=f"raw {'sqlite3' if engine == 'sqlite' else 'asyncpg'} group commit: {size} answer rows in "
        "one transaction, same schema and pragmas (median of rounds)",
        ratio=throughput / group,
        one_commit_per_answer=single,
        ratio_to_one_commit_per_answer=throughput / single,
        **common,
    )
    p99 = percentile(latencies, 99)
    limit = 20.0 if size <= 100 else 60.0
    emit(
        f"answers-{engine}",
        f"latency_p99_{size}_members",
        p99,
        "ms",
        f"<= {limit:g} ms",
        p99 <= limit,
        reference=size / group * 1000,
        reference_is="the raw group commit of the same burst, whole (ms)",
        ratio=p99 / (size / group * 1000),
        p50_ms=median(latencies),
        burst_median_ms=median([b.seconds * 1000 for b in bursts]),
        per_round_p99_median_ms=median([percentile(b.latencies, 99) for b in bursts]),
        **common,
    )


async def run(settings: Settings, library: Library, quick: bool, postgres: str | None) -> None:
    rounds = 3 if quick else 10
    with tempfile.TemporaryDirectory() as folder:
        for size in (100, 1000):
            progress(f"answers on sqlite: bursts of {size}")
            bursts, unconfirmed = await ours(str(Path(folder) / f"ours-{size}.db"), settings, library, size, rounds)
            refs = await sqlite_references(Path(folder), size, rounds)
            report("sqlite", size, bursts, unconfirmed, refs)
    if postgres:
        from bench.pg import create_database, with_database

        for size in (100, 1000):
            progress(f"answers on postgres: bursts of {size}")
            await create_database(postgres, "bench_answers", drop=True)
            bursts, unconfirmed = await ours(with_database(postgres, "bench_answers"), settings, library, size, rounds)
            await create_database(postgres, "bench_answers_ref", drop=True)
            refs = await postgres_references(with_database(postgres, "bench_answers_ref"), size, rounds)
            report("postgres", size, bursts, unconfirmed, refs)
            await create_database(postgres, "bench_answers", drop=True, create=False)
            await create_database(postgres, "bench_answers_ref", drop=True, create=False)
