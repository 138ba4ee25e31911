"""SQLite through aiosqlite: WAL, foreign keys, a checked file, SQL migrations, group commit.

A file database gets two connections: the writer's (BEGIN IMMEDIATE: one writer at a time, across
processes too) and one for reads, which WAL lets run beside the writes. `:memory:` has one connection
for both, since a second would be another, empty database.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import sqlite3
import time
from collections.abc import Awaitable, Callable, Sequence
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from bot.core.ports import StoreError
from bot.store.engine import BatchGroup, Row, Tx, Writer

log = logging.getLogger(__name__)
T = TypeVar("T")
SYNCHRONOUS = ("OFF", "NORMAL", "FULL", "EXTRA")
BUSY_TIMEOUT_MS = 5000
# The reader's page cache (SQLite's default is 2 MB): boards and /stats read index pages of a year's history.
READER_CACHE_KIB = 16_000
CHECKPOINT_SECONDS = 0.5  # after a commit, the WAL is copied into the database file within this, off its path


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


def statements(sql: str) -> list[str]:
    """A migration file's statements, each complete (as sqlite3 itself judges it)."""
    found, current = [], ""
    for line in sql.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            if current.strip().strip(";").strip():
                found.append(current.strip())
            current = ""
    if current.strip() and not all(part.strip().startswith("--") for part in current.splitlines() if part.strip()):
        found.append(current.strip())
    return found


class SqliteTx:
    """SQLite runs in this process, in the driver's thread, which takes the interpreter lock back between the
    rows of an `executemany`: a statement started while the job's Python goes on would only slow both down
    (measured: the batch of a 1,000-click burst took longer, not shorter). So `queue` keeps the statements,
    and the next statement, `flush` or the end of the job runs them, in order."""

    lock = ""  # BEGIN IMMEDIATE already holds the database's write lock

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn
        self._queued: list[tuple[str, Sequence[Sequence[Any]]]] = []

    async def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        await self.flush()
        return list(await self.conn.execute_fetchall(sql, params))

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        await self.flush()
        async with self.conn.execute(sql, params) as cursor:
            return cursor.rowcount

    async def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        await self.flush()
        if rows:
            await self.conn.executemany(sql, rows)

    async def queue(self, sql: str, rows: Sequence[Sequence[Any]], *, distinct: bool = False) -> None:
        if rows:  # distinct or not, one call: SQLite runs in this process
            self._queued.append((sql, rows))

    async def flush(self) -> None:
        queued, self._queued = self._queued, []
        for sql, rows in queued:
            await self.conn.executemany(sql, rows)

    async def settle(self) -> BaseException | None:
        self._queued = []  # the job failed before they ran: its savepoint is rolled back, so they never will
        return None


def check_file(path: str) -> None:
    """An existing database is checked before anything writes to it: a damaged one is refused, untouched."""
    if path == ":memory:" or not Path(path).exists():
        return
    try:
        conn = sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True)
        try:
            rows = conn.execute("PRAGMA quick_check").fetchall()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise StoreError(
            f"database {path} cannot be read ({exc}); it is not a studybot database or it is damaged. "
            "Restore a backup, or move the file away to start a new one"
        ) from None
    found = [str(r[0]) for r in rows]
    if found != ["ok"]:
        raise StoreError(
            f"database {path} is damaged (quick_check: {'; '.join(found[:3])}). Nothing was written to it. "
            "Restore a backup, or move the file away to start a new one"
        )


