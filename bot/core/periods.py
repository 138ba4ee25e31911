"""Boards by week, month and all time, and streaks, in the channel's own time zone."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

PERIODS = ("week", "month", "all")
BOARD_SIZE = 10


def _local_midnight(day: date, tz: ZoneInfo) -> datetime:
    # datetime(..., tzinfo=ZoneInfo) resolves DST gaps and folds the way the wall clock reads.
    return datetime(day.year, day.month, day.day, tzinfo=tz)


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def week_window(now: datetime, timezone: str, weeks_back: int = 0) -> tuple[datetime, datetime, str]:
    """[start, end) of the Monday-to-Sunday week holding `now` (or `weeks_back` before it), and a label."""
    tz = ZoneInfo(timezone)
    monday = week_start(now.astimezone(tz).date()) - timedelta(weeks=weeks_back)
    sunday = monday + timedelta(days=6)
    start, end = _local_midnight(monday, tz), _local_midnight(monday + timedelta(days=7), tz)
    return start, end, f"{monday.isoformat()} – {sunday.isoformat()}"


def month_window(now: datetime, timezone: str) -> tuple[datetime, datetime, str]:
    tz = ZoneInfo(timezone)
    today = now.astimezone(tz).date()
    first = today.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return _local_midnight(first, tz), _local_midnight(following, tz), f"{first:%Y-%m}"


def window(period: str, now: datetime, timezone: str) -> tuple[datetime | None, datetime | None, str]:
    if period == "week":
        return week_window(now, timezone)
    if period == "month":
        return month_window(now, timezone)
    return None, None, ""


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
