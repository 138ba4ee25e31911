"""The ChatPlatform of the terminal channel: it prints what the bot posts, edits and says privately.

Every message with buttons gets a number, shown beside its buttons (`(#3)`), so `/answer #3 2` can
press a button of any message still on screen.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

from bot.core.models import Button, ChannelRef, MessageRef, Reply
from bot.platforms.console.render import render_text


@dataclass(frozen=True, slots=True)
class Shown:
    """A message with buttons, as the member saw it."""

    number: int
    buttons: tuple[Button, ...]


class ConsolePlatform:
    def __init__(self, say: Callable[[str], None], label: Callable[..., str]) -> None:
        """`say` prints a line; `label(key, **values)` gives the console's own words from the catalog."""
        self.say = say
        self.label = label
        self._numbers = itertools.count(1)
        self.shown: dict[int, Shown] = {}  # message number -> its buttons
        self.latest: Shown | None = None  # the newest message with buttons
        self.listener: Callable[[Shown], None] | None = None  # told of every message with buttons
        self._keys: dict[str, str] = {}

    def _show(self, reply: Reply, number: int, prefix: str = "") -> None:
        has_buttons = bool(reply.buttons)
        self.say(prefix + render_text(reply, number if has_buttons else None))
        if has_buttons:
            shown = Shown(number, reply.buttons)
            self.shown[number] = shown
            self.latest = shown
            if self.listener is not None:
                self.listener(shown)
        else:
            self.shown.pop(number, None)
            if self.latest is not None and self.latest.number == number:
                self.latest = None

    def _thread(self, reply: Reply, number: int) -> None:
        for follow_up in reply.thread:
            self._show(follow_up, next(self._numbers), prefix=f"  ↳ [{self.label('console.thread', id=number)}] ")

    async def post(self, channel: ChannelRef, reply: Reply, *, key: str | None = None) -> MessageRef:
        number = next(self._numbers)
        self.say(f"\n[#{number} {self.label('console.posted')}]")
        self._show(reply, number)
        self._thread(reply, number)
        if key is not None:
            self._keys[key] = str(number)
        return MessageRef(channel, str(number))

    async def post_in_thread(self, parent: MessageRef, reply: Reply, *, key: str) -> MessageRef:
        number = next(self._numbers)
        self._show(reply, number, prefix=f"  ↳ [{self.label('console.thread', id=parent.message_id)}] ")
        self._keys[key] = str(number)
        return MessageRef(parent.channel, str(number))

    async def edit(self, message: MessageRef, reply: Reply) -> None:
        number = int(message.message_id) if message.message_id.isdigit() else next(self._numbers)
        if reply.kind == "question":  # only the answered-count changed: the member sees their own answers
            return
        self.say(f"\n[#{number} {self.label('console.edited')}]")
        self._show(reply, number)
        self._thread(reply, number)

    async def find(
        self, channel: ChannelRef, key: str, reply: Reply, *, parent: MessageRef | None = None
    ) -> str | None:
        """What this terminal showed for `key`; a message shown before a restart is gone with its screen."""
        return self._keys.get(key)

    async def can_post(self, channel: ChannelRef) -> str | None:
        return None

    async def send_private(self, channel: ChannelRef, user_id: str, reply: Reply) -> None:
        self._show(reply, next(self._numbers), prefix=f"({self.label('console.only_you')}) ")
