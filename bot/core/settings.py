"""Parsing and checking channel settings as admins type them (`/studybot time 10:00`)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import time
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.core.models import ChannelSettings, Lang

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_KO_DAYS = {"월": 0, "화": 1, "수": 2, "목": 3, "금": 4, "토": 5, "일": 6}
EXAM_TRACKS = ("saa", "clf", "all")


class SettingError(ValueError):
    """A value an admin typed that we cannot accept. `key` names the catalog message."""

    def __init__(self, key: str, value: str) -> None:
        super().__init__(f"{key}: {value!r}")
        self.key = key
        self.value = value


def parse_time(text: str) -> time:
    match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*", text)
    if not match:
        raise SettingError("setting.bad_time", text)
    hour, minute = int(match[1]), int(match[2])
    if hour > 23 or minute > 59:
        raise SettingError("setting.bad_time", text)
    return time(hour, minute)


def parse_timezone(text: str) -> str:
    """The IANA name, spelled as the database spells it whatever the case typed ("utc", "asia/seoul")."""
    name = _zone_names().get(text.strip().casefold())
    if name is None:
        raise SettingError("setting.bad_timezone", text)
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingError("setting.bad_timezone", text) from None
    return name


@cache
def _zone_names() -> dict[str, str]:
    return {name.casefold(): name for name in available_timezones() | {"UTC"}}


def _day(token: str, original: str) -> int:
    token = token.strip().lower()[:3]
    if token in DAY_NAMES:
        return DAY_NAMES.index(token)
    if token[:1] in _KO_DAYS:
        return _KO_DAYS[token[:1]]
    raise SettingError("setting.bad_days", original)


def parse_days(text: str) -> tuple[int, ...]:
    """'mon-fri', 'mon,wed,fri', 'sat-mon' (wraps), '월-금'. Never empty."""
    days: set[int] = set()
    for part in re.split(r"[,\s]+", text.strip()):
        if not part:
            continue
        if "-" in part:
            first, _, last = part.partition("-")
            start, end = _day(first, text), _day(last, text)
            day = start
            while True:
                days.add(day)
                if day == end:
                    break
                day = (day + 1) % 7
        else:
            days.add(_day(part, text))
    if not days:
        raise SettingError("setting.bad_days", text)
    return tuple(sorted(days))


def parse_day(text: str) -> int:
    days = parse_days(text)
    if len(days) != 1:
        raise SettingError("setting.bad_day", text)
    return days[0]


def parse_language(text: str) -> Lang:
    value = text.strip().lower()
    if value not in ("ko", "en"):
        raise SettingError("setting.bad_language", text)
    return value  # type: ignore[return-value]


def parse_exam(text: str) -> str:
    value = text.strip().lower()
    aliases = {"saa-c03": "saa", "clf-c02": "clf"}
    value = aliases.get(value, value)
    if value not in EXAM_TRACKS:
        raise SettingError("setting.bad_exam", text)
    return value


def format_days(days: tuple[int, ...]) -> str:
    return ",".join(DAY_NAMES[d] for d in days)


def apply_setting(settings: ChannelSettings, key: str, value: str) -> ChannelSettings:
    """A copy of `settings` with one admin-typed value applied; SettingError if it is not valid."""
    if key == "time":
        post_time = parse_time(value)
        if post_time >= settings.close_time:
            raise SettingError("setting.time_after_close", value)
        return replace(settings, post_time=post_time)
    if key == "close":
        close_time = parse_time(value)
        if close_time <= settings.post_time:
            raise SettingError("setting.close_before_post", value)
        return replace(settings, close_time=close_time)
    if key == "timezone":
        return replace(settings, timezone=parse_timezone(value))
    if key == "days":
        return replace(settings, days=parse_days(value))
    if key == "board":
        day_text, _, time_text = value.strip().partition(" ")
        return replace(settings, board_day=parse_day(day_text), board_time=parse_time(time_text or "09:00"))
    if key == "language":
        return replace(settings, language=parse_language(value))
    if key == "exam":
        return replace(settings, exam=parse_exam(value))
    raise SettingError("setting.unknown", key)
