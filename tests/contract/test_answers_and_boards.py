"""The contract, part 3: answers (first click counts, ranks, one commit), boards and tallies."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

from bot.core.models import BoardRow, ChannelSettings
from bot.core.ports import AnswerRules, Store
from bot.store.answers import WEEK_POINTS
from bot.store.boards import RANK
from tests.contract.helpers import (
    BEFORE,
    DAY,
    NOW,
    RULES,
    TENS,
    THIS,
    answer,
    answer_days,
    card_rule,
    channel,
    most_improved,
    plan,
    sent_post,
    week,
)


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


async def test_a_posts_answers_carry_each_members_name_on_the_posts_platform(store):
    """What the reveal lists: in click order, each member by the name this platform knows (a member it
    never named by their id), never the name of the same id on another platform."""
    c = await channel(store)
    post = await sent_post(store, c.id)
    await store.remember_member("test", "U1", "Ada")
    await store.remember_member("other", "U2", "Not on this platform")
    await store.remember_member("test", "U3", "Grace")
    for n, user in enumerate(("U3", "U2", "U1")):
        await store.record_answer(post, answer(user, n != 1, at=NOW + timedelta(seconds=n)), RULES)
    stored = await store.answers_to(post.id)
    assert [(a[0], a[1], a[3]) for a in stored] == [("U3", "Grace", True), ("U2", "U2", False), ("U1", "Ada", True)]


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


async def test_every_members_rank_is_their_place_on_the_whole_board(store):
    """Ties on points, then on correct answers, then on who began first (the same instant too): each
    member's own rank is where the full board puts them, on every period."""
    c = await channel(store)
    days = [DAY + timedelta(days=n) for n in range(3)]
    posts = [await sent_post(store, c.id, day, f"q{n}") for n, day in enumerate(days)]
    for n in range(14):
        for d, (day, post) in enumerate(zip(days, posts, strict=True)):
            if (n + d) % 4 == 3:
                continue  # some members skip a day
            right = (n * 7 + d) % 3 != 0
            at = NOW + timedelta(days=d, seconds=n % 5)  # equal first answers for some members
            await store.record_answer(post, answer(f"U{n:02d}", right, at=at, day=day, question=f"q{n % 3}"), RULES)
    for period, start in (("week", DAY), ("month", DAY.replace(day=1)), ("all", None)):
        board = await store.board(c.id, period, start, -1)
        assert len(board) == 14
        assert len({(r.points, r.correct) for r in board}) < 14  # the board has ties to break
        for place, row in enumerate(board, start=1):
            assert await store.board_rank(c.id, period, start, row.user_id) == (place, row)


async def test_a_members_rank_counts_only_the_members_ahead_in_the_ranking_index(store):
    """The members ahead: a range of board_totals_rank above the member's points (then their tie group),
    not every row of the board checked one by one. SQLite plans by the indexes alone: the range is in its
    plan. PostgreSQL plans by cost (it reads a board this small whole): its plan has the range condition,
    which it takes on board_totals_rank on a large board (2,972 members at 5M answers: 0.14 ms for the
    first member, 0.50 ms for the last; the whole board's scan took 0.44–0.49 ms for anyone)."""
    c = await channel(store)
    post = await sent_post(store, c.id)
    for n in range(30):
        await store.record_answer(post, answer(f"U{n:02d}", n % 3 != 0, at=NOW + timedelta(seconds=n)), RULES)
    where = (c.id, "all", "")
    found = await plan(store, RANK, (*where, "U07", *where, *where, "U07"))
    if store.engine.name == "postgresql":
        assert "(points > b.points)" in found and "(points = b.points)" in found
    else:
        assert "board_totals_rank" in found and "points>?" in found.replace(" ", "")


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


async def test_a_members_tallies_are_read_from_one_index(store):
    """/stats reads a member's tallies: the rows of one member lie in one range of an index that holds the
    counts too, so the read does not visit a page per row (rows written over months, among everyone's)."""
    c = await channel(store)
    post = await sent_post(store, c.id)
    await store.record_answer(post, answer("U1", False), RULES)
    if store.engine.name == "postgresql":  # plans by cost: a table this small is read whole, so ask the index
        rows = await store.engine.read(
            "SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'member_tallies'"
        )
        assert any(
            "(channel_key, user_id, question_id, source) INCLUDE (answered, correct)" in row[0] for row in rows
        ), rows
    else:  # plans by the indexes alone; its table is read through the primary key (flat at 5M answers)
        found = await plan(
            store, "SELECT question_id, source, answered, correct FROM member_tallies WHERE channel_key = ? "
            "AND user_id = ? ORDER BY question_id, source", (c.id, "U1"),
        )  # fmt: skip
        assert "USING INDEX sqlite_autoindex_member_tallies_1 (channel_key=? AND user_id=?)" in found, found


# The most improved member (the weekly insight), over the weeks BEFORE and THIS (tests/contract/helpers.py).


async def most_improved_checked(store: Store, c: ChannelSettings) -> tuple[str, int, int] | None:
    """The store's answer, checked against the insight computed in Python from the two whole boards."""
    found = await store.most_improved(c.id, THIS)
    expected = most_improved(await store.board(c.id, "week", THIS, -1), await store.board(c.id, "week", BEFORE, -1))
    assert found == expected
    return None if found is None else (found[0].name, found[0].points, found[1])


