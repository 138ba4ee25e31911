"""A team's history, shaped like real use, written fast in the store's own schema.

Shape (for `answers` total answers): a year of weekday posts per channel; channels of very different
sizes (channel c gets a share of the answers proportional to 1/c^0.8, so a few channels are large);
in each channel, member j takes part in a post with a probability proportional to 1/j^0.7 (Zipf-like:
a few members answer nearly every day, most now and then); each member has their own accuracy (about
60% right overall). Rows are written in time order, day by day across all channels, as a live database
would have received them.

The store itself creates the schema (migrations) and the channels (`save_channel`); posts, answers and
members go in with bulk inserts; then every aggregate the store keeps (posts' counters, board_totals,
member_tallies, channel_tallies, review cards of misses, the outbox's sent records, the weeks' rise) is
computed from those rows with SQL, as the SQLite migrations 006 and 008 do for an existing history. Nothing
else is done to the database: no ANALYZE and no index the store does not make itself (on SQLite, the
store's own `PRAGMA optimize` runs when it opens the file).
"""

from __future__ import annotations

import asyncio
import math
import random
import sqlite3
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from typing import Any

from fsrs import Card

from bench.common import progress
from bot.core.choices import choice_options, encode_choice
from bot.core.content import QuestionBank
from bot.core.models import ChannelSettings
from bot.core.periods import month_start, week_start
from bot.core.ports import Store
from bot.store import open_store
from bot.store.codec import to_ms

PLATFORM = "slack"
TEAM = "T1"
TIMEZONE = "Asia/Seoul"
KST = timedelta(hours=9)
POST_TIME = clock_time(9, 0)
CLOSE_TIME = clock_time(18, 0)


def channel_id(c: int) -> str:
    return f"C{c:05d}"


def user_id(c: int, j: int) -> str:
    return f"U{c:05d}{j:05d}"


@dataclass
class Shape:
    answers: int  # the total wanted (the generated total is close to it, not exact)
    end: date  # the last posting day (its post is still open)
    channels: int
    skew: float = 0.8  # channel c's share ~ 1/(c+1)^skew; 0: equal channels
    days: int = 365
    weekdays_only: bool = True
    open_last: bool = True  # the last day's post is still open (else every post was closed and revealed)
    seed: int = 1
    posting_days: list[date] = field(default_factory=list)

    def __post_init__(self) -> None:
        start = self.end - timedelta(days=self.days - 1)
        every = (start + timedelta(days=d) for d in range(self.days))
        self.posting_days = [d for d in every if not self.weekdays_only or d.weekday() < 5]


