"""Boards: `/leaderboard [week|month|all]`, and the weekly board the scheduler posts (the
Monday-to-Sunday week, in the channel's zone, that ended)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.core.context import Context
from bot.core.insights import weekly_insights
from bot.core.models import ChannelSettings, Reply
from bot.core.periods import BOARD_SIZE, parse_period, week_window, window
from bot.core.ports import Clock, Store
from bot.core.views import Views


class Boards:
    """`/leaderboard`: the top of the channel's board and the caller's own rank; the week's board also
    carries the insights of the week so far."""

    def __init__(self, *, store: Store, views: Views, clock: Clock) -> None:
        self.store = store
        self.views = views
        self.clock = clock

    async def command(self, ctx: Context, args: str) -> Reply:
        period = parse_period(args)
        if period is None:
            return self.views.error(ctx.lang, "board.bad_period", value=args[:40])
        now = self.clock.now()
        start, end, label = window(period, now, ctx.channel.timezone)
        if ctx.channel.id is None:
            return self.views.board(period, label, [], None, ctx.lang)
        everyone = await self.store.board(ctx.channel.id, start, end, -1)
        mine = next(((n, row) for n, row in enumerate(everyone, start=1) if row.user_id == ctx.member.user_id), None)
        reply = self.views.board(period, label, everyone[:BOARD_SIZE], mine, ctx.lang)
        if period != "week" or start is None or end is None:
            return reply
        last_start, last_end, _ = week_window(now, ctx.channel.timezone, weeks_back=1)
        fields = await weekly_insights(
            self.store, self.views, ctx.channel, (start, end), (last_start, last_end), ctx.lang
        )
        return replace(reply, fields=reply.fields + fields)


@dataclass(frozen=True, slots=True)
class WeeklyBoard:
    week_start: date  # the Monday of the week the board covers, in the channel's zone
    reply: Reply


def weeks_back(settings: ChannelSettings) -> int:
    """0 when the board is posted after the week's last posting day (e.g. Saturday after Mon-Fri posts):
    that week's questions are all in, so the board shows it; else 1, the week before."""
    return 0 if settings.board_day > max(settings.days) else 1


def week_that_ended(at: datetime, settings: ChannelSettings) -> tuple[datetime, datetime, str]:
    """[start, end) and label of the Monday-to-Sunday week (channel's zone) a board posted at `at` shows."""
    return week_window(at, settings.timezone, weeks_back=weeks_back(settings))


async def weekly_board(store: Store, views: Views, settings: ChannelSettings, at: datetime) -> WeeklyBoard:
    """The channel's board for the week that ended before `at`, ready to post to the channel."""
    assert settings.id is not None, "the channel must be saved before it gets boards"
    start, end, label = week_that_ended(at, settings)
    rows = await store.board(settings.id, start, end, BOARD_SIZE)
    lang = settings.language
    board = views.board("week", label, rows, None, lang)
    before = week_window(at, settings.timezone, weeks_back=weeks_back(settings) + 1)
    insights = await weekly_insights(store, views, settings, (start, end), (before[0], before[1]), lang)
    reply = replace(
        board,
        fields=board.fields + insights,
        title=views.t(lang, "weekly.title", label=label),
        footer=views.t(lang, "weekly.footer", timezone=settings.timezone),
        kind="weekly",
    )
    return WeeklyBoard(start.astimezone(ZoneInfo(settings.timezone)).date(), reply)
