"""The contract, part 4: review cards, mock exams, reports, and the database itself."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.core.models import ChannelSettings, ReviewCard
from tests.contract.helpers import NOW, channel, sent_post

CARD = ReviewCard("test", "U1", "q1", '{"state": 1}', NOW, misses=1)


async def test_a_review_card_is_saved_only_over_the_version_it_was_read_from(store):
    assert await store.save_review_card(CARD, NOW, None)
    assert not await store.save_review_card(CARD, NOW, None)  # it exists now
    later = ReviewCard("test", "U1", "q1", '{"state": 2}', NOW + timedelta(days=1), misses=1, reviews=1)
    assert await store.save_review_card(later, NOW, CARD)
    assert not await store.save_review_card(later, NOW, CARD)  # someone else moved it meanwhile
    assert await store.review_cards("test", "U1") == [later]
    assert await store.review_cards("test", "U2") == []


async def test_one_open_exam_per_member_answered_once_per_position(store):
    c = await channel(store)
    made = await asyncio.gather(*(store.create_exam("test", "U1", c.id, "saa", ["a", "b"], NOW) for _ in range(10)))
    [exam] = [e for e in made if e is not None]
    assert await store.open_exam("test", "U1") == exam and await store.get_exam(exam.id) == exam
    assert await store.record_exam_answer(exam.id, 0, "a", frozenset({1}), False, NOW)
    assert not await store.record_exam_answer(exam.id, 0, "a", frozenset({2}), True, NOW)
    assert await store.record_exam_answer(exam.id, 1, "b", frozenset({0}), True, NOW)
    assert [(a.position, a.correct) for a in await store.exam_answers(exam.id)] == [(0, False), (1, True)]

    def rule_for(question_id: str):  # type: ignore[no-untyped-def]
        return lambda previous: ReviewCard("test", "U1", question_id, "{}", NOW, misses=1)

    assert await store.end_exam(exam.id, "finished", NOW, rule_for)
    assert not await store.end_exam(exam.id, "abandoned", NOW)
    assert not await store.record_exam_answer(exam.id, 2, "c", frozenset(), False, NOW)  # over
    tallies = {(t.question_id, t.source): (t.answered, t.correct) for t in await store.member_tallies(c.id, "U1")}
    assert tallies == {("a", "exam"): (1, 0), ("b", "exam"): (1, 1)}
    assert [card.question_id for card in await store.review_cards("test", "U1")] == ["a"]
    assert await store.open_exam("test", "U1") is None
    assert await store.create_exam("test", "U1", c.id, "clf", ["x"], NOW) is not None


async def test_reports_are_kept_listed_and_closed(store):
    c = await channel(store)
    await store.remember_member("test", "U1", "Jiwoo")
    first = (await store.add_report("test", c.id, "U1", "q1", "wrong", "the answer is B", NOW)).report
    second = (await store.add_report("test", c.id, "U2", "q2", "typo", "", NOW)).report
    assert [r.id for r in await store.reports()] == [second.id, first.id]
    assert (first.reason, first.note, first.status, first.created_at) == ("wrong", "the answer is B", "open", NOW)
    assert (first.team_id, first.channel_id, first.user_name, second.user_name) == ("T", "C1", "Jiwoo", "")
    assert await store.get_report(first.id) == first
    assert await store.close_report(first.id, NOW)
    assert not await store.close_report(first.id, NOW)
    assert [r.id for r in await store.reports("open")] == [second.id]
    assert [r.id for r in await store.reports("closed")] == [first.id]
    assert [r.id for r in await store.reports(None)] == [second.id, first.id]
    assert (await store.get_report(first.id)).status == "closed"
    assert await store.get_report(first.id + second.id + 1) is None


async def test_a_member_has_one_open_report_per_question_and_a_repeat_updates_it(store):
    c = await channel(store)
    first = await store.add_report("test", c.id, "U1", "q1", "wrong", "", NOW)
    assert first.report is not None and not first.updated
    later = NOW + timedelta(minutes=5)
    again = await store.add_report("test", c.id, "U1", "q1", "typo", "'recieve' in choice B", later)
    assert again.updated and again.report is not None and again.report.id == first.report.id
    assert (again.report.reason, again.report.note, again.report.created_at) == ("typo", "'recieve' in choice B", NOW)
    assert len(await store.reports()) == 1
    # Many at once (a double click, two devices): still one open report.
    made = await asyncio.gather(*(store.add_report("test", c.id, "U2", "q1", "unclear", f"{n}", NOW) for n in range(8)))
    assert len({m.report.id for m in made if m.report}) == 1 and sum(not m.updated for m in made) == 1
    assert len(await store.reports()) == 2
    # Once closed, the next report on the question is a new one.
    assert await store.close_report(first.report.id, later)
    anew = await store.add_report("test", c.id, "U1", "q1", "outdated", "", later)
    assert not anew.updated and anew.report.id not in (first.report.id, made[0].report.id)


async def test_a_member_with_too_many_open_reports_is_refused_but_may_still_update_one(store):
    c = await channel(store)
    for question in ("q1", "q2"):
        assert (await store.add_report("test", c.id, "U1", question, "typo", "", NOW, open_limit=2)).report
    refused = await store.add_report("test", c.id, "U1", "q3", "typo", "", NOW, open_limit=2)
    assert refused.report is None and not refused.updated
    updated = await store.add_report("test", c.id, "U1", "q2", "wrong", "", NOW, open_limit=2)
    assert updated.updated and updated.report.reason == "wrong"
    assert (await store.add_report("test", c.id, "U2", "q3", "typo", "", NOW, open_limit=2)).report  # another member
    assert sorted(r.question_id for r in await store.reports() if r.user_id == "U1") == ["q1", "q2"]


async def test_reports_are_listed_per_platform_and_team(store):
    here = await channel(store)
    there = await store.save_channel(ChannelSettings("test", "T2", "C9", active=True))
    elsewhere = await store.save_channel(ChannelSettings("other", "T", "C8", active=True))
    mine = (await store.add_report("test", here.id, "U1", "q1", "wrong", "", NOW)).report
    theirs = (await store.add_report("test", there.id, "U2", "q1", "wrong", "", NOW)).report
    other = (await store.add_report("other", elsewhere.id, "U1", "q1", "wrong", "", NOW)).report
    assert [r.id for r in await store.reports(platform="test", team_id="T")] == [mine.id]
    assert [r.id for r in await store.reports(platform="test")] == [theirs.id, mine.id]
    assert [r.id for r in await store.reports(limit=2)] == [other.id, theirs.id]
    assert await store.get_report(theirs.id, platform="test", team_id="T") is None
    assert await store.get_report(theirs.id, platform="test", team_id="T2") == theirs


async def test_health_names_the_engine_schema_and_rows(store):
    c = await channel(store)
    await sent_post(store, c.id)
    health = await store.health()
    assert health["integrity"] == "ok" and health["schema_version"] == await store.schema_version() >= 1
    assert health["rows"]["posts"] == 1 and health["rows"]["outbox"] == 1 and health["rows"]["channels"] == 1
    assert health["engine"] in ("sqlite", "postgresql")


async def test_a_closed_store_refuses_writes_clearly_and_closing_twice_is_fine(store):
    await store.close()
    await store.close()
    try:
        await channel(store)
    except Exception as exc:
        assert "closed" in str(exc)
    else:
        raise AssertionError("a write after close must fail")


async def test_a_restart_keeps_everything(store, opener):
    c = await channel(store, timezone="Europe/London")
    post = await sent_post(store, c.id)
    await store.close()
    again = await opener()
    try:
        assert (await again.get_channel(c.ref)).timezone == "Europe/London"
        assert (await again.get_post(post.id)).message_id == post.message_id
    finally:
        await again.close()
