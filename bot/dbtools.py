"""`studybot db copy` and `studybot db check`: a team's whole history from one database to another
(SQLite and PostgreSQL, either way), and a database's health.

The copy works at the SQL level through the store's engines (`engine.read`, `engine.write`), so the same
code runs on every pair of engines. Both databases are opened with `open_store`, which migrates them to
this studybot's schema; the target must hold no rows. Every table is copied in foreign-key order, in
batches, ids as they are, in ONE transaction on the target: a failure leaves nothing behind. Identity
sequences (PostgreSQL) and AUTOINCREMENT counters (SQLite) then continue past the copied ids and past
the source's own high-water mark, so an id released in the source is not handed out again.

Verification reads both databases again, table by table: the row count and a checksum computed the same
way on both engines. Each row's values are rendered as JSON (integers, text and NULL render the same
whichever driver returned them), hashed with SHA-256, and the hashes summed modulo 2**256: the sum does
not depend on the order the engine returns rows in, which differs where a key is text (PostgreSQL sorts
text by its collation, SQLite by bytes).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from bot.core.ports import Store, StoreError
from bot.store import is_postgres, open_store
from bot.store.base import TABLES, SqlStore
from bot.store.engine import Engine, Row, Tx

BATCH = 1000
COUNTERS = "counters"  # shared counters: every database has their rows from its first migration
COPIED = (*TABLES, COUNTERS)  # foreign-key order: a table comes after every table it references
SCHEMA_TABLES = frozenset({"studybot_schema"})  # PostgreSQL's schema version (SQLite keeps it in user_version)


class TargetNotEmpty(StoreError):
    """The target already holds rows: nothing was copied."""


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[str, ...]
    key: tuple[str, ...]  # the primary key, in its declared order


def _rows(n: int) -> str:
    return f"{n:,} row" if n == 1 else f"{n:,} rows"


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# --- the catalog: the one place that asks each engine in its own words -------------------------------


async def _table_names(engine: Engine) -> set[str]:
    if engine.name == "sqlite":
        rows = await engine.read("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%'")
    else:
        rows = await engine.read(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
        )
    return {str(r[0]) for r in rows}


async def _describe(engine: Engine, name: str) -> Table:
    if engine.name == "sqlite":
        rows = await engine.read("SELECT name, pk FROM pragma_table_info(?) ORDER BY cid", (name,))
        columns = tuple(str(r[0]) for r in rows)
        key = tuple(str(r[0]) for r in sorted((r for r in rows if r[1]), key=lambda r: int(r[1])))
    else:
        rows = await engine.read(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position",
            (name,),
        )
        columns = tuple(str(r[0]) for r in rows)
        rows = await engine.read(
            "SELECT k.column_name FROM information_schema.table_constraints c "
            "JOIN information_schema.key_column_usage k "
            "ON k.constraint_schema = c.constraint_schema AND k.constraint_name = c.constraint_name "
            "WHERE c.table_schema = current_schema() AND c.table_name = ? AND c.constraint_type = 'PRIMARY KEY' "
            "ORDER BY k.ordinal_position",
            (name,),
        )
        key = tuple(str(r[0]) for r in rows)
    if not columns or not key:
        raise StoreError(f"table {name} is missing or has no primary key in {engine.path}")
    return Table(name, columns, key)


async def _high_water(engine: Engine, table: str) -> int:
    """The highest id the table's id generator has handed out (0 if none, or if it has no generator)."""
    if engine.name == "sqlite":
        rows = await engine.read("SELECT seq FROM sqlite_sequence WHERE name = ?", (table,))
    else:
        rows = await engine.read("SELECT pg_sequence_last_value(pg_get_serial_sequence(?, 'id')::regclass)", (table,))
    return int(rows[0][0] or 0) if rows else 0


