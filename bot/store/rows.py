"""Rows as the core's models: the same for every engine (times are UTC milliseconds, dates ISO text)."""

from __future__ import annotations

import json
from dataclasses import asdict, replace
from datetime import date, time
from typing import Any

from bot.core.models import ChannelSettings, Exam, OutboxRecord, Post, Report, ReviewCard
from bot.store.codec import at_ms, from_ms
from bot.store.engine import Row


def settings_to_json(settings: ChannelSettings) -> str:
    data = asdict(settings)
    for key in ("platform", "team_id", "channel_id", "id", "active"):
        data.pop(key)
    for key in ("post_time", "close_time", "board_time"):
        data[key] = data[key].strftime("%H:%M")
    data["days"] = list(settings.days)
    return json.dumps(data, sort_keys=True)


def settings_from_row(row: Row) -> ChannelSettings:
    data: dict[str, Any] = json.loads(row["settings"])
    base = ChannelSettings(row["platform"], row["team_id"], row["channel_id"])
    known = set(ChannelSettings.__dataclass_fields__)
    values: dict[str, Any] = {k: v for k, v in data.items() if k in known}
    for key in ("post_time", "close_time", "board_time"):
        if key in values:
            values[key] = time.fromisoformat(values[key])
    if "days" in values:
        values["days"] = tuple(values["days"])
    return replace(base, **values, id=row["id"], active=bool(row["active"]))


def post_from_row(row: Row) -> Post:
    return Post(
        id=row["id"],
        channel_key=row["channel_key"],
        local_date=date.fromisoformat(row["local_date"]),
        question_id=row["question_id"],
        posted_at=from_ms(row["posted_at"]),
        message_id=row["message_id"],
        closed_at=from_ms(row["closed_at"]),
    )


def outbox_from_row(row: Row) -> OutboxRecord:
    return OutboxRecord(
        id=row["id"],
        key=row["key"],
        kind=row["kind"],
        channel_key=row["channel_key"],
        post_id=row["post_id"],
        week_start=date.fromisoformat(row["week_start"]) if row["week_start"] else None,
        state=row["state"],
        attempts=row["attempts"],
        lease_owner=row["lease_owner"],
        lease_until=from_ms(row["lease_until"]),
        message_id=row["message_id"],
        created_at=at_ms(row["created_at"]),
        due_at=at_ms(row["due_at"]),
        expires_at=at_ms(row["expires_at"]),
        last_error=row["last_error"],
    )


def card_from_row(row: Row) -> ReviewCard:
    return ReviewCard(
        platform=row["platform"],
        user_id=row["user_id"],
        question_id=row["question_id"],
        fsrs=row["fsrs"],
        due=at_ms(row["due_at"]),
        misses=row["misses"],
        reviews=row["reviews"],
        leech=bool(row["leech"]),
    )


def exam_from_row(row: Row) -> Exam:
    return Exam(
        id=row["id"],
        platform=row["platform"],
        user_id=row["user_id"],
        channel_key=row["channel_key"],
        track=row["track"],
        question_ids=tuple(json.loads(row["question_ids"])),
        status=row["status"],
        started_at=at_ms(row["started_at"]),
        finished_at=from_ms(row["finished_at"]),
    )


def report_from_row(row: Row) -> Report:
    return Report(
        id=row["id"],
        platform=row["platform"],
        channel_key=row["channel_key"],
        user_id=row["user_id"],
        question_id=row["question_id"],
        reason=row["reason"],
        note=row["note"],
        status=row["status"],
        created_at=at_ms(row["created_at"]),
        team_id=row["team_id"] or "",
        channel_id=row["channel_id"] or "",
        user_name=row["user_name"] or "",
    )


def marks(values: list[Any] | tuple[Any, ...]) -> str:
    """`?, ?, ?` for an IN list (never empty: callers check)."""
    return ", ".join("?" * len(values))
