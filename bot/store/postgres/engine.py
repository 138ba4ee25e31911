"""PostgreSQL through asyncpg: the same store logic and SQL as SQLite, for many processes on one database.

Reads go through a small pool; writes through one connection per process whose group-commit writer
runs every waiting job in one transaction. Across processes, correctness comes from the database, not
from this process: unique constraints and ON CONFLICT for claims, row locks (SELECT ... FOR UPDATE)
for ranks, leases and review cards, a counter row for the channels' versions. Migrations run under an
advisory lock, so processes starting together migrate once.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from functools import lru_cache
from importlib import resources
from typing import Any, TypeVar
from urllib.parse import urlsplit

import asyncpg

from bot.core.ports import StoreError
from bot.store.engine import BatchGroup, Row, Tx, Writer

log = logging.getLogger(__name__)
T = TypeVar("T")
MIGRATION_LOCK = 7_281_093_411  # pg_advisory_xact_lock key: one migrating process at a time
POOL_SIZE = 4


@lru_cache(maxsize=1024)
def dollars(sql: str) -> str:
    """`?` placeholders as PostgreSQL's `$1, $2, ...` (the store's SQL has no `?` inside strings)."""
    count = 0

    def number(_: re.Match[str]) -> str:
        nonlocal count
        count += 1
        return f"${count}"

    return re.sub(r"\?", number, sql)


def load_migrations() -> list[tuple[int, str, str]]:
    folder = resources.files("bot.store.postgres") / "migrations"
    found = sorted(
        (int(entry.name.split("_", 1)[0]), entry.name, entry.read_text(encoding="utf-8"))
        for entry in folder.iterdir()
        if entry.name.endswith(".sql")
    )
    for expected, (version, name, _) in enumerate(found, start=1):
        if version != expected:
            raise StoreError(f"migration {name} is out of sequence (expected {expected:03d}_...)")
    return found


def safe_url(url: str) -> str:
    """The URL without its password, for messages and logs."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    user = f"{parts.username}@" if parts.username else ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{user}{host}{port}{parts.path}"


class PgTx:
    """A transaction on one asyncpg connection, which runs one statement at a time while Python goes on:
    each queued statement starts when the one before it ends."""

    lock = " FOR UPDATE"

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn
        self._queued: list[asyncio.Task[None]] = []

    async def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        await self.flush()
        return list(await self.conn.fetch(dollars(sql), *params))

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        await self.flush()
        status = await self.conn.execute(dollars(sql), *params)
        last = status.rsplit(" ", 1)[-1]
        return int(last) if last.isdigit() else 0

    async def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        await self.flush()
        await self._run_many(sql, rows, False)

    async def queue(self, sql: str, rows: Sequence[Sequence[Any]], *, distinct: bool = False) -> None:
        if not rows:
            return
        previous = self._queued[-1] if self._queued else None
        self._queued.append(asyncio.ensure_future(self._after(previous, sql, rows, distinct)))
        await asyncio.sleep(0)  # it starts now: its statement is on its way before the job goes on

    async def _after(
        self, previous: asyncio.Task[None] | None, sql: str, rows: Sequence[Sequence[Any]], distinct: bool
    ) -> None:
        if previous is not None:
            await asyncio.wait([previous])
        await self._run_many(sql, rows, distinct)

    async def flush(self) -> None:
        error = await self.settle()
        if error is not None:
            raise error

    async def settle(self) -> BaseException | None:
        queued, self._queued = self._queued, []
        if not queued:
            return None
        outcomes = await asyncio.gather(*queued, return_exceptions=True)
        return next((o for o in outcomes if isinstance(o, BaseException)), None)

    async def _run_many(self, sql: str, rows: Sequence[Sequence[Any]], distinct: bool) -> None:
        """`executemany`, as one statement over arrays when `distinct`, without waiting for queued statements."""
        if not rows:
            return
        if not distinct or len(rows) < 2 or (arrays := await self._over_arrays(sql)) is None:
            await self.conn.executemany(dollars(sql), rows)
            return
        await self.conn.execute(arrays, *(list(column) for column in zip(*rows, strict=True)))

    async def _over_arrays(self, sql: str) -> str | None:
        """The statement over arrays (`over_arrays`), with the parameter types PostgreSQL infers for the
        statement as written; found once per statement."""
        if sql not in _ARRAYS:
            types = [t.name for t in (await self.conn.prepare(dollars(sql))).get_parameters()]
            _ARRAYS[sql] = over_arrays(sql, types)
        return _ARRAYS[sql]


_ARRAYS: dict[str, str | None] = {}  # by statement; the same for every connection to our schema


