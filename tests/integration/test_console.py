"""The console as a terminal user meets it: the session's commands, and a real terminal (a pty).

The session tests drive `ConsoleSession` on a real core; the pty tests start `studybot console` in a
pseudo-terminal and type at it as a person would: arrow keys, history, Ctrl-C.
"""

from __future__ import annotations

import asyncio
import io
import os
import random
import re
import select
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from bot.app import build_core, run_console
from bot.core.models import Member
from bot.platforms.console.platform import ConsolePlatform
from bot.platforms.console.session import CONSOLE_CHANNEL, ConsoleSession
from bot.platforms.console.terminal import PROMPT, Terminal
from tests.conftest import FIXTURE_CONTENT

ROOT = Path(__file__).resolve().parents[2]


class Screen:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def say(self, text: str) -> None:
        self.lines.extend(text.splitlines())

    def text(self) -> str:
        return "\n".join(self.lines)

    def since(self, mark: int) -> str:
        return "\n".join(self.lines[mark:])


@pytest.fixture
async def console(fixture_settings, library, clock):
    screen = Screen()
    platform = ConsolePlatform(screen.say, lambda key, **values: library.catalog.t("en", key, **values))
    core = await build_core(fixture_settings, platform, library=library, clock=clock, rng=random.Random(7))
    session = ConsoleSession(core.router, platform, Member("me", "me", is_admin=True), "en")
    yield session, screen, core
    await core.close()


async def test_help_works_and_shows_no_raw_markdown(console):
    session, screen, _ = console
    assert await session.line("/help")
    shown = screen.text()
    assert "/aws <query>" in shown and "/studybot post-now" in shown
    assert "`" not in shown and "**" not in shown


async def test_answer_presses_the_message_the_member_is_working_on(console):
    session, screen, core = console
    await session.line("/studybot setup")
    await session.line("/quiz")  # a practice question: the member is working on it
    practice = session.working
    assert practice is not None
    settings = await core.store.get_channel(CONSOLE_CHANNEL)
    await core.daily.post_daily(settings)  # the daily post arrives on its own meanwhile
    daily = session.platform.latest
    assert daily is not None and daily.number != practice.number  # the newest message with buttons
    practice_only = "do not count toward the team board"
    mark = len(screen.lines)
    await session.line("/answer 1")
    assert practice_only in screen.since(mark)  # the practice question was answered, not the daily post
    await session.line("/leaderboard")
    assert "me —" not in screen.since(mark)
    mark = len(screen.lines)
    await session.line(f"/answer #{daily.number} 1")  # the daily post, by its number
    assert "Answer:" in screen.since(mark) and practice_only not in screen.since(mark)
    await session.line("/leaderboard")
    assert "me —" in screen.since(mark) and "/1 correct)" in screen.since(mark)


@pytest.mark.parametrize("typed", ["/answer ²", "/answer " + "9" * 5000, "/answer #² 1", "/answer 1 2 3", "/answer"])
async def test_a_bad_answer_line_gets_the_usage_not_a_crash(console, typed):
    session, screen, _ = console
    await session.line("/quiz")
    mark = len(screen.lines)
    assert await session.line(typed)
    said = screen.since(mark)
    assert "/answer" in said and "went wrong" not in said


async def test_a_button_number_past_the_last_names_the_buttons_there_are(console):
    session, screen, _ = console
    await session.line("/quiz")
    quiz = session.working
    assert quiz is not None and len(quiz.buttons) > 1
    mark = len(screen.lines)
    await session.line(f"/answer {len(quiz.buttons) + 1}")
    assert f"its buttons are 1 to {len(quiz.buttons)}" in screen.since(mark)
    await session.line("/studybot post-now")
    await session.line("/answer 1")  # the daily result carries one button: report the question
    result = session.platform.latest
    assert result is not None and len(result.buttons) == 1
    mark = len(screen.lines)
    await session.line(f"/answer #{result.number} 2")
    said = screen.since(mark)
    assert f"Message #{result.number} has no button 2: its only button is 1." in said
    assert "1 to 1" not in said


async def test_a_new_console_channel_speaks_the_consoles_language(fixture_settings, library, clock):
    from dataclasses import replace

    english = replace(fixture_settings, channel_defaults=replace(fixture_settings.channel_defaults, language="en"))
    screen = Screen()
    platform = ConsolePlatform(screen.say, lambda key, **values: library.catalog.t("en", key, **values))
    core = await build_core(english, platform, library=library, clock=clock, rng=random.Random(7))
    try:
        session = ConsoleSession(core.router, platform, Member("me", "me", is_admin=True), "en")
        await session.line("/studybot post-now")
        assert "Today's AWS question" in screen.text() or "AWS question" in screen.text()
        assert "오늘의" not in screen.text()
    finally:
        await core.close()


# --- the terminal -------------------------------------------------------------------------------


class TypedLine:
    def get_line_buffer(self) -> str:
        return "/aws ef"


