"""`studybot console` killed with SIGKILL in the middle of the daily post, then started again.

The moment: the console has printed the question, but the database has not recorded that it did (the
test holds SQLite's write lock, so the bot's "sent" waits for it) when the kill lands. After the restart
the database holds exactly one post, its send is settled, and `/answer` on it is recorded once.

A terminal has no history to search: the restarted console cannot see what the killed one printed, so
it prints the same question again (the same post, the same question, the same buttons). That is the
console's whole "exactly once": one post in the database, one answer per member; the screen may show
the question twice. (On Discord and Slack the restart finds the message instead: test_crash_*.py.)

How the kill finds its moment: `[schedule] sends_per_second` (burst 1) spaces the bot's sends, so a daily
post right after the weekly board is leased, then waits its turn before it prints. The test takes the
write lock during that wait; the post prints, and its "sent" blocks on the lock.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sqlite3
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.core.i18n import Catalog
from tests.integration.crash_harness import ROOT, LockedDatabase, records, until, write_config

CATALOG = Catalog.load()
BUTTONS = re.compile(r"^\[1\] .*\(#(\d+)\)$", re.MULTILINE)  # a message with buttons, as the console prints it
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Console:
    """`python -m bot console` with its stdin and stdout piped to the test."""

    def __init__(self, config: Path, db: Path, log: Path) -> None:
        self.args = ["console", "--config", str(config), "--db", str(db), "--lang", "en", "--user", "minji"]
        self.log = log
        self.shown = ""
        self.process: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None

    async def start(self) -> Console:
        with self.log.open("ab") as errors:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                *self.args,
                cwd=ROOT,
                env={**os.environ, "PYTHONPATH": str(ROOT)},
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=errors,
            )
        self._reader = asyncio.create_task(self._read())
        return self

    async def _read(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        while chunk := await self.process.stdout.read(4096):
            self.shown += chunk.decode("utf-8", errors="replace")

    async def type(self, *lines: str) -> None:
        assert self.process is not None and self.process.stdin is not None
        self.process.stdin.write("".join(f"{line}\n" for line in lines).encode())
        await self.process.stdin.drain()

    async def wait_for(self, text: str | re.Pattern[str], after: int = 0, timeout: float = 20.0) -> None:
        def seen() -> bool:
            rest = self.shown[after:]
            return bool(text.search(rest)) if isinstance(text, re.Pattern) else text in rest

        await until(seen, timeout)

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)

    async def wait(self, timeout: float = 20.0) -> int:
        assert self.process is not None and self._reader is not None
        code = await asyncio.wait_for(self.process.wait(), timeout)
        await self._reader
        return code


def counts(db: Path) -> tuple[int, int]:
    """(daily posts, answers) in the database file."""
    with sqlite3.connect(db) as conn:
        [(posts,)] = conn.execute("SELECT count(*) FROM posts")
        [(answers,)] = conn.execute("SELECT count(*) FROM answers")
    return posts, answers


def question_of(shown: str) -> str:
    """The text of the (last) daily question on screen, from its title to its buttons."""
    found = re.findall(r"== 📝 .*?^\[1\] .*?$", shown, re.MULTILINE | re.DOTALL)
    assert found, shown[-2000:]
    return re.sub(r"\(#\d+\)$", "", found[-1])  # the message number differs between the two screens


async def test_a_kill_after_the_console_printed_the_post_but_before_it_was_recorded(tmp_path: Path):
    db = tmp_path / "bot.db"
    config = write_config(tmp_path, schedule={"sends_per_second": 0.5, "send_burst": 1})  # sends 2 s apart
    log = tmp_path / "console.log"
    now = datetime.now(UTC)
    assert now.hour < 23 or now.minute < 55, "too close to midnight UTC for this test"
    due = max(now - timedelta(minutes=1), now.replace(hour=0, minute=0))  # today, a minute ago

    # 1. An admin sets the console channel up: the post and the board fall due a minute ago.
    setup = await Console(config, db, log).start()
    await setup.type(
        "/studybot setup",
        "/studybot timezone UTC",
        "/studybot days mon-sun",
        "/studybot close 23:59",
        f"/studybot time {due:%H:%M}",
        f"/studybot board {DAYS[due.weekday()]} {due:%H:%M}",
        "/quit",
    )
    assert await setup.wait() == 0, log.read_text()
    assert counts(db) == (0, 0)

    # 2. The next start catches up: the board at once, then the post, which waits its turn (2 s).
    first = await Console(config, db, log).start()
    await until(lambda: records(db).get("post:1", ("", None))[0] == "sending", 20)  # leased, waiting to print
    lock = LockedDatabase(db)  # from now on the bot can print, but not record
    try:
        await first.wait_for(BUTTONS)  # the question is on the screen...
        await asyncio.sleep(0.5)  # ...and the bot waits for the database to record it
        first.kill()
        assert await first.wait() == -signal.SIGKILL
    finally:
        lock.release()
    printed = question_of(first.shown)
    assert records(db)["post:1"][0] == "sending"  # shown, but never recorded as sent
    assert counts(db) == (1, 0)

    # 3. The restart settles the post: one post in the database, printed again on this new screen.
    second = await Console(config, db, log).start()
    await second.wait_for(BUTTONS)
    await until(lambda: records(db)["post:1"][0] == "sent", 20)
    assert question_of(second.shown) == printed  # the same question, not a second one
    assert counts(db) == (1, 0)

    # 4. /answer works on it, and counts once.
    mark = len(second.shown)
    await second.type("/answer 1")
    results = (CATALOG.t("en", "quiz.correct_points", points=0).split("+")[0], CATALOG.t("en", "quiz.wrong_daily"))
    await second.wait_for(re.compile("|".join(re.escape(r) for r in results)), after=mark)
    mark = len(second.shown)
    post = BUTTONS.search(second.shown)  # the daily post's message number (its answer reply has buttons too)
    assert post is not None
    await second.type(f"/answer #{post[1]} 2")
    await second.wait_for(CATALOG.t("en", "quiz.already", picked="").split("(")[0], after=mark)
    await second.type("/quit")
    assert await second.wait() == 0, log.read_text()
    assert counts(db) == (1, 1)
    assert {state for key, (state, _) in records(db).items() if key.startswith("post:")} == {"sent"}
    assert "Traceback" not in log.read_text()
