"""Two real studybot processes (`studybot run slack --http`) on one database, a PostgreSQL database or a
SQLite file, behind one fake Slack, as two replicas behind a load balancer. The daily post and the weekly
board fall due while both start; whichever process claims the post sends it, and the fake Slack holds that
request; the test kills that process with SIGKILL. The other one takes the post over and finishes it:

- **a process that died on this machine**: its lease names this host and a PID that is gone, so the
  survivor's reconciler takes the record over at once, long before the lease (60 s) would run out;
- **a process on another machine**: the lease names a host this one cannot look into (the test rewrites
  the holder's host in the record, as if it had run elsewhere), so the survivor waits for the lease
  (`[schedule] lease_seconds`, 3 s here) to run out, then takes over.

Slack either made the message before the kill (the survivor must find it by its metadata and adopt it)
or not (the survivor posts it). Either way the channel ends with exactly one question, whose buttons
take answers through the survivor, one reveal, one explanation in its thread and one weekly board.
"""

from __future__ import annotations

import asyncio
import socket
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.store import is_postgres
from tests.fakes.slack import FakeSlack, Message
from tests.fakes.slack_driver import SlackDriver
from tests.integration.crash_harness import Studybot, write_config

SECRET = "takeover-signing-secret"
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DONE = ("sent", "missed", "failed")
Record = tuple[str, str | None, str | None, int | None]  # state, message id, lease owner, lease until (ms)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def query(url: str, sql: str) -> list[Any]:
    """Rows of `sql` (no parameters), read as an operator would, from either engine."""
    if is_postgres(url):
        import asyncpg

        conn = await asyncpg.connect(url)
        try:
            return list(await conn.fetch(sql))
        finally:
            await conn.close()
    with closing(sqlite3.connect(url, timeout=10)) as conn:
        return conn.execute(sql).fetchall()


async def outbox(url: str) -> dict[str, Record]:
    """key -> (state, message id, lease owner, lease until) of every outbox record."""
    rows = await query(url, "SELECT key, state, message_id, lease_owner, lease_until FROM outbox")
    return {r[0]: (r[1], r[2], r[3], r[4]) for r in rows}


async def move_lease(url: str, key: str, owner: str) -> None:
    """The record's holder as if it had run on another machine (its lease and expiry unchanged)."""
    if is_postgres(url):
        import asyncpg

        conn = await asyncpg.connect(url)
        try:
            await conn.execute("UPDATE outbox SET lease_owner = $1 WHERE key = $2", owner, key)
        finally:
            await conn.close()
    else:
        with closing(sqlite3.connect(url, timeout=10)) as conn, conn:
            conn.execute("UPDATE outbox SET lease_owner = ? WHERE key = ?", (owner, key))


async def eventually(check: Callable[[], bool | Awaitable[bool]], timeout: float = 30.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        done = check()
        if done if isinstance(done, bool) else await done:
            return
        if loop.time() > deadline:
            raise TimeoutError("the condition never came true")
        await asyncio.sleep(0.05)


class Replicas:
    """Studybot processes on one database behind one fake Slack; each has its own port, like replicas
    behind a load balancer, and the test picks which one a request goes to."""

    def __init__(self, fake: FakeSlack, folder: Path, url: str, lease_seconds: int) -> None:
        self.fake = fake
        self.folder = folder
        self.url = url
        schedule = {"reconcile_seconds": 1, "settings_refresh_seconds": 1, "lease_seconds": lease_seconds}
        self.config = write_config(folder, schedule=schedule)
        self.ports = [free_port(), free_port()]
        self.drivers = [SlackDriver(f"http://127.0.0.1:{p}/slack/events", SECRET, fake) for p in self.ports]
        self.running: list[Studybot] = []
        fake.add_user("U0", "Admin", is_admin=True)
        fake.add_user("U2", "Minseo")

    async def start(self, n: int) -> Studybot:
        env = {
            "SLACK_BOT_TOKEN": "xoxb-takeover",
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": self.fake.api_url,
            "STUDYBOT_DB": self.url,
        }
        args = ["run", "slack", "--http", str(self.ports[n]), "--config", str(self.config)]
        bot = await Studybot(args, env, self.folder / f"bot{n}.log").start()
        self.running.append(bot)
        async with aiohttp.ClientSession() as session:
            for _ in range(300):
                try:
                    async with session.get(f"http://127.0.0.1:{self.ports[n]}/healthz") as response:
                        if response.status == 200:
                            return bot
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.1)
        raise AssertionError(bot.output())

    async def admin(self, n: int, text: str) -> dict[str, Any]:
        before = len(self.fake.responses)
        sent = await self.drivers[n].command(f"/studybot {text}", "U0")
        assert sent.status == 200
        await eventually(lambda: len(self.fake.responses) > before)
        return self.fake.responses[-1].body

    def questions(self) -> list[Message]:
        return [m for m in self.fake.channel_messages("C1") if "answer:" in str(m.blocks) or m.edits]

    def boards(self) -> list[Message]:
        return [m for m in self.fake.channel_messages("C1") if "🏆" in m.text]

    def logs(self) -> str:
        return "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in sorted(self.folder.glob("bot*.log")))


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    slack = await FakeSlack().start()
    yield slack
    await slack.close()


