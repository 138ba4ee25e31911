"""The SQLite file itself: older schemas upgraded with their history, a damaged file refused untouched, a
store that cannot wedge (close with a write queued, a rollback that fails), an unopenable path."""

from __future__ import annotations

import asyncio
import hashlib
import os
import sqlite3
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.core.models import ChannelSettings
from bot.core.ports import StoreError
from bot.store.sqlite.store import SqliteStore, load_migrations

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)


def old_database(path: Path, version: int) -> None:
    with sqlite3.connect(path) as conn:
        for number, _, sql in load_migrations()[:version]:
            conn.executescript(sql)
            conn.execute(f"PRAGMA user_version={number}")
        conn.execute(
            "INSERT INTO channels (id, platform, team_id, channel_id, settings, active) VALUES (1,'t','T','C','{}',1)"
        )
        conn.execute("INSERT INTO posts VALUES (7, 1, '2026-11-20', 'efs-001', 0, 1, 'm7', NULL)")  # a Friday
        conn.execute("INSERT INTO posts VALUES (8, 1, '2026-11-23', 'efs-002', 0, NULL, NULL, NULL)")  # unconfirmed
        conn.execute("INSERT INTO answers VALUES (7, 'U1', 1, '1', 1, 13, 5)")
        conn.execute("INSERT INTO answers VALUES (7, 'U2', 1, '0', 0, 0, 6)")
        conn.execute("INSERT INTO practice VALUES (1, 1, 'U1', 's3-001', '2', 0, 7)")


@pytest.mark.parametrize("version", [4, 5])
async def test_an_older_database_upgrades_with_its_history_counted(tmp_path, version):
    path = tmp_path / "old.db"
    old_database(path, version)
    store = await SqliteStore.open(path)
    try:
        assert await store.schema_version() == len(load_migrations())
        [first, second] = await store.answers_to(7)
        assert (first[0], first[4], second[0]) == ("U1", 13, "U2")
        assert (await store.get_post(7)).message_id == "m7"
        week = await store.board(1, "week", date(2026, 11, 16), 10)
        assert [(r.user_id, r.points, r.answered) for r in week] == [("U1", 13, 1), ("U2", 0, 1)]
        assert [r.user_id for r in await store.board(1, "month", date(2026, 11, 1), 10)] == ["U1", "U2"]
        tallies = {(t.question_id, t.source): t.answered for t in await store.member_tallies(1, "U1")}
        assert tallies == {("efs-001", "daily"): 1, ("s3-001", "practice"): 1}
        assert {t.question_id: t.posted for t in await store.channel_tallies(1)} == {"efs-001": 1, "efs-002": 1}
        # The post that was claimed but never confirmed is left for the reconciler to settle.
        [unsettled] = await store.outbox_open()
        assert (unsettled.key, unsettled.state) == ("post:8", "sending")
        claimed = await store.claim_post(1, date(2026, 11, 24), "s3-001", NOW, NOW + timedelta(hours=9))
        assert claimed.id > 8
    finally:
        await store.close()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


async def test_a_database_with_a_damaged_page_is_refused_and_left_untouched(tmp_path):
    path = tmp_path / "damaged.db"
    store = await SqliteStore.open(path)
    channel = await store.save_channel(ChannelSettings("t", "T", "C1", active=True))
    for n in range(300):
        await store.remember_member("t", f"U{n}", "someone with a long name " * 4)
    await store.close()
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
    assert pages > 4 and channel.id is not None
    with path.open("r+b") as handle:  # scribble over a page in the middle of the users table
        handle.seek(page_size * (pages - 2) + 100)
        handle.write(os.urandom(page_size - 200))
    before = digest(path)
    with pytest.raises(StoreError, match="is damaged") as refused:
        await SqliteStore.open(path)
    assert "Restore a backup" in str(refused.value)
    assert digest(path) == before
    assert not Path(f"{path}-wal").exists() or Path(f"{path}-wal").stat().st_size == 0


async def test_closing_with_a_write_queued_in_the_same_tick_returns_and_keeps_it(tmp_path):
    path = tmp_path / "close.db"
    store = await SqliteStore.open(path)
    saving = asyncio.ensure_future(store.save_channel(ChannelSettings("t", "T", "C1", active=True)))
    await asyncio.sleep(0)  # the write is queued, not yet committed
    await asyncio.wait_for(store.close(), 10)
    saved = await saving
    again = await SqliteStore.open(path)
    try:
        assert (await again.get_channel(saved.ref)).id == saved.id
    finally:
        await again.close()


