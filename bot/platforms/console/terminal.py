"""The terminal side of the console: reading lines, and printing around the member's prompt.

Interactive: lines are read with the standard library's `readline` (editing, history) in a daemon
thread, so Ctrl-C (SIGINT) ends the session at once instead of waiting for Enter; a line printed while
the member is typing (a scheduled post, a log line) clears the prompt, prints, and draws the prompt
and what was typed again. Piped: lines are read as they come and echoed after "> ".
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import threading
from collections.abc import Callable
from typing import Any, TextIO

PROMPT = "> "


class Terminal:
    def __init__(self, stdin: TextIO, stdout: TextIO) -> None:
        self.stdin = stdin
        self.out = stdout
        self.interactive = _isatty(stdin) and _isatty(stdout)
        self._reading = False  # the prompt is on screen, waiting for the member
        self._lock = threading.Lock()
        self._readline: Any = None
        self._saved_tty: Any = None
        self.closed = False  # what we print has no reader any more (`studybot console | head` ended)
        self._end_input: Callable[[], None] | None = None

    # --- output -------------------------------------------------------------------------------

    def say(self, text: str) -> None:
        """Print a line; if the prompt is showing, print above it and draw it again. Once the output has no
        reader, nothing: the session ends (a message the bot sent is not retried, nobody could see it)."""
        with self._lock:
            if self.closed:
                return
            try:
                if self._reading and self.interactive:
                    typed = self._readline.get_line_buffer() if self._readline else ""
                    self.out.write(f"\r\x1b[2K{text}\n{PROMPT}{typed}")
                else:
                    self.out.write(text + "\n")
                self.out.flush()
            except BrokenPipeError:
                self._output_gone()

    def _output_gone(self) -> None:
        self.closed = True
        # What is still buffered, and the interpreter's last flush at exit, go nowhere instead of failing.
        with contextlib.suppress(OSError, ValueError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self.out.fileno())
            os.close(devnull)
        if self._end_input is not None:
            self._end_input()

    def echo(self, line: str) -> None:
        """A piped line, shown as if it had been typed."""
        if not self.interactive:
            self.say(f"{PROMPT}{line}")

    # --- input --------------------------------------------------------------------------------

    async def lines(self, commands: list[str]) -> asyncio.Queue[str | None]:
        """A queue of typed lines; None at the end (EOF, Ctrl-D, Ctrl-C)."""
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[str | None] = asyncio.Queue()

        def end_input() -> None:
            with contextlib.suppress(RuntimeError):  # the loop is closed: the session has ended anyway
                loop.call_soon_threadsafe(queue.put_nowait, None)

        self._end_input = end_input
        if self.interactive:
            self._setup_readline(commands)
            with contextlib.suppress(NotImplementedError, RuntimeError):  # not on Windows / a thread
                loop.add_signal_handler(signal.SIGINT, queue.put_nowait, None)
        thread = threading.Thread(target=self._read, args=(loop, queue), name="console-input", daemon=True)
        thread.start()
        return queue

    def _read(self, loop: asyncio.AbstractEventLoop, queue: asyncio.Queue[str | None]) -> None:
        while True:
            try:
                line = self._read_line()
            except (EOFError, KeyboardInterrupt, OSError, ValueError):
                line = None
            loop.call_soon_threadsafe(queue.put_nowait, line)
            if line is None:
                return

    def _read_line(self) -> str | None:
        if not self.interactive:
            text = self.stdin.readline()
            return text.rstrip("\n") if text else None
        with self._lock:
            self._reading = True
        try:
            return input(PROMPT)
        finally:
            with self._lock:
                self._reading = False

    def _setup_readline(self, commands: list[str]) -> None:
        try:
            import readline
            import termios
        except ImportError:  # Windows: plain input() still works
            return
        self._readline = readline
        with contextlib.suppress(termios.error, OSError):
            self._saved_tty = termios.tcgetattr(self.stdin.fileno())

        def complete(text: str, state: int) -> str | None:
            found = [c for c in commands if c.startswith(text)]
            return found[state] if state < len(found) else None

        readline.set_completer(complete)
        readline.set_completer_delims(" ")
        readline.parse_and_bind("tab: complete")

    def restore(self) -> None:
        """Leave the terminal as it was found, even when input() was still waiting (Ctrl-C)."""
        if self._saved_tty is not None:
            import termios

            with contextlib.suppress(termios.error, OSError):
                termios.tcsetattr(self.stdin.fileno(), termios.TCSADRAIN, self._saved_tty)
        if self.interactive and not self.closed:
            with contextlib.suppress(BrokenPipeError):
                self.out.write("\n")
                self.out.flush()


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def line_writer(terminal: Terminal) -> _SayStream:
    """A text stream whose lines go through `terminal.say` (for the log handler)."""
    return _SayStream(terminal)


class _SayStream:
    def __init__(self, terminal: Terminal) -> None:
        self.terminal = terminal

    def write(self, text: str) -> int:
        if text.strip():
            self.terminal.say(text.rstrip("\n"))
        return len(text)

    def flush(self) -> None:
        pass
