"""Daily posts and the outbox: every send the bot makes on its own is a record, claimed before it is sent.

A post and its "post:<id>" record are claimed in one commit; closing a post claims its "reveal:<id>"
and "explain:<id>" records in the same commit. A record is leased to one process while it is sent and
is done only once the platform confirmed it (sent), or when it is given up (missed, failed).
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import date, datetime

from bot.core.models import OutboxRecord, Post
from bot.store.codec import at_ms, to_ms
from bot.store.engine import Engine, Tx
from bot.store.rows import outbox_from_row, post_from_row

OPEN_POST_CACHE_SIZE = 1024
DONE = ("sent", "missed", "failed")
# Every process claims the same posts, boards and reveals when they fall due together, and may lease a
# record another process claimed a moment ago: in a write batch these jobs run in this order (then by
# channel, post or record), the same in every process, so two batches never wait for each other.
RACE_CLOSE, RACE_BOARD, RACE_CLAIM, RACE_OUTBOX = 0, 1, 2, 3


async def _new_record(
    tx: Tx,
    key: str,
    kind: str,
    channel_key: int,
    now: datetime,
    expires_at: datetime,
    *,
    post_id: int | None = None,
    week_start: date | None = None,
) -> list[object]:
    return await tx.fetch(
        """
        INSERT INTO outbox (key, kind, channel_key, post_id, week_start, created_at, updated_at, due_at, expires_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (key) DO NOTHING
        RETURNING *
        """,
        (
            key,
            kind,
            channel_key,
            post_id,
            week_start.isoformat() if week_start else None,
            to_ms(now),
            to_ms(now),
            to_ms(now),
            to_ms(expires_at),
        ),
    )


# A channel's posts not closed yet whose send was at least tried; read from the partial index posts_open
# (schema 10, PostgreSQL 6), so the close job costs the same however long the channel's history.
OPEN_POSTS = """
    SELECT p.* FROM posts p JOIN outbox o ON o.key = 'post:' || p.id
    WHERE p.channel_key = ? AND p.closed_at IS NULL AND (o.state = 'sent' OR o.attempts > 0)
    ORDER BY p.local_date
"""


class Posts:
    engine: Engine

    def _init_posts(self) -> None:
        # Clicks read their post: the open ones are cached, and a burst of clicks on a post not yet cached
        # waits for one read instead of making one each. Whether it closed meanwhile is checked again
        # inside the answer's own transaction.
        self._open_posts: dict[int, Post] = {}
        self._loading: dict[int, asyncio.Future[Post | None]] = {}

    def _forget_post(self, post_id: int) -> None:
        self._open_posts.pop(post_id, None)

    def _keep_open_post(self, post: Post) -> None:
        if len(self._open_posts) >= OPEN_POST_CACHE_SIZE:
            self._open_posts.clear()
        self._open_posts[post.id] = post

    async def claim_post(
        self, channel_key: int, local_date: date, question_id: str, now: datetime, expires_at: datetime
    ) -> Post | None:
        async def claim(tx: Tx) -> Post | None:
            rows = await tx.fetch(
                """
                INSERT INTO posts (channel_key, local_date, question_id, claimed_at) VALUES (?, ?, ?, ?)
                ON CONFLICT (channel_key, local_date) DO NOTHING
                RETURNING *
                """,
                (channel_key, local_date.isoformat(), question_id, to_ms(now)),
            )
            if not rows:
                return None
            post = post_from_row(rows[0])
            await _new_record(tx, f"post:{post.id}", "post", channel_key, now, expires_at, post_id=post.id)
            await tx.execute(
                """
                INSERT INTO channel_tallies (channel_key, question_id, posted) VALUES (?, ?, 1)
                ON CONFLICT (channel_key, question_id) DO UPDATE SET posted = channel_tallies.posted + 1
                """,
                (channel_key, question_id),
            )
            return post

        post = await self.engine.write(claim, order=(RACE_CLAIM, channel_key, local_date.isoformat()))
        if post is not None:  # kept for its clicks; outbox_sent adds its message id
            self._keep_open_post(post)
        return post

    async def get_post(self, post_id: int) -> Post | None:
        if post_id in self._open_posts:
            return self._open_posts[post_id]
        loading = self._loading.get(post_id)
        if loading is not None:
            return await asyncio.shield(loading)
        future: asyncio.Future[Post | None] = asyncio.get_running_loop().create_future()
        self._loading[post_id] = future
        try:
            rows = await self.engine.read("SELECT * FROM posts WHERE id = ?", (post_id,))
            post = post_from_row(rows[0]) if rows else None
            if post is not None and post.closed_at is None:
                self._keep_open_post(post)
            future.set_result(post)
            return post
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: waiters re-raise it, nobody else must
            raise
        finally:
            self._loading.pop(post_id, None)

    async def post_on(self, channel_key: int, local_date: date) -> Post | None:
        rows = await self.engine.read(
            "SELECT * FROM posts WHERE channel_key = ? AND local_date = ?", (channel_key, local_date.isoformat())
        )
        return post_from_row(rows[0]) if rows else None

    async def open_posts(self, channel_key: int) -> list[Post]:
        rows = await self.engine.read(OPEN_POSTS, (channel_key,))
        return [post_from_row(r) for r in rows]

    async def latest_post(self, channel_key: int) -> Post | None:
        rows = await self.engine.read(
            "SELECT * FROM posts WHERE channel_key = ? AND posted_at IS NOT NULL ORDER BY local_date DESC LIMIT 1",
            (channel_key,),
        )
        return post_from_row(rows[0]) if rows else None

    async def close_post(self, post_id: int, now: datetime, expires_at: datetime) -> bool:
        self._forget_post(post_id)

        async def close(tx: Tx) -> bool:
            rows = await tx.fetch(
                "UPDATE posts SET closed_at = ? WHERE id = ? AND closed_at IS NULL RETURNING channel_key",
                (to_ms(now), post_id),
            )
            if not rows:
                return False
            channel_key = int(rows[0][0])
            for kind in ("reveal", "explain"):
                await _new_record(tx, f"{kind}:{post_id}", kind, channel_key, now, expires_at, post_id=post_id)
            return True

        closed = await self.engine.write(close, order=(RACE_CLOSE, post_id))
        self._forget_post(post_id)
        return closed

    async def post_dates(self, channel_key: int) -> list[date]:
        rows = await self.engine.read(
            "SELECT local_date FROM posts WHERE channel_key = ? AND posted_at IS NOT NULL ORDER BY local_date",
            (channel_key,),
        )
        return [date.fromisoformat(r[0]) for r in rows]

    async def week_posts(self, channel_key: int, start: date, end: date) -> list[tuple[Post, int, int]]:
        rows = await self.engine.read(
            "SELECT * FROM posts WHERE channel_key = ? AND local_date >= ? AND local_date < ? ORDER BY local_date",
            (channel_key, start.isoformat(), end.isoformat()),
        )
        return [(post_from_row(r), int(r["answered"]), int(r["correct"])) for r in rows]

    # --- the outbox ---------------------------------------------------------------------------

    async def claim_board(
        self, channel_key: int, week_start: date, now: datetime, expires_at: datetime
    ) -> OutboxRecord | None:
        async def claim(tx: Tx) -> OutboxRecord | None:
            key = f"board:{channel_key}:{week_start.isoformat()}"
            rows = await _new_record(tx, key, "board", channel_key, now, expires_at, week_start=week_start)
            return outbox_from_row(rows[0]) if rows else None

        return await self.engine.write(claim, order=(RACE_BOARD, channel_key, week_start.isoformat()))

    async def outbox_get(self, key: str) -> OutboxRecord | None:
        rows = await self.engine.read("SELECT * FROM outbox WHERE key = ?", (key,))
        return outbox_from_row(rows[0]) if rows else None

    async def outbox_open(self) -> list[OutboxRecord]:
        rows = await self.engine.read("SELECT * FROM outbox WHERE state IN ('claimed', 'sending') ORDER BY id")
        return [outbox_from_row(r) for r in rows]

    async def outbox_lease(
        self, record_id: int, owner: str, now: datetime, until: datetime, *, dead: str | None = None
    ) -> OutboxRecord | None:
        async def lease(tx: Tx) -> OutboxRecord | None:
            rows = await tx.fetch(f"SELECT * FROM outbox WHERE id = ?{tx.lock}", (record_id,))
            if not rows:
                return None
            before = outbox_from_row(rows[0])
            held = (
                before.state == "sending"
                and before.lease_owner not in (owner, dead)
                and to_ms(before.lease_until or now) > to_ms(now)
            )
            if before.done or held:
                return None
            await tx.execute(
                "UPDATE outbox SET state = 'sending', attempts = attempts + 1, lease_owner = ?, lease_until = ?, "
                "updated_at = ? WHERE id = ?",
                (owner, to_ms(until), to_ms(now), record_id),
            )
            return before

        return await self.engine.write(lease, order=(RACE_OUTBOX, record_id))

    async def outbox_sent(self, record_id: int, owner: str, message_id: str, now: datetime) -> bool:
        async def sent(tx: Tx) -> tuple[bool, int | None]:
            rows = await tx.fetch(
                "UPDATE outbox SET state = 'sent', message_id = ?, lease_owner = NULL, lease_until = NULL, "
                "updated_at = ?, last_error = NULL WHERE id = ? AND state IN ('claimed', 'sending') "
                "RETURNING kind, post_id",
                (message_id, to_ms(now), record_id),
            )
            if not rows or rows[0]["kind"] != "post":
                return bool(rows), None
            await tx.execute(
                "UPDATE posts SET message_id = ?, posted_at = ? WHERE id = ?",
                (message_id, to_ms(now), rows[0]["post_id"]),
            )
            return True, int(rows[0]["post_id"])

        done, post_id = await self.engine.write(sent, order=(RACE_OUTBOX, record_id))
        cached = self._open_posts.get(post_id) if post_id is not None else None
        if cached is not None:  # the post its clicks read, now with its message
            self._open_posts[cached.id] = replace(cached, message_id=message_id, posted_at=at_ms(to_ms(now)))
        return done

    async def outbox_unlease(
        self, record_id: int, owner: str, now: datetime, error: str, *, outcome_unknown: bool = False
    ) -> None:
        state = "sending" if outcome_unknown else "claimed"

        async def unlease(tx: Tx) -> None:
            await tx.execute(
                "UPDATE outbox SET state = ?, lease_owner = NULL, lease_until = ?, updated_at = ?, "
                "last_error = ? WHERE id = ? AND state = 'sending' AND lease_owner = ?",
                (state, to_ms(now), to_ms(now), error[:500], record_id, owner),
            )

        await self.engine.write(unlease, order=(RACE_OUTBOX, record_id))

    async def outbox_reopen(self, record_id: int, now: datetime, expires_at: datetime) -> bool:
        async def reopen(tx: Tx) -> bool:
            rows = await tx.fetch(
                "UPDATE outbox SET state = 'claimed', expires_at = ?, updated_at = ?, lease_owner = NULL, "
                "lease_until = NULL WHERE id = ? AND state IN ('missed', 'failed') RETURNING kind, post_id",
                (to_ms(expires_at), to_ms(now), record_id),
            )
            if rows and rows[0]["kind"] == "post":  # it was closed because it never reached the channel
                await tx.execute(
                    "UPDATE posts SET closed_at = NULL WHERE id = ? AND NOT EXISTS "
                    "(SELECT 1 FROM outbox WHERE key = 'reveal:' || posts.id)",
                    (rows[0]["post_id"],),
                )
                self._forget_post(int(rows[0]["post_id"]))
            return bool(rows)

        return await self.engine.write(reopen, order=(RACE_OUTBOX, record_id))

    async def outbox_end(self, record_id: int, state: str, now: datetime, reason: str) -> bool:
        assert state in ("missed", "failed")

        async def end(tx: Tx) -> bool:
            rows = await tx.fetch(
                "UPDATE outbox SET state = ?, lease_owner = NULL, lease_until = NULL, updated_at = ?, last_error = ? "
                "WHERE id = ? AND state IN ('claimed', 'sending') RETURNING kind, post_id",
                (state, to_ms(now), reason[:500], record_id),
            )
            if rows and rows[0]["kind"] == "post":  # a question that never reached the channel takes no answers
                await tx.execute(
                    "UPDATE posts SET closed_at = ? WHERE id = ? AND closed_at IS NULL",
                    (to_ms(now), rows[0]["post_id"]),
                )
                self._forget_post(int(rows[0]["post_id"]))
            return bool(rows)

        return await self.engine.write(end, order=(RACE_OUTBOX, record_id))
