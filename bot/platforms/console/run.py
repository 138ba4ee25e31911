"""`studybot console`: build the bot on the terminal's channel and read lines until /quit, EOF or Ctrl-C."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TextIO

from bot.core.models import Lang, Member
from bot.core.service import Build
from bot.platforms.console.platform import ConsolePlatform
from bot.platforms.console.session import ConsoleSession
from bot.platforms.console.terminal import Terminal, line_writer

log = logging.getLogger(__name__)


async def serve_console(
    stdin: TextIO, stdout: TextIO, *, user: str, lang: Lang, text: Callable[..., str], build: Build
) -> int:
    terminal = Terminal(stdin, stdout)
    platform = ConsolePlatform(terminal.say, text)
    restore_logging = _log_through(terminal)
    service = await build(platform)
    try:
        session = ConsoleSession(service.router, platform, Member(user, user, is_admin=True), lang)
        terminal.say(text("console.welcome", user=user))
        await service.start()
        lines = await terminal.lines(session.commands())
        while not terminal.closed and (line := await lines.get()) is not None:
            terminal.echo(line)
            if not await session.line(line):
                break
    finally:
        terminal.restore()
        try:
            await service.close()
        finally:
            restore_logging()
    return 0


def _log_through(terminal: Terminal) -> Callable[[], None]:
    """In a terminal, log lines are printed above the prompt instead of through it; returns the undo."""
    root = logging.getLogger()
    streams = [h for h in root.handlers if isinstance(h, logging.StreamHandler)]
    if not terminal.interactive or not streams:
        return lambda: None
    handler = logging.StreamHandler(line_writer(terminal))
    handler.setFormatter(streams[0].formatter)
    handler.setLevel(streams[0].level)
    for stream in streams:
        root.removeHandler(stream)
    root.addHandler(handler)

    def undo() -> None:
        root.removeHandler(handler)
        for stream in streams:
            root.addHandler(stream)

    return undo