async def _continue_ids(tx: Tx, engine: Engine, table: str, last: int) -> None:
    """Make the target's next generated id `last + 1`."""
    if engine.name == "sqlite":
        # Tables without AUTOINCREMENT take max(id) + 1 anyway; the others keep their counter here.
        auto = await tx.fetch(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ? AND sql LIKE '%AUTOINCREMENT%'", (table,)
        )
        if auto and not await tx.execute("UPDATE sqlite_sequence SET seq = ? WHERE name = ?", (last, table)):
            await tx.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", (table, last))
    else:
        await tx.fetch("SELECT setval(pg_get_serial_sequence(?, 'id'), ?, ?)", (table, max(last, 1), last > 0))


# --- reading, rendering, checksums -------------------------------------------------------------------


async def _pages(engine: Engine, table: Table) -> AsyncIterator[list[Row]]:
    """Every row of the table, `BATCH` at a time, in key order (keyset pages: each costs the same)."""
    columns = ", ".join(_quote(c) for c in table.columns)
    keys = ", ".join(_quote(k) for k in table.key)
    at = [table.columns.index(k) for k in table.key]
    head = f"SELECT {columns} FROM {_quote(table.name)}"
    rows = await engine.read(f"{head} ORDER BY {keys} LIMIT {BATCH}")
    while rows:
        yield rows
        if len(rows) < BATCH:
            return
        last = [rows[-1][i] for i in at]
        marks = ", ".join("?" for _ in at)
        rows = await engine.read(f"{head} WHERE ({keys}) > ({marks}) ORDER BY {keys} LIMIT {BATCH}", last)


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, str | float):
        return value
    if isinstance(value, bool | int):
        return int(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return {"blob": bytes(value).hex()}
    return str(value)


def row_hash(row: Sequence[Any]) -> int:
    text = json.dumps([_plain(v) for v in row], ensure_ascii=False, separators=(",", ":"))
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest(), "big")


async def checksum(engine: Engine, table: Table, progress: Progress | None = None) -> tuple[int, str]:
    """(rows, checksum) of the table: the same on every engine for the same rows."""
    count, total = 0, 0
    async for rows in _pages(engine, table):
        for row in rows:
            total = (total + row_hash(row)) % 2**256
        count += len(rows)
        if progress:
            progress.show(f"checking {table.name}: {count:,} rows")
    return count, f"{total:064x}"


class Progress:
    """A counter line on stderr, rewritten in place (at most every `EVERY` s); nothing when it is no terminal."""

    EVERY = 0.1

    def __init__(self, err: TextIO) -> None:
        self.err, self.on, self.width, self.shown = err, err.isatty(), 0, 0.0

    def show(self, text: str) -> None:
        if self.on and time.monotonic() - self.shown >= self.EVERY:
            self.err.write("\r" + text.ljust(self.width))
            self.err.flush()
            self.width, self.shown = len(text), time.monotonic()

    def clear(self) -> None:
        if self.on and self.width:
            self.err.write("\r" + " " * self.width + "\r")
            self.err.flush()
            self.width = 0


# --- db copy -----------------------------------------------------------------------------------------


def _check_urls(source: str, target: str) -> None:
    for flag, url in (("--from", source), ("--to", target)):
        if url == ":memory:":
            raise StoreError(f"{flag} :memory: names a database that ends with this command: name a file or a server")
    if not is_postgres(source) and not Path(source).is_file():
        raise StoreError(f"--from {source}: no such database file; name an existing studybot database")

    def same(url: str) -> str:
        return url if is_postgres(url) else str(Path(url).resolve())

    if same(source) == same(target):
        raise StoreError("--from and --to name the same database: copy into another, empty one")


async def _open(flag: str, url: str) -> SqlStore:
    try:
        store: Store = await open_store(url)
    except StoreError as exc:
        raise StoreError(f"{flag}: {exc}") from None
    if not isinstance(store, SqlStore):  # every engine is one; the copy needs its SQL
        await store.close()
        raise StoreError(f"{flag}: this store cannot be copied")
    return store


