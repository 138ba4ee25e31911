"""The weekly board the scheduler posts: the Monday-to-Sunday week (channel's zone) that ended."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.core.insights import weekly_insights
from bot.core.leaderboard import BOARD_SIZE, week_window
from bot.core.models import ChannelSettings, Reply
from bot.core.ports import Store
from bot.core.views import Views


@dataclass(frozen=True, slots=True)
class WeeklyBoard:
    week_start: date  # the Monday of the week the board covers, in the channel's zone
    reply: Reply


def week_that_ended(at: datetime, timezone: str) -> tuple[datetime, datetime, str]:
    """[start, end) and label of the last full Monday-to-Sunday week before the week holding `at`."""
    return week_window(at, timezone, weeks_back=1)


async def weekly_board(store: Store, views: Views, settings: ChannelSettings, at: datetime) -> WeeklyBoard:
    """The channel's board for the week that ended before `at`, ready to post to the channel."""
    assert settings.id is not None, "the channel must be saved before it gets boards"
    start, end, label = week_that_ended(at, settings.timezone)
    rows = await store.board(settings.id, start, end, BOARD_SIZE)
    lang = settings.language
    board = views.board("week", label, rows, None, lang)
    before = week_window(at, settings.timezone, weeks_back=2)
    insights = await weekly_insights(store, views, settings, (start, end), (before[0], before[1]), lang)
    reply = replace(
        board,
        fields=board.fields + insights,
        title=views.t(lang, "weekly.title", label=label),
        footer=views.t(lang, "weekly.footer", timezone=settings.timezone),
        kind="weekly",
    )
    return WeeklyBoard(start.astimezone(ZoneInfo(settings.timezone)).date(), reply)
