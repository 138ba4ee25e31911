"""/stats against a history worked out by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.core.models import Reply
from tests.conftest import Channel, member, posted
from tests.unit.test_daily import right, wrong

# (local date, question, answered right?) — Mon 23 Nov to Tue 1 Dec 2026, no posts on the weekend
DAILY = [
    (date(2026, 11, 23), "security-groups-001", False),
    (date(2026, 11, 24), "efs-001", True),
    (date(2026, 11, 25), "efs-002", False),
    (date(2026, 11, 26), "efs-003", True),
    (date(2026, 11, 27), "s3-001", True),
    (date(2026, 11, 30), "instance-store-001", True),
    (date(2026, 12, 1), "ebs-001", True),
]
PRACTICE = [("efs-002", False), ("security-groups-001", True)]  # on Wed 25 Nov


def at_nine_seoul(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 0, 0, tzinfo=UTC)  # 09:00 in Seoul


async def post_as(channel: Channel, day: date, question_id: str):
    core = channel.core
    settings = await core.store.get_channel(channel.ref)
    return await posted(core.store, settings.id, day, question_id, at_nine_seoul(day))


async def play_history(channel: Channel, clock, who=None) -> None:
    who = who or member(1)
    bank = channel.core.library.bank
    await channel.say("/studybot setup")
    for day, qid, ok in DAILY:
        clock.set(at_nine_seoul(day) + timedelta(minutes=5))
        post = await post_as(channel, day, qid)
        pick = right if ok else wrong
        reply = await channel.click("answer", f"{post.id}:{pick(bank.questions[qid])}", who)
        assert reply.kind == "result"
        if day == date(2026, 11, 25):
            for pqid, pok in PRACTICE:
                pick = right if pok else wrong
                await channel.click("practice", f"{pqid}:{pick(bank.questions[pqid])}", who)


def field(reply: Reply, name: str) -> str:
    [value] = [f.value for f in reply.fields if f.name == name]
    return value


async def test_stats_match_the_history_worked_out_by_hand(channel, clock):
    await play_history(channel, clock)
    reply = await channel.say("/stats", member(1))
    assert reply.kind == "stats" and reply.title == "📊 Stats: Member 1" and reply.visibility == "private"
    assert field(reply, "Answered") == "9 (daily 7 · practice 2 · exam 0)"
    assert field(reply, "Accuracy") == "6/9 (67%)"
    # Thu, Fri, then Mon, Tue: the weekend had no post and does not break the run.
    assert field(reply, "Daily streak") == "current 4 · longest 4"
    assert field(reply, "By SAA-C03 domain").splitlines() == [
        "• Secure architectures: 1/2 (50%)",
        "• Resilient architectures: 2/2 (100%)",
        "• High-performing architectures: 1/3 (33%)",
        "• Cost-optimized architectures: 2/2 (100%)",
    ]
    assert field(reply, "By CLF-C02 domain").splitlines() == [
        "• Security and compliance: 1/2 (50%)",
        "• Cloud technology and services: 1/3 (33%)",
    ]
    assert field(reply, "By category").splitlines() == ["• Storage: 5/7 (71%)", "• Networking: 1/2 (50%)"]
    # Both at 50%; EFS has more misses (2) so it comes first. Only topics with a miss are weak.
    assert field(reply, "Weakest topics").splitlines() == [
        "• Amazon EFS: 2/4 (50%) — /aws efs",
        "• Security groups: 1/2 (50%) — /aws security-groups",
    ]
    assert field(reply, "Review cards") == "2 due · 2 in all · 0 leeches"
    assert [(b.action, b.value) for b in reply.buttons] == [("card", "efs"), ("card", "security-groups")]
    for topic_query in ("efs", "security-groups"):  # the suggested /aws queries find the cards
        assert (await channel.say(f"/aws {topic_query}")).kind == "card"


async def test_streak_is_broken_by_a_missed_weekday_and_today_is_still_open(channel, clock):
    await play_history(channel, clock)
    clock.set(at_nine_seoul(date(2026, 12, 2)) + timedelta(minutes=1))
    await post_as(channel, date(2026, 12, 2), "efs-001")
    open_today = await channel.say("/stats", member(1))
    assert field(open_today, "Daily streak") == "current 4 · longest 4"
    clock.set(at_nine_seoul(date(2026, 12, 3)))
    next_day = await channel.say("/stats", member(1))
    assert field(next_day, "Daily streak") == "current 0 · longest 4"


async def test_stats_of_another_member_by_name_or_id(channel, clock):
    """Mentions are the adapters' to translate (Slack `<@U1|name>`, a Discord member option): the core
    gets a user id or a display name."""
    await play_history(channel, clock)
    for query in ("Member 1", "member 1", "U1", "@Member 1"):
        reply = await channel.say(f"/stats {query}", member(2))
        assert reply.title == "📊 Stats: Member 1", query
        assert field(reply, "Accuracy") == "6/9 (67%)"


async def test_unknown_member_and_a_member_without_answers(channel):
    await channel.say("/studybot setup")
    unknown = await channel.say("/stats Nobody Here", member(2))
    assert unknown.kind == "error" and "Nobody Here" in unknown.body
    fresh = await channel.say("/stats", member(2))
    assert "has not answered any question" in fresh.body
    ko = await channel.say("/stats 없는사람", member(2), lang="ko")
    assert ko.kind == "error" and "없는사람" in ko.body
