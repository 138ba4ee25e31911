"""SQL for study features (question choice, review cards, mock exams), mixed into SqliteStore.

Kept apart from sqlite.py so that neither module grows past a readable size; it uses the same
connection and the same serialized writes.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.core.models import Exam, ExamAnswer, ReviewCard
from bot.store.codec import at_ms, decode_picked, encode_picked, to_ms


def _card_from_row(row: sqlite3.Row) -> ReviewCard:
    return ReviewCard(
        platform=row["platform"],
        user_id=row["user_id"],
        question_id=row["question_id"],
        fsrs=row["fsrs"],
        due=at_ms(row["due_at"]),
        misses=row["misses"],
        reviews=row["reviews"],
        leech=bool(row["leech"]),
    )


def _exam_from_row(row: sqlite3.Row) -> Exam:
    return Exam(
        id=row["id"],
        platform=row["platform"],
        user_id=row["user_id"],
        channel_key=row["channel_key"],
        track=row["track"],
        question_ids=tuple(json.loads(row["question_ids"])),
        status=row["status"],
        started_at=at_ms(row["started_at"]),
        finished_at=at_ms(row["finished_at"]) if row["finished_at"] is not None else None,
    )


class StudyQueries:
    """Needs `_fetchone`, `_fetchall` and `_write` from SqliteStore."""

    if TYPE_CHECKING:

        async def _fetchone(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Row | None: ...

        async def _fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]: ...

        async def _write(self, sql: str, params: Sequence[Any] = ()) -> tuple[list[sqlite3.Row], int]: ...

    # --- question choice --------------------------------------------------------------------

    async def question_use_counts(self, channel_key: int) -> dict[str, int]:
        rows = await self._fetchall(
            "SELECT question_id, COUNT(*) FROM posts WHERE channel_key = ? GROUP BY question_id", (channel_key,)
        )
        return {r[0]: int(r[1]) for r in rows}

    async def channel_answers(
        self, channel_key: int, start: datetime | None, end: datetime | None
    ) -> list[tuple[str, str, bool, int]]:
        rows = await self._fetchall(
            """
            SELECT a.user_id, p.question_id, a.correct, a.points FROM answers a JOIN posts p ON p.id = a.post_id
            WHERE a.channel_key = ? AND a.answered_at >= ? AND a.answered_at < ?
            ORDER BY a.answered_at, a.rowid
            """,
            (channel_key, to_ms(start) if start else 0, to_ms(end) if end else 2**62),
        )
        return [(r[0], r[1], bool(r[2]), int(r[3])) for r in rows]

    # --- review cards -----------------------------------------------------------------------

    async def get_review_card(self, platform: str, user_id: str, question_id: str) -> ReviewCard | None:
        row = await self._fetchone(
            "SELECT * FROM review_cards WHERE platform = ? AND user_id = ? AND question_id = ?",
            (platform, user_id, question_id),
        )
        return _card_from_row(row) if row else None

    async def save_review_card(self, card: ReviewCard, now: datetime, previous: ReviewCard | None) -> bool:
        values = (card.fsrs, to_ms(card.due), card.misses, card.reviews, int(card.leech), to_ms(now))
        key = (card.platform, card.user_id, card.question_id)
        if previous is None:
            _, count = await self._write(
                """
                INSERT INTO review_cards (fsrs, due_at, misses, reviews, leech, updated_at, created_at,
                                          platform, user_id, question_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (platform, user_id, question_id) DO NOTHING
                """,
                (*values, to_ms(now), *key),
            )
            return count == 1
        _, count = await self._write(
            """
            UPDATE review_cards SET fsrs = ?, due_at = ?, misses = ?, reviews = ?, leech = ?, updated_at = ?
            WHERE platform = ? AND user_id = ? AND question_id = ? AND fsrs = ? AND misses = ? AND reviews = ?
            """,
            (*values, *key, previous.fsrs, previous.misses, previous.reviews),
        )
        return count == 1

    async def review_cards(self, platform: str, user_id: str) -> list[ReviewCard]:
        rows = await self._fetchall(
            "SELECT * FROM review_cards WHERE platform = ? AND user_id = ? ORDER BY due_at, question_id",
            (platform, user_id),
        )
        return [_card_from_row(r) for r in rows]

    # --- mock exams -------------------------------------------------------------------------

    async def create_exam(
        self, platform: str, user_id: str, channel_key: int, track: str, question_ids: Sequence[str], now: datetime
    ) -> Exam | None:
        rows, _ = await self._write(
            """
            INSERT INTO exams (platform, user_id, channel_key, track, question_ids, started_at)
            VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (platform, user_id) WHERE status = 'open' DO NOTHING
            RETURNING *
            """,
            (platform, user_id, channel_key, track, json.dumps(list(question_ids)), to_ms(now)),
        )
        return _exam_from_row(rows[0]) if rows else None

    async def open_exam(self, platform: str, user_id: str) -> Exam | None:
        row = await self._fetchone(
            "SELECT * FROM exams WHERE platform = ? AND user_id = ? AND status = 'open'", (platform, user_id)
        )
        return _exam_from_row(row) if row else None

    async def get_exam(self, exam_id: int) -> Exam | None:
        row = await self._fetchone("SELECT * FROM exams WHERE id = ?", (exam_id,))
        return _exam_from_row(row) if row else None

    async def record_exam_answer(
        self, exam_id: int, position: int, question_id: str, picked: frozenset[int], correct: bool, now: datetime
    ) -> bool:
        _, count = await self._write(
            """
            INSERT INTO exam_answers (exam_id, position, question_id, picked, correct, answered_at)
            SELECT ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM exams WHERE id = ? AND status = 'open')
            ON CONFLICT (exam_id, position) DO NOTHING
            """,
            (exam_id, position, question_id, encode_picked(picked), int(correct), to_ms(now), exam_id),
        )
        return count == 1

    async def exam_answers(self, exam_id: int) -> list[ExamAnswer]:
        rows = await self._fetchall(
            "SELECT position, question_id, picked, correct FROM exam_answers WHERE exam_id = ? ORDER BY position",
            (exam_id,),
        )
        return [ExamAnswer(r[0], r[1], decode_picked(r[2]), bool(r[3])) for r in rows]

    async def end_exam(self, exam_id: int, status: str, now: datetime) -> bool:
        _, count = await self._write(
            "UPDATE exams SET status = ?, finished_at = ? WHERE id = ? AND status = 'open'",
            (status, to_ms(now), exam_id),
        )
        return count == 1

    async def exam_history(self, channel_key: int, user_id: str) -> list[tuple[str, bool, datetime]]:
        # picked '' marks a question skipped because it left the bank mid-exam: not an answer.
        rows = await self._fetchall(
            """
            SELECT ea.question_id, ea.correct, ea.answered_at FROM exam_answers ea JOIN exams e ON e.id = ea.exam_id
            WHERE e.channel_key = ? AND e.user_id = ? AND e.status = 'finished' AND ea.picked != ''
            ORDER BY ea.answered_at, ea.exam_id, ea.position
            """,
            (channel_key, user_id),
        )
        return [(r[0], bool(r[1]), at_ms(r[2])) for r in rows]
