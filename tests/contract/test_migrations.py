"""The contract, part 5: the schema: an empty database is migrated, an existing one opens as it is, a
newer one is refused clearly."""

from __future__ import annotations

import sqlite3

import pytest

from bot.core.ports import StoreError
from bot.store import is_postgres, open_store
from tests.contract.helpers import NOW, channel


def latest(database: str) -> int:
    if is_postgres(database):
        from bot.store.postgres import load_migrations as pg_migrations

        return len(pg_migrations())
    from bot.store.sqlite.store import load_migrations

    return len(load_migrations())


async def set_version(database: str, version: int) -> None:
    if is_postgres(database):
        import asyncpg

        conn = await asyncpg.connect(database)
        try:
            await conn.execute("UPDATE studybot_schema SET version = $1", version)
        finally:
            await conn.close()
    else:
        with sqlite3.connect(database) as conn:
            conn.execute(f"PRAGMA user_version={version}")


async def test_an_empty_database_is_migrated_once_and_an_existing_one_opens_as_it_is(database, opener):
    first = await opener()
    try:
        assert await first.schema_version() == latest(database)
        await channel(first)
    finally:
        await first.close()
    again = await opener()
    try:
        assert await again.schema_version() == latest(database)
        assert len(await again.active_channels()) == 1
    finally:
        await again.close()


async def test_a_database_of_a_newer_studybot_is_refused_clearly(database, opener):
    store = await opener()
    await store.close()
    newer = latest(database) + 1
    await set_version(database, newer)
    with pytest.raises(StoreError, match=f"schema version {newer}, newer than this studybot"):
        await open_store(database)


async def test_processes_starting_together_migrate_once(database, opener):
    import asyncio

    opened = await asyncio.gather(*(opener() for _ in range(4)), return_exceptions=True)
    stores = [s for s in opened if not isinstance(s, BaseException)]
    try:
        assert stores == opened, [s for s in opened if isinstance(s, BaseException)]
        assert {await s.schema_version() for s in stores} == {latest(database)}
    finally:
        for store in stores:
            await store.close()


async def raw(database: str, *statements: str) -> None:
    if is_postgres(database):
        import asyncpg

        conn = await asyncpg.connect(database)
        try:
            for statement in statements:
                await conn.execute(statement)
        finally:
            await conn.close()
    else:
        with sqlite3.connect(database) as conn:
            for statement in statements:
                conn.execute(statement)


async def test_reports_made_twice_before_the_one_open_report_rule_keep_the_newest_open(database, opener):
    store = await opener()
    c = await channel(store)
    await store.close()
    insert = (
        "INSERT INTO reports (platform, channel_key, user_id, question_id, reason, note, created_at) "
        f"VALUES ('test', {c.id}, 'U1', 'q1', '{{}}', '', 1)"
    )
    await raw(
        database,
        "DROP INDEX reports_open_once",
        insert.format("wrong"),
        insert.format("typo"),
        insert.format("unclear").replace("'U1'", "'U2'"),
    )
    await set_version(database, latest(database) - 1)
    again = await opener()
    try:
        assert await again.schema_version() == latest(database)
        assert sorted((r.user_id, r.reason) for r in await again.reports()) == [("U1", "typo"), ("U2", "unclear")]
        assert [r.reason for r in await again.reports("closed")] == ["wrong"]
        assert (await again.add_report("test", c.id, "U1", "q1", "outdated", "", NOW)).updated
    finally:
        await again.close()
