"""Values the contract tests share."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

from bot.core.models import BoardRow, ChannelSettings, Periods, Post, ReviewCard
from bot.core.ports import AnswerRules, NewAnswer, Store

NOW = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)  # Monday 09:00 in Seoul
DAY = date(2026, 11, 23)
CLOSES = NOW + timedelta(hours=9)
SCORING = (10, (3, 2, 1))


def points_for(rank: int | None) -> int:
    base, bonuses = SCORING
    return 0 if rank is None else base + (bonuses[rank - 1] if rank <= len(bonuses) else 0)


RULES = AnswerRules(points_for)


async def channel(store: Store, channel_id: str = "C1", **values: object) -> ChannelSettings:
    return await store.save_channel(ChannelSettings("test", "T", channel_id, active=True, **values))  # type: ignore[arg-type]


async def sent_post(store: Store, channel_key: int, day: date = DAY, question: str = "q1") -> Post:
    post = await store.claim_post(channel_key, day, question, NOW, CLOSES)
    assert post is not None
    record = await store.outbox_get(f"post:{post.id}")
    assert record is not None
    await store.outbox_lease(record.id, "p1", NOW, NOW + timedelta(minutes=1))
    assert await store.outbox_sent(record.id, "p1", f"m{post.id}", NOW)
    found = await store.get_post(post.id)
    assert found is not None
    return found


def answer(user: str, correct: bool, *, at: datetime = NOW, day: date = DAY, question: str = "q1") -> NewAnswer:
    monday = day - timedelta(days=day.weekday())
    return NewAnswer(
        "test", user, question, frozenset({0 if correct else 1}), correct, at, Periods(monday, day.replace(day=1))
    )


def card_rule(user: str, question: str = "q1"):  # type: ignore[no-untyped-def]
    def rule(previous: ReviewCard | None) -> ReviewCard:
        misses = 1 if previous is None else previous.misses + 1
        return ReviewCard("test", user, question, f'{{"misses": {misses}}}', NOW + timedelta(minutes=misses), misses)

    return rule


# The most improved member (the weekly insight): every correct answer 10 points, so a week's points are
# 10 x its correct answers. Weeks of Monday 23 November (before) and Monday 30 November (this week).
BEFORE, THIS = date(2026, 11, 23), date(2026, 11, 30)
TENS = AnswerRules(lambda rank: 0 if rank is None else 10)


async def answer_days(store: Store, c: ChannelSettings, user: str, days: dict[date, bool]) -> None:
    for day, correct in days.items():
        post = await day_post(store, c, day)
        await store.record_answer(post, answer(user, correct, day=day), TENS)


async def day_post(store: Store, c: ChannelSettings, day: date) -> Post:
    post = await store.post_on(c.id, day)
    return post if post is not None else await sent_post(store, c.id, day)


def week(monday: date, correct: int, wrong: int = 0) -> dict[date, bool]:
    return {monday + timedelta(days=n): n < correct for n in range(correct + wrong)}


def most_improved(week: Sequence[BoardRow], previous: Sequence[BoardRow]) -> tuple[BoardRow, int] | None:
    """The weekly insight's rule computed from two whole boards: the reference the store's aggregate is
    checked against."""
    before = {row.user_id: row.points for row in previous}
    risen = [(row, row.points - before[row.user_id]) for row in week if row.user_id in before]
    risen = [(row, delta) for row, delta in risen if delta > 0]
    risen.sort(key=lambda item: (-item[1], -item[0].points, item[0].name))
    return risen[0] if risen else None


async def plan(store: Store, sql: str, params: tuple[object, ...]) -> str:
    """The engine's plan of a query, as text (PostgreSQL's EXPLAIN, SQLite's EXPLAIN QUERY PLAN)."""
    explain = "EXPLAIN " if store.engine.name == "postgresql" else "EXPLAIN QUERY PLAN "
    rows = await store.engine.read(explain + sql, params)
    return "\n".join(str(row[-1]) for row in rows)
