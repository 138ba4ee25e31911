"""Typed lines -> router calls; replies -> the terminal.

`/answer N` presses button N of the message the member is working on: the newest message with
buttons that came in answer to the member's own last command or click (a review card stays current
while a daily post arrives on its own); with none, the newest message with buttons.
`/answer #M N` presses button N of message M. `/help` is `/studybot help`. A button whose reply opens
a form (report a question) asks its fields in turn; `/cancel` drops it.
"""

from __future__ import annotations

import re

from bot.core.models import ChannelRef, Invocation, Lang, Member, Press, Reply, Submission
from bot.core.router import Router
from bot.platforms.console.forms import CANCEL, FormPrompt
from bot.platforms.console.platform import ConsolePlatform, Shown

CONSOLE_CHANNEL = ChannelRef("console", "local", "console")
QUIT = ("/quit", "/exit")
_ANSWER = re.compile(r"(?:#?([0-9]{1,9})\s+)?([0-9]{1,3})")


class ConsoleSession:
    def __init__(self, router: Router, platform: ConsolePlatform, member: Member, lang: Lang) -> None:
        self.router = router
        self.platform = platform
        self.member = member
        self.lang = lang
        self.working: Shown | None = None  # the message the member is working on
        self.form: FormPrompt | None = None  # a form being filled in: the next lines answer its fields
        self._handling = False
        platform.listener = self._shown

    def _shown(self, shown: Shown) -> None:
        if self._handling:  # it answers what the member just did
            self.working = shown

    def commands(self) -> list[str]:
        """What tab completes: every command the router knows, and the console's own."""
        return [f"/{name}" for name in self.router.commands] + ["/answer", "/help", CANCEL, *QUIT]

    async def line(self, text: str) -> bool:
        """Handle one typed line; False when the member asked to quit."""
        text = text.strip()
        if text in QUIT:
            return False
        if self.form is not None:  # an empty line is an answer too: no note
            await self._form_line(text)
            return True
        if not text:
            return True
        if not text.startswith("/"):
            self.platform.say(self.router.t(self.lang, "console.not_a_command"))
            return True
        name, _, args = text[1:].partition(" ")
        self._handling = True
        try:
            if name == "answer":
                reply = await self._press(args.strip())
            else:
                if name == "help":
                    name, args = "studybot", "help"
                reply = await self.router.handle(Invocation(CONSOLE_CHANNEL, self.member, name, args, self.lang))
            await self._deliver(reply)
        finally:
            self._handling = False
        if reply.form is not None:
            self.form = FormPrompt(reply.form, lambda key, **values: self.router.t(self.lang, key, **values))
            self.platform.say(self.form.prompt())
        return True

    async def _form_line(self, text: str) -> None:
        prompt = self.form
        assert prompt is not None
        if text == CANCEL:
            self.form = None
            self.platform.say(self.router.t(self.lang, "console.form_cancelled"))
            return
        if prompt.take(text) != "done":
            self.platform.say(prompt.prompt())
            return
        self.form = None
        form = prompt.form
        submission = Submission(CONSOLE_CHANNEL, self.member, form.action, form.value, dict(prompt.values), self.lang)
        reply = await self.router.submit(submission)
        await self._deliver(reply)
        if reply.kind == "error" and prompt.ask_again(reply.invalid):
            self.form = prompt
            self.platform.say(prompt.prompt())

    def _error(self, key: str, **values: object) -> Reply:
        return Reply(body=self.router.t(self.lang, key, **values), kind="error")

    async def _press(self, args: str) -> Reply:
        match = _ANSWER.fullmatch(args)
        if match is None:
            return self._error("console.usage_answer")
        if match[1] is not None:
            target = self.platform.shown.get(int(match[1]))
            if target is None:
                return self._error("console.no_message", number=match[1])
        else:
            target = self._current()
            if target is None:
                return self._error("console.no_buttons")
        n = int(match[2])
        if not 1 <= n <= len(target.buttons):
            key = "console.no_button_one" if len(target.buttons) == 1 else "console.no_button"
            return self._error(key, n=n, count=len(target.buttons), number=target.number)
        button = target.buttons[n - 1]
        return await self.router.press(Press(CONSOLE_CHANNEL, self.member, button.action, button.value, self.lang))

    def _current(self) -> Shown | None:
        if self.working is not None and self.working.number in self.platform.shown:
            return self.platform.shown[self.working.number]
        return self.platform.latest

    async def _deliver(self, reply: Reply) -> None:
        if reply.visibility == "channel":
            await self.platform.post(CONSOLE_CHANNEL, reply)
        else:
            await self.platform.send_private(CONSOLE_CHANNEL, self.member.user_id, reply)
