"""Which week a scheduled board shows, whatever day it is posted."""

from __future__ import annotations

from datetime import UTC, datetime, time

from bot.core.boards import week_that_ended
from bot.core.models import ChannelSettings
from bot.core.periods import week_label


def board_week(board_day: int, at: datetime, days: tuple[int, ...] = (0, 1, 2, 3, 4)) -> str:
    settings = ChannelSettings("t", "T", "C", days=days, board_day=board_day, board_time=time(20, 0))
    return week_label(week_that_ended(at, settings))


def test_a_monday_board_shows_the_week_before():
    assert board_week(0, datetime(2026, 11, 30, 0, 0, tzinfo=UTC)) == "2026-11-23 – 2026-11-29"


def test_a_weekend_board_after_weekday_posts_shows_the_week_just_finished():
    sunday_evening = datetime(2026, 11, 29, 11, 0, tzinfo=UTC)  # Sunday 20:00 in Seoul
    assert board_week(6, sunday_evening) == "2026-11-23 – 2026-11-29"
    assert board_week(5, datetime(2026, 11, 28, 11, 0, tzinfo=UTC)) == "2026-11-23 – 2026-11-29"


def test_a_board_on_a_posting_day_shows_the_week_before():
    friday = datetime(2026, 11, 27, 11, 0, tzinfo=UTC)
    assert board_week(4, friday) == "2026-11-16 – 2026-11-22"
    everyday = (0, 1, 2, 3, 4, 5, 6)
    assert board_week(6, datetime(2026, 11, 29, 11, 0, tzinfo=UTC), everyday) == "2026-11-16 – 2026-11-22"