def over_arrays(sql: str, types: Sequence[str]) -> str | None:
    """`INSERT INTO t (a, b) VALUES (?, ? + 1) ON CONFLICT ...` as `INSERT INTO t (a, b) SELECT v.c1,
    v.c2 + 1 FROM unnest($1::int8[], $2::int8[]) AS v(c1, c2) ON CONFLICT ...`: one statement for all
    the rows, each parameter one array. None for a statement of another shape (it runs row by row)."""
    found = re.search(r"\bVALUES\s*\(", sql, re.IGNORECASE)
    if found is None:
        return None
    depth, end = 0, None
    for index in range(found.end() - 1, len(sql)):
        depth += {"(": 1, ")": -1}.get(sql[index], 0)
        if depth == 0:
            end = index
            break
    values = sql[found.end() : end]
    if end is None or values.count("?") != sql.count("?") or len(types) != sql.count("?"):
        return None
    parts = values.split("?")
    expressions = parts[0] + "".join(f"v.c{n}{part}" for n, part in enumerate(parts[1:], start=1))
    arrays = ", ".join(f"${n}::{name}[]" for n, name in enumerate(types, start=1))
    columns = ", ".join(f"c{n}" for n in range(1, len(types) + 1))
    return f"{sql[: found.start()]}SELECT {expressions} FROM unnest({arrays}) AS v({columns}){sql[end + 1 :]}"


async def _as_it_came(conn: asyncpg.Connection) -> None:
    """The pool's connections serve `read` alone: single SELECTs that set, listen to and lock nothing, so one
    goes back as it came. asyncpg's default reset (RESET ALL, UNLISTEN *, ...) cost a round trip after every
    read; it still rolls back a transaction left open."""


class PostgresEngine:
    name = "postgresql"

    def __init__(self, url: str, pool: asyncpg.Pool, writer: asyncpg.Connection) -> None:
        self.path = safe_url(url)
        self._pool = pool
        self._conn = writer
        self._writer = Writer("postgres")
        self._transaction: Any = None
        self._closed = False

    @classmethod
    async def open(cls, url: str) -> PostgresEngine:
        shown = safe_url(url)
        try:
            writer = await asyncpg.connect(url)
        except (OSError, asyncpg.PostgresError, ValueError) as exc:
            raise StoreError(f"cannot connect to {shown}: {exc}") from None
        try:
            await _migrate(writer, shown)
            pool = await asyncpg.create_pool(url, min_size=1, max_size=POOL_SIZE, reset=_as_it_came)
        except BaseException:
            await writer.close()
            raise
        engine = cls(url, pool, writer)
        engine._writer.start(engine._begin, engine._end)
        return engine

    async def _begin(self) -> Tx:
        self._transaction = self._conn.transaction()
        await self._transaction.start()
        return PgTx(self._conn)

    async def _end(self, tx: Tx, commit: bool) -> None:
        transaction, self._transaction = self._transaction, None
        if transaction is None:
            return
        if commit:
            await transaction.commit()
        else:
            await transaction.rollback()

    async def read(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        try:
            return list(await self._pool.fetch(dollars(sql), *params))
        except (OSError, asyncpg.PostgresError) as exc:
            raise StoreError(f"could not read the database: {exc}") from exc

    async def write(self, work: Callable[[Tx], Awaitable[T]], *, order: tuple[Any, ...] | None = None) -> T:
        result: T = await self._writer.submit(work, order=order)
        return result

    async def write_in(self, group: BatchGroup, item: Any) -> Any:
        return await self._writer.submit(item, group)

    async def schema_version(self) -> int:
        return await _version(self._pool)

    async def integrity(self) -> str:
        """Every one of our tables read in full: a damaged page fails the read (and its checksum, when
        the cluster has data checksums on). Deeper checks (amcheck) are the server administrator's."""
        tables = await self.read(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND c.relkind = 'r' ORDER BY c.relname"
        )
        problems = []
        for (table,) in tables:
            try:
                await self.read(f'SELECT sum(length(t::text)) FROM "{table}" t')
            except asyncpg.PostgresError as exc:
                problems.append(f"{table}: {exc}")
        return "; ".join(problems[:5]) if problems else "ok"

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        await self._writer.close()
        for closing in (self._conn.close(), self._pool.close()):
            try:
                await closing
            except Exception as exc:
                log.warning("closing %s: %s", self.path, exc)


async def _version(conn: asyncpg.Connection | asyncpg.Pool) -> int:
    exists = await conn.fetchval("SELECT to_regclass('studybot_schema') IS NOT NULL")
    return int(await conn.fetchval("SELECT version FROM studybot_schema") or 0) if exists else 0


async def _migrate(conn: asyncpg.Connection, shown: str) -> None:
    migrations = load_migrations()
    latest = len(migrations)
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK)
        await conn.execute("CREATE TABLE IF NOT EXISTS studybot_schema (version INTEGER NOT NULL)")
        current = await _version(conn)
        if current == 0 and not await conn.fetchval("SELECT count(*) FROM studybot_schema"):
            await conn.execute("INSERT INTO studybot_schema (version) VALUES (0)")
        if current > latest:
            raise StoreError(
                f"database {shown} has schema version {current}, newer than this studybot understands "
                f"(up to {latest}); upgrade studybot or use another database"
            )
        for version, name, sql in migrations[current:]:
            log.info("database %s: applying %s", shown, name)
            try:
                await conn.execute(sql)
            except asyncpg.PostgresError as exc:
                raise StoreError(f"migration {name} failed: {exc}") from exc
            await conn.execute("UPDATE studybot_schema SET version = $1", version)