def is_question(args: dict[str, Any]) -> bool:
    return not args.get("thread_ts") and "answer:" in str(args.get("blocks"))


ENGINES = pytest.mark.parametrize("database", ["sqlite-file", "postgres"], indirect=True)


@ENGINES
@pytest.mark.parametrize(
    ("holder", "made"),
    [("on this machine", True), ("on this machine", False), ("elsewhere", True), ("elsewhere", False)],
)
async def test_a_process_killed_mid_send_is_taken_over_by_the_other(
    fake: FakeSlack,
    tmp_path: Path,
    database: str,
    holder: str,
    made: bool,
):
    now = datetime.now(UTC)
    assert now.hour < 23 or now.minute < 55, "too close to midnight UTC for this test"
    lease = 60 if holder == "on this machine" else 3
    world = Replicas(fake, tmp_path, database, lease)
    try:
        # The channel, set up through one process, with its post and board a minute ago: they are due
        # (inside the grace window) for whichever process starts next.
        first = await world.start(0)
        earlier = datetime.now(UTC) - timedelta(minutes=1)
        for command in ("setup", "timezone UTC", "days mon-sun", "close 23:59", f"time {earlier:%H:%M}"):
            await world.admin(0, command)
        await world.admin(0, f"board {DAYS[earlier.weekday()]} {earlier:%H:%M}")
        assert await first.stop() == 0
        assert fake.channel_messages("C1") == []

        held = (fake.hold_after if made else fake.hold)("chat.postMessage", is_question)
        both = await asyncio.gather(world.start(0), world.start(1))  # both catch up at once
        await asyncio.wait_for(fake.arrived["chat.postMessage"].wait(), 30)
        [(key, (state, _, owner, lease_until))] = [(k, r) for k, r in (await outbox(database)).items() if "post" in k]
        assert state == "sending" and owner is not None
        [sender] = [bot for bot in both if bot.process and owner.split(":")[1] == str(bot.process.pid)]
        [survivor] = [bot for bot in both if bot is not sender]
        sender.kill()
        await sender.wait()
        killed_at = asyncio.get_running_loop().time()
        if holder == "elsewhere":
            await move_lease(database, key, "another-machine:" + owner.partition(":")[2])
        fake.drop_held = not made  # a request not yet done dies with its connection
        held.set()

        if holder == "elsewhere":  # the survivor leaves the record alone while the lease lasts
            assert lease_until is not None
            left = lease_until / 1000 - datetime.now(UTC).timestamp()
            await asyncio.sleep(max(0.0, left - 0.5))
            [(state, _, owner_now, _)] = [r for k, r in (await outbox(database)).items() if k == key]
            assert (state, owner_now) == ("sending", "another-machine:" + owner.partition(":")[2])

        async def settled() -> bool:
            return all(r[0] in DONE for r in (await outbox(database)).values())

        await eventually(settled, 30)
        took = asyncio.get_running_loop().time() - killed_at
        if holder == "on this machine":
            assert took < 20, took  # not the 60 s lease: the dead process's PID was looked at
            assert f"took over {key} from {owner}, which is no longer running" in world.logs()
        assert {r[0] for r in (await outbox(database)).values()} == {"sent"}

        # Exactly one question, and its buttons take answers through the survivor.
        n = 0 if survivor is both[0] else 1
        [post] = world.questions()
        before = len(fake.responses) + len(fake.ephemerals)
        assert (await world.drivers[n].click(post, "answer:0", "U2")).status == 200
        await eventually(lambda: len(fake.responses) + len(fake.ephemerals) > before)
        await world.admin(n, "close-now")

        async def revealed() -> bool:
            return post.edits >= 1 and len(fake.thread(post.ts)) == 1 and await settled()

        await eventually(revealed, 30)
        assert "answer:" not in str(post.blocks)  # revealed: the buttons are gone
        assert [tuple(r) for r in await query(database, "SELECT user_id FROM answers")] == [("U2",)]
        [_] = world.questions()
        assert len(fake.thread(post.ts)) == 1  # one explanation
        assert len(world.boards()) == 1
        assert {r[0] for r in (await outbox(database)).values()} == {"sent"}
    finally:
        for bot in world.running:
            await bot.stop()
        print(world.logs()[-4000:])
