"""A clock the tests set and move."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class FixedClock:
    def __init__(self, moment: datetime) -> None:
        assert moment.tzinfo is not None, "FixedClock needs an aware datetime"
        self.moment = moment.astimezone(UTC)

    def now(self) -> datetime:
        return self.moment

    def set(self, moment: datetime) -> None:
        self.moment = moment.astimezone(UTC)

    def advance(self, **delta: float) -> None:
        self.moment += timedelta(**delta)
