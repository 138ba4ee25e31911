"""Board periods (week, month, all time) and streaks, by local dates in the channel's own time zone."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from bot.core.models import Periods

PERIODS = ("week", "month", "all")
BOARD_SIZE = 10


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def month_start(day: date) -> date:
    return day.replace(day=1)


@lru_cache(maxsize=64)  # every click on a post asks for the same date's
def periods_of(day: date) -> Periods:
    """The week and month a daily post's answers count in: those of the post's local date."""
    return Periods(week_start(day), month_start(day))


def local_today(now: datetime, timezone: str) -> date:
    return now.astimezone(ZoneInfo(timezone)).date()


def week_label(monday: date) -> str:
    return f"{monday.isoformat()} – {(monday + timedelta(days=6)).isoformat()}"


def board_period(period: str, now: datetime, timezone: str, weeks_back: int = 0) -> tuple[date | None, str]:
    """The start of "week" (a Monday), "month" (a 1st) or "all" (None) holding `now` in the channel's zone,
    and its label. A board period is counted by the local dates of the posts answered in it."""
    today = local_today(now, timezone)
    if period == "week":
        monday = week_start(today) - timedelta(weeks=weeks_back)
        return monday, week_label(monday)
    if period == "month":
        first = month_start(today)
        return first, f"{first:%Y-%m}"
    return None, ""


def parse_period(text: str) -> str | None:
    value = text.strip().lower()
    aliases = {
        "": "week",
        "weekly": "week",
        "주": "week",
        "주간": "week",
        "monthly": "month",
        "월": "month",
        "월간": "month",
        "all-time": "all",
        "alltime": "all",
        "전체": "all",
    }
    value = aliases.get(value, value)
    return value if value in PERIODS else None


def streaks(post_dates: Sequence[date], correct_dates: Sequence[date], today: date) -> tuple[int, int]:
    """(current, longest) runs of consecutive posted days answered correctly.

    Only days with a post count, so a weekend without a post does not break a run. Today's post does
    not break the current run while it is still unanswered.
    """
    correct = set(correct_dates)
    longest = run = 0
    for day in sorted(set(post_dates)):
        run = run + 1 if day in correct else 0
        longest = max(longest, run)
    current = 0
    for day in sorted(set(post_dates), reverse=True):
        if day in correct:
            current += 1
        elif day == today and current == 0:
            continue
        else:
            break
    return current, longest