def default_shape(answers: int, end: date) -> Shape:
    """The boards' dataset: 10 channels at 100k answers, 100 at 1M, 500 at 5M; the largest grows with it."""
    return Shape(answers=answers, end=end, channels=max(10, answers // 10_000))


@dataclass
class _Channel:
    key: int
    index: int
    members: list[str]
    participation: list[float]
    skill: list[float]
    questions: list[str]


def _participation(members: int, mean: float, exponent: float = 0.7, cap: float = 0.95) -> list[float]:
    """p_j = min(cap, k / (j+1)^exponent) with k chosen so that sum(p_j) = mean (answers per post)."""
    weights = [1 / (j + 1) ** exponent for j in range(members)]
    low, high = 0.0, members * 1.0
    for _ in range(60):
        k = (low + high) / 2
        if sum(min(cap, k * w) for w in weights) < mean:
            low = k
        else:
            high = k
    return [min(cap, high * w) for w in weights]


def plan_channels(shape: Shape, keys: Sequence[int], bank: QuestionBank) -> list[_Channel]:
    rng = random.Random(shape.seed)
    weights = [1 / (c + 1) ** shape.skew for c in range(shape.channels)]
    total = sum(weights)
    questions = sorted(bank.questions)
    planned = []
    for c, key in enumerate(keys):
        per_post = shape.answers * weights[c] / total / len(shape.posting_days)
        members = max(3, math.ceil(2 * per_post))
        order = questions[:]
        rng.shuffle(order)
        planned.append(
            _Channel(
                key=key,
                index=c,
                members=[user_id(c, j) for j in range(members)],
                participation=_participation(members, min(per_post, 0.9 * members)),
                skill=[rng.uniform(0.35, 0.85) for _ in range(members)],
                questions=order,
            )
        )
    return planned


PostRow = tuple[Any, ...]
AnswerRow = tuple[Any, ...]


def days_of(
    shape: Shape, channels: list[_Channel], bank: QuestionBank
) -> Iterator[tuple[list[PostRow], list[AnswerRow], list[tuple[int, str, str]]]]:
    """Per posting day: the posts of every channel, their answers in time order, (post id, week, month)."""
    rng = random.Random(shape.seed + 1)
    post_id = 0
    for n, day in enumerate(shape.posting_days):
        last = shape.open_last and day == shape.end
        posts: list[PostRow] = []
        answers: list[AnswerRow] = []
        periods: list[tuple[int, str, str]] = []
        opens = datetime.combine(day, POST_TIME, tzinfo=UTC) - KST
        closes = datetime.combine(day, CLOSE_TIME, tzinfo=UTC) - KST
        open_ms, close_ms = to_ms(opens), to_ms(closes)
        for channel in channels:
            post_id += 1
            question = bank.questions[channel.questions[n % len(channel.questions)]]
            right = encode_choice(question.answer)
            wrong = [encode_choice(o) for o in choice_options(question) if o != question.answer]
            clicks = []
            for j, p in enumerate(channel.participation):
                if rng.random() < p:
                    at = open_ms + 1000 + int(min(rng.expovariate(1 / 1800.0), 8 * 3600) * 1000)
                    correct = rng.random() < channel.skill[j]
                    clicks.append((at, channel.members[j], correct))
            clicks.sort()
            rank = answered = correct_n = 0
            for seq, (at, member, correct) in enumerate(clicks, start=1):
                points = 0
                if correct:
                    rank += 1
                    points = 10 + (3, 2, 1)[rank - 1] if rank <= 3 else 10
                picked = right if correct or not wrong else rng.choice(wrong)
                answers.append((post_id, member, channel.key, picked, int(correct), points, at, seq))
                answered += 1
                correct_n += int(correct)
            posts.append(
                (post_id, channel.key, day.isoformat(), question.id, open_ms, open_ms + 500, f"m{post_id}",
                 None if last else close_ms, answered, correct_n)
            )  # fmt: skip
            monday = week_start(day)
            periods.append(
                (post_id, monday.isoformat(), month_start(day).isoformat(), (monday - timedelta(weeks=1)).isoformat())
            )
        answers.sort(key=lambda row: row[6])
        yield posts, answers, periods


POST_COLUMNS = (
    "id", "channel_key", "local_date", "question_id", "claimed_at", "posted_at", "message_id", "closed_at",
    "answered", "correct",
)  # fmt: skip
ANSWER_COLUMNS = ("post_id", "user_id", "channel_key", "picked", "correct", "points", "answered_at", "seq")

WEEKS_TABLE = "CREATE TABLE bench_weeks (week_start TEXT PRIMARY KEY, prev_week TEXT NOT NULL)"

# Portable SQL (both engines), `?` placeholders: the aggregates the store keeps, from the rows.
FINISH = [
    (
        "board_totals all",
        "INSERT INTO board_totals (channel_key, period, period_start, user_id, points, correct, answered, first_at) "
        "SELECT channel_key, 'all', '', user_id, SUM(points), SUM(correct), COUNT(*), MIN(answered_at) "
        "FROM answers GROUP BY channel_key, user_id",
    ),
    (
        "board_totals week",
        "INSERT INTO board_totals (channel_key, period, period_start, user_id, points, correct, answered, first_at) "
        "SELECT a.channel_key, 'week', b.week_start, a.user_id, SUM(a.points), SUM(a.correct), COUNT(*), "
        "MIN(a.answered_at) FROM answers a JOIN bench_periods b ON b.post_id = a.post_id "
        "GROUP BY a.channel_key, b.week_start, a.user_id",
    ),
    ("bench_weeks", "INSERT INTO bench_weeks SELECT DISTINCT week_start, prev_week FROM bench_periods"),
    (
        "board_totals week rise",
        # Correlated through two primary keys: SQLite plans an UPDATE ... FROM of this join as a scan.
        "UPDATE board_totals SET rise = points - (SELECT p.points FROM bench_weeks w JOIN board_totals p "
        "ON p.channel_key = board_totals.channel_key AND p.period = 'week' AND p.period_start = w.prev_week "
        "AND p.user_id = board_totals.user_id WHERE w.week_start = board_totals.period_start) "
        "WHERE period = 'week'",
    ),
    (
        "board_totals month",
        "INSERT INTO board_totals (channel_key, period, period_start, user_id, points, correct, answered, first_at) "
        "SELECT a.channel_key, 'month', b.month_start, a.user_id, SUM(a.points), SUM(a.correct), COUNT(*), "
        "MIN(a.answered_at) FROM answers a JOIN bench_periods b ON b.post_id = a.post_id "
        "GROUP BY a.channel_key, b.month_start, a.user_id",
    ),
    (
        "member_tallies",
        "INSERT INTO member_tallies (channel_key, user_id, question_id, source, answered, correct) "
        "SELECT a.channel_key, a.user_id, p.question_id, 'daily', COUNT(*), SUM(a.correct) "
        "FROM answers a JOIN posts p ON p.id = a.post_id GROUP BY a.channel_key, a.user_id, p.question_id",
    ),
    (
        "channel_tallies",
        "INSERT INTO channel_tallies (channel_key, question_id, posted, answered, correct) "
        "SELECT channel_key, question_id, COUNT(*), SUM(answered), SUM(correct) FROM posts "
        "GROUP BY channel_key, question_id",
    ),
    (
        "review_cards",
        "INSERT INTO review_cards (platform, user_id, question_id, fsrs, due_at, misses, reviews, leech, "
        "created_at, updated_at) "
        "SELECT c.platform, a.user_id, p.question_id, ?, MAX(a.answered_at) + 86400000, COUNT(*), 0, 0, "
        "MIN(a.answered_at), MAX(a.answered_at) "
        "FROM answers a JOIN posts p ON p.id = a.post_id JOIN channels c ON c.id = a.channel_key "
        "WHERE a.correct = 0 GROUP BY c.platform, a.user_id, p.question_id",
    ),
    (
        "outbox posts",
        "INSERT INTO outbox (key, kind, channel_key, post_id, state, attempts, message_id, created_at, updated_at, "
        "due_at, expires_at) SELECT 'post:' || id, 'post', channel_key, id, 'sent', 1, message_id, claimed_at, "
        "posted_at, claimed_at, claimed_at + 32400000 FROM posts ORDER BY id",
    ),
    (
        "outbox reveals",
        "INSERT INTO outbox (key, kind, channel_key, post_id, state, attempts, message_id, created_at, updated_at, "
        "due_at, expires_at) SELECT k.kind || ':' || p.id, k.kind, p.channel_key, p.id, 'sent', 1, p.message_id, "
        "p.closed_at, p.closed_at + 1000, p.closed_at, p.closed_at + 604800000 "
        "FROM posts p CROSS JOIN (SELECT 'reveal' AS kind UNION ALL SELECT 'explain') k "
        "WHERE p.closed_at IS NOT NULL ORDER BY p.id, k.kind DESC",
    ),
    (
        "outbox boards",
        "INSERT INTO outbox (key, kind, channel_key, week_start, state, attempts, message_id, created_at, "
        "updated_at, due_at, expires_at) "
        "SELECT 'board:' || w.channel_key || ':' || w.week_start, 'board', w.channel_key, w.week_start, 'sent', 1, "
        "'b', w.at, w.at, w.at, w.at + 86400000 FROM "
        "(SELECT p.channel_key, b.week_start, MAX(p.claimed_at) + 604800000 AS at FROM posts p "
        "JOIN bench_periods b ON b.post_id = p.id WHERE p.closed_at IS NOT NULL "
        "GROUP BY p.channel_key, b.week_start) w ORDER BY w.at",
    ),
]


def fsrs_template() -> str:
    """A review card's FSRS state as the store keeps it (one shared state: the figures read its size, not it)."""
    return str(Card(card_id=1, due=datetime(2026, 1, 1, tzinfo=UTC)).to_json())


async def _save_channels(store: Store, shape: Shape, settings_of: Any) -> list[int]:
    keys = []
    for start in range(0, shape.channels, 200):
        chunk = range(start, min(shape.channels, start + 200))
        saved = await asyncio.gather(*(store.save_channel(settings_of(c)) for c in chunk))
        keys += [s.id for s in saved]
    return keys


def channel_settings(c: int, **changes: Any) -> ChannelSettings:
    base = ChannelSettings(
        PLATFORM, TEAM, channel_id(c), timezone=TIMEZONE, post_time=POST_TIME, close_time=CLOSE_TIME, active=True,
        language="en",
    )  # fmt: skip
    return replace(base, **changes)


@dataclass
class Built:
    url: str
    shape: Shape
    channel_keys: list[int]
    channels: list[_Channel]
    answers: int
    posts: int
    seconds: float


async def build(url: str, shape: Shape, bank: QuestionBank, settings_of: Any = channel_settings) -> Built:
    """Create the database at `url` (a new SQLite path, or an empty PostgreSQL database) with `shape`."""
    started = time.perf_counter()
    store = await open_store(url, synchronous="OFF")
    keys = await _save_channels(store, shape, settings_of)
    await store.close()
    channels = plan_channels(shape, keys, bank)
    writer: _Writer = await _PgWriter.open(url) if url.startswith("postgres") else _SqliteWriter(url)
    answers = posts = 0
    members = [(PLATFORM, u, f"member {u[1:6]}-{u[6:]}") for ch in channels for u in ch.members]
    await writer.rows("users", ("platform", "user_id", "name"), members)
    for n, (day_posts, day_answers, periods) in enumerate(days_of(shape, channels, bank)):
        await writer.rows("posts", POST_COLUMNS, day_posts)
        await writer.rows("answers", ANSWER_COLUMNS, day_answers)
        await writer.rows("bench_periods", ("post_id", "week_start", "month_start", "prev_week"), periods)
        answers += len(day_answers)
        posts += len(day_posts)
        if n % 20 == 0:
            progress(f"  dataset: day {n + 1}/{len(shape.posting_days)}, {answers:,} answers")
    await writer.finish(fsrs_template())
    seconds = time.perf_counter() - started
    progress(f"  dataset: {answers:,} answers, {posts:,} posts, {shape.channels} channels in {seconds:.0f} s")
    return Built(url, shape, keys, channels, answers, posts, seconds)


class _Writer:
    async def rows(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None: ...

    async def finish(self, fsrs: str) -> None: ...


class _SqliteWriter(_Writer):
    def __init__(self, path: str) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.execute("PRAGMA synchronous=OFF")
        self.conn.execute("PRAGMA cache_size=-1000000")
        self.conn.execute(
            "CREATE TABLE bench_periods (post_id INTEGER PRIMARY KEY, week_start TEXT, month_start TEXT, "
            "prev_week TEXT)"
        )
        self.conn.execute(WEEKS_TABLE)
        self.conn.execute("BEGIN")

    async def rows(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        if rows:
            marks = ", ".join("?" * len(columns))
            self.conn.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)

    async def finish(self, fsrs: str) -> None:
        for name, sql in FINISH:
            t = time.perf_counter()
            self.conn.execute(sql, (fsrs,) if "?" in sql else ())
            progress(f"  dataset: {name} in {time.perf_counter() - t:.1f} s")
        self.conn.execute("DROP TABLE bench_periods")
        self.conn.execute("DROP TABLE bench_weeks")
        self.conn.execute("COMMIT")
        self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.conn.close()


class _PgWriter(_Writer):
    def __init__(self, conn: Any) -> None:
        self.conn = conn

    @classmethod
    async def open(cls, url: str) -> _PgWriter:
        import asyncpg

        conn = await asyncpg.connect(url)
        await conn.execute("SET synchronous_commit = off")
        await conn.execute(
            "CREATE UNLOGGED TABLE bench_periods (post_id BIGINT PRIMARY KEY, week_start TEXT, month_start TEXT, "
            "prev_week TEXT)"
        )
        await conn.execute(WEEKS_TABLE)
        return cls(conn)

    async def rows(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        if rows:
            await self.conn.copy_records_to_table(table, records=rows, columns=list(columns))

    async def finish(self, fsrs: str) -> None:
        from bot.store.postgres.engine import dollars

        await self.conn.execute("SELECT setval(pg_get_serial_sequence('posts', 'id'), (SELECT MAX(id) FROM posts))")
        for name, sql in FINISH:
            t = time.perf_counter()
            await self.conn.execute(dollars(sql), *((fsrs,) if "?" in sql else ()))
            progress(f"  dataset: {name} in {time.perf_counter() - t:.1f} s")
        await self.conn.execute("DROP TABLE bench_periods")
        await self.conn.execute("DROP TABLE bench_weeks")
        # A year-old database has been analyzed by autovacuum many times; a fresh bulk load has not yet.
        await self.conn.execute("VACUUM ANALYZE")
        await self.conn.close()
