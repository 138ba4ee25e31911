"""`/studybot ...`: help and status for everyone; channel settings and manual posting for admins.

Who may run what is declared in bot/core/commands.py and checked by the router before any of
these handlers runs.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime

from bot.core.commands import COMMANDS
from bot.core.context import Context
from bot.core.daily import Daily, PostResult
from bot.core.models import ChannelSettings, Field, Reply
from bot.core.ports import Store
from bot.core.settings import SettingError, apply_setting, format_days
from bot.core.views import Views

log = logging.getLogger(__name__)

SettingsListener = Callable[[ChannelSettings], Awaitable[None]]
CANNOT_POST = ("not_in_channel", "no_permission", "channel_not_found")
# For /studybot status: the next post, close and board times of a channel, if a scheduler runs.
NextTimes = Callable[[ChannelSettings], dict[str, datetime | None]]


class Admin:
    def __init__(
        self,
        *,
        store: Store,
        daily: Daily,
        views: Views,
        next_times: NextTimes | None = None,
        listeners: tuple[SettingsListener, ...] = (),
    ) -> None:
        """`listeners` hear of every saved settings change (the scheduler rebuilds the channel's jobs)."""
        self.store = store
        self.daily = daily
        self.views = views
        self.next_times = next_times
        self.listeners = listeners

    async def _save(self, settings: ChannelSettings) -> ChannelSettings:
        saved = await self.store.save_channel(settings)
        for listener in self.listeners:
            try:
                await listener(saved)
            except Exception:
                log.exception("a settings listener failed for channel %s", saved.channel_id)
        return saved

    # --- for everyone -------------------------------------------------------------------------

    async def help(self, ctx: Context, args: str) -> Reply:
        return self.views.help(COMMANDS, ctx.lang)

    async def status(self, ctx: Context, args: str) -> Reply:
        return self._status(ctx.channel, ctx)

    # --- settings (admins) --------------------------------------------------------------------

    async def change(self, ctx: Context, key: str, value: str) -> Reply:
        if not value:
            return self.views.error(ctx.lang, f"setting.usage_{key}")
        try:
            updated = apply_setting(ctx.channel, key, value)
        except SettingError as exc:
            return self.views.error(ctx.lang, exc.key, value=exc.value[:60])
        saved = await self._save(updated)
        return replace(self._status(saved, ctx), title=self.views.t(ctx.lang, "admin.changed"))

    async def set_time(self, ctx: Context, value: str) -> Reply:
        return await self.change(ctx, "time", value)

    async def set_close(self, ctx: Context, value: str) -> Reply:
        return await self.change(ctx, "close", value)

    async def set_timezone(self, ctx: Context, value: str) -> Reply:
        return await self.change(ctx, "timezone", value)

    async def set_days(self, ctx: Context, value: str) -> Reply:
        return await self.change(ctx, "days", value)

    async def set_board(self, ctx: Context, value: str) -> Reply:
        return await self.change(ctx, "board", value)

    async def set_language(self, ctx: Context, value: str) -> Reply:
        return await self.change(ctx, "language", value)

    async def set_exam(self, ctx: Context, value: str) -> Reply:
        return await self.change(ctx, "exam", value)

    # --- the channel's schedule (admins) ------------------------------------------------------

    async def _cannot_post(self, ctx: Context) -> Reply | None:
        """Before a channel is made active: can the bot post there? If not, exactly how to fix it."""
        reason = await self.daily.platform.can_post(ctx.channel.ref)
        if reason is None:
            return None
        key = f"admin.cannot_post_{reason}" if reason in CANNOT_POST else "admin.cannot_post"
        return self.views.error(ctx.lang, key, reason=reason[:60])

    async def setup(self, ctx: Context, args: str) -> Reply:
        refused = await self._cannot_post(ctx)
        if refused is not None:
            return refused
        saved = await self._save(replace(ctx.channel, active=True, paused=False))
        return replace(self._status(saved, ctx), title=self.views.t(ctx.lang, "admin.setup_done"))

    async def pause(self, ctx: Context, args: str) -> Reply:
        saved = await self._save(replace(ctx.channel, paused=True))
        return replace(self._status(saved, ctx), title=self.views.t(ctx.lang, "admin.paused"))

    async def resume(self, ctx: Context, args: str) -> Reply:
        saved = await self._save(replace(ctx.channel, paused=False))
        return replace(self._status(saved, ctx), title=self.views.t(ctx.lang, "admin.resumed"))

    async def post_now(self, ctx: Context, args: str) -> Reply:
        refused = await self._cannot_post(ctx)
        if refused is not None:
            return refused
        # A post in a channel that is not set up would never be revealed: posting sets the channel up.
        newly_set_up = not ctx.channel.active
        channel = await self._save(replace(ctx.channel, active=True)) if newly_set_up else ctx.channel
        result = await self.daily.post_daily(channel)
        key = {
            PostResult.POSTED: "admin.posted",
            PostResult.ALREADY: "admin.already_posted",
            PostResult.NOT_SENT: "admin.not_sent",
        }[result]
        reply = self.views.info(ctx.lang, key)
        if newly_set_up:
            return replace(reply, body=f"{reply.body} {self.views.t(ctx.lang, 'admin.set_up_by_post')}")
        return reply

    async def close_now(self, ctx: Context, args: str) -> Reply:
        if ctx.channel.id is None:
            return self.views.info(ctx.lang, "admin.nothing_open")
        closed = await self.daily.close_open_posts(ctx.channel)
        return self.views.info(ctx.lang, "admin.closed" if closed else "admin.nothing_open", count=closed)

    def _status(self, settings: ChannelSettings, ctx: Context) -> Reply:
        t = self.views.t
        lang = ctx.lang
        state = "status.paused" if settings.paused else ("status.active" if settings.active else "status.inactive")
        fields = [
            Field(t(lang, "status.state"), t(lang, state), inline=True),
            Field(t(lang, "status.timezone"), settings.timezone, inline=True),
            Field(t(lang, "status.days"), format_days(settings.days), inline=True),
            Field(t(lang, "status.post_time"), settings.post_time.strftime("%H:%M"), inline=True),
            Field(t(lang, "status.close_time"), settings.close_time.strftime("%H:%M"), inline=True),
            Field(
                t(lang, "status.board"),
                f"{format_days((settings.board_day,))} {settings.board_time:%H:%M}",
                inline=True,
            ),
            Field(t(lang, "status.language"), settings.language, inline=True),
            Field(t(lang, "status.exam"), settings.exam, inline=True),
        ]
        if self.next_times is not None and settings.active:
            for key, moment in self.next_times(settings).items():
                value = moment.strftime("%Y-%m-%d %H:%M %Z") if moment else t(lang, "status.none")
                fields.append(Field(t(lang, f"status.next_{key}"), value, inline=True))
        return Reply(title=t(lang, "status.title"), body="", fields=tuple(fields), kind="status")
