"""At most N scheduled jobs at a time, the waiting ones let in in a shuffled order.

When every channel's post falls due the same minute, every process fires the same jobs in the same
order (APScheduler orders jobs due together by id). Run in that order, the processes would race for
the same channel at the same moment: one claims it, the others wait for its commit and find it
taken, channel after channel. Each process lets its waiting jobs in in its own random order instead,
so they mostly claim different channels, and a channel another process reached first is seen as
done before any work is spent on it.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import random
from types import TracebackType


class ShuffledGate:
    def __init__(self, size: int, rng: random.Random | None = None) -> None:
        self._free = size
        self._rng = rng or random.Random()
        self._waiting: list[tuple[float, int, asyncio.Future[None]]] = []
        self._tie = itertools.count()

    async def __aenter__(self) -> None:
        if self._free > 0 and not self._waiting:
            self._free -= 1
            return
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiting, (self._rng.random(), next(self._tie), turn))
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self._release()  # let in, then cancelled before running: pass the turn on
            raise

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._release()

    def _release(self) -> None:
        while self._waiting:
            _, _, turn = heapq.heappop(self._waiting)
            if not turn.done():
                turn.set_result(None)
                return
        self._free += 1