class Checkpointer:
    """Copies the WAL into the database file (a passive checkpoint) on a connection and thread of its own,
    `CHECKPOINT_SECONDS` after a commit, so that no commit waits for it. SQLite's own automatic checkpoint
    runs inside the commit that takes the WAL past 1,000 pages: in a burst of answers that commit took
    8–11 ms instead of 3.5, and those were the slowest bursts. A passive checkpoint never blocks the
    writer nor a reader; what it cannot copy yet (a reader still uses it) the next one does."""

    def __init__(self, path: str, synchronous: str) -> None:
        self.path, self.synchronous, self.seconds = path, synchronous, CHECKPOINT_SECONDS
        self._conn: aiosqlite.Connection | None = None
        self._task: asyncio.Task[None] | None = None
        self._due = False

    def after_commit(self) -> None:
        self._due = True
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name="studybot-sqlite-checkpoint")

    async def _run(self) -> None:
        while self._due:
            self._due = False
            await asyncio.sleep(self.seconds)  # the commits of a burst share one checkpoint
            try:
                if self._conn is None:
                    self._conn = await _connect(self.path, self.synchronous)
                await self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
            except (sqlite3.Error, StoreError) as exc:  # the WAL keeps the data: the next commit tries again
                log.warning("could not copy the WAL of %s into the database: %s", self.path, exc)

    async def close(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._conn is not None:
            await self._conn.close()
            self._conn = None


class SqliteEngine:
    name = "sqlite"

    def __init__(self, path: str, writer_conn: aiosqlite.Connection, reader_conn: aiosqlite.Connection) -> None:
        self.path = path
        self._conn = writer_conn
        self._reader = reader_conn
        self._writer = Writer("sqlite")
        self._tx = SqliteTx(writer_conn)
        self._closed = False
        self._checkpointer: Checkpointer | None = None

    @classmethod
    async def open(cls, path: str | Path, *, synchronous: str = "FULL") -> SqliteEngine:
        path = str(path)
        if synchronous.upper() not in SYNCHRONOUS:
            raise StoreError(f"unknown synchronous mode {synchronous!r}: use one of {', '.join(SYNCHRONOUS)}")
        check_file(path)
        if path != ":memory:":
            try:
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"cannot create the folder of database {path}: {exc.strerror or exc}") from None
        writer = await _connect(path, synchronous)
        reader = writer
        try:
            if path != ":memory:":
                reader = await _connect(path, synchronous)
                await reader.execute(f"PRAGMA cache_size=-{READER_CACHE_KIB}")
            engine = cls(path, writer, reader)
            await engine._migrate()
            await _optimize(writer)
            if path != ":memory:":
                await writer.execute("PRAGMA wal_autocheckpoint=0")  # the Checkpointer does it, off the commit
                engine._checkpointer = Checkpointer(path, synchronous)
        except BaseException:
            for conn in {id(writer): writer, id(reader): reader}.values():
                await conn.close()
            raise
        engine._writer.start(engine._begin, engine._end)
        return engine

    # --- transactions -----------------------------------------------------------------------

    async def _begin(self) -> Tx:
        if self._conn.in_transaction:  # a rollback that failed left it open: end it before anything else
            await self._conn.execute("ROLLBACK")
        await self._conn.execute("BEGIN IMMEDIATE")
        return self._tx

    async def _end(self, tx: Tx, commit: bool) -> None:
        if commit:
            await self._conn.execute("COMMIT")
            if self._checkpointer is not None:
                self._checkpointer.after_commit()
        elif self._conn.in_transaction:
            await self._conn.execute("ROLLBACK")

    async def read(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        try:
            return list(await self._reader.execute_fetchall(sql, params))
        except sqlite3.Error as exc:
            raise StoreError(f"could not read the database: {exc}") from exc

    async def write(self, work: Callable[[Tx], Awaitable[T]], *, order: tuple[Any, ...] | None = None) -> T:
        result: T = await self._writer.submit(work, order=order)
        return result

    async def write_in(self, group: BatchGroup, item: Any) -> Any:
        return await self._writer.submit(item, group)

    # --- schema -----------------------------------------------------------------------------

    async def schema_version(self) -> int:
        rows = list(await self._conn.execute_fetchall("PRAGMA user_version"))
        return int(rows[0][0])

    async def _migrate(self) -> None:
        """Each migration in its own BEGIN IMMEDIATE transaction, the version read inside it: processes
        opening one file together migrate it once."""
        migrations = load_migrations()
        latest = len(migrations)
        # Foreign keys are off while migrating (SQLite cannot switch them inside a transaction, and a table
        # rebuild needs them off); foreign_key_check proves the result consistent before it is committed.
        await self._conn.execute("PRAGMA foreign_keys=OFF")
        created = False  # a new file: one "created" line, not one per migration
        try:
            while True:
                await self._conn.execute("BEGIN IMMEDIATE")
                try:
                    current = await self.schema_version()
                    if current > latest:
                        raise StoreError(
                            f"database {self.path} has schema version {current}, newer than this studybot "
                            f"understands (up to {latest}); upgrade studybot or use another database"
                        )
                    if current == latest:
                        await self._conn.execute("COMMIT")
                        return
                    version, name, sql = migrations[current]
                    if current == 0:
                        created = True
                        log.info("database %s: created (schema %d)", self.path, latest)
                    else:
                        log.log(
                            logging.DEBUG if created else logging.INFO,
                            "database %s: schema %d -> %d (%s)",
                            self.path,
                            current,
                            version,
                            name,
                        )
                    await self._apply(version, name, sql)
                except BaseException:
                    if self._conn.in_transaction:
                        await self._conn.execute("ROLLBACK")
                    raise
        finally:
            await self._conn.execute("PRAGMA foreign_keys=ON")

    async def _apply(self, version: int, name: str, sql: str) -> None:
        """Inside the open transaction: every statement, the new version, a foreign key check, COMMIT."""
        try:
            for statement in statements(sql):
                await self._conn.execute(statement)
            await self._conn.execute(f"PRAGMA user_version={version}")
            broken = list(await self._conn.execute_fetchall("PRAGMA foreign_key_check"))
            if broken:
                raise sqlite3.IntegrityError(f"{len(broken)} rows break a foreign key")
            await self._conn.execute("COMMIT")
        except sqlite3.Error as exc:
            raise StoreError(f"migration {name} failed: {exc}") from exc

    async def integrity(self) -> str:
        rows = await self.read("PRAGMA quick_check")
        return "; ".join(str(r[0]) for r in rows[:5])

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        await self._writer.close()
        if self._checkpointer is not None:
            await self._checkpointer.close()
        for conn in {id(self._conn): self._conn, id(self._reader): self._reader}.values():
            try:
                await conn.close()
            except Exception as exc:
                log.warning("closing %s: %s", self.path, exc)

    # for tests that turn the disk read-only under the bot
    @property
    def connection(self) -> aiosqlite.Connection:
        return self._conn


async def _connect(path: str, synchronous: str) -> aiosqlite.Connection:
    try:
        conn = await aiosqlite.connect(path, isolation_level=None)
    except sqlite3.Error as exc:
        raise StoreError(f"cannot open database {path}: {exc}") from None
    conn.row_factory = sqlite3.Row
    try:
        await conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        await _switch_to_wal(conn)
        await conn.execute(f"PRAGMA synchronous={synchronous.upper()}")
        await conn.execute("PRAGMA foreign_keys=ON")
    except sqlite3.Error as exc:
        await conn.close()
        raise StoreError(f"cannot use database {path}: {exc}") from None
    return conn


async def _switch_to_wal(conn: aiosqlite.Connection) -> None:
    # Switching a fresh file to WAL needs an exclusive lock, and SQLite answers
    # "database is locked" at once, without its busy handler, when another
    # process opening the same file holds a shared lock: so several studybot
    # processes started together retry here instead of failing.
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            await conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.01 + random.random() * 0.04)


async def _optimize(conn: aiosqlite.Connection) -> None:
    """The statistics the planner needs, cheaply. Inside BEGIN IMMEDIATE, so that a process
    opening the file at the same moment makes this one wait instead of failing at once."""
    await conn.execute("BEGIN IMMEDIATE")
    try:
        await conn.execute("PRAGMA optimize=0x10002")
    except BaseException:
        await conn.execute("ROLLBACK")
        raise
    await conn.execute("COMMIT")
