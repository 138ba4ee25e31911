"""A ChatPlatform that records what the core sent, like errbot's test backend.

It keeps what it shows, like a real channel: `find` sees a message a keyed post made (in the channel or
under a parent), and `lose_next_confirmations` makes a post arrive but its confirmation fail, as a
timeout or a crash right after the platform created the message would.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from bot.core.models import ChannelRef, MessageRef, Reply
from bot.core.ports import PlatformRefused


@dataclass
class Sent:
    kind: str  # "post" | "edit" | "private" | "thread"
    channel: ChannelRef
    reply: Reply
    message_id: str | None = None
    user_id: str | None = None
    key: str | None = None
    parent: str | None = None


class RecordingPlatform:
    def __init__(self) -> None:
        self.sent: list[Sent] = []
        self.messages: dict[str, Reply] = {}
        self._ids = itertools.count(1)
        self.fail_next_posts = 0  # make the next N posts raise, as a platform outage would
        self.lose_next_confirmations = 0  # the next N posts arrive, but the caller hears a timeout
        self.refuse: str | None = None  # every send refused for good with this reason ("no_permission")
        self.cannot_post: str | None = None  # what can_post answers

    def _send(self, kind: str, channel: ChannelRef, reply: Reply, key: str | None, parent: str | None) -> str:
        if self.refuse:
            raise PlatformRefused(self.refuse)
        if self.fail_next_posts:
            self.fail_next_posts -= 1
            raise ConnectionError("platform unavailable")
        message_id = f"m{next(self._ids)}"
        self.messages[message_id] = reply
        self.sent.append(Sent(kind, channel, reply, message_id, key=key, parent=parent))
        if self.lose_next_confirmations:
            self.lose_next_confirmations -= 1
            raise TimeoutError("the platform took the message but its answer was lost")
        return message_id

    async def post(self, channel: ChannelRef, reply: Reply, *, key: str | None = None) -> MessageRef:
        return MessageRef(channel, self._send("post", channel, reply, key, None))

    async def post_in_thread(self, parent: MessageRef, reply: Reply, *, key: str) -> MessageRef:
        return MessageRef(parent.channel, self._send("thread", parent.channel, reply, key, parent.message_id))

    async def edit(self, message: MessageRef, reply: Reply) -> None:
        if self.refuse:
            raise PlatformRefused(self.refuse)
        self.messages[message.message_id] = reply
        self.sent.append(Sent("edit", message.channel, reply, message.message_id))

    async def find(
        self, channel: ChannelRef, key: str, reply: Reply, *, parent: MessageRef | None = None
    ) -> str | None:
        for sent in self.sent:
            if sent.key == key and sent.channel == channel:
                return sent.message_id
        return None

    async def send_private(self, channel: ChannelRef, user_id: str, reply: Reply) -> None:
        self.sent.append(Sent("private", channel, reply, user_id=user_id))

    async def can_post(self, channel: ChannelRef) -> str | None:
        return self.cannot_post

    def posts(self, kind: str | None = None) -> list[Sent]:
        return [s for s in self.sent if s.kind == "post" and (kind is None or s.reply.kind == kind)]

    def threads(self, kind: str | None = None) -> list[Sent]:
        return [s for s in self.sent if s.kind == "thread" and (kind is None or s.reply.kind == kind)]

    def edits(self, kind: str | None = None) -> list[Sent]:
        return [s for s in self.sent if s.kind == "edit" and (kind is None or s.reply.kind == kind)]
