"""Weekly insights: the most improved member and the team's weakest domain."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.core.insights import weekly_insights
from bot.core.models import BoardRow
from bot.core.periods import board_period
from tests.conftest import member
from tests.contract.helpers import most_improved
from tests.unit.test_daily import right, wrong
from tests.unit.test_stats import at_nine_seoul, post_as

# (day, question, [(member number, right?) in click order])
WEEKS = [
    (date(2026, 11, 23), "security-groups-001", [(1, True), (2, True), (3, False)]),
    (date(2026, 11, 24), "efs-001", [(1, True)]),
    (date(2026, 11, 30), "efs-002", [(2, True), (1, False), (3, False)]),
    (date(2026, 12, 1), "s3-001", [(2, True), (1, True), (3, True)]),
]


async def play(channel, clock) -> None:
    bank = channel.core.library.bank
    await channel.say("/studybot setup")
    for day, qid, clicks in WEEKS:
        clock.set(at_nine_seoul(day))
        post = await post_as(channel, day, qid)
        for n, ok in clicks:
            clock.advance(minutes=1)
            pick = right if ok else wrong
            await channel.click("answer", f"{post.id}:{pick(bank.questions[qid])}", member(n))


async def test_most_improved_and_weakest_domain_of_a_week(channel, core, clock):
    await play(channel, clock)
    settings = await core.store.get_channel(channel.ref)
    now = datetime(2026, 12, 7, 0, 0, tzinfo=UTC)  # the Monday after: the board reports last week
    week, _ = board_period("week", now, settings.timezone, weeks_back=1)
    fields = await weekly_insights(core.store, core.library.views, settings, week, "en")
    # Last week: Member 1 26, Member 2 12, Member 3 0. This week: Member 2 26 (+14), Member 1 12, Member 3 11.
    # Member 3 rose by 11 but Member 2 by 14.
    assert [(f.name, f.value) for f in fields] == [
        ("📈 Most improved", "Member 2: 26 pts this week (+14 over the week before)"),
        (
            "🎯 Team's weakest domain",
            "High-performing architectures: 1/3 correct (33%). Look up Amazon EFS: /aws efs",
        ),
    ]
    ko = await weekly_insights(core.store, core.library.views, settings, week, "ko")
    assert ko[0].value == "Member 2: 이번 주 26점 (지난주보다 +14)"


async def test_leaderboard_week_shows_the_insights_so_far(channel, clock):
    await play(channel, clock)
    clock.set(at_nine_seoul(date(2026, 12, 1)) + timedelta(hours=2))
    board = await channel.say("/leaderboard", member(1))
    assert board.kind == "board" and "Member 2" in board.body
    assert [f.name for f in board.fields] == ["📈 Most improved", "🎯 Team's weakest domain"]
    month = await channel.say("/leaderboard month", member(1))
    assert month.fields == ()


async def test_a_quiet_week_has_no_insights(channel, core, clock):
    await channel.say("/studybot setup")
    settings = await core.store.get_channel(channel.ref)
    week, _ = board_period("week", clock.now(), settings.timezone)
    assert await weekly_insights(core.store, core.library.views, settings, week, "en") == ()


def test_only_members_of_both_weeks_who_rose_count():
    week = [BoardRow("U1", "A", 30, 3, 3), BoardRow("U2", "B", 20, 2, 2), BoardRow("U3", "C", 50, 5, 5)]
    previous = [BoardRow("U1", "A", 40, 4, 4), BoardRow("U2", "B", 5, 1, 1)]
    assert most_improved(week, previous) == (week[1], 15)  # U3 is new: no week to improve on
    assert most_improved(week[:1], previous) is None
