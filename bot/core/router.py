"""The one entry for every adapter: an Invocation, a Press or a Submission in, a Reply out.

Dispatch follows the command table (bot/core/commands.py): the command, or the group's subcommand,
its admin rule, then its handler, found on the features `app.py` built. The router never raises:
a refusal is a clear reply, and "Something went wrong" is kept for bugs, which are logged.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import cast

from bot.core.commands import BUTTONS, COMMANDS, FORMS, Command, handler_names
from bot.core.context import Context, clean_text
from bot.core.models import ChannelRef, ChannelSettings, Invocation, Lang, Member, Press, Reply, Submission
from bot.core.ports import Store, StoreError
from bot.core.views import Views

log = logging.getLogger(__name__)

MAX_ARGS = 200  # characters; longer input is refused, not truncated
MAX_NAME = 40
MAX_FIELDS = 10  # fields of a submitted form
MAX_FIELD_TEXT = 4000  # characters of one field (Discord's own limit); each form's handler sets its own

Handler = Callable[[Context, str], Awaitable[Reply]]
FormHandler = Callable[[Context, str, Mapping[str, str]], Awaitable[Reply]]
ChannelTemplate = Callable[[str, str, str], ChannelSettings]
Suggest = Callable[[str, int], list[tuple[str, str]]]


class HandlerMissing(Exception):
    """A command or button names a handler no feature has: a wiring bug, found at start."""


def resolve(features: Mapping[str, object], name: str) -> Handler:
    feature, _, method = name.partition(".")
    handler = getattr(features.get(feature), method, None)
    if not callable(handler):
        raise HandlerMissing(f"no handler {name!r}: features are {', '.join(sorted(features))}")
    return cast(Handler, handler)


class Router:
    def __init__(
        self,
        *,
        store: Store,
        views: Views,
        channel_template: ChannelTemplate,
        features: Mapping[str, object],
        suggest_topics: Suggest,
        commands: tuple[Command, ...] = COMMANDS,
    ) -> None:
        """`suggest_topics(text, limit)`: (label, topic id) pairs for what is being typed (autocomplete)."""
        self.store = store
        self.views = views
        self._template = channel_template
        self._known_names: dict[tuple[str, str], str] = {}
        self.commands = {c.name: c for c in commands}
        for name in handler_names():  # every handler the table names exists: a wiring bug stops the start
            resolve(features, name)
        self.features = features
        self.complete_topics = suggest_topics

    def t(self, lang: Lang, key: str, **values: object) -> str:
        return self.views.t(lang, key, **values)

    # --- entry points -----------------------------------------------------------------------

    async def handle(self, invocation: Invocation) -> Reply:
        """Run a slash command. Never raises: a failure becomes a clear reply and is logged."""
        ctx: Context | None = None
        name = clean_text(invocation.name).lstrip("/").lower()[:MAX_NAME]
        try:
            ctx = await self.context(invocation.channel, invocation.member, invocation.lang)
            command = self.commands.get(name)
            if command is None:
                return self.views.error(ctx.lang, "router.unknown_command", name=name, commands=self._listing())
            args = clean_text(invocation.args)
            if len(args) > MAX_ARGS:
                return self.views.error(ctx.lang, "router.too_long", limit=MAX_ARGS)
            return await self._run(ctx, command, args)
        except Exception as exc:
            return self._failed(exc, f"/{name}", invocation.channel, ctx)

    async def _run(self, ctx: Context, command: Command, args: str) -> Reply:
        if command.is_group:
            word, _, args = args.partition(" ")
            sub = command.sub(word.lower() or "help")
            if sub is None:
                names = ", ".join(s.name for s in command.subcommands)
                return self.views.error(ctx.lang, "admin.unknown", name=word[:MAX_NAME], subcommands=names)
            command, where = sub, f"/{command.name} {sub.name}"
        else:
            where = f"/{command.name}"
        if command.admin and not ctx.member.is_admin:
            return self.views.error(ctx.lang, "admin.not_admin", command=where)
        return await resolve(self.features, command.handler)(ctx, args.strip())

    async def press(self, press: Press) -> Reply:
        """Handle a button click. Never raises."""
        ctx: Context | None = None
        action = clean_text(press.action)[:MAX_NAME]
        try:
            ctx = await self.context(press.channel, press.member, press.lang)
            handler = BUTTONS.get(action)
            value = clean_text(press.value)
            if handler is None or len(value) > MAX_ARGS:
                return self.views.error(ctx.lang, "router.unknown_button")
            return await resolve(self.features, handler)(ctx, value)
        except Exception as exc:
            return self._failed(exc, f"a {action!r} click", press.channel, ctx)

    async def submit(self, submission: Submission) -> Reply:
        """Handle a filled-in form (opened by a button's reply). Never raises."""
        ctx: Context | None = None
        action = clean_text(submission.action)[:MAX_NAME]
        try:
            ctx = await self.context(submission.channel, submission.member, submission.lang)
            handler = FORMS.get(action)
            value = clean_text(submission.value)
            if handler is None or len(value) > MAX_ARGS or len(submission.values) > MAX_FIELDS:
                return self.views.error(ctx.lang, "router.unknown_form")
            if any(len(text) > MAX_FIELD_TEXT for text in submission.values.values()):
                return self.views.error(ctx.lang, "router.too_long", limit=MAX_FIELD_TEXT)
            values = {clean_text(name)[:MAX_NAME]: clean_text(text) for name, text in submission.values.items()}
            form_handler = cast(FormHandler, resolve(self.features, handler))
            return await form_handler(ctx, value, values)
        except Exception as exc:
            return self._failed(exc, f"a {action!r} form", submission.channel, ctx)

    def _failed(self, exc: Exception, what: str, channel: ChannelRef, ctx: Context | None) -> Reply:
        """A failed entry point as a clear reply: the store's errors are named, anything else is a bug
        (called from the `except` block, so the traceback is logged)."""
        lang = ctx.lang if ctx else "ko"
        if isinstance(exc, StoreError):
            log.error("store error on %s in %s: %s", what, channel.channel_id, exc)
            return self.views.error(lang, "router.store_error")
        log.exception("%s failed in %s", what, channel.channel_id)
        return self.views.error(lang, "router.failed")

    # --- context ----------------------------------------------------------------------------

    async def context(self, channel_ref: ChannelRef, member: Member, lang: Lang | None) -> Context:
        settings = await self.store.get_channel(channel_ref)
        if settings is None:
            settings = self._template(channel_ref.platform, channel_ref.team_id, channel_ref.channel_id)
        await self.remember(channel_ref, member)
        return Context(settings, member, lang or settings.language)

    async def remember(self, channel_ref: ChannelRef, member: Member) -> None:
        """Keep the member's name for boards and reveals (adapters call it when they learn a better one)."""
        key = (channel_ref.platform, member.user_id)
        if self._known_names.get(key) == member.name:  # as the platform gave it last time: already kept
            return
        name = clean_text(member.name)[:80] or member.user_id
        try:
            await self.store.remember_member(channel_ref.platform, member.user_id, name)
            self._known_names[key] = member.name
        except StoreError as exc:  # a name is a nicety: lookups must keep working on a full disk
            log.warning("could not remember member %s: %s", member.user_id, exc)

    def _listing(self) -> str:
        return ", ".join(f"/{name}" for name in self.commands)