async def _tables(source: Engine, target: Engine, err: TextIO) -> list[Table]:
    """The copied tables as both databases have them; refuse when their shapes differ."""
    present = await _table_names(source)
    missing = [t for t in COPIED if t not in present]
    if missing:
        raise StoreError(f"the source has no table {', '.join(missing)}: is it a studybot database?")
    others = sorted(present - set(COPIED) - SCHEMA_TABLES)
    if others:
        print(f"studybot: not copied (not studybot's tables): {', '.join(others)}", file=err)
    tables = []
    for name in COPIED:
        mine, theirs = await _describe(source, name), await _describe(target, name)
        if set(mine.columns) != set(theirs.columns) or mine.key != theirs.key:
            raise StoreError(
                f"table {name} differs between the source {mine.columns} and the target {theirs.columns}: "
                "both should be at this studybot's schema; is one of them changed by hand?"
            )
        tables.append(mine)
    return tables


async def _copy_all(source: Engine, target: Engine, tables: list[Table], progress: Progress) -> dict[str, int]:
    """Every table into the target in one transaction; the id each table's generator continues after."""
    totals = {t.name: int((await source.read(f"SELECT COUNT(*) FROM {_quote(t.name)}"))[0][0]) for t in tables}

    async def work(tx: Tx) -> dict[str, int]:
        for name in TABLES:
            held = int((await tx.fetch(f"SELECT COUNT(*) FROM {_quote(name)}"))[0][0])
            if held:
                raise TargetNotEmpty(
                    f"target {target.path} already holds {_rows(held)} in {name}: copy into an empty database, "
                    "or drop it first (nothing was written)"
                )
        last_ids: dict[str, int] = {}
        for table in tables:
            try:
                last_ids.update(await _copy_table(tx, table))
            except Exception as exc:
                raise StoreError(f"copying {table.name} failed: {exc}") from exc
        return last_ids

    async def _copy_table(tx: Tx, table: Table) -> dict[str, int]:
        columns = ", ".join(_quote(c) for c in table.columns)
        marks = ", ".join("?" for _ in table.columns)
        insert = f"INSERT INTO {_quote(table.name)} ({columns}) VALUES ({marks})"
        if table.name == COUNTERS:  # the target's own rows, from its migrations, take the source's values
            insert += " ON CONFLICT (name) DO UPDATE SET value = excluded.value"
        done, top, ids = 0, 0, table.key == ("id",)
        async for rows in _pages(source, table):
            await tx.executemany(insert, [tuple(r) for r in rows])
            done += len(rows)
            progress.show(f"copying {table.name}: {done:,} of {totals[table.name]:,} rows")
            top = max(top, *(int(r[table.columns.index("id")]) for r in rows)) if ids else 0
        if not ids:
            return {}
        last = max(top, await _high_water(source, table.name))
        await _continue_ids(tx, target, table.name, last)
        return {table.name: last}

    return await target.write(work)


async def copy(source_url: str, target_url: str, out: TextIO, err: TextIO) -> int:
    """`studybot db copy --from A --to B`: 0 when every table verified equal, 1 when one did not."""
    _check_urls(source_url, target_url)
    started = time.monotonic()
    progress = Progress(err)
    source = await _open("--from", source_url)
    try:
        target = await _open("--to", target_url)
        try:
            tables = await _tables(source.engine, target.engine, err)
            try:
                last_ids = await _copy_all(source.engine, target.engine, tables, progress)
            except TargetNotEmpty:
                raise
            except StoreError as exc:
                progress.clear()
                raise StoreError(
                    f"the copy into {target.path} failed: {exc}. No row was written to it (the copy is one "
                    "transaction): fix the cause and run the copy again"
                ) from None
            return await _verify(source.engine, target.engine, tables, last_ids, out, progress, started)
        finally:
            await target.close()
    finally:
        await source.close()


