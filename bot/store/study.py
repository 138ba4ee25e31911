"""Review cards, mock exams and members' reports on questions."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime

from bot.core.models import Exam, ExamAnswer, Report, ReviewCard
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
        self, platform: str, channel_key: int, user_id: str, question_id: str, reason: str, note: str, now: datetime
    ) -> Report:
        async def add(tx: Tx) -> Report:
            rows = await tx.fetch(
                "INSERT INTO reports (platform, channel_key, user_id, question_id, reason, note, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING *",
                (platform, channel_key, user_id, question_id, reason, note, to_ms(now)),
            )
            return report_from_row(rows[0])

        return await self.engine.write(add)

    async def reports(self, status: str = "open", limit: int = 100) -> list[Report]:
        rows = await self.engine.read(
            "SELECT * FROM reports WHERE status = ? ORDER BY id DESC LIMIT ?", (status, limit)
        )
        return [report_from_row(r) for r in rows]

    async def close_report(self, report_id: int, now: datetime) -> bool:
        async def close(tx: Tx) -> bool:
            changed = await tx.execute(
                "UPDATE reports SET status = 'closed', closed_at = ? WHERE id = ? AND status = 'open'",
                (to_ms(now), report_id),
            )
            return changed == 1

        return await self.engine.write(close)
