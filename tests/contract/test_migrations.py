"""The contract, part 5: the schema: an empty database is migrated, an existing one opens as it is, a
newer one is refused clearly."""

from __future__ import annotations

import sqlite3

import pytest

from bot.core.ports import StoreError
from bot.store import is_postgres, open_store
from tests.contract.helpers import BEFORE, NOW, THIS, answer_days, channel, week


def latest(database: str) -> int:
    if is_postgres(database):
        from bot.store.postgres import load_migrations as pg_migrations

        return len(pg_migrations())
    from bot.store.sqlite.store import load_migrations

    return len(load_migrations())


def version_before(database: str, migration: str) -> int:
    """The schema version a database had just before the migration whose file name ends in `migration`."""
    if is_postgres(database):
        from bot.store.postgres import load_migrations as pg_migrations

        found = pg_migrations()
    else:
        from bot.store.sqlite.store import load_migrations

        found = load_migrations()
    [version] = [v for v, name, _ in found if name.endswith(f"_{migration}.sql")]
    return version - 1


# What the week_rise migration adds, taken away again: a database of the schema before it.
UNDO_WEEK_RISE = ("DROP INDEX board_totals_rise", "ALTER TABLE board_totals DROP COLUMN rise")


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
        *UNDO_WEEK_RISE,
        "DROP INDEX reports_open_once",
        insert.format("wrong"),
        insert.format("typo"),
        insert.format("unclear").replace("'U1'", "'U2'"),
    )
    await set_version(database, version_before(database, "one_open_report"))
    again = await opener()
    try:
        assert await again.schema_version() == latest(database)
        assert sorted((r.user_id, r.reason) for r in await again.reports()) == [("U1", "typo"), ("U2", "unclear")]
        assert [r.reason for r in await again.reports("closed")] == ["wrong"]
        assert (await again.add_report("test", c.id, "U1", "q1", "outdated", "", NOW)).updated
    finally:
        await again.close()


async def rises(database: str) -> list[tuple[str, str, str, int | None]]:
    select = "SELECT period, period_start, user_id, rise FROM board_totals ORDER BY period, period_start, user_id"
    if is_postgres(database):
        import asyncpg

        conn = await asyncpg.connect(database)
        try:
            return [tuple(r) for r in await conn.fetch(select)]
        finally:
            await conn.close()
    with sqlite3.connect(database) as conn:
        return conn.execute(select).fetchall()


async def test_week_rows_made_before_the_rise_was_kept_get_their_rise(database, opener):
    store = await opener()
    try:
        c = await channel(store)
        await answer_days(store, c, "U1", {**week(BEFORE, 3), **week(THIS, 1)})  # 30 -> 10
        await answer_days(store, c, "U2", {**week(BEFORE, 1), **week(THIS, 3)})  # 10 -> 30
        await answer_days(store, c, "U3", week(THIS, 4))  # new this week
        await answer_days(store, c, "U4", {**week(BEFORE, 0, 1), **week(THIS, 2)})  # 0 -> 20
        kept = await rises(database)
    finally:
        await store.close()
    await raw(database, *UNDO_WEEK_RISE)
    old = version_before(database, "week_rise")
    assert old == (2 if is_postgres(database) else 7)
    await set_version(database, old)
    again = await opener()
    try:
        assert await again.schema_version() == latest(database)
        upgraded = await rises(database)
        assert upgraded == kept  # the same as the answers wrote
        weeks = {(start, user): rise for period, start, user, rise in upgraded if period == "week"}
        monday, before = THIS.isoformat(), BEFORE.isoformat()
        assert weeks == {
            (before, "U1"): None, (before, "U2"): None, (before, "U4"): None,
            (monday, "U1"): -20, (monday, "U2"): 20, (monday, "U3"): None, (monday, "U4"): 20,
        }  # fmt: skip
        assert {rise for period, _, _, rise in upgraded if period != "week"} == {None}
        found = await again.most_improved(c.id, THIS)
        assert found is not None and (found[0].user_id, found[1]) == ("U2", 20)
    finally:
        await again.close()
