"""Review cards, mock exams and members' reports on questions."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime

from bot.core.models import Exam, ExamAnswer, Report, ReportOutcome, ReviewCard
from bot.core.ports import ReviewRule
from bot.store.answers import add_member_tallies, write_cards
from bot.store.codec import decode_picked, encode_picked, to_ms
from bot.store.engine import Engine, Tx
from bot.store.rows import card_from_row, exam_from_row, report_from_row


class Study:
    engine: Engine

    # --- review cards -------------------------------------------------------------------------

    async def get_review_card(self, platform: str, user_id: str, question_id: str) -> ReviewCard | None:
        rows = await self.engine.read(
            "SELECT * FROM review_cards WHERE platform = ? AND user_id = ? AND question_id = ?",
            (platform, user_id, question_id),
        )
        return card_from_row(rows[0]) if rows else None

    async def save_review_card(self, card: ReviewCard, now: datetime, previous: ReviewCard | None) -> bool:
        values = (card.fsrs, to_ms(card.due), card.misses, card.reviews, int(card.leech), to_ms(now))
        key = (card.platform, card.user_id, card.question_id)

        async def save(tx: Tx) -> bool:
            if previous is None:
                changed = await tx.execute(
                    """
                    INSERT INTO review_cards (fsrs, due_at, misses, reviews, leech, updated_at, created_at,
                                              platform, user_id, question_id)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (platform, user_id, question_id) DO NOTHING
                    """,
                    (*values, to_ms(now), *key),
                )
            else:
                changed = await tx.execute(
                    """
                    UPDATE review_cards SET fsrs = ?, due_at = ?, misses = ?, reviews = ?, leech = ?, updated_at = ?
                    WHERE platform = ? AND user_id = ? AND question_id = ? AND fsrs = ? AND misses = ? AND reviews = ?
                    """,
                    (*values, *key, previous.fsrs, previous.misses, previous.reviews),
                )
            return changed == 1

        return await self.engine.write(save)

    async def review_cards(self, platform: str, user_id: str) -> list[ReviewCard]:
        rows = await self.engine.read(
            "SELECT * FROM review_cards WHERE platform = ? AND user_id = ? ORDER BY due_at, question_id",
            (platform, user_id),
        )
        return [card_from_row(r) for r in rows]

    # --- mock exams ---------------------------------------------------------------------------

    async def create_exam(
        self, platform: str, user_id: str, channel_key: int, track: str, question_ids: Sequence[str], now: datetime
    ) -> Exam | None:
        async def create(tx: Tx) -> Exam | None:
            rows = await tx.fetch(
                """
                INSERT INTO exams (platform, user_id, channel_key, track, question_ids, started_at)
                VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (platform, user_id) WHERE status = 'open' DO NOTHING
                RETURNING *
                """,
                (platform, user_id, channel_key, track, json.dumps(list(question_ids)), to_ms(now)),
            )
            return exam_from_row(rows[0]) if rows else None

        return await self.engine.write(create)

    async def open_exam(self, platform: str, user_id: str) -> Exam | None:
        rows = await self.engine.read(
            "SELECT * FROM exams WHERE platform = ? AND user_id = ? AND status = 'open'", (platform, user_id)
        )
        return exam_from_row(rows[0]) if rows else None

    async def get_exam(self, exam_id: int) -> Exam | None:
        rows = await self.engine.read("SELECT * FROM exams WHERE id = ?", (exam_id,))
        return exam_from_row(rows[0]) if rows else None

    async def record_exam_answer(
        self, exam_id: int, position: int, question_id: str, picked: frozenset[int], correct: bool, now: datetime
    ) -> bool:
        async def record(tx: Tx) -> bool:
            changed = await tx.execute(
                """
                INSERT INTO exam_answers (exam_id, position, question_id, picked, correct, answered_at)
                SELECT CAST(? AS BIGINT), CAST(? AS INTEGER), CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS INTEGER),
                       CAST(? AS BIGINT)
                WHERE EXISTS (SELECT 1 FROM exams WHERE id = ? AND status = 'open')
                ON CONFLICT (exam_id, position) DO NOTHING
                """,
                (exam_id, position, question_id, encode_picked(picked), int(correct), to_ms(now), exam_id),
            )
            return changed == 1

        return await self.engine.write(record)

    async def exam_answers(self, exam_id: int) -> list[ExamAnswer]:
        rows = await self.engine.read(
            "SELECT position, question_id, picked, correct FROM exam_answers WHERE exam_id = ? ORDER BY position",
            (exam_id,),
        )
        return [ExamAnswer(int(r[0]), r[1], decode_picked(r[2]), bool(r[3])) for r in rows]

    async def end_exam(
        self, exam_id: int, status: str, now: datetime, on_miss: Callable[[str], ReviewRule] | None = None
    ) -> bool:
        assert status in ("finished", "abandoned")

        async def end(tx: Tx) -> bool:
            rows = await tx.fetch(
                "UPDATE exams SET status = ?, finished_at = ? WHERE id = ? AND status = 'open' "
                "RETURNING platform, user_id, channel_key",
                (status, to_ms(now), exam_id),
            )
            if not rows or status != "finished":
                return bool(rows)
            platform, user_id, channel_key = rows[0]["platform"], rows[0]["user_id"], int(rows[0]["channel_key"])
            # picked '' marks a question skipped because it left the bank mid-exam: not an answer.
            answers = await tx.fetch(
                "SELECT question_id, correct FROM exam_answers WHERE exam_id = ? AND picked != '' ORDER BY position",
                (exam_id,),
            )
            tallies: dict[str, list[int]] = {}
            for answer in answers:
                tally = tallies.setdefault(answer["question_id"], [0, 0])
                tally[0] += 1
                tally[1] += int(answer["correct"])
            await add_member_tallies(tx, [(channel_key, user_id, q, "exam", n, ok) for q, (n, ok) in tallies.items()])
            if on_miss is not None:
                missed = sorted({a["question_id"] for a in answers if not a["correct"]})
                await write_cards(tx, [(platform, user_id, q, on_miss(q)) for q in missed], now)
            return True

        return await self.engine.write(end)

    # --- reports --------------------------------------------------------------------------------

    async def add_report(
        self,
        platform: str,
        channel_key: int,
        user_id: str,
        question_id: str,
        reason: str,
        note: str,
        now: datetime,
        *,
        open_limit: int = 0,
    ) -> ReportOutcome:
        async def add(tx: Tx) -> ReportOutcome:
            # One open report per member and question (a unique index): a repeat updates it.
            rows = await tx.fetch(
                "UPDATE reports SET reason = ?, note = ? "
                "WHERE platform = ? AND user_id = ? AND question_id = ? AND status = 'open' RETURNING id",
                (reason, note, platform, user_id, question_id),
            )
            if rows:
                return ReportOutcome(await _report(tx, int(rows[0]["id"])), updated=True)
            if open_limit:
                # Two new reports (on different questions) at one moment may both pass the count: the limit
                # is a brake on a flood, not an exact count. One open report per question always holds.
                counted = await tx.fetch(
                    "SELECT COUNT(*) FROM reports WHERE platform = ? AND user_id = ? AND status = 'open'",
                    (platform, user_id),
                )
                if int(counted[0][0]) >= open_limit:
                    return ReportOutcome(None)
            rows = await tx.fetch(
                "INSERT INTO reports (platform, channel_key, user_id, question_id, reason, note, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (platform, user_id, question_id) WHERE status = 'open' "
                "DO UPDATE SET reason = excluded.reason, note = excluded.note RETURNING id, created_at",
                (platform, channel_key, user_id, question_id, reason, note, to_ms(now)),
            )
            # A conflict means another process inserted it a moment ago: that one is older than `now`.
            report = await _report(tx, int(rows[0]["id"]))
            return ReportOutcome(report, updated=int(rows[0]["created_at"]) != to_ms(now))

        return await self.engine.write(add)

    async def reports(
        self,
        status: str | None = "open",
        limit: int = 100,
        *,
        platform: str | None = None,
        team_id: str | None = None,
    ) -> list[Report]:
        where, params = _team(platform, team_id)
        if status is not None:
            where, params = f"{where} AND r.status = ?", (*params, status)
        rows = await self.engine.read(f"{REPORTS} WHERE 1 = 1{where} ORDER BY r.id DESC LIMIT ?", (*params, limit))
        return [report_from_row(r) for r in rows]

    async def get_report(
        self, report_id: int, *, platform: str | None = None, team_id: str | None = None
    ) -> Report | None:
        where, params = _team(platform, team_id)
        rows = await self.engine.read(f"{REPORTS} WHERE r.id = ?{where}", (report_id, *params))
        return report_from_row(rows[0]) if rows else None

    async def close_report(self, report_id: int, now: datetime) -> bool:
        async def close(tx: Tx) -> bool:
            changed = await tx.execute(
                "UPDATE reports SET status = 'closed', closed_at = ? WHERE id = ? AND status = 'open'",
                (to_ms(now), report_id),
            )
            return changed == 1

        return await self.engine.write(close)


# A report with where it was made and the reporter's name, for listings.
REPORTS = (
    "SELECT r.*, c.team_id, c.channel_id, u.name AS user_name FROM reports r "
    "JOIN channels c ON c.id = r.channel_key "
    "LEFT JOIN users u ON u.platform = r.platform AND u.user_id = r.user_id"
)


def _team(platform: str | None, team_id: str | None) -> tuple[str, tuple[str, ...]]:
    """The filter to one platform (and one team of it), as SQL to append and its parameters."""
    if platform is None:
        return "", ()
    if team_id is None:
        return " AND r.platform = ?", (platform,)
    return " AND r.platform = ? AND c.team_id = ?", (platform, team_id)


async def _report(tx: Tx, report_id: int) -> Report:
    rows = await tx.fetch(f"{REPORTS} WHERE r.id = ?", (report_id,))
    return report_from_row(rows[0])