async def test_a_rollback_that_fails_does_not_stop_later_writes(tmp_path, monkeypatch):
    store = await SqliteStore.open(tmp_path / "rollback.db")
    engine = store.engine
    writer = engine._writer  # the transaction's end as the writer calls it
    real_end = writer._end
    failed = []

    async def end(tx, commit):  # type: ignore[no-untyped-def]
        if not commit and not failed:
            failed.append(True)
            raise sqlite3.OperationalError("disk I/O error during rollback")
        await real_end(tx, commit)

    monkeypatch.setattr(writer, "_end", end)
    try:

        async def broken(tx):  # type: ignore[no-untyped-def]
            await tx.execute("INSERT INTO users (platform, user_id, name) VALUES ('t', 'U1', 'half written')")
            raise sqlite3.OperationalError("the disk went away")  # not a refusal: the whole batch rolls back

        with pytest.raises(StoreError):
            await engine.write(broken)
        assert failed  # its rollback failed, and the writer lives on
        saved = await store.save_channel(ChannelSettings("t", "T", "C1", active=True))
        assert (await store.get_channel(saved.ref)).id == saved.id
        assert await store.find_member("t", "U1") is None  # nothing of the failed batch was kept
    finally:
        await store.close()


def test_an_unopenable_database_path_is_one_clear_line_and_status_2(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = subprocess.run(
        [sys.executable, "-m", "bot", "console", "--db", str(blocker / "bot.db")],
        cwd=ROOT,
        input="/quit\n",
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=60,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "Event loop is closed" not in result.stderr
    [line] = [text for text in result.stderr.splitlines() if text.startswith("studybot:")]
    assert "cannot create the folder of database" in line


def rows_in_the_file_alone(path: Path) -> int:
    """The members the database file itself holds, without its WAL: what checkpoints have copied so far."""
    with sqlite3.connect(f"file:{path}?immutable=1", uri=True) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM users").fetchone()[0])


async def write_five_megabytes(store: SqliteStore) -> None:
    """2,500 members with 2 KB names in one commit: a WAL of well over SQLite's 1,000-page checkpoint mark."""
    rows = [("t", f"U{n:05d}", f"{n:05d}" + "x" * 2000) for n in range(2500)]

    async def insert(tx):  # type: ignore[no-untyped-def]
        await tx.executemany("INSERT INTO users (platform, user_id, name) VALUES (?, ?, ?)", rows)

    await store.engine.write(insert)


async def test_a_commit_never_waits_for_a_checkpoint_the_checkpointer_copies_the_wal_after(tmp_path, monkeypatch):
    """SQLite would copy the WAL into the file inside the commit that takes it past 1,000 pages (the slowest
    bursts of answers). Here no commit does: the checkpointer does it on its own connection, after."""
    import bot.store.sqlite.engine as sqlite_engine

    monkeypatch.setattr(sqlite_engine, "CHECKPOINT_SECONDS", 30.0, raising=False)  # not before this test looks
    path = tmp_path / "wal.db"
    await (await SqliteStore.open(path)).close()  # a new file: its schema is in the file itself
    store = await SqliteStore.open(path)
    try:
        await write_five_megabytes(store)
        assert Path(f"{path}-wal").stat().st_size > 1000 * 4096
        assert rows_in_the_file_alone(path) == 0  # the commit copied nothing
        assert len(await store.engine.read("SELECT user_id FROM users")) == 2500  # readers see it all
    finally:
        await store.close()
    assert rows_in_the_file_alone(path) == 2500  # the last connection to close copies what was left

    monkeypatch.setattr(sqlite_engine, "CHECKPOINT_SECONDS", 0.05, raising=False)
    store = await SqliteStore.open(path)
    try:
        await store.remember_member("t", "U-late", "late")
        for _ in range(100):
            if rows_in_the_file_alone(path) == 2501:
                break
            await asyncio.sleep(0.02)
        assert rows_in_the_file_alone(path) == 2501  # copied soon after the commit, the store still open
    finally:
        await store.close()
