"""Losing nothing when things go wrong: a killed process, a read-only or full disk."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

from bot.store.sqlite import SqliteStore
from tests.conftest import Channel, member

ROOT = Path(__file__).resolve().parents[2]


def test_kill_9_in_an_answer_burst_loses_no_confirmed_answer(tmp_path):
    path = tmp_path / "crash.db"
    proc = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("crash_writer.py")), str(path)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    confirmed = []
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("confirmed "):
            confirmed.append(line.split()[1])
        if len(confirmed) >= 400:
            break
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    confirmed += [line.split()[1] for line in proc.stdout if line.startswith("confirmed ")]
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = {row[0] for row in conn.execute("SELECT user_id FROM answers")}
    assert len(confirmed) >= 400
    assert set(confirmed) <= stored


async def _read_only_core_after_a_post(core, channel: Channel):
    await channel.say("/studybot post-now")
    settings = await core.store.get_channel(channel.ref)
    post = await core.store.latest_post(settings.id)
    await core.store.engine.connection.execute("PRAGMA query_only=ON")  # the disk turns read-only under the bot
    return post


async def test_a_read_only_disk_refuses_writes_clearly_and_lookups_keep_working(core, channel):
    post = await _read_only_core_after_a_post(core, channel)
    question = core.library.bank.questions[post.question_id]
    value = "+".join(str(i) for i in sorted(question.answer))
    reply = await channel.click("answer", f"{post.id}:{value}", member(1))
    assert reply.kind == "error" and "Cannot save right now" in reply.body
    card = await channel.say("/aws efs", member(2))
    assert card.kind == "card"
    await core.store.engine.connection.execute("PRAGMA query_only=OFF")
    assert await core.store.answers_to(post.id) == []
    again = await channel.click("answer", f"{post.id}:{value}", member(1))
    assert again.kind == "result"  # once the disk is back, the same click works: nothing half written


async def test_a_full_disk_refuses_writes_clearly_and_keeps_the_database_whole(tmp_path, fixture_settings, library):
    from dataclasses import replace

    from bot.app import build_core
    from tests.fakes.clock import FixedClock
    from tests.fakes.platform import RecordingPlatform

    path = tmp_path / "full.db"
    store = await SqliteStore.open(path)
    clock = FixedClock(__import__("datetime").datetime(2026, 11, 23, 1, 0, tzinfo=__import__("datetime").UTC))
    core = await build_core(
        replace(fixture_settings, db_path=str(path)), RecordingPlatform(), library=library, clock=clock, store=store,
        refresh_seconds=0.0,
    )  # fmt: skip
    channel = Channel(core)
    try:
        await channel.say("/studybot post-now")
        settings = await core.store.get_channel(channel.ref)
        post = await core.store.latest_post(settings.id)
        [(pages,)] = await core.store.engine.connection.execute_fetchall("PRAGMA page_count")
        await core.store.engine.connection.execute(f"PRAGMA max_page_count={pages}")  # no room for one more page
        question = core.library.bank.questions[post.question_id]
        value = "+".join(str(i) for i in sorted(question.answer))
        replies = [await channel.click("answer", f"{post.id}:{value}", member(n)) for n in range(1, 200)]
        refused = [r for r in replies if r.kind == "error"]
        assert refused and all("Cannot save right now" in r.body for r in refused)
        assert (await channel.say("/aws s3", member(300))).kind == "card"
        answered = len(await core.store.answers_to(post.id))
        assert answered == sum(1 for r in replies if r.kind == "result")
    finally:
        await core.close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
