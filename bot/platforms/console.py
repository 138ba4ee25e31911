"""A channel in the terminal: you are a member (and its admin); buttons are numbered.

Reads lines from a text stream, interactive or piped, and prints what the bot posts and replies.
`/answer N` presses button N of the latest message that has buttons.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from typing import TextIO

from bot.core.models import Button, ChannelRef, Invocation, Lang, Member, MessageRef, Press, Reply
from bot.core.router import Router

CONSOLE_CHANNEL = ChannelRef("console", "local", "console")


def render_text(reply: Reply) -> str:
    """A Reply as plain terminal text, buttons numbered from 1."""
    lines: list[str] = []
    if reply.title:
        lines.append(f"== {reply.title} ==")
    if reply.body:
        lines.append(reply.body.replace("**", ""))
    for field in reply.fields:
        lines.append(f"-- {field.name}")
        lines.append(field.value.replace("**", ""))
    if reply.buttons:
        lines.append("  ".join(f"[{i}] {b.label}" for i, b in enumerate(reply.buttons, start=1)))
    if reply.footer:
        lines.append(f"({reply.footer})")
    return "\n".join(lines)


class ConsolePlatform:
    """The ChatPlatform of the terminal channel; remembers the latest buttons it showed."""

    def __init__(self, out: TextIO, label: Callable[..., str]) -> None:
        """`label(key, **values)` gives the console's own words (posted, edited, only you) from the catalog."""
        self.out = out
        self.label = label
        self._ids = itertools.count(1)
        self.latest_buttons: tuple[Button, ...] = ()

    def say(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def show(self, reply: Reply, *, prefix: str = "") -> None:
        self.say(prefix + render_text(reply))
        if reply.buttons:
            self.latest_buttons = reply.buttons

    async def post(self, channel: ChannelRef, reply: Reply) -> MessageRef:
        message_id = str(next(self._ids))
        self.say(f"\n[#{message_id} {self.label('console.posted')}]")
        self.show(reply)
        for follow_up in reply.thread:
            self.show(follow_up, prefix=f"  ↳ [{self.label('console.thread', id=message_id)}] ")
        return MessageRef(channel, message_id)

    async def edit(self, message: MessageRef, reply: Reply) -> None:
        if reply.kind == "question":  # only the answered-count changed: one line is enough
            self.say(f"  ✎ [#{message.message_id}] {reply.footer or ''}")
            return
        self.say(f"\n[#{message.message_id} {self.label('console.edited')}]")
        self.show(reply)
        if not reply.buttons and self.latest_buttons and reply.kind == "reveal":
            self.latest_buttons = ()
        for follow_up in reply.thread:
            self.show(follow_up, prefix=f"  ↳ [{self.label('console.thread', id=message.message_id)}] ")

    async def send_private(self, channel: ChannelRef, user_id: str, reply: Reply) -> None:
        self.show(reply, prefix=f"({self.label('console.only_you')}) ")


class ConsoleSession:
    """Turns typed lines into router calls and prints the replies."""

    def __init__(self, router: Router, platform: ConsolePlatform, member: Member, lang: Lang) -> None:
        self.router = router
        self.platform = platform
        self.member = member
        self.lang = lang

    async def line(self, text: str) -> bool:
        """Handle one typed line; False when the member asked to quit."""
        text = text.strip()
        if not text:
            return True
        if text in ("/quit", "/exit"):
            return False
        if not text.startswith("/"):
            self.platform.say(self.router.t(self.lang, "console.not_a_command"))
            return True
        name, _, args = text[1:].partition(" ")
        if name == "answer":
            reply = await self._press(args.strip())
        else:
            reply = await self.router.handle(Invocation(CONSOLE_CHANNEL, self.member, name, args, self.lang))
        await self._deliver(reply)
        return True

    async def _press(self, args: str) -> Reply:
        buttons = self.platform.latest_buttons
        if not args.isdigit():
            return Reply(body=self.router.t(self.lang, "console.usage_answer"), kind="error")
        if not buttons:
            return Reply(body=self.router.t(self.lang, "console.no_buttons"), kind="error")
        n = int(args)
        if not 1 <= n <= len(buttons):
            return Reply(body=self.router.t(self.lang, "console.no_button", n=n, count=len(buttons)), kind="error")
        button = buttons[n - 1]
        return await self.router.press(Press(CONSOLE_CHANNEL, self.member, button.action, button.value, self.lang))

    async def _deliver(self, reply: Reply) -> None:
        if reply.visibility == "channel":
            await self.platform.post(CONSOLE_CHANNEL, reply)
        else:
            await self.platform.send_private(CONSOLE_CHANNEL, self.member.user_id, reply)

    async def run(self, stream: TextIO) -> None:
        loop = asyncio.get_running_loop()
        self.platform.say(self.router.t(self.lang, "console.welcome", user=self.member.name))
        while True:
            if stream.isatty():
                self.platform.out.write("> ")
                self.platform.out.flush()
            text = await loop.run_in_executor(None, stream.readline)
            if not text:
                break
            if stream.isatty() is False:
                self.platform.say(f"> {text.rstrip()}")
            if not await self.line(text):
                break
