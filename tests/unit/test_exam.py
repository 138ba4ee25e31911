"""/exam: domain proportions, one question at a time, resume, scoring, misses into /review."""

from __future__ import annotations

import random
from collections import Counter
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.app import build_core
from bot.core.exam import TRACKS, plan, quotas
from tests.conftest import Channel, member
from tests.fakes.bank import library_of, synthetic_bank
from tests.fakes.platform import RecordingPlatform

SAA = TRACKS["saa"].shares
CLF = TRACKS["clf"].shares


@given(st.integers(min_value=1, max_value=65), st.sampled_from([SAA, CLF]))
def test_quotas_sum_to_n_and_each_is_within_one_of_its_share(n, shares):
    counts = quotas(shares, n)
    assert sum(counts.values()) == n
    for domain, share in shares.items():
        assert abs(counts[domain] - Fraction(share * n, 100)) < 1


def test_quotas_for_the_usual_sizes():
    assert quotas(SAA, 20) == {"secure": 6, "resilient": 5, "performant": 5, "cost": 4}
    assert quotas(SAA, 65) == {"secure": 19, "resilient": 17, "performant": 16, "cost": 13}
    assert quotas(CLF, 20) == {"concepts": 5, "security": 6, "technology": 7, "billing": 2}


def test_a_short_domain_hands_its_questions_to_the_one_furthest_below_its_share():
    counts = plan(SAA, {"secure": 10, "resilient": 10, "performant": 10, "cost": 2}, 20)
    assert counts == {"secure": 7, "resilient": 6, "performant": 5, "cost": 2}
    with pytest.raises(ValueError):
        plan(SAA, {"secure": 3}, 20)


@pytest.fixture
async def exam_channel(fixture_settings, clock):
    bank = synthetic_bank({"secure": 8, "resilient": 8, "performant": 8, "cost": 8})
    core = await build_core(
        fixture_settings,
        RecordingPlatform(),
        library=library_of(bank),
        clock=clock,
        rng=random.Random(3),
        refresh_seconds=0.0,
    )
    yield Channel(core)
    await core.close()


def position_of(reply) -> int:
    return int(reply.buttons[0].value.split(":")[1])


async def answer(channel: Channel, reply, right: bool, who):
    exam_id, position, _ = reply.buttons[0].value.split(":")
    choice = "0" if right else "1"  # the synthetic bank's answer is always A
    return await channel.click("exam", f"{exam_id}:{position}:{choice}", who)


async def test_twenty_questions_in_domain_proportions_scored_by_hand(exam_channel):
    channel, who = exam_channel, member(1)
    bank = channel.core.library.bank
    reply = await channel.say("/exam saa", who)
    assert reply.kind == "question" and "question 1/20" in reply.title
    assert "Secure architectures 6 · Resilient architectures 5" in reply.body
    exam = await channel.core.store.open_exam("test", "U1")
    assert len(exam.question_ids) == len(set(exam.question_ids)) == 20
    domains = Counter(bank.questions[q].domain for q in exam.question_ids)
    assert domains == {"secure": 6, "resilient": 5, "performant": 5, "cost": 4}

    # Right on secure and resilient, wrong on the rest: 11/20 -> 550, below 720.
    for number in range(20):
        qid = exam.question_ids[number]
        assert position_of(reply) == number and bank.questions[qid].prompt.en in reply.body
        reply = await answer(channel, reply, bank.questions[qid].domain in ("secure", "resilient"), who)
        if number < 19:
            assert reply.kind == "question" and "Correct" not in (reply.title or "")  # no feedback yet
    assert reply.kind == "result"
    assert reply.title == "🏁 SAA-C03 mock exam: 11/20 correct"
    assert "**550**/1000 (pass mark 720)" in reply.body and "below the pass mark" in reply.body
    assert reply.fields[0].value.splitlines() == [
        "• Secure architectures: 6/6 (100%)",
        "• Resilient architectures: 5/5 (100%)",
        "• High-performing architectures: 0/5 (0%)",
        "• Cost-optimized architectures: 0/4 (0%)",
    ]
    missed_fields = reply.fields[1:]
    assert len(missed_fields) == 4  # the first page of nine missed
    assert all(len(f.value) <= 1000 for f in reply.fields)
    pages = [b for b in reply.buttons if b.action == "exam-missed"]
    assert [b.label for b in pages] == ["Missed questions 2/3"]
    page2 = await channel.click("exam-missed", pages[0].value, who)
    assert "missed questions 2/3" in page2.title and len(page2.fields) == 4
    page3 = await channel.click("exam-missed", f"{exam.id}:2", who)
    assert len(page3.fields) == 1
    shown = [f.name for f in (*missed_fields, *page2.fields, *page3.fields)]
    assert len(shown) == 9

    cards = await channel.core.store.review_cards("test", "U1")
    assert len(cards) == 9 and all(bank.questions[c.question_id].domain in ("performant", "cost") for c in cards)
    assert (await channel.say("/exam", who)).kind == "info"  # nothing open: the usage


