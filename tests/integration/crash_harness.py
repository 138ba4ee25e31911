"""A real `studybot run discord|slack` subprocess against the fake servers of this test process, to kill.

`Studybot` starts the console script's code (`python -m bot run ...`) with the fake's URLs and tokens in
its environment and a config that points at a database file the test owns; `kill()` is SIGKILL,
`stop()` is SIGTERM. `LockedDatabase` holds SQLite's write lock from the test so that a bot which has
just heard the platform's answer cannot record it: a kill then lands between the two.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
from pathlib import Path
from typing import Any

from tests.conftest import FIXTURE_CONTENT

ROOT = Path(__file__).resolve().parents[2]


def write_config(folder: Path, **tables: dict[str, object]) -> Path:
    lines = [f'[content]\npath = "{FIXTURE_CONTENT}"', f'[database]\npath = "{folder / "bot.db"}"']
    lines.append("[posts]\nrefresh_seconds = 0.2")
    for table, values in tables.items():
        lines.append(f"[{table}]")
        lines += [f"{key} = {value!r}".replace("'", '"') for key, value in values.items()]
    path = folder / "local.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


class Studybot:
    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.args = args
        self.env = env
        self.log = log
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> Studybot:
        handle = self.log.open("ab")
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            *self.args,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT), **self.env},
            stdout=handle,
            stderr=handle,
        )
        handle.close()
        return self

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)

    async def wait(self, timeout: float = 20.0) -> int:
        assert self.process is not None
        return await asyncio.wait_for(self.process.wait(), timeout)

    async def stop(self) -> int:
        if self.process is None or self.process.returncode is not None:
            return self.process.returncode if self.process else 0
        self.terminate()
        return await self.wait()

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


class LockedDatabase:
    """SQLite's write lock, held by the test: the bot's next write waits (busy_timeout) until released."""

    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(path, timeout=10, isolation_level=None)
        self.conn.execute("BEGIN IMMEDIATE")

    def release(self) -> None:
        self.conn.execute("ROLLBACK")
        self.conn.close()


async def kill_at(step: str, bot: Studybot, fake: Any, hold: asyncio.Event, db: Path) -> None:
    """SIGKILL while a send is held at `step`: "before" the platform made it (the fake then drops it), or
    once the platform "answered" (the bot heard it and waits for the database, which the test locks).
    `hold` lets the held request go on; `fake.drop_held` says whether the fake makes it."""
    lock = None
    if step == "answered":
        lock = LockedDatabase(db)
        hold.set()
        await asyncio.sleep(0.8)  # the bot heard the platform's answer and waits for the database
    bot.kill()
    await bot.wait()
    fake.drop_held = step == "before"
    hold.set()
    if lock is not None:
        lock.release()


async def all_sent_after_restart(db: Path) -> None:
    """Once a process restarted after a kill: its reconciler ends every outbox record, and every send but
    a weekly board (whose window may pass) ends sent."""
    await until(lambda: all(state in ("sent", "missed", "failed") for state, _ in records(db).values()), 40)
    assert {state for key, (state, _) in records(db).items() if not key.startswith("board")} == {"sent"}


def records(path: Path) -> dict[str, tuple[str, str | None]]:
    """key -> (state, message id) of every outbox record, read as an operator would."""
    with sqlite3.connect(path) as conn:
        return {
            key: (state, message) for key, state, message in conn.execute("SELECT key, state, message_id FROM outbox")
        }


def stored_answers(path: Path) -> dict[str, int]:
    """user id -> post id of every daily answer in the database file."""
    with sqlite3.connect(path) as conn:
        return {user: post for post, user in conn.execute("SELECT post_id, user_id FROM answers")}


async def until(predicate, timeout: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise TimeoutError("the condition never came true")
        await asyncio.sleep(0.05)
