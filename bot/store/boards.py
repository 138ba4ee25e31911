"""Boards and tallies, read from the aggregates the answers keep: the same cost at any history length."""

from __future__ import annotations

from datetime import date

from bot.core.models import BoardRow, QuestionTally
from bot.store.engine import Engine

# A member's rank: the members ahead of them, counted in two ranges of board_totals_rank (more points;
# the same points and ahead on the ties), so the count reads the members ahead, not the whole board.
RANK = """
    WITH me AS (
        SELECT b.points, b.correct, b.answered, b.first_at, COALESCE(u.name, b.user_id) AS name
        FROM board_totals b
        JOIN channels c ON c.id = b.channel_key
        LEFT JOIN users u ON u.platform = c.platform AND u.user_id = b.user_id
        WHERE b.channel_key = ? AND b.period = ? AND b.period_start = ? AND b.user_id = ?
    )
    SELECT me.points, me.correct, me.answered, me.name,
        (SELECT COUNT(*) FROM board_totals o
         WHERE o.channel_key = ? AND o.period = ? AND o.period_start = ? AND o.points > me.points)
        + (SELECT COUNT(*) FROM board_totals o
           WHERE o.channel_key = ? AND o.period = ? AND o.period_start = ? AND o.points = me.points
             AND (o.correct > me.correct OR (o.correct = me.correct
                  AND (o.first_at < me.first_at OR (o.first_at = me.first_at AND o.user_id < ?)))))
    FROM me
"""


def _period(period: str, start: date | None) -> tuple[str, str]:
    if period not in ("week", "month", "all"):
        raise ValueError(f"unknown board period {period!r}")
    return period, "" if period == "all" or start is None else start.isoformat()


class Boards:
    engine: Engine

    async def board(self, channel_key: int, period: str, start: date | None, limit: int) -> list[BoardRow]:
        kind, begins = _period(period, start)
        rows = await self.engine.read(
            """
            SELECT b.user_id, COALESCE(u.name, b.user_id), b.points, b.correct, b.answered
            FROM board_totals b
            JOIN channels c ON c.id = b.channel_key
            LEFT JOIN users u ON u.platform = c.platform AND u.user_id = b.user_id
            WHERE b.channel_key = ? AND b.period = ? AND b.period_start = ?
            ORDER BY b.points DESC, b.correct DESC, b.first_at, b.user_id
            LIMIT ?
            """,
            (channel_key, kind, begins, limit if limit >= 0 else 1_000_000),
        )
        return [BoardRow(r[0], r[1], int(r[2]), int(r[3]), int(r[4])) for r in rows]

    async def board_rank(
        self, channel_key: int, period: str, start: date | None, user_id: str
    ) -> tuple[int, BoardRow] | None:
        kind, begins = _period(period, start)
        where = (channel_key, kind, begins)
        rows = await self.engine.read(RANK, (*where, user_id, *where, *where, user_id))
        if not rows:
            return None
        points, correct, answered, name, ahead = rows[0]
        return int(ahead) + 1, BoardRow(user_id, name, int(points), int(correct), int(answered))

    async def most_improved(self, channel_key: int, monday: date) -> tuple[BoardRow, int] | None:
        """The member whose week of `monday` rose most in points over the week before (both weeks answered);
        ties: more points this week, then name. The rise is kept with the row: one seek in board_totals_rise, read
        until the first tie group of (rise, points) is sorted by name. board_totals drives the query (no inner
        join the planner could put first, as it does when a file holds a single channel)."""
        rows = await self.engine.read(
            """
            SELECT b.user_id, COALESCE(u.name, b.user_id) AS name, b.points, b.correct, b.answered, b.rise
            FROM board_totals b
            LEFT JOIN users u ON u.platform = (SELECT platform FROM channels WHERE id = ?) AND u.user_id = b.user_id
            WHERE b.channel_key = ? AND b.period = 'week' AND b.period_start = ? AND b.rise > 0
            ORDER BY b.rise DESC, b.points DESC, name
            LIMIT 1
            """,
            (channel_key, channel_key, monday.isoformat()),
        )
        if not rows:
            return None
        r = rows[0]
        return BoardRow(r[0], r[1], int(r[2]), int(r[3]), int(r[4])), int(r[5])

    async def correct_dates(self, channel_key: int, user_id: str) -> list[date]:
        rows = await self.engine.read(
            """
            SELECT p.local_date FROM answers a JOIN posts p ON p.id = a.post_id
            WHERE a.channel_key = ? AND a.user_id = ? AND a.correct = 1 ORDER BY p.local_date
            """,
            (channel_key, user_id),
        )
        return [date.fromisoformat(r[0]) for r in rows]

    async def member_tallies(self, channel_key: int, user_id: str) -> list[QuestionTally]:
        rows = await self.engine.read(
            "SELECT question_id, source, answered, correct FROM member_tallies WHERE channel_key = ? AND user_id = ? "
            "ORDER BY question_id, source",
            (channel_key, user_id),
        )
        return [QuestionTally(r[0], r[1], int(r[2]), int(r[3])) for r in rows]

    async def channel_tallies(self, channel_key: int) -> list[QuestionTally]:
        rows = await self.engine.read(
            "SELECT question_id, posted, answered, correct FROM channel_tallies WHERE channel_key = ? "
            "ORDER BY question_id",
            (channel_key,),
        )
        return [QuestionTally(r[0], "daily", int(r[2]), int(r[3]), posted=int(r[1])) for r in rows]
