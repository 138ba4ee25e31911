"""Writes of many rows: `Tx.queue` with `distinct` (on PostgreSQL one statement over arrays) stores exactly
what a statement per row stores; queued statements run in order while the job goes on, and a job whose
queued statement fails is undone alone."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bot.core.ports import StoreError
from bot.store.postgres.engine import over_arrays

UPSERT = (
    "INSERT INTO counters (name, value) VALUES (?, ? * 10 + (SELECT COUNT(*) FROM counters WHERE name = ?)) "
    "ON CONFLICT (name) DO UPDATE SET value = counters.value + excluded.value"
)


async def counters(store: Any) -> dict[str, int]:
    rows = await store.engine.read("SELECT name, value FROM counters WHERE name LIKE 'test-%' ORDER BY name")
    return {r[0]: int(r[1]) for r in rows}


async def insert(store: Any, sql: str, rows: list[tuple[Any, ...]], *, one_by_one: bool = False) -> None:
    async def work(tx: Any) -> None:
        if one_by_one:
            for row in rows:
                await tx.execute(sql, row)
        else:
            await tx.queue(sql, rows, distinct=True)

    await store.engine.write(work)


async def test_many_rows_upsert_as_one_statement_per_row_would(store):
    rows = [(f"test-{n:03d}", n, f"test-{n:03d}") for n in range(250)]
    await insert(store, UPSERT, rows)
    first = await counters(store)
    assert first == {f"test-{n:03d}": n * 10 for n in range(250)}
    await insert(store, UPSERT, rows[:100])  # existing rows: updated, and the subquery now finds each
    assert await counters(store) == {
        name: value + (value + 1 if int(name[5:]) < 100 else 0) for name, value in first.items()
    }


async def test_one_row_and_no_rows_are_fine_and_nulls_travel(store):
    await insert(store, UPSERT, [])
    await insert(store, UPSERT, [("test-one", 4, "test-one")])
    await insert(
        store,
        "INSERT INTO users (platform, user_id, name) VALUES (?, ?, ?)",
        [("slack", "U1", "a"), ("slack", "U2", "b")],
    )
    assert await counters(store) == {"test-one": 40}
    rows = await store.engine.read("SELECT user_id, name FROM users WHERE platform = 'slack' ORDER BY user_id")
    assert [tuple(r) for r in rows] == [("U1", "a"), ("U2", "b")]


async def test_the_batch_and_the_row_by_row_writes_agree(store):
    # Each row's subquery reads rows written before the call, none of the call's own (the rule of a distinct queue).
    await insert(store, UPSERT, [(f"test-base-{n}", n, "nobody") for n in range(5)])
    rows = [(f"test-{n:02d}", n % 7, f"test-base-{n % 6}") for n in range(40)]
    await insert(store, UPSERT, rows, one_by_one=True)
    expected = await counters(store)
    await store.engine.write(
        lambda tx: tx.execute("DELETE FROM counters WHERE name LIKE 'test-0%' OR name LIKE 'test-1%'")
    )
    await store.engine.write(
        lambda tx: tx.execute("DELETE FROM counters WHERE name LIKE 'test-2%' OR name LIKE 'test-3%'")
    )
    await insert(store, UPSERT, rows)
    assert await counters(store) == expected
    assert (expected["test-04"], expected["test-05"], expected["test-10"]) == (40 + 1, 50 + 0, 30 + 1)


def test_statements_of_another_shape_run_row_by_row():
    types = ["int4", "int4"]
    assert over_arrays("UPDATE counters SET value = ? WHERE name = ?", types) is None
    assert over_arrays("INSERT INTO t (a) VALUES (?) ON CONFLICT (a) DO UPDATE SET a = ?", types) is None
    rewritten = over_arrays("INSERT INTO t (a, b) VALUES (?, (? + 1)) ON CONFLICT (a) DO NOTHING", types)
    assert rewritten == (
        "INSERT INTO t (a, b) SELECT v.c1, (v.c2 + 1) FROM unnest($1::int4[], $2::int4[]) AS v(c1, c2) "
        "ON CONFLICT (a) DO NOTHING"
    )


async def test_queued_statements_run_in_order_and_a_read_in_the_job_sees_them(store):
    async def work(tx: Any) -> list[int]:
        await tx.queue(
            "INSERT INTO counters (name, value) VALUES (?, ?)", [("test-a", 1), ("test-b", 2)], distinct=True
        )
        await tx.queue("UPDATE counters SET value = value * 10 WHERE name = ?", [("test-a",), ("test-b",)])
        await tx.queue("UPDATE counters SET value = value + 1 WHERE name = ?", [("test-a",)])
        rows = await tx.fetch("SELECT value FROM counters WHERE name LIKE 'test-%' ORDER BY name")
        return [int(r[0]) for r in rows]

    assert await store.engine.write(work) == [11, 20]
    assert await counters(store) == {"test-a": 11, "test-b": 20}


async def test_a_job_whose_queued_statement_fails_is_undone_alone(store):
    await insert(store, UPSERT, [("test-taken", 1, "nobody")])

    async def failing(tx: Any) -> None:
        await tx.queue("INSERT INTO counters (name, value) VALUES (?, ?)", [("test-lost", 1)], distinct=True)
        await tx.queue("INSERT INTO counters (name, value) VALUES (?, ?)", [("test-taken", 2)], distinct=True)
        await tx.queue("INSERT INTO counters (name, value) VALUES (?, ?)", [("test-after", 3)], distinct=True)

    async def fine(tx: Any) -> None:
        await tx.queue("INSERT INTO counters (name, value) VALUES (?, ?)", [("test-kept", 4)], distinct=True)

    outcomes = await asyncio.gather(store.engine.write(failing), store.engine.write(fine), return_exceptions=True)
    assert isinstance(outcomes[0], StoreError) and outcomes[1] is None
    assert await counters(store) == {"test-taken": 10, "test-kept": 4}
    with pytest.raises(StoreError):  # and the next write still works, with nothing left queued
        await store.engine.write(failing)
    await insert(store, UPSERT, [("test-next", 5, "nobody")])
    assert await counters(store) == {"test-taken": 10, "test-kept": 4, "test-next": 50}
