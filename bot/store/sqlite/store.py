"""The Store on SQLite through aiosqlite: WAL, foreign keys, one connection, SQL migrations.

Writes arrive in bursts (a whole team clicks within a minute of the post), so every write goes through
one writer task that commits everything waiting at that moment in one transaction: one fsync for a
burst instead of one per click. A caller's future resolves only after COMMIT, so nothing is confirmed
to a member before it is durable.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime, time
from importlib import resources
from pathlib import Path
from time import monotonic
from typing import Any

import aiosqlite

from bot.core.models import AnswerOutcome, BoardRow, ChannelRef, ChannelSettings, Post
from bot.core.ports import StoreError
from bot.store.codec import decode_picked, encode_picked, from_ms, to_ms
from bot.store.sqlite.study import StudyQueries

log = logging.getLogger(__name__)
CHANNEL_CACHE_SECONDS = 5.0
OPEN_POST_CACHE_SIZE = 1024


def load_migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) for every file in migrations/, in order."""
    folder = resources.files("bot.store.sqlite") / "migrations"
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            version = int(entry.name.split("_", 1)[0])
            found.append((version, entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    for expected, (version, name, _) in enumerate(found, start=1):
        if version != expected:
            raise StoreError(f"migration {name} is out of sequence (expected {expected:03d}_...)")
    return found


def settings_to_json(settings: ChannelSettings) -> str:
    data = asdict(settings)
    for key in ("platform", "team_id", "channel_id", "id", "active"):
        data.pop(key)
    for key in ("post_time", "close_time", "board_time"):
        data[key] = data[key].strftime("%H:%M")
    data["days"] = list(settings.days)
    return json.dumps(data, sort_keys=True)


def settings_from_row(row: sqlite3.Row) -> ChannelSettings:
    data: dict[str, Any] = json.loads(row["settings"])
    base = ChannelSettings(row["platform"], row["team_id"], row["channel_id"])
    known = {f for f in ChannelSettings.__dataclass_fields__}
    values: dict[str, Any] = {k: v for k, v in data.items() if k in known}
    for key in ("post_time", "close_time", "board_time"):
        if key in values:
            values[key] = time.fromisoformat(values[key])
    if "days" in values:
        values["days"] = tuple(values["days"])
    return replace(base, **values, id=row["id"], active=bool(row["active"]))


def _post_from_row(row: sqlite3.Row) -> Post:
    return Post(
        id=row["id"],
        channel_key=row["channel_key"],
        local_date=date.fromisoformat(row["local_date"]),
        question_id=row["question_id"],
        posted_at=from_ms(row["posted_at"]),
        message_id=row["message_id"],
        closed_at=from_ms(row["closed_at"]),
    )


@dataclass
class _Statement:
    sql: str
    params: Sequence[Any]
    future: asyncio.Future[tuple[list[sqlite3.Row], int]] = field(repr=False)
    blind: bool = False  # the caller needs no rows nor count: same-SQL blind writes share one executemany


@dataclass
class _PendingAnswer:
    post: Post
    user_id: str
    picked: frozenset[int]
    correct: bool
    base_points: int
    bonuses: Sequence[int]
    now: datetime
    future: asyncio.Future[AnswerOutcome] = field(repr=False)


class SqliteStore(StudyQueries):
    """Open with `await SqliteStore.open(path)`; close with `await store.close()`."""

    def __init__(self, conn: aiosqlite.Connection, path: str) -> None:
        self._conn = conn
        self.path = path
        self._pending: list[_Statement | _PendingAnswer] = []
        # Read caches for the click path (a burst of clicks would otherwise queue two reads each on the
        # one database thread). Safe with a second process on the file: a cached post is only ever an open
        # one, and whether it closed meanwhile is checked again inside the answer's own transaction;
        # channel settings changed elsewhere are seen within CHANNEL_CACHE_SECONDS.
        self._channels: dict[tuple[str, str], tuple[float, ChannelSettings]] = {}
        self._open_posts: dict[int, Post] = {}
        self._wakeup = asyncio.Event()
        self._writer: asyncio.Task[None] | None = None
        self._closed = False

    # --- lifecycle --------------------------------------------------------------------------

    @classmethod
    async def open(cls, path: str | Path, *, synchronous: str = "FULL") -> SqliteStore:
        path = str(path)
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        try:
            conn = await aiosqlite.connect(path, isolation_level=None)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open database {path}: {exc}") from exc
        conn.row_factory = sqlite3.Row
        store = cls(conn, path)
        try:
            await store._configure(synchronous)
            await store._migrate()
        except BaseException:
            await conn.close()
            raise
        store._writer = asyncio.create_task(store._write_loop(), name="studybot-writer")
        return store

    async def _configure(self, synchronous: str) -> None:
        if synchronous.upper() not in ("OFF", "NORMAL", "FULL", "EXTRA"):
            raise StoreError(f"unknown synchronous mode {synchronous!r}")
        try:
            await self._conn.execute("PRAGMA journal_mode=WAL")
            await self._conn.execute(f"PRAGMA synchronous={synchronous.upper()}")
            await self._conn.execute("PRAGMA foreign_keys=ON")
            await self._conn.execute("PRAGMA busy_timeout=5000")
        except sqlite3.Error as exc:
            raise StoreError(f"cannot use database {self.path}: {exc}") from exc

    async def _migrate(self) -> None:
        migrations = load_migrations()
        (current,) = await self._fetchone("PRAGMA user_version")
        latest = len(migrations)
        if current > latest:
            raise StoreError(
                f"database {self.path} has schema version {current}, newer than this studybot "
                f"understands (up to {latest}); upgrade studybot or use another database"
            )
        # Foreign keys are off while migrating (SQLite cannot switch them inside a transaction, and a table
        # rebuild needs them off); foreign_key_check proves the result consistent before it is committed.
        await self._conn.execute("PRAGMA foreign_keys=OFF")
        try:
            for version, name, sql in migrations[current:]:
                log.info("applying migration %s", name)
                await self._apply(version, name, sql)
        finally:
            await self._conn.execute("PRAGMA foreign_keys=ON")

    async def _apply(self, version: int, name: str, sql: str) -> None:
        try:
            await self._conn.executescript(f"BEGIN IMMEDIATE;\n{sql}\nPRAGMA user_version={version};")
            broken = await self._conn.execute_fetchall("PRAGMA foreign_key_check")
            if broken:
                raise sqlite3.IntegrityError(f"{len(broken)} rows break a foreign key")
            await self._conn.execute("COMMIT")
        except sqlite3.Error as exc:
            if self._conn.in_transaction:
                await self._conn.execute("ROLLBACK")
            raise StoreError(f"migration {name} failed: {exc}") from exc

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._writer is not None:
            self._wakeup.set()
            await self._writer
        await self._conn.close()

    async def schema_version(self) -> int:
        (version,) = await self._fetchone("PRAGMA user_version")
        return int(version)

    # --- helpers ----------------------------------------------------------------------------

    async def _fetchone(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Row | None:
        rows = await self._conn.execute_fetchall(sql, params)  # one hop to the database thread, not three
        return next(iter(rows), None)

    async def _fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        return list(await self._conn.execute_fetchall(sql, params))

    async def _write(
        self, sql: str, params: Sequence[Any] = (), *, blind: bool = False
    ) -> tuple[list[sqlite3.Row], int]:
        """One statement, committed with whatever else is waiting: (rows it returned, rowcount)."""
        future: asyncio.Future[tuple[list[sqlite3.Row], int]] = asyncio.get_running_loop().create_future()
        self._enqueue(_Statement(sql, params, future, blind))
        return await future

    def _enqueue(self, job: _Statement | _PendingAnswer) -> None:
        if self._closed:
            raise StoreError("the database is closed")
        self._pending.append(job)
        self._wakeup.set()

    # --- channels and members ---------------------------------------------------------------

    async def get_channel(self, ref: ChannelRef) -> ChannelSettings | None:
        key = (ref.platform, ref.channel_id)
        cached = self._channels.get(key)
        if cached is not None and cached[0] > monotonic():
            return cached[1]
        row = await self._fetchone(
            "SELECT * FROM channels WHERE platform = ? AND channel_id = ?", (ref.platform, ref.channel_id)
        )
        if row is None:
            return None
        settings = settings_from_row(row)
        self._channels[key] = (monotonic() + CHANNEL_CACHE_SECONDS, settings)
        return settings

    async def save_channel(self, settings: ChannelSettings) -> ChannelSettings:
        self._channels.pop((settings.platform, settings.channel_id), None)
        rows, _ = await self._write(
            """
            INSERT INTO channels (platform, team_id, channel_id, settings, active) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (platform, channel_id) DO UPDATE
                SET team_id = excluded.team_id, settings = excluded.settings, active = excluded.active
            RETURNING id
            """,
            (
                settings.platform,
                settings.team_id,
                settings.channel_id,
                settings_to_json(settings),
                int(settings.active),
            ),
        )
        return replace(settings, id=rows[0][0])

    async def active_channels(self) -> list[ChannelSettings]:
        rows = await self._fetchall("SELECT * FROM channels WHERE active = 1 ORDER BY id")
        return [settings_from_row(r) for r in rows]

    async def remember_member(self, platform: str, user_id: str, name: str) -> None:
        await self._write(
            """
            INSERT INTO users (platform, user_id, name) VALUES (?, ?, ?)
            ON CONFLICT (platform, user_id) DO UPDATE SET name = excluded.name WHERE name != excluded.name
            """,
            (platform, user_id, name),
            blind=True,
        )

    # --- daily posts ------------------------------------------------------------------------

    async def claim_post(self, channel_key: int, local_date: date, question_id: str, now: datetime) -> Post | None:
        rows, _ = await self._write(
            """
            INSERT INTO posts (channel_key, local_date, question_id, claimed_at) VALUES (?, ?, ?, ?)
            ON CONFLICT (channel_key, local_date) DO NOTHING
            RETURNING *
            """,
            (channel_key, local_date.isoformat(), question_id, to_ms(now)),
        )
        return _post_from_row(rows[0]) if rows else None

    async def mark_posted(self, post_id: int, message_id: str, now: datetime) -> None:
        self._open_posts.pop(post_id, None)
        await self._write(
            "UPDATE posts SET message_id = ?, posted_at = ? WHERE id = ?", (message_id, to_ms(now), post_id)
        )

    async def release_post(self, post_id: int) -> None:
        self._open_posts.pop(post_id, None)
        await self._write("DELETE FROM posts WHERE id = ? AND posted_at IS NULL", (post_id,))

    async def get_post(self, post_id: int) -> Post | None:
        if post_id in self._open_posts:
            return self._open_posts[post_id]
        row = await self._fetchone("SELECT * FROM posts WHERE id = ?", (post_id,))
        post = _post_from_row(row) if row else None
        if post is not None and post.message_id is not None and post.closed_at is None:
            if len(self._open_posts) >= OPEN_POST_CACHE_SIZE:
                self._open_posts.clear()
            self._open_posts[post_id] = post
        return post

    async def post_on(self, channel_key: int, local_date: date) -> Post | None:
        row = await self._fetchone(
            "SELECT * FROM posts WHERE channel_key = ? AND local_date = ?",
            (channel_key, local_date.isoformat()),
        )
        return _post_from_row(row) if row else None

    async def open_posts(self, channel_key: int) -> list[Post]:
        rows = await self._fetchall(
            "SELECT * FROM posts WHERE channel_key = ? AND closed_at IS NULL AND posted_at IS NOT NULL "
            "ORDER BY local_date",
            (channel_key,),
        )
        return [_post_from_row(r) for r in rows]

    async def latest_post(self, channel_key: int) -> Post | None:
        row = await self._fetchone(
            "SELECT * FROM posts WHERE channel_key = ? AND posted_at IS NOT NULL ORDER BY local_date DESC LIMIT 1",
            (channel_key,),
        )
        return _post_from_row(row) if row else None

    async def claim_close(self, post_id: int, now: datetime) -> bool:
        self._open_posts.pop(post_id, None)
        _, count = await self._write(
            "UPDATE posts SET closed_at = ? WHERE id = ? AND closed_at IS NULL", (to_ms(now), post_id)
        )
        return count == 1

    async def reopen_post(self, post_id: int) -> None:
        self._open_posts.pop(post_id, None)
        await self._write("UPDATE posts SET closed_at = NULL WHERE id = ?", (post_id,))

    # --- weekly boards ----------------------------------------------------------------------

    async def claim_board(self, channel_key: int, week_start: date, now: datetime) -> bool:
        _, count = await self._write(
            "INSERT INTO boards (channel_key, week_start, claimed_at) VALUES (?, ?, ?) "
            "ON CONFLICT (channel_key, week_start) DO NOTHING",
            (channel_key, week_start.isoformat(), to_ms(now)),
        )
        return count == 1

    async def mark_board_posted(self, channel_key: int, week_start: date, message_id: str, now: datetime) -> None:
        await self._write(
            "UPDATE boards SET message_id = ?, posted_at = ? WHERE channel_key = ? AND week_start = ?",
            (message_id, to_ms(now), channel_key, week_start.isoformat()),
        )

    async def release_board(self, channel_key: int, week_start: date) -> None:
        await self._write(
            "DELETE FROM boards WHERE channel_key = ? AND week_start = ? AND posted_at IS NULL",
            (channel_key, week_start.isoformat()),
        )

    async def board_posted(self, channel_key: int, week_start: date) -> datetime | None:
        row = await self._fetchone(
            "SELECT posted_at FROM boards WHERE channel_key = ? AND week_start = ?",
            (channel_key, week_start.isoformat()),
        )
        return from_ms(row[0]) if row else None

    # --- answers ----------------------------------------------------------------------------

    async def record_answer(
        self,
        post: Post,
        user_id: str,
        picked: frozenset[int],
        correct: bool,
        base_points: int,
        bonuses: Sequence[int],
        now: datetime,
    ) -> AnswerOutcome:
        future: asyncio.Future[AnswerOutcome] = asyncio.get_running_loop().create_future()
        self._enqueue(_PendingAnswer(post, user_id, picked, correct, base_points, bonuses, now, future))
        return await future

    async def _write_loop(self) -> None:
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            batch, self._pending = self._pending, []
            if batch:
                await self._commit(batch)
            elif self._closed:
                return

    async def _commit(self, batch: list[_Statement | _PendingAnswer]) -> None:
        """Run a batch in one transaction; resolve every future only after COMMIT."""
        statements = [job for job in batch if isinstance(job, _Statement)]
        answers = [job for job in batch if isinstance(job, _PendingAnswer)]
        results: list[tuple[asyncio.Future[Any], Any]] = []
        try:
            await self._conn.execute("BEGIN IMMEDIATE")
            results.extend(await self._run_blind([job for job in statements if job.blind]))
            for job in statements:
                if job.blind:
                    continue
                try:
                    async with self._conn.execute(job.sql, job.params) as cursor:
                        results.append((job.future, (list(await cursor.fetchall()), cursor.rowcount)))
                except sqlite3.IntegrityError as exc:  # this statement alone is refused
                    results.append((job.future, StoreError(f"could not save to the database: {exc}")))
            if answers:
                outcomes = await self._write_answers(answers)
                results.extend((job.future, outcome) for job, outcome in zip(answers, outcomes, strict=True))
            await self._conn.execute("COMMIT")
        except Exception as exc:  # nothing of the batch was committed: every waiter hears of it
            if self._conn.in_transaction:
                await self._conn.execute("ROLLBACK")
            log.error("a write batch of %d failed: %s", len(batch), exc)
            error = exc if isinstance(exc, StoreError) else StoreError(f"could not save to the database: {exc}")
            results = [(job.future, error) for job in batch]
        for future, outcome in results:
            if future.done():
                continue
            if isinstance(outcome, BaseException):
                future.set_exception(outcome)
            else:
                future.set_result(outcome)

    async def _run_blind(self, jobs: list[_Statement]) -> list[tuple[asyncio.Future[Any], Any]]:
        """Blind writes grouped by SQL, one executemany (one trip to the database thread) per group."""
        groups: dict[str, list[_Statement]] = {}
        for job in jobs:
            groups.setdefault(job.sql, []).append(job)
        results: list[tuple[asyncio.Future[Any], Any]] = []
        for sql, group in groups.items():
            await self._conn.executemany(sql, [job.params for job in group])
            results.extend((job.future, ([], -1)) for job in group)
        return results

    async def _write_answers(self, batch: list[_PendingAnswer]) -> list[AnswerOutcome]:
        """Inside the open transaction: first answer per member counts, ranks decided in order."""
        post_ids = sorted({item.post.id for item in batch})
        marks = ",".join("?" * len(post_ids))
        existing = {
            (r["post_id"], r["user_id"]): r
            for r in await self._fetchall(
                f"SELECT post_id, user_id, picked, correct, points FROM answers WHERE post_id IN ({marks})",
                post_ids,
            )
        }
        closed = {
            r[0]
            for r in await self._fetchall(
                f"SELECT id FROM posts WHERE id IN ({marks}) AND closed_at IS NOT NULL", post_ids
            )
        }
        correct_so_far = dict.fromkeys(post_ids, 0)
        for row in existing.values():
            correct_so_far[row["post_id"]] += row["correct"]
        rows, outcomes = [], []
        for item in batch:
            key = (item.post.id, item.user_id)
            if item.post.id in closed:  # the reveal was claimed first: it must show every answer it counts
                outcomes.append(AnswerOutcome(False, False, 0, None, item.picked, closed=True))
                continue
            if key in existing:
                row = existing[key]
                outcomes.append(
                    AnswerOutcome(False, bool(row["correct"]), row["points"], None, decode_picked(row["picked"]))
                )
                continue
            rank, points = None, 0
            if item.correct:
                correct_so_far[item.post.id] += 1
                rank = correct_so_far[item.post.id]
                points = item.base_points + (item.bonuses[rank - 1] if rank <= len(item.bonuses) else 0)
            existing[key] = {"correct": int(item.correct), "points": points, "picked": encode_picked(item.picked)}
            rows.append(
                (
                    item.post.id,
                    item.user_id,
                    item.post.channel_key,
                    encode_picked(item.picked),
                    int(item.correct),
                    points,
                    to_ms(item.now),
                )
            )
            outcomes.append(AnswerOutcome(True, item.correct, points, rank, item.picked))
        await self._conn.executemany(
            "INSERT INTO answers (post_id, user_id, channel_key, picked, correct, points, answered_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        return outcomes

    async def answers_to(self, post_id: int) -> list[tuple[str, str, frozenset[int], bool, int, datetime]]:
        rows = await self._fetchall(
            """
            SELECT a.user_id, COALESCE(u.name, a.user_id) AS name, a.picked, a.correct, a.points, a.answered_at
            FROM answers a
            JOIN channels c ON c.id = a.channel_key
            LEFT JOIN users u ON u.platform = c.platform AND u.user_id = a.user_id
            WHERE a.post_id = ?
            ORDER BY a.answered_at, a.rowid
            """,
            (post_id,),
        )
        return [
            (
                r[0],
                r[1],
                decode_picked(r[2]),
                bool(r[3]),
                r[4],
                from_ms(r[5]) or datetime.min.replace(tzinfo=UTC),
            )
            for r in rows
        ]

    async def answer_count(self, post_id: int) -> int:
        row = await self._fetchone("SELECT COUNT(*) FROM answers WHERE post_id = ?", (post_id,))
        return int(row[0]) if row else 0

    async def record_practice(
        self,
        channel_key: int,
        user_id: str,
        question_id: str,
        picked: frozenset[int],
        correct: bool,
        now: datetime,
    ) -> None:
        await self._write(
            "INSERT INTO practice (channel_key, user_id, question_id, picked, correct, answered_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (channel_key, user_id, question_id, encode_picked(picked), int(correct), to_ms(now)),
        )

    # --- boards and history -----------------------------------------------------------------

    @staticmethod
    def _window(start: datetime | None, end: datetime | None) -> tuple[int, int]:
        return (to_ms(start) if start else 0, to_ms(end) if end else 2**62)

    async def board(self, channel_key: int, start: datetime | None, end: datetime | None, limit: int) -> list[BoardRow]:
        # Totals first, names after: the all-time board then runs on the covering index answers_board
        # alone, and names are looked up for the rows shown, not for every answer.
        window = "" if start is None and end is None else "AND answered_at >= ? AND answered_at < ?"
        params = () if not window else self._window(start, end)
        rows = await self._fetchall(
            f"""
            WITH totals AS (
                SELECT user_id, SUM(points) AS points, SUM(correct) AS correct, COUNT(*) AS answered,
                       MIN(answered_at) AS first
                FROM answers WHERE channel_key = ? {window}
                GROUP BY user_id
            )
            SELECT t.user_id, COALESCE(u.name, t.user_id), t.points, t.correct, t.answered
            FROM totals t
            LEFT JOIN users u ON u.platform = (SELECT platform FROM channels WHERE id = ?) AND u.user_id = t.user_id
            ORDER BY t.points DESC, t.correct DESC, t.first, t.user_id
            LIMIT ?
            """,
            (channel_key, *params, channel_key, limit),
        )
        return [BoardRow(r[0], r[1], r[2], r[3], r[4]) for r in rows]

    async def correct_dates(self, channel_key: int, user_id: str) -> list[date]:
        rows = await self._fetchall(
            """
            SELECT p.local_date FROM answers a JOIN posts p ON p.id = a.post_id
            WHERE a.channel_key = ? AND a.user_id = ? AND a.correct = 1 ORDER BY p.local_date
            """,
            (channel_key, user_id),
        )
        return [date.fromisoformat(r[0]) for r in rows]

    async def post_dates(self, channel_key: int) -> list[date]:
        rows = await self._fetchall(
            "SELECT local_date FROM posts WHERE channel_key = ? AND posted_at IS NOT NULL ORDER BY local_date",
            (channel_key,),
        )
        return [date.fromisoformat(r[0]) for r in rows]

    async def history(self, channel_key: int, user_id: str) -> list[tuple[str, bool, datetime, str]]:
        """(question_id, correct, answered_at, source) of every daily and practice answer, oldest first."""
        rows = await self._fetchall(
            """
            SELECT p.question_id, a.correct, a.answered_at, 'daily' FROM answers a JOIN posts p ON p.id = a.post_id
            WHERE a.channel_key = ? AND a.user_id = ?
            UNION ALL
            SELECT question_id, correct, answered_at, 'practice' FROM practice
            WHERE channel_key = ? AND user_id = ?
            ORDER BY 3
            """,
            (channel_key, user_id, channel_key, user_id),
        )
        return [(r[0], bool(r[1]), from_ms(r[2]) or datetime.min.replace(tzinfo=UTC), r[3]) for r in rows]

    async def find_member(self, platform: str, text: str) -> tuple[str, str] | None:
        """A member by id or name (case-insensitive), as (user_id, name)."""
        row = await self._fetchone(
            "SELECT user_id, name FROM users WHERE platform = ? AND (user_id = ? OR lower(name) = lower(?)) LIMIT 1",
            (platform, text, text),
        )
        return (row[0], row[1]) if row else None