async def test_the_most_improved_member_rose_most_over_the_week_before(store):
    c = await channel(store)
    await answer_days(store, c, "U1", {**week(BEFORE, 3), **week(THIS, 1)})  # fell: 30 -> 10
    await answer_days(store, c, "U2", {**week(BEFORE, 1), **week(THIS, 3)})  # rose: 10 -> 30
    await answer_days(store, c, "U3", week(THIS, 4))  # 40, but nothing the week before: not counted
    await answer_days(store, c, "U4", {**week(BEFORE, 0, 1), **week(THIS, 2)})  # 0 -> 20: as much as U2, fewer points
    assert await most_improved_checked(store, c) == ("U2", 30, 20)
    # Same rise and same points: the name decides, not the user id.
    await store.remember_member("test", "U5", "Zed")
    await store.remember_member("test", "U6", "Amy")
    for user in ("U5", "U6"):
        await answer_days(store, c, user, {**week(BEFORE, 1), **week(THIS, 4)})  # 10 -> 40
    assert await most_improved_checked(store, c) == ("Amy", 40, 30)


async def test_nobody_rose_nobody_is_most_improved(store):
    c = await channel(store)
    assert await most_improved_checked(store, c) is None
    await answer_days(store, c, "U1", {**week(BEFORE, 2), **week(THIS, 2)})  # the same: no rise
    await answer_days(store, c, "U2", week(THIS, 3))  # new this week
    assert await most_improved_checked(store, c) is None


async def test_misses_count_as_answered_and_leave_the_points_the_correct_answers_and_the_rise_alone(store):
    c = await channel(store)
    await answer_days(store, c, "U1", {**week(BEFORE, 1), **week(THIS, 2, 2)})  # 10 -> 20, then two misses
    await answer_days(store, c, "U2", {**week(BEFORE, 1), **week(THIS, 0, 1)})  # 10 -> 0: a week of one miss

    def totals(board: list[BoardRow]) -> dict[str, tuple[int, int, int]]:
        return {r.user_id: (r.points, r.correct, r.answered) for r in board}

    assert totals(await store.board(c.id, "week", THIS, 10)) == {"U1": (20, 2, 4), "U2": (0, 0, 1)}
    # November holds the week before and this week's Monday (the 30th); December the rest of this week.
    assert totals(await store.board(c.id, "month", date(2026, 11, 1), 10)) == {"U1": (20, 2, 2), "U2": (10, 1, 2)}
    assert totals(await store.board(c.id, "month", date(2026, 12, 1), 10)) == {"U1": (10, 1, 3)}
    assert totals(await store.board(c.id, "all", None, 10)) == {"U1": (30, 3, 5), "U2": (10, 1, 2)}
    assert await most_improved_checked(store, c) == ("U1", 20, 10)


async def test_a_late_answer_to_last_weeks_post_changes_this_weeks_rise(store):
    """The board period is the post's week: last Sunday's post, still open on Monday, takes answers into
    last week after this week's rows exist."""
    c = await channel(store)
    sunday = THIS - timedelta(days=1)
    late = await sent_post(store, c.id, sunday)
    await answer_days(store, c, "U1", {**week(BEFORE, 1), **week(THIS, 3)})  # 10 -> 30
    await answer_days(store, c, "U2", {**week(BEFORE, 1), **week(THIS, 3)})  # 10 -> 30: U1 first by name
    await answer_days(store, c, "U3", week(THIS, 4))  # new this week
    assert await most_improved_checked(store, c) == ("U1", 30, 20)
    at = NOW + timedelta(days=7, hours=3)  # Monday morning, this week
    await store.record_answer(late, answer("U1", True, day=sunday, at=at), TENS)  # U1: 20 -> 30
    assert await most_improved_checked(store, c) == ("U2", 30, 20)
    await store.record_answer(late, answer("U3", True, day=sunday, at=at), TENS)  # U3: 10 -> 40
    assert await most_improved_checked(store, c) == ("U3", 40, 30)


async def test_one_burst_answering_last_weeks_post_and_this_weeks_keeps_both_rises(store):
    c = await channel(store)
    sunday, monday = THIS - timedelta(days=1), THIS
    late, today = await sent_post(store, c.id, sunday), await sent_post(store, c.id, monday)
    tuesday_on = {THIS + timedelta(days=n): True for n in (1, 2, 3)}
    await answer_days(store, c, "U1", {BEFORE: True, **tuesday_on})  # 10 -> 30
    await answer_days(store, c, "U2", {BEFORE: True, **dict(list(tuesday_on.items())[:2])})  # 10 -> 20
    assert await most_improved_checked(store, c) == ("U1", 30, 20)
    # One batch: U1 late to Sunday's post (20 -> 30), U2 (20 -> 30) and U3 (new) to Monday's.
    await asyncio.gather(
        store.record_answer(late, answer("U1", True, day=sunday), TENS),
        store.record_answer(today, answer("U2", True, day=monday), TENS),
        store.record_answer(today, answer("U3", True, day=monday), TENS),
    )
    assert await most_improved_checked(store, c) == ("U2", 30, 20)


async def test_a_members_week_before_is_found_by_its_key_not_by_scanning_the_weeks_ranking(store):
    """Every answer's week row reads the member's points of the week before. Without statistics (a new
    week, a new table), PostgreSQL once read them from the ranking index, where the member comes after the
    points: each answer of a burst scanned the channel's whole week."""
    c = await channel(store)
    for n in range(40):
        await answer_days(store, c, f"U{n:02d}", {**week(BEFORE, 1), **week(THIS, 1)})
    found = await plan(store, WEEK_POINTS, (c.id, BEFORE.isoformat(), "U07"))
    assert "board_totals_rank" not in found
    assert "board_totals_pkey" in found or "sqlite_autoindex_board_totals" in found
