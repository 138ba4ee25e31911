"""Boards over a big history: 1,000,000 answers, 10,000 members, 100 channels.

Ours: SqliteStore.board for one channel's week and all time (what /leaderboard runs).
Reference: the plain GROUP BY over all answers.
"""

from __future__ import annotations

import random
import sqlite3
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.common import emit, median
from bot.core.models import ChannelSettings
from bot.core.periods import week_window
from bot.store.sqlite.store import SqliteStore, to_ms

CHANNELS = 100
MEMBERS = 10_000
ANSWERS = 1_000_000
DAYS = 365
START = datetime(2025, 11, 24, 0, 0, tzinfo=UTC)


async def _fill(path: Path) -> list[int]:
    store = await SqliteStore.open(path, synchronous="NORMAL")
    keys = [
        (await store.save_channel(ChannelSettings("bench", "T", f"C{c}", timezone="Asia/Seoul", active=True))).id
        for c in range(CHANNELS)
    ]
    await store.close()
    rng = random.Random(1)
    conn = sqlite3.connect(path)
    conn.executemany(
        "INSERT INTO users (platform, user_id, name) VALUES ('bench', ?, ?)",
        ((f"U{m}", f"member {m}") for m in range(MEMBERS)),
    )
    posts = [
        (key, (START + timedelta(days=d)).date().isoformat(), f"q{d}", 0, 0, "m") for key in keys for d in range(DAYS)
    ]
    conn.executemany(
        "INSERT INTO posts (channel_key, local_date, question_id, claimed_at, posted_at, message_id)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        posts,
    )
    members_of = {key: [f"U{m}" for m in range(i * 100, i * 100 + 100)] for i, key in enumerate(keys)}
    per_post = ANSWERS // (CHANNELS * DAYS) + 1
    rows = []
    post_id = 0
    for key in keys:
        for d in range(DAYS):
            post_id += 1
            moment = to_ms(START + timedelta(days=d, hours=1))
            for i, user in enumerate(rng.sample(members_of[key], per_post)):
                correct = rng.random() < 0.6
                rows.append((post_id, user, key, "1", int(correct), 10 * correct, moment + i * 1000))
    conn.executemany(
        "INSERT INTO answers (post_id, user_id, channel_key, picked, correct, points, answered_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        rows[:ANSWERS],
    )
    conn.commit()
    conn.execute("ANALYZE")
    conn.close()
    return keys


async def run(quick: bool) -> None:
    samples = 50 if quick else 300
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "board.db"
        keys = await _fill(path)
        store = await SqliteStore.open(path)
        now = START + timedelta(days=DAYS - 3)
        start, end, _ = week_window(now, "Asia/Seoul")
        rng = random.Random(2)
        weekly, alltime = [], []
        for _ in range(samples):
            key = rng.choice(keys)
            t = time.perf_counter()
            await store.board(key, start, end, 10)
            weekly.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            await store.board(key, None, None, 10)
            alltime.append((time.perf_counter() - t) * 1000)
        await store.close()
        conn = sqlite3.connect(path)
        reference = []
        for _ in range(3 if quick else 10):
            t = time.perf_counter()
            conn.execute(
                "SELECT user_id, SUM(points) AS p FROM answers GROUP BY user_id ORDER BY p DESC LIMIT 10"
            ).fetchall()
            reference.append((time.perf_counter() - t) * 1000)
        conn.close()
    ref = median(reference)
    emit("leaderboard", "weekly_p50", median(weekly), "ms", "<= 5", median(weekly) <= 5, reference_ms=round(ref, 1),
         answers=ANSWERS, members=MEMBERS, channels=CHANNELS)  # fmt: skip
    emit(
        "leaderboard", "alltime_p50", median(alltime), "ms", "<= 10", median(alltime) <= 10, reference_ms=round(ref, 1)
    )
