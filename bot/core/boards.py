"""Boards: `/leaderboard [week|month|all]`, and the weekly board the scheduler posts.

A board counts the points of the daily posts dated in its period (the channel's local dates): the
week's board is the questions of that Monday-to-Sunday week, whenever they were answered.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from bot.core.context import Context
from bot.core.insights import weekly_insights
from bot.core.models import ChannelSettings, Reply
from bot.core.periods import BOARD_SIZE, board_period, local_today, parse_period, week_label, week_start
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
        start, label = board_period(period, self.clock.now(), ctx.channel.timezone)
        if ctx.channel.id is None:
            return self.views.board(period, label, [], None, ctx.lang)
        rows = await self.store.board(ctx.channel.id, period, start, BOARD_SIZE)
        mine = await self.store.board_rank(ctx.channel.id, period, start, ctx.member.user_id)
        reply = self.views.board(period, label, rows, mine, ctx.lang)
        if period != "week" or start is None:
            return reply
        fields = await weekly_insights(self.store, self.views, ctx.channel, start, ctx.lang)
        return replace(reply, fields=reply.fields + fields)


@dataclass(frozen=True, slots=True)
class WeeklyBoard:
    week_start: date  # the Monday of the week the board covers, in the channel's zone
    reply: Reply


def weeks_back(settings: ChannelSettings) -> int:
    """0 when the board is posted after the week's last posting day (e.g. Saturday after Mon-Fri posts):
    that week's questions are all in, so the board shows it; else 1, the week before."""
    return 0 if settings.board_day > max(settings.days) else 1


def week_that_ended(at: datetime, settings: ChannelSettings) -> date:
    """The Monday (channel's zone) of the week a board posted at `at` shows."""
    return week_start(local_today(at, settings.timezone)) - timedelta(weeks=weeks_back(settings))


async def weekly_board(store: Store, views: Views, settings: ChannelSettings, monday: date) -> WeeklyBoard:
    """The channel's board for the week of `monday`, ready to post to the channel."""
    assert settings.id is not None, "the channel must be saved before it gets boards"
    rows = await store.board(settings.id, "week", monday, BOARD_SIZE)
    lang, label = settings.language, week_label(monday)
    board = views.board("week", label, rows, None, lang)
    insights = await weekly_insights(store, views, settings, monday, lang)
    reply = replace(
        board,
        fields=board.fields + insights,
        title=views.t(lang, "weekly.title", label=label),
        footer=views.t(lang, "weekly.footer", timezone=settings.timezone),
        kind="weekly",
    )
    return WeeklyBoard(monday, reply)
