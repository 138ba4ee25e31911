"""What a platform's run entry is given: the running bot, built for its ChatPlatform by `app.py`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from bot.core.ports import ChatPlatform
from bot.core.router import Router


class Service(Protocol):
    """The core as a platform's run entry drives it: start after sign-in, close at the end."""

    @property
    def router(self) -> Router: ...

    async def start(self) -> None:
        """Start the schedule (catch-up may post at once): call once the platform can post."""
        ...

    async def drain(self, timeout: float) -> None:
        """Stop scheduling; let the sends under way finish (at most `timeout` s); flush the answered-counts.
        Call while the platform can still send."""
        ...

    async def close(self) -> None:
        """Drain (if not done yet) and close the store."""
        ...


Build = Callable[[ChatPlatform], Awaitable[Service]]
