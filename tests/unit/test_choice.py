"""Question choice: no repeat before a track is used up; weak topics come up more often."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta

from bot.core.selection import choose_daily, least_used, topic_miss_rates, weighted_pick
from tests.conftest import member
from tests.unit.test_daily import right, wrong


async def test_a_year_of_daily_posts_uses_every_question_once_before_any_repeats(channel, core, clock):
    await channel.say("/studybot setup")
    settings = await core.store.get_channel(channel.ref)
    bank = core.library.bank
    pool = set(bank.questions)
    day = datetime(2026, 1, 5, 0, 0, tzinfo=UTC)  # a Monday, 09:00 in Seoul
    for _ in range(365):
        clock.set(day)
        if day.weekday() < 5:
            await core.daily.post_daily(settings)
            post = await core.store.latest_post(settings.id)
            question = bank.questions[post.question_id]
            # The team always misses EFS: its questions get more weight, never an early repeat.
            pick = wrong if question.topic == "efs" else right
            await channel.click("answer", f"{post.id}:{pick(question)}", member(1))
            clock.set(day + timedelta(hours=9))
            await core.daily.close_open_posts(settings)
        day += timedelta(days=1)
    posted = [q for _, q in sorted((p.local_date, p.question_id) for p in await all_posts(core, settings.id))]
    assert len(posted) == 261
    for start in range(0, len(posted) - len(pool) + 1, len(pool)):
        assert set(posted[start : start + len(pool)]) == pool, start
    tail = posted[len(posted) - len(posted) % len(pool) :]
    assert len(set(tail)) == len(tail)


async def all_posts(core, channel_key):
    dates = await core.store.post_dates(channel_key)
    return [await core.store.post_on(channel_key, d) for d in dates]


def test_weak_topics_are_weighted_one_plus_twice_the_miss_rate(library):
    bank = library.bank
    pool = list(bank.questions.values())
    rates = topic_miss_rates([("efs-001", 1, 0), ("efs-002", 1, 0), ("s3-001", 1, 1)], bank)
    assert rates == {"efs": 1.0, "s3": 0.0}
    rng = random.Random(1)
    picks = Counter(weighted_pick(pool, rates, rng).topic for _ in range(4000))
    share = picks["efs"] / 4000
    assert 0.65 < share < 0.73  # 3 EFS questions at weight 3 against 4 others at weight 1: 9/13 = 0.69


def test_only_the_least_used_questions_are_candidates(library):
    pool = list(library.bank.questions.values())
    uses = {q.id: 2 for q in pool} | {"s3-001": 1, "efs-001": 1}
    assert {q.id for q in least_used(pool, uses)} == {"s3-001", "efs-001"}
    rng = random.Random(5)
    assert {choose_daily(pool, uses, {"efs": 1.0}, rng).id for _ in range(50)} == {"s3-001", "efs-001"}


async def test_practice_without_a_subject_prefers_the_members_weak_topics(channel, core):
    await channel.say("/studybot setup")
    bank = core.library.bank
    for qid in ("efs-001", "efs-002", "efs-003"):
        await channel.click("practice", f"{qid}:{wrong(bank.questions[qid])}", member(1))
    for qid in ("s3-001", "ebs-001"):
        await channel.click("practice", f"{qid}:{right(bank.questions[qid])}", member(1))
    topics = Counter()
    for _ in range(200):
        reply = await channel.say("/quiz", member(1))
        topics[bank.questions[reply.buttons[0].value.split(":")[0]].topic] += 1
    assert topics["efs"] / 200 > 0.55  # uniform would be 3/7 = 0.43; weighted 9/13 = 0.69
    fresh = Counter()
    for _ in range(200):
        reply = await channel.say("/quiz", member(2))
        fresh[bank.questions[reply.buttons[0].value.split(":")[0]].topic] += 1
    assert fresh["efs"] / 200 < 0.55  # another member's misses do not weigh on them