async def _verify(
    source: Engine,
    target: Engine,
    tables: list[Table],
    last_ids: dict[str, int],
    out: TextIO,
    progress: Progress,
    started: float,
) -> int:
    progress.clear()  # the copy's counter line, before stdout writes on the same terminal
    print(f"copied {source.path} ({source.name}) -> {target.path} ({target.name})", file=out)
    bad = []
    rows = 0
    for table in tables:
        mine = await checksum(source, table, progress)
        theirs = await checksum(target, table, progress)
        progress.clear()
        next_id = f", next id {last_ids[table.name] + 1}" if table.name in last_ids else ""
        if mine == theirs:
            print(f"  {table.name}: {_rows(mine[0])}, checksum ok ({mine[1][:12]}){next_id}", file=out)
        else:
            bad.append(table.name)
            print(
                f"  {table.name}: MISMATCH: source {_rows(mine[0])} ({mine[1][:12]}), "
                f"target {_rows(theirs[0])} ({theirs[1][:12]})",
                file=out,
            )
        rows += mine[0]
    if bad:
        print(
            f"studybot: the copy differs from the source in {', '.join(bad)}. Was a bot writing to the source? "
            f"Stop every studybot on it, drop the target {target.path} and run the copy again",
            file=progress.err,
        )
        return 1
    print(f"ok: {len(tables)} tables, {_rows(rows)}, verified in {time.monotonic() - started:.1f} s", file=out)
    return 0


# --- db check ----------------------------------------------------------------------------------------


def _latest(engine: str) -> int:
    if engine == "sqlite":
        from bot.store.sqlite.store import load_migrations
    else:
        from bot.store.postgres import load_migrations
    return len(load_migrations())


async def _report(url: str) -> dict[str, object]:
    store = await open_store(url)
    try:
        report = await store.health()
        if isinstance(store, SqlStore):
            sql = "SELECT state, COUNT(*) FROM outbox WHERE state IN ('claimed', 'sending') GROUP BY state"
            report["outbox_not_done"] = {str(r[0]): int(r[1]) for r in await store.engine.read(sql)}
            rows = await store.engine.read("SELECT COUNT(*) FROM reports WHERE status = 'open'")
            report["open_reports"] = int(rows[0][0])
    finally:
        await store.close()
    report["latest_schema_version"] = _latest(str(report["engine"]))
    return {"ok": report["integrity"] == "ok", **report}


async def check(url: str, out: TextIO, *, as_json: bool) -> int:
    """`studybot db check`: 0 when the database's integrity is ok, 1 when it is not."""
    if url == ":memory:" or (not is_postgres(url) and not Path(url).is_file()):
        raise StoreError(f"no database at {url}: name one with --db (a SQLite file or postgresql://...)")
    if not is_postgres(url):
        from bot.store.sqlite.engine import check_file

        try:
            check_file(url)  # open_store refuses a damaged file: report it here instead
        except StoreError as exc:
            report: dict[str, object] = {"ok": False, "engine": "sqlite", "database": url, "integrity": str(exc)}
            print(json.dumps(report, ensure_ascii=False) if as_json else f"integrity  FAILED: {exc}", file=out)
            return 1
    report = await _report(url)
    if as_json:
        print(json.dumps(report, ensure_ascii=False), file=out)
    else:
        counts, not_done = report["rows"], report.get("outbox_not_done", {})
        assert isinstance(counts, dict) and isinstance(not_done, dict)
        pending = ", ".join(f"{n} {state}" for state, n in sorted(not_done.items())) or "none"
        lines = [
            f"database   {report['database']} ({report['engine']})",
            f"integrity  {report['integrity']}",
            f"schema     {report['schema_version']} (this studybot's latest: {report['latest_schema_version']})",
            f"outbox     records not done: {pending}",
            f"reports    open: {report.get('open_reports', '?')}",
            "rows       " + ", ".join(f"{table} {n}" for table, n in counts.items()),
        ]
        print("\n".join(lines), file=out)
    return 0 if report["ok"] else 1
