"""The SQLite store on real files: reopening, schema versions."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime

import pytest

from bot.core.models import ChannelSettings
from bot.core.ports import StoreError
from bot.store.sqlite import SqliteStore, load_migrations

NOW = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)


async def test_a_file_database_reopened_keeps_everything(tmp_path):
    path = tmp_path / "data" / "bot.db"
    store = await SqliteStore.open(path)
    channel = await store.save_channel(
        ChannelSettings("test", "T", "C1", timezone="Europe/London", active=True)
    )
    post = await store.claim_post(channel.id, date(2026, 11, 23), "efs-001", NOW)
    await store.mark_posted(post.id, "m1", NOW)
    outcome = await store.record_answer(post, "U1", frozenset({1}), True, 10, (3, 2, 1), NOW)
    assert outcome.recorded and outcome.points == 13
    await store.close()

    reopened = await SqliteStore.open(path)
    try:
        again = await reopened.get_channel(channel.ref)
        assert again.timezone == "Europe/London" and again.active
        [row] = await reopened.answers_to(post.id)
        assert row[0] == "U1" and row[3] is True and row[4] == 13
        assert await reopened.claim_post(channel.id, date(2026, 11, 23), "efs-002", NOW) is None
    finally:
        await reopened.close()


async def test_a_database_from_a_newer_schema_refuses_to_open(tmp_path):
    path = tmp_path / "bot.db"
    store = await SqliteStore.open(path)
    await store.close()
    newer = len(load_migrations()) + 1
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version={newer}")
    with pytest.raises(StoreError, match=f"schema version {newer}, newer than this studybot"):
        await SqliteStore.open(path)


async def test_migrations_run_once_and_set_the_version(tmp_path):
    path = tmp_path / "bot.db"
    for _ in range(2):
        store = await SqliteStore.open(path)
        assert await store.schema_version() == len(load_migrations())
        await store.close()


async def test_release_lets_a_later_attempt_claim_the_day(tmp_path):
    store = await SqliteStore.open(":memory:")
    try:
        channel = await store.save_channel(ChannelSettings("test", "T", "C1"))
        post = await store.claim_post(channel.id, date(2026, 11, 23), "efs-001", NOW)
        await store.release_post(post.id)
        assert await store.claim_post(channel.id, date(2026, 11, 23), "efs-002", NOW) is not None
    finally:
        await store.close()
