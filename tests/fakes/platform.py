"""A ChatPlatform that records what the core sent, like errbot's test backend."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from bot.core.models import ChannelRef, MessageRef, Reply


@dataclass
class Sent:
    kind: str  # "post" | "edit" | "private"
    channel: ChannelRef
    reply: Reply
    message_id: str | None = None
    user_id: str | None = None


class RecordingPlatform:
    def __init__(self) -> None:
        self.sent: list[Sent] = []
        self.messages: dict[str, Reply] = {}
        self._ids = itertools.count(1)
        self.fail_next_posts = 0  # make the next N posts raise, as a platform outage would

    async def post(self, channel: ChannelRef, reply: Reply) -> MessageRef:
        if self.fail_next_posts:
            self.fail_next_posts -= 1
            raise ConnectionError("platform unavailable")
        message_id = f"m{next(self._ids)}"
        self.messages[message_id] = reply
        self.sent.append(Sent("post", channel, reply, message_id))
        return MessageRef(channel, message_id)

    async def edit(self, message: MessageRef, reply: Reply) -> None:
        self.messages[message.message_id] = reply
        self.sent.append(Sent("edit", message.channel, reply, message.message_id))

    async def send_private(self, channel: ChannelRef, user_id: str, reply: Reply) -> None:
        self.sent.append(Sent("private", channel, reply, user_id=user_id))

    def posts(self, kind: str | None = None) -> list[Sent]:
        return [s for s in self.sent if s.kind == "post" and (kind is None or s.reply.kind == kind)]

    def edits(self, kind: str | None = None) -> list[Sent]:
        return [s for s in self.sent if s.kind == "edit" and (kind is None or s.reply.kind == kind)]