async def test_a_passing_score(exam_channel):
    channel, who = exam_channel, member(1)
    reply = await channel.say("/exam saa 10", who)
    for number in range(10):
        reply = await answer(channel, reply, number < 8, who)  # 8/10 -> 800
    assert "8/10" in reply.title and "**800**/1000" in reply.body and "likely pass" in reply.body
    assert not [b for b in reply.buttons if b.action == "exam-missed"]  # two missed fit on one page


async def test_an_unfinished_exam_resumes_where_it_stopped(exam_channel):
    channel, who = exam_channel, member(1)
    reply = await channel.say("/exam saa 20", who)
    for _ in range(7):
        reply = await answer(channel, reply, True, who)
    exam = await channel.core.store.open_exam("test", "U1")

    offer = await channel.say("/exam clf 5", who)  # a new exam is not started over an open one
    assert "7/20 answered" in offer.body
    assert [(b.action, b.value) for b in offer.buttons] == [
        ("exam-resume", str(exam.id)),
        ("exam-abandon", str(exam.id)),
    ]
    resumed = await channel.click("exam-resume", str(exam.id), who)
    assert "question 8/20" in resumed.title and position_of(resumed) == 7
    assert channel.core.library.bank.questions[exam.question_ids[7]].prompt.en in resumed.body
    typed = await channel.say("/exam resume", who)
    assert "question 8/20" in typed.title

    stale = await channel.click("exam", f"{exam.id}:3:0", who)  # an old button
    assert "already answered" in stale.body and "question 8/20" in stale.title
    assert len(await channel.core.store.exam_answers(exam.id)) == 7

    other = await channel.click("exam-resume", str(exam.id), member(2))
    assert other.kind == "error"
    gone = await channel.say("/exam abandon", who)
    assert "abandoned" in gone.body
    assert await channel.core.store.open_exam("test", "U1") is None
    assert (await channel.click("exam", f"{exam.id}:7:0", who)).kind == "error"
    assert (await channel.say("/exam resume", who)).kind == "error"


async def test_bad_exam_input_gets_a_clear_reply(exam_channel):
    channel, who = exam_channel, member(1)
    for args, expected in [
        ("/exam dva", "Usage"),
        ("/exam saa 0", "1 to 65"),
        ("/exam saa 66", "1 to 65"),
        ("/exam saa -3", "1 to 65"),
        ("/exam saa twenty", "1 to 65"),
        ("/exam saa 5 6", "Usage"),
        ("/exam clf 5", "only 0 CLF-C02"),
    ]:
        reply = await channel.say(args, who)
        assert reply.kind == "error" and expected in reply.body, args
    assert await channel.core.store.open_exam("test", "U1") is None


async def test_exam_on_the_small_fixture_bank_and_its_missed_questions_feed_review(channel, core):
    reply = await channel.say("/exam saa 20", member(1))
    assert reply.kind == "error" and "only 7" in reply.body and "/exam saa 7" in reply.body
    reply = await channel.say("/exam clf 3", member(1))
    exam = await core.store.open_exam("test", "U1")
    assert Counter(core.library.bank.questions[q].clf_domain for q in exam.question_ids) == {
        "security": 1,
        "technology": 2,
    }
    for _ in range(3):
        position = reply.buttons[0].value.split(":")[1]
        question = core.library.bank.questions[exam.question_ids[int(position)]]
        wrong = next(b.value for b in reply.buttons if b.value.split(":")[2] != str(min(question.answer)))
        reply = await channel.click("exam", wrong, member(1))
    assert "0/3" in reply.title and "**0**/1000 (pass mark 700)" in reply.body
    review = await channel.click("review-next", "next", member(1))
    assert review.kind == "question" and "3 due" in review.title
    stats = await channel.say("/stats", member(1))
    assert any(f.value.startswith("3 (daily 0 · practice 0 · exam 3)") for f in stats.fields)


async def test_a_question_removed_from_the_bank_mid_exam_is_skipped_and_not_scored(exam_channel):
    channel, who = exam_channel, member(1)
    await channel.say("/studybot setup")
    key = (await channel.core.store.get_channel(channel.ref)).id
    ids = ["gone-001", "secure-000", "cost-000"]
    exam = await channel.core.store.create_exam("test", "U1", key, "saa", ids, channel.core.clock.now())
    reply = await channel.say("/exam resume", who)
    assert "question 2/3" in reply.title and position_of(reply) == 1
    reply = await answer(channel, reply, True, who)
    reply = await answer(channel, reply, False, who)
    assert reply.title == "🏁 SAA-C03 mock exam: 1/2 correct" and "**500**/1000" in reply.body
    tallies = await channel.core.store.member_tallies(key, "U1")
    assert [(t.question_id, t.source, t.answered, t.correct) for t in tallies] == [
        ("cost-000", "exam", 1, 0),
        ("secure-000", "exam", 1, 1),
    ]
    assert len(await channel.core.store.exam_answers(exam.id)) == 3