def test_a_line_that_arrives_while_typing_is_printed_above_the_prompt_which_is_redrawn():
    out = io.StringIO()
    terminal = Terminal(io.StringIO(), out)
    terminal.interactive, terminal._reading, terminal._readline = True, True, TypedLine()
    terminal.say("[#3 posted in the channel]")
    assert out.getvalue() == f"\r\x1b[2K[#3 posted in the channel]\n{PROMPT}/aws ef"


def test_piped_lines_are_echoed_after_the_prompt():
    out = io.StringIO()
    terminal = Terminal(io.StringIO(), out)
    terminal.echo("/aws efs")
    assert out.getvalue() == "> /aws efs\n"


class ReaderLeaves(io.StringIO):
    """Output whose reader goes away (`studybot console | head`) as `marker` is printed."""

    def __init__(self, marker: str) -> None:
        super().__init__()
        self.marker, self.gone = marker, False

    def write(self, text: str) -> int:
        if self.gone or self.marker in text:
            self.gone = True
            raise BrokenPipeError(32, "Broken pipe")
        return super().write(text)


async def test_when_nobody_reads_the_output_any_more_the_session_ends_at_once(fixture_settings, tmp_path, caplog):
    """The reader leaves while the bot prints its post: the console stops there (exit 0, the lines after
    it not run) instead of retrying the post for minutes on a pipe nobody reads."""
    out = ReaderLeaves("[#1 ")
    typed = io.StringIO("/studybot post-now\n/answer 1\n/studybot close-now\n/quit\n")
    settings = replace(fixture_settings, db_path=str(tmp_path / "bot.db"))
    code = await asyncio.wait_for(run_console(settings, "me", "en", typed, out), 60)
    assert code == 0
    assert "studybot console" in out.getvalue() and out.gone
    assert not [r.getMessage() for r in caplog.records if "retrying" in r.getMessage()]
    with sqlite3.connect(tmp_path / "bot.db") as db:
        assert db.execute("SELECT COUNT(*) FROM posts").fetchone() == (1,)
        assert db.execute("SELECT COUNT(*) FROM answers").fetchone() == (0,)  # `/answer 1` never ran


# --- a real terminal ------------------------------------------------------------------------------

pty = pytest.importorskip("pty")


def _controlling_terminal() -> None:
    import fcntl
    import termios

    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class Pty:
    """`studybot console` in a pseudo-terminal: `type` sends keys, `read_until` waits for output."""

    def __init__(self, tmp_path: Path) -> None:
        config = tmp_path / "local.toml"
        config.write_text(f'[content]\npath = "{FIXTURE_CONTENT}"\n', encoding="utf-8")
        self.master, slave = pty.openpty()
        env = {**os.environ, "PYTHONPATH": str(ROOT), "TERM": "xterm", "INPUTRC": "/dev/null"}
        args = [sys.executable, "-m", "bot", "console", "--config", str(config), "--db", str(tmp_path / "bot.db")]
        self.process = subprocess.Popen(
            [*args, "--lang", "en"],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            cwd=ROOT,
            env=env,
            preexec_fn=_controlling_terminal,  # so Ctrl-C is a SIGINT, as in a real terminal
        )
        os.close(slave)
        self.output = b""

    def type(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def read_until(self, pattern: str, timeout: float = 20) -> str:
        deadline = time.monotonic() + timeout
        while not re.search(pattern, self.output.decode(errors="replace")):
            left = deadline - time.monotonic()
            assert left > 0, f"{pattern!r} never came; the screen:\n{self.output.decode(errors='replace')}"
            ready, _, _ = select.select([self.master], [], [], left)
            if ready:
                try:
                    self.output += os.read(self.master, 65536)
                except OSError:  # the other side closed
                    break
        return self.output.decode(errors="replace")

    def close(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        os.close(self.master)


@pytest.fixture
def terminal(tmp_path: Path):
    opened = Pty(tmp_path)
    yield opened
    opened.close()


def test_in_a_terminal_history_works_arrows_edit_and_ctrl_c_quits_at_once(terminal: Pty):
    terminal.read_until(re.escape(PROMPT))
    terminal.type("/aws efs\r")
    terminal.read_until("Amazon EFS")
    terminal.type("/aws ef\x1b[D\x1b[Dx\x1b[C\x1b[C\x7fs\r")  # left, left, "x", right, right, backspace, "s"
    terminal.read_until("Nothing matches 'xes'")  # the line as edited, not the keys' escape codes
    terminal.type("\x1b[A\x1b[A\r")  # up twice: "/aws efs" again from the history
    screen = terminal.read_until(r"(?s)Amazon EFS.*Amazon EFS")
    assert "^[[A" not in screen and "^[[D" not in screen
    terminal.type("\x03")  # Ctrl-C, with nothing typed and no Enter
    assert terminal.process.wait(timeout=10) == 0
    assert "Traceback" not in terminal.read_until("")
