"""`studybot db copy` and `studybot db check`, through the CLI entry: a simulated team's history copied
SQLite -> PostgreSQL -> SQLite and compared row by row; a non-empty target refused untouched; a failed copy
leaving nothing behind; ids continuing past the copied ones; check's report and exit codes; progress only
on a terminal.

The PostgreSQL parts need a server (STUDYBOT_TEST_POSTGRES, as in tests/contract): each test gets new
databases and drops them after. Without one they skip, unless STUDYBOT_REQUIRE_POSTGRES=1.
"""

from __future__ import annotations

import asyncio
import io
import json
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from bot import dbtools
from bot.cli import main
from bot.core.models import Periods
from bot.core.ports import NewAnswer
from bot.store import open_store
from bot.store.base import SqlStore
from bot.store.sqlite import SqliteStore
from tests.conftest import FIXTURE_CONTENT
from tests.contract.conftest import postgres_base, with_database

NOW = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)
MakeDb = Callable[[], str]


async def _admin(base: str, sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(base)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture
def postgres() -> Iterator[MakeDb]:
    """Makes new, empty PostgreSQL databases (as URLs); drops them after the test."""
    base = postgres_base()
    if base is None:
        pytest.skip("no PostgreSQL server: set STUDYBOT_TEST_POSTGRES (scripts/with-postgres)")
    made: list[str] = []

    def make() -> str:
        name = f"sb_{uuid.uuid4().hex[:12]}"
        asyncio.run(_admin(base, f'CREATE DATABASE "{name}" TEMPLATE template0'))
        made.append(name)
        return with_database(base, name)

    yield make
    for name in made:
        asyncio.run(_admin(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def target(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty target of the engine the test is parametrized with."""
    if request.param == "sqlite":
        return str(tmp_path / "target.db")
    make: MakeDb = request.getfixturevalue("postgres")
    return make()


ENGINES = pytest.mark.parametrize("target", ["sqlite", "postgres"], indirect=True)


async def _add_study_history(path: str) -> None:
    """What the simulation does not make: practice, a finished exam and its answers, reports (one with text
    that tests the rendering: quotes, newline, Korean, emoji) and NULLs."""
    store = await SqliteStore.open(path)
    try:
        channel = (await store.active_channels())[0]
        assert channel.id is not None
        periods = Periods(date(2026, 12, 7), date(2026, 12, 1))
        for n, correct in enumerate((True, False, True)):
            answer = NewAnswer("simulate", f"sim{n}", "ebs-001", frozenset({n}), correct, NOW, periods)
            await store.record_practice(channel.id, answer, None)
        exam = await store.create_exam("simulate", "sim2", channel.id, "saa", ["ebs-001", "efs-001"], NOW)
        assert exam is not None
        await store.record_exam_answer(exam.id, 0, "ebs-001", frozenset({0, 2}), True, NOW)
        await store.record_exam_answer(exam.id, 1, "efs-001", frozenset({1}), False, NOW)
        await store.end_exam(exam.id, "finished", NOW)
        await store.create_exam("simulate", "sim3", channel.id, "clf", ["s3-001"], NOW)  # open: finished_at NULL
        note = "a \"quoted\" note, 'single' too — 설명이 헷갈려요 ✅\nsecond line; \\ backslash"
        first = (await store.add_report("simulate", channel.id, "sim3", "efs-001", "unclear", note, NOW)).report
        await store.add_report("simulate", channel.id, "sim4", "ebs-001", "typo", "", NOW)
        assert first is not None
        await store.close_report(first.id, NOW)
    finally:
        await store.close()


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A team's history: `studybot simulate --days 14 --members 8` into a file, plus study history."""
    folder = tmp_path_factory.mktemp("simulated")
    config = folder / "sim.toml"
    config.write_text(f'[content]\npath = "{FIXTURE_CONTENT.as_posix()}"\n', encoding="utf-8")
    path = folder / "history.db"
    args = ["simulate", "--config", str(config), "--db", str(path), "--days", "14", "--members", "8"]
    assert main([*args, "--start", "2026-11-23", "--seed", "4"]) == 0
    asyncio.run(_add_study_history(str(path)))
    return path


@pytest.fixture
def history(simulated: Path, tmp_path: Path) -> Path:
    """A fresh copy of the simulated history for one test to change as it likes."""
    path = tmp_path / "history.db"
    with sqlite3.connect(simulated) as source, sqlite3.connect(path) as copy:
        source.backup(copy)
    return path


def sqlite_dump(path: str | Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table in the file (sqlite_sequence included), with the schema version."""
    with sqlite3.connect(path) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        dump = {t: sorted(conn.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in tables}
        dump["user_version"] = [conn.execute("PRAGMA user_version").fetchone()]
    return dump


async def _snapshot(url: str) -> dict[str, list[str]]:
    """Every copied table's rows on any engine, each as JSON of column -> value (order-free)."""
    store = await open_store(url)
    assert isinstance(store, SqlStore)
    try:
        found = {}
        for table in dbtools.COPIED:
            rows = await store.engine.read(f"SELECT * FROM {table}")
            # iterating a sqlite3.Row gives its values: pair them with its keys
            found[table] = sorted(json.dumps(dict(zip(r.keys(), r, strict=True)), sort_keys=True) for r in rows)
        return found
    finally:
        await store.close()


def snapshot(url: str | Path) -> dict[str, list[str]]:
    return asyncio.run(_snapshot(str(url)))


def copy(capsys: pytest.CaptureFixture[str], source: str | Path, target: str | Path) -> tuple[int, str, str]:
    code = main(["db", "copy", "--from", str(source), "--to", str(target)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def add_report(url: str, user: str = "sim1") -> int:
    """A new report's id (each member has one open report per question: a repeat would update it)."""

    async def add() -> int:
        store = await open_store(url)
        try:
            channel = (await store.active_channels())[0]
            assert channel.id is not None
            report = (await store.add_report("simulate", channel.id, user, "s3-001", "wrong", "", NOW)).report
            assert report is not None
            return report.id
        finally:
            await store.close()

    return asyncio.run(add())


def test_the_simulated_history_fills_every_table(history):
    dump = sqlite_dump(history)
    assert all(dump[t] for t in dbtools.COPIED), [t for t in dbtools.COPIED if not dump[t]]


def test_a_round_trip_through_postgresql_gives_back_every_row(capsys, monkeypatch, history, tmp_path, postgres):
    monkeypatch.setattr(dbtools, "BATCH", 7)  # every table spans several pages: keyset paging on every key
    pg = postgres()
    code, out, err = copy(capsys, history, pg)
    assert code == 0, err
    assert err == ""  # no progress when stderr is not a terminal, and no table left out
    for table in dbtools.COPIED:
        assert f"  {table}: " in out and "checksum ok" in out.split(f"  {table}: ")[1].splitlines()[0]
    assert snapshot(pg) == snapshot(history)

    other = postgres()  # PostgreSQL to PostgreSQL
    code, _, err = copy(capsys, pg, other)
    assert code == 0 and err == ""
    assert snapshot(other) == snapshot(pg)

    back = tmp_path / "back.db"
    code, out, err = copy(capsys, other, back)
    assert code == 0, err
    assert err == ""
    assert out.rstrip().splitlines()[-1].startswith(f"ok: {len(dbtools.COPIED)} tables, ")
    assert sqlite_dump(back) == sqlite_dump(history)  # every table, sqlite_sequence and the schema version
    with sqlite3.connect(history) as conn:  # the weeks' rise went there and back too
        assert conn.execute("SELECT COUNT(*) FROM board_totals WHERE rise IS NOT NULL").fetchone()[0] > 0


def test_ids_continue_past_the_copied_ones_and_the_sources_high_water_mark(capsys, history, tmp_path, postgres):
    with sqlite3.connect(history) as conn:  # ids 3..40 were handed out once (a rolled-back claim, say)
        top = conn.execute("SELECT MAX(id) FROM reports").fetchone()[0]
        conn.execute("UPDATE sqlite_sequence SET seq = 40 WHERE name = 'reports'")
    assert top < 40
    pg = postgres()
    assert copy(capsys, history, pg)[0] == 0
    assert add_report(pg) == 41

    async def next_post_id() -> int:
        store = await open_store(pg)
        assert isinstance(store, SqlStore)
        try:
            rows = await store.engine.read("SELECT nextval(pg_get_serial_sequence('posts', 'id'))")
            return int(rows[0][0])
        finally:
            await store.close()

    with sqlite3.connect(history) as conn:
        posts = conn.execute("SELECT MAX(id) FROM posts").fetchone()[0]
    assert asyncio.run(next_post_id()) == posts + 1

    back = tmp_path / "back.db"
    assert copy(capsys, pg, back)[0] == 0
    with sqlite3.connect(back) as conn:
        sequence = dict(conn.execute("SELECT name, seq FROM sqlite_sequence").fetchall())
    assert sequence["reports"] == 41 and sequence["posts"] == posts + 1  # the PG sequence went past posts once
    assert add_report(str(back), "sim2") == 42


def test_sqlite_to_sqlite_keeps_every_row_and_the_autoincrement_counters(capsys, history, tmp_path):
    with sqlite3.connect(history) as conn:
        conn.execute("UPDATE sqlite_sequence SET seq = seq + 5 WHERE name = 'outbox'")
    target = tmp_path / "copy.db"
    code, out, err = copy(capsys, history, target)
    assert code == 0 and err == ""
    assert sqlite_dump(target) == sqlite_dump(history)
    assert "next id" in out and "outbox: " in out


@ENGINES
def test_a_target_holding_rows_is_refused_and_left_as_it_was(capsys, history, target):
    assert copy(capsys, history, target)[0] == 0
    add_report(target)
    before = snapshot(target)
    code, out, err = copy(capsys, history, target)
    assert code == 2 and out == ""
    assert "already holds 1 row in channels" in err
    assert "copy into an empty database, or drop it first" in err
    assert snapshot(target) == before


@ENGINES
def test_a_copy_that_fails_midway_writes_nothing_and_can_simply_be_rerun(capsys, monkeypatch, history, target):
    real = dbtools._continue_ids

    async def broken(tx: Any, engine: Any, table: str, last: int) -> None:
        if table == "reports":  # every other table is already copied by now
            raise RuntimeError("the disk is full")
        await real(tx, engine, table, last)

    monkeypatch.setattr(dbtools, "_continue_ids", broken)
    code, out, err = copy(capsys, history, target)
    assert code == 2 and out == ""
    assert "copying reports failed: the disk is full" in err
    assert "No row was written" in err and "run the copy again" in err
    assert all(not rows for table, rows in snapshot(target).items() if table != "counters")

    monkeypatch.setattr(dbtools, "_continue_ids", real)
    code, _, err = copy(capsys, history, target)
    assert code == 0, err
    assert snapshot(target) == snapshot(history)


def test_a_table_that_differs_after_the_copy_is_named_and_exits_1(capsys, monkeypatch, history, tmp_path):
    target = tmp_path / "copy.db"
    real = dbtools.checksum

    async def skewed(engine: Any, table: dbtools.Table, progress: Any = None) -> tuple[int, str]:
        rows, digest = await real(engine, table, progress)
        return (rows - 1, digest) if table.name == "answers" and engine.path == str(target) else (rows, digest)

    monkeypatch.setattr(dbtools, "checksum", skewed)
    code, out, err = copy(capsys, history, target)
    assert code == 1
    assert "  answers: MISMATCH: source" in out and "  posts: " in out
    assert "differs from the source in answers" in err and "drop the target" in err


def test_bad_pairs_are_refused_before_anything_is_opened(capsys, history, tmp_path):
    missing = tmp_path / "missing.db"
    code, _, err = copy(capsys, missing, tmp_path / "t.db")
    assert code == 2 and "no such database file" in err
    assert not missing.exists() and not (tmp_path / "t.db").exists()
    code, _, err = copy(capsys, history, history)
    assert code == 2 and "the same database" in err
    code, _, err = copy(capsys, history, ":memory:")
    assert code == 2 and ":memory:" in err


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_a_line_rewritten_on_a_terminal_and_silent_in_a_pipe(history, tmp_path, monkeypatch):
    monkeypatch.setattr(dbtools, "BATCH", 10)
    monkeypatch.setattr(dbtools.Progress, "EVERY", 0.0)  # every batch, not at most ten times a second
    terminal, out = Terminal(), io.StringIO()
    assert asyncio.run(dbtools.copy(str(history), str(tmp_path / "a.db"), out, terminal)) == 0
    shown = terminal.getvalue()
    assert "\rcopying answers: 10 of " in shown and "\rchecking answers: " in shown
    assert "\n" not in shown and shown.endswith("\r")  # the counter line is wiped, never scrolled
    assert "\r" not in out.getvalue()

    piped = io.StringIO()
    assert asyncio.run(dbtools.copy(str(history), str(tmp_path / "b.db"), io.StringIO(), piped)) == 0
    assert piped.getvalue() == ""


def check(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["db", "check", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_check_reports_integrity_schema_rows_pending_outbox_and_open_reports(capsys, history):
    with sqlite3.connect(history) as conn:
        conn.execute("UPDATE outbox SET state = 'sending' WHERE id = (SELECT MAX(id) FROM outbox)")
        rows = {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in dbtools.TABLES}
    code, out, _ = check(capsys, "--db", str(history))
    assert code == 0
    assert "integrity  ok" in out and "schema     10 (this studybot's latest: 10)" in out
    assert "outbox     records not done: 1 sending" in out and "reports    open: 1" in out
    assert f"answers {rows['answers']}" in out

    code, out, _ = check(capsys, "--db", str(history), "--json")
    report = json.loads(out)
    assert code == 0 and report["ok"] is True and report["engine"] == "sqlite"
    assert report["schema_version"] == report["latest_schema_version"] == 10
    assert report["rows"] == rows
    assert report["outbox_not_done"] == {"sending": 1} and report["open_reports"] == 1


def test_check_on_postgresql(capsys, history, postgres):
    pg = postgres()
    assert copy(capsys, history, pg)[0] == 0
    code, out, _ = check(capsys, "--db", pg, "--json")
    report = json.loads(out)
    assert code == 0 and report["ok"] is True and report["engine"] == "postgresql"
    assert report["schema_version"] == report["latest_schema_version"] == 7
    assert report["rows"]["answers"] == sqlite_dump(history)["answers"].__len__()
    assert report["open_reports"] == 1 and report["outbox_not_done"] == {}


def test_check_exits_1_on_a_damaged_file_and_2_when_there_is_none(capsys, tmp_path):
    path = tmp_path / "damaged.db"

    async def fill() -> None:
        store = await SqliteStore.open(path)
        for n in range(300):
            await store.remember_member("t", f"U{n}", "someone with a long name " * 4)
        await store.close()

    asyncio.run(fill())
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
    with path.open("r+b") as handle:  # scribble over a page of the users table
        handle.seek(page_size * (pages - 2) + 100)
        handle.write(b"\xa5" * (page_size - 200))
    code, out, _ = check(capsys, "--db", str(path))
    assert code == 1 and "integrity  FAILED" in out and "is damaged" in out
    code, out, _ = check(capsys, "--db", str(path), "--json")
    assert code == 1 and json.loads(out)["ok"] is False

    missing = tmp_path / "missing.db"
    code, out, err = check(capsys, "--db", str(missing))
    assert code == 2 and "no database at" in err and not missing.exists()
