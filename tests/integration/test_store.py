"""The SQLite store on real files: reopening, schema versions."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime

import pytest

from bot.core.models import ChannelSettings
from bot.core.ports import StoreError
from bot.store.sqlite.store import SqliteStore, load_migrations

NOW = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)


async def test_a_file_database_reopened_keeps_everything(tmp_path):
    path = tmp_path / "data" / "bot.db"
    store = await SqliteStore.open(path)
    channel = await store.save_channel(ChannelSettings("test", "T", "C1", timezone="Europe/London", active=True))
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


async def test_a_populated_database_from_schema_4_upgrades_keeping_every_row(tmp_path):
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:
        for version, _, sql in load_migrations()[:4]:
            conn.executescript(sql)
            conn.execute(f"PRAGMA user_version={version}")
        conn.execute(
            "INSERT INTO channels (id, platform, team_id, channel_id, settings, active) VALUES (1,'t','T','C','{}',1)"
        )
        conn.execute("INSERT INTO posts VALUES (7, 1, '2026-11-20', 'efs-001', 0, 1, 'm7', NULL)")
        conn.execute("INSERT INTO answers VALUES (7, 'U1', 1, '1', 1, 13, 5)")
    store = await SqliteStore.open(path)
    try:
        assert await store.schema_version() == len(load_migrations())
        [row] = await store.answers_to(7)
        assert row[0] == "U1" and row[4] == 13
        post = await store.get_post(7)
        assert post.message_id == "m7" and post.question_id == "efs-001"
        (fk,) = await store._fetchone("PRAGMA foreign_keys")
        assert fk == 1
        claimed = await store.claim_post(1, date(2026, 11, 23), "efs-002", NOW)
        await store.release_post(claimed.id)
        again = await store.claim_post(1, date(2026, 11, 23), "efs-002", NOW)
        assert again.id > claimed.id > 7
    finally:
        await store.close()
