"""Answers: the first click per member counts; its rank, the boards' totals, the tallies and the review
card of a miss are written in the answer's own commit, a whole burst of clicks at a time."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any

from bot.core.models import AnswerOutcome, Periods, Post, ReviewCard
from bot.core.ports import AnswerRules, NewAnswer, ReviewRule, StoreError
from bot.store.codec import decode_picked, encode_picked, from_ms, to_ms
from bot.store.engine import BatchGroup, Engine, Tx
from bot.store.rows import card_from_row, marks


@dataclass(frozen=True)
class _Click:
    post: Post
    answer: NewAnswer
    rules: AnswerRules


@dataclass(slots=True)
class _Total:
    points: int = 0
    correct: int = 0
    answered: int = 0
    first_at: int = 2**62


CardKey = tuple[str, str, str]  # platform, user, question


async def write_cards(
    tx: Tx,
    misses: Iterable[tuple[str, str, str, ReviewRule]],
    now: datetime,
    known: dict[CardKey, ReviewCard] | None = None,
) -> None:
    """Each miss's review card, from the card as it is in this transaction (or none); `known`: the cards
    of these keys already read (locked) in this transaction."""
    misses = list(misses)
    if not misses:
        return
    keys = sorted({(p, u, q) for p, u, q, _ in misses})
    if known is None:
        known = await read_cards(tx, keys)
    cards: dict[CardKey, ReviewCard | None] = {k: known.get(k) for k in keys}
    for platform, user_id, question_id, rule in misses:
        cards[(platform, user_id, question_id)] = rule(cards[(platform, user_id, question_id)])
    await tx.queue(
        """
        INSERT INTO review_cards (platform, user_id, question_id, fsrs, due_at, misses, reviews, leech,
                                  created_at, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (platform, user_id, question_id) DO UPDATE SET fsrs = excluded.fsrs, due_at = excluded.due_at,
            misses = excluded.misses, reviews = excluded.reviews, leech = excluded.leech,
            updated_at = excluded.updated_at
        """,
        [
            (c.platform, c.user_id, c.question_id, c.fsrs, to_ms(c.due), c.misses, c.reviews, int(c.leech),
             to_ms(now), to_ms(now))
            for c in (cards[k] for k in keys)
            if c is not None
        ],
        distinct=True,
    )  # fmt: skip


async def read_cards(tx: Tx, keys: Iterable[CardKey]) -> dict[CardKey, ReviewCard]:
    """The cards there are of these keys, locked for this transaction: read per platform with two IN lists
    (a burst is one question and many members)."""
    wanted = set(keys)
    found: dict[CardKey, ReviewCard] = {}
    for platform in sorted({p for p, _, _ in wanted}):
        users = sorted({u for p, u, _ in wanted if p == platform})
        questions = sorted({q for p, _, q in wanted if p == platform})
        rows = await tx.fetch(
            f"SELECT * FROM review_cards WHERE platform = ? AND user_id IN ({marks(users)}) "
            f"AND question_id IN ({marks(questions)}){tx.lock}",
            [platform, *users, *questions],
        )
        for row in rows:
            key = (row["platform"], row["user_id"], row["question_id"])
            if key in wanted:  # the read may bring a member's card of another question of the batch
                found[key] = card_from_row(row)
    return found


async def add_member_tallies(tx: Tx, rows: Iterable[tuple[int, str, str, str, int, int]]) -> None:
    """(channel_key, user_id, question_id, source, answered, correct) added to the member's tallies."""
    await tx.queue(
        """
        INSERT INTO member_tallies (channel_key, user_id, question_id, source, answered, correct)
        VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT (channel_key, user_id, question_id, source) DO UPDATE SET
            answered = member_tallies.answered + excluded.answered, correct = member_tallies.correct + excluded.correct
        """,
        list(rows),
        distinct=True,
    )


async def _record_clicks(tx: Tx, clicks: list[_Click]) -> list[AnswerOutcome | Exception]:
    post_ids = sorted({c.post.id for c in clicks})
    posts = {
        r["id"]: r
        for r in await tx.fetch(
            f"SELECT id, channel_key, closed_at, correct, answered FROM posts WHERE id IN ({marks(post_ids)}) "
            f"ORDER BY id{tx.lock}",
            post_ids,
        )
    }
    users = sorted({c.answer.user_id for c in clicks})
    existing: dict[tuple[int, str], Any] = {
        (r["post_id"], r["user_id"]): r
        for r in await tx.fetch(
            f"SELECT post_id, user_id, picked, correct, points FROM answers "
            f"WHERE post_id IN ({marks(post_ids)}) AND user_id IN ({marks(users)})",
            [*post_ids, *users],
        )
    }
    # Every card a miss of this batch may change, read now: the rest of the batch's statements are then
    # queued (PostgreSQL runs them while the rules are applied here; SQLite once they are done).
    cards = await read_cards(
        tx, ((c.answer.platform, c.answer.user_id, c.answer.question_id) for c in clicks if not c.answer.correct)
    )
    correct_so_far = {pid: int(row["correct"]) for pid, row in posts.items()}
    answered_so_far = {pid: int(row["answered"]) for pid, row in posts.items()}
    outcomes: list[AnswerOutcome | Exception] = []
    answers, misses = [], []
    for click in clicks:
        post, answer = posts.get(click.post.id), click.answer
        if post is None:
            outcomes.append(StoreError(f"post {click.post.id} does not exist"))
            continue
        if post["closed_at"] is not None:  # the reveal was claimed first: it must show every answer it counts
            outcomes.append(AnswerOutcome(False, False, 0, None, answer.picked, closed=True))
            continue
        known = existing.get((click.post.id, answer.user_id))
        if known is not None:
            picked = decode_picked(known["picked"]) if isinstance(known["picked"], str) else known["picked"]
            outcomes.append(AnswerOutcome(False, bool(known["correct"]), int(known["points"]), None, picked))
            continue
        rank = None
        if answer.correct:
            correct_so_far[click.post.id] += 1
            rank = correct_so_far[click.post.id]
        points = click.rules.points_for(rank)
        existing[(click.post.id, answer.user_id)] = {
            "picked": answer.picked,
            "correct": int(answer.correct),
            "points": points,
        }
        answered_so_far[click.post.id] += 1
        answers.append((click, int(post["channel_key"]), points, answered_so_far[click.post.id]))
        if not answer.correct and click.rules.on_miss is not None:
            misses.append((answer.platform, answer.user_id, answer.question_id, click.rules.on_miss))
        outcomes.append(AnswerOutcome(True, answer.correct, points, rank, answer.picked))
    if answers:
        await _write_answers(tx, answers)
        await write_cards(tx, misses, max(c.answer.at for c, _, _, _ in answers), cards)
    return outcomes


# The member's points of another week, found by the row's whole key (PostgreSQL's primary key carries the
# points so that the planner never scans the week's ranking for them: schema 5 there).
WEEK_POINTS = """
    SELECT p.points FROM board_totals p
    WHERE p.channel_key = ? AND p.period = 'week' AND p.period_start = ? AND p.user_id = ?"""
# A week row's rise: its points minus the same member's points the week before, NULL without such a row.
# Kept by the week's upsert itself (a new row computes it, an existing one adds the points it gains), and
# computed again by RISE on the week after a late answer's week.
WEEK_UPSERT = f"""
    INSERT INTO board_totals (channel_key, period, period_start, user_id, points, correct, answered, first_at, rise)
    VALUES (?, 'week', ?, ?, ?, ?, ?, ?, ? - ({WEEK_POINTS}))
    ON CONFLICT (channel_key, period, period_start, user_id) DO UPDATE SET
        points = board_totals.points + excluded.points, correct = board_totals.correct + excluded.correct,
        answered = board_totals.answered + excluded.answered, rise = board_totals.rise + excluded.points
"""
TOTALS_UPSERT = """
    INSERT INTO board_totals (channel_key, period, period_start, user_id, points, correct, answered, first_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (channel_key, period, period_start, user_id) DO UPDATE SET
        points = board_totals.points + excluded.points, correct = board_totals.correct + excluded.correct,
        answered = board_totals.answered + excluded.answered
"""
RISE = f"""
    UPDATE board_totals SET rise = points - ({WEEK_POINTS})
    WHERE channel_key = ? AND period = 'week' AND period_start = ? AND user_id = ?
"""


@lru_cache(maxsize=64)
def week_before(start: str) -> str:
    return (date.fromisoformat(start) - timedelta(weeks=1)).isoformat()


@lru_cache(maxsize=64)
def week_after(start: str) -> date:
    return date.fromisoformat(start) + timedelta(weeks=1)


def rise_updates(
    weeks: Iterable[tuple[int, str, str, str]], answered: date
) -> list[tuple[int, str, str, int, str, str]]:
    """RISE's parameters for the week after each week whose points changed: the period is the post's
    week, so a late answer to last Sunday's post changes last week's points after this week's row
    exists. Skipped while that week cannot have begun anywhere (its Monday more than a day after
    `answered`, the batch's latest date of an answer in UTC or of a post): no row of it exists yet, and
    answers within their week are the common case."""
    found = set()
    latest = answered + timedelta(days=1)
    for channel, _, start, user in weeks:
        following = week_after(start)
        if following <= latest:
            found.add((channel, start, user, channel, following.isoformat(), user))
    return sorted(found)


async def _write_totals(tx: Tx, totals: dict[tuple[int, str, str, str], _Total], answered: date) -> None:
    """The boards' totals. The month and all-time rows first: on PostgreSQL the all-time row's lock then
    orders two transactions of one member, so the later one's week rows read the weeks before as the
    earlier one committed them."""
    await tx.queue(
        TOTALS_UPSERT,
        [(*key, t.points, t.correct, t.answered, t.first_at) for key, t in totals.items() if key[1] != "week"],
        distinct=True,
    )
    weeks = [key for key in totals if key[1] == "week"]
    await tx.queue(
        WEEK_UPSERT,
        [
            (ch, start, user, t.points, t.correct, t.answered, t.first_at, t.points, ch, week_before(start), user)
            for ch, _, start, user in weeks
            for t in (totals[(ch, "week", start, user)],)
        ],
        distinct=True,  # a row's subquery reads the week before, which RISE sets right after
    )
    await tx.queue(RISE, rise_updates(weeks, answered))


async def _write_answers(tx: Tx, answers: list[tuple[_Click, int, int, int]]) -> None:
    """The answers first, then their aggregates, summed here (PostgreSQL writes the answers meanwhile)."""
    await tx.queue(
        "INSERT INTO answers (post_id, user_id, channel_key, picked, correct, points, answered_at, seq) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (c.post.id, c.answer.user_id, channel, encode_picked(c.answer.picked), int(c.answer.correct), points,
             to_ms(c.answer.at), seq)
            for c, channel, points, seq in answers
        ],
        distinct=True,
    )  # fmt: skip
    per_post: dict[int, list[int]] = {}
    totals: dict[tuple[int, str, str, str], _Total] = {}
    tallies: dict[tuple[int, str, str], list[int]] = {}
    starts: dict[Periods, tuple[tuple[str, str], ...]] = {}  # a burst's answers share a post, so its periods
    for click, channel, points, _ in answers:
        answer = click.answer
        at, ok, user = to_ms(answer.at), int(answer.correct), answer.user_id
        counts = per_post.setdefault(click.post.id, [0, 0])
        counts[0] += 1
        counts[1] += ok
        periods = starts.get(answer.periods)
        if periods is None:
            periods = starts[answer.periods] = (
                ("week", answer.periods.week_start.isoformat()),
                ("month", answer.periods.month_start.isoformat()),
                ("all", ""),
            )
        for period, start in periods:
            total = totals.get((channel, period, start, user))
            if total is None:
                total = totals[(channel, period, start, user)] = _Total(first_at=at)
            total.points += points
            total.correct += ok
            total.answered += 1
            if at < total.first_at:
                total.first_at = at
        tally = tallies.setdefault((channel, user, answer.question_id), [0, 0])
        tally[0] += 1
        tally[1] += ok
    await tx.queue(
        "UPDATE posts SET answered = answered + ?, correct = correct + ? WHERE id = ?",
        [(n, ok, pid) for pid, (n, ok) in per_post.items()],
    )
    latest = max(
        max(c.answer.at for c, _, _, _ in answers).astimezone(UTC).date(),
        max(c.post.local_date for c, _, _, _ in answers),
    )
    await _write_totals(tx, totals, latest)
    await add_member_tallies(tx, [(ch, u, q, "daily", n, ok) for (ch, u, q), (n, ok) in tallies.items()])
    per_question: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0])
    for (channel, _, question), (n, ok) in tallies.items():
        per_question[(channel, question)][0] += n
        per_question[(channel, question)][1] += ok
    await tx.queue(
        """
        INSERT INTO channel_tallies (channel_key, question_id, answered, correct) VALUES (?, ?, ?, ?)
        ON CONFLICT (channel_key, question_id) DO UPDATE SET answered = channel_tallies.answered + excluded.answered,
            correct = channel_tallies.correct + excluded.correct
        """,
        [(ch, q, n, ok) for (ch, q), (n, ok) in per_question.items()],
        distinct=True,
    )


