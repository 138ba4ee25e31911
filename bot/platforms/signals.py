"""Stopping a running bot cleanly: SIGINT or SIGTERM sets an event the serving loop waits on."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys


def stop_on_signals() -> asyncio.Event:
    """An event set by SIGINT or SIGTERM, so the bot can finish what it acknowledged."""
    stop = asyncio.Event()
    if sys.platform == "win32":  # no loop signal handlers there: Ctrl-C ends the process as usual
        return stop
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(RuntimeError):  # not in the main thread
            loop.add_signal_handler(sig, stop.set)
    return stop
