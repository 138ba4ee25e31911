"""The contract, part 3: answers (first click counts, ranks, one commit), boards and tallies."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

from bot.core.ports import AnswerRules
from tests.contract.helpers import DAY, NOW, RULES, answer, card_rule, channel, sent_post


async def test_two_hundred_clicks_from_fifty_members_record_fifty_answers_ranked_in_order(store, opener):
    c = await channel(store)
    post = await sent_post(store, c.id)
    other = await opener() if store.engine.name == "postgresql" or store.path != ":memory:" else store
    try:
        clicks = [
            (store if n % 2 else other).record_answer(post, answer(f"U{n % 50}", n % 3 != 0), RULES) for n in range(200)
        ]
        outcomes = await asyncio.gather(*clicks)
    finally:
        if other is not store:
            await other.close()
    recorded = [o for o in outcomes if o.recorded]
    assert len(recorded) == 50
    ranks = sorted(o.rank for o in recorded if o.correct)
    assert ranks == list(range(1, len(ranks) + 1))  # one place each among the correct answers
    bonus = sorted((o.points for o in recorded if o.correct), reverse=True)
    assert bonus[:4] == [13, 12, 11, 10]
    stored = await store.answers_to(post.id)
    assert len(stored) == 50 and await store.answer_count(post.id) == 50
    assert sum(1 for a in stored if a[3]) == len(ranks)


async def test_a_second_click_is_told_what_counted(store):
    c = await channel(store)
    post = await sent_post(store, c.id)
    first = await store.record_answer(post, answer("U1", False), RULES)
    again = await store.record_answer(post, answer("U1", True), RULES)
    assert (first.recorded, first.correct, first.points, first.rank) == (True, False, 0, None)
    assert (again.recorded, again.correct, again.picked) == (False, False, frozenset({1}))


async def test_a_click_after_the_close_is_refused_and_not_counted(store):
    c = await channel(store)
    post = await sent_post(store, c.id)
    await store.close_post(post.id, NOW, NOW + timedelta(days=7))
    outcome = await store.record_answer(post, answer("U1", True), RULES)  # `post` read before the close
    assert outcome.closed and not outcome.recorded
    assert await store.answers_to(post.id) == [] and await store.board(c.id, "all", None, 10) == []


async def test_a_miss_writes_the_review_card_in_the_answers_commit(store):
    c = await channel(store)
    post = await sent_post(store, c.id)
    second = await sent_post(store, c.id, DAY + timedelta(days=1))
    miss = AnswerRules(RULES.points_for, card_rule("U1"))
    await store.record_answer(post, answer("U1", False), miss)
    await store.record_answer(second, answer("U1", False, day=DAY + timedelta(days=1)), miss)
    await store.record_answer(post, answer("U2", True), AnswerRules(RULES.points_for, card_rule("U2")))
    card = await store.get_review_card("test", "U1", "q1")
    assert card is not None and card.misses == 2  # the rule saw the card the first miss wrote
    assert await store.get_review_card("test", "U2", "q1") is None  # a right answer makes no card


async def test_boards_count_by_the_posts_local_week_and_month(store):
    c = await channel(store)
    sunday, monday = date(2026, 11, 29), date(2026, 11, 30)
    late = await sent_post(store, c.id, sunday, "q1")
    early = await sent_post(store, c.id, monday, "q2")
    # Sunday's post answered after midnight still counts in Sunday's week.
    await store.record_answer(late, answer("U1", True, day=sunday, at=NOW + timedelta(days=7)), RULES)
    await store.record_answer(early, answer("U2", True, day=monday, question="q2"), RULES)
    await store.record_answer(early, answer("U1", False, day=monday, question="q2"), RULES)
    assert [r.user_id for r in await store.board(c.id, "week", date(2026, 11, 23), 10)] == ["U1"]
    week = await store.board(c.id, "week", monday, 10)
    assert [(r.user_id, r.points, r.correct, r.answered) for r in week] == [("U2", 13, 1, 1), ("U1", 0, 0, 1)]
    november = await store.board(c.id, "month", date(2026, 11, 1), 10)
    # Both 13 points and one correct answer in November (Monday is the 30th); U2 began first.
    assert [(r.user_id, r.points) for r in november] == [("U2", 13), ("U1", 13)]
    everyone = await store.board(c.id, "all", None, 1)
    assert [(r.user_id, r.points, r.answered) for r in everyone] == [("U2", 13, 1)]  # a tie: U2 began first


async def test_ties_go_to_more_correct_answers_then_to_who_began_first(store):
    c = await channel(store)
    post = await sent_post(store, c.id)
    await store.remember_member("test", "U2", "Second")
    for n, user in enumerate(("U2", "U1", "U3")):
        await store.record_answer(post, answer(user, False, at=NOW + timedelta(seconds=n)), RULES)
    board = await store.board(c.id, "all", None, 10)
    assert [(r.user_id, r.name) for r in board] == [("U2", "Second"), ("U1", "U1"), ("U3", "U3")]
    assert await store.board_rank(c.id, "all", None, "U3") == (3, board[2])
    assert await store.board_rank(c.id, "all", None, "nobody") is None


async def test_tallies_per_member_and_per_channel(store):
    c = await channel(store)
    post = await sent_post(store, c.id)
    await store.record_answer(post, answer("U1", False), RULES)
    await store.record_answer(post, answer("U2", True), RULES)
    await store.record_practice(c.id, answer("U1", True), None)
    await store.record_practice(c.id, answer("U1", False), card_rule("U1"))
    mine = {(t.question_id, t.source): (t.answered, t.correct) for t in await store.member_tallies(c.id, "U1")}
    assert mine == {("q1", "daily"): (1, 0), ("q1", "practice"): (2, 1)}
    [channel_wide] = await store.channel_tallies(c.id)
    assert (channel_wide.posted, channel_wide.answered, channel_wide.correct) == (1, 2, 1)  # daily only
    assert (await store.get_review_card("test", "U1", "q1")).misses == 1
    assert await store.correct_dates(c.id, "U2") == [DAY] and await store.correct_dates(c.id, "U1") == []