ANSWERS = BatchGroup("answers", _record_clicks)


class Answers:
    engine: Engine

    async def record_answer(self, post: Post, answer: NewAnswer, rules: AnswerRules) -> AnswerOutcome:
        outcome: AnswerOutcome = await self.engine.write_in(ANSWERS, _Click(post, answer, rules))
        return outcome

    async def answers_to(self, post_id: int) -> list[tuple[str, str, frozenset[int], bool, int, datetime]]:
        # Each name by its key, one lookup per answer: as a join, PostgreSQL's planner (expecting ~50 answers
        # a post) hashed the whole users table for a post's 20 (0.5 ms at 100k answers, 1.9 ms at 1M).
        rows = await self.engine.read(
            """
            SELECT a.user_id,
                   COALESCE((SELECT u.name FROM users u WHERE u.platform = c.platform AND u.user_id = a.user_id),
                            a.user_id) AS name,
                   a.picked, a.correct, a.points, a.answered_at
            FROM answers a
            JOIN channels c ON c.id = a.channel_key
            WHERE a.post_id = ?
            ORDER BY a.seq, a.answered_at
            """,
            (post_id,),
        )
        return [
            (r[0], r[1], decode_picked(r[2]), bool(r[3]), int(r[4]), from_ms(r[5]) or datetime.min.replace(tzinfo=UTC))
            for r in rows
        ]

    async def answer_count(self, post_id: int) -> int:
        rows = await self.engine.read("SELECT answered FROM posts WHERE id = ?", (post_id,))
        return int(rows[0][0]) if rows else 0

    async def record_practice(self, channel_key: int, answer: NewAnswer, on_miss: ReviewRule | None) -> None:
        async def record(tx: Tx) -> None:
            await tx.execute(
                "INSERT INTO practice (channel_key, user_id, question_id, picked, correct, answered_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (
                    channel_key,
                    answer.user_id,
                    answer.question_id,
                    encode_picked(answer.picked),
                    int(answer.correct),
                    to_ms(answer.at),
                ),
            )
            await add_member_tallies(
                tx, [(channel_key, answer.user_id, answer.question_id, "practice", 1, int(answer.correct))]
            )
            if not answer.correct and on_miss is not None:
                await write_cards(tx, [(answer.platform, answer.user_id, answer.question_id, on_miss)], answer.at)

        await self.engine.write(record)
