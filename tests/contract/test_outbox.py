"""The contract, part 2: the outbox's states and leases, across processes."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

from tests.contract.helpers import CLOSES, DAY, NOW, channel

LEASE = timedelta(seconds=60)


async def claimed(store):  # type: ignore[no-untyped-def]
    c = await channel(store)
    post = await store.claim_post(c.id, DAY, "q1", NOW, CLOSES)
    return c, post, await store.outbox_get(f"post:{post.id}")


async def test_claimed_then_sending_then_sent_records_the_message(store):
    c, post, record = await claimed(store)
    before = await store.outbox_lease(record.id, "p1", NOW, NOW + LEASE)
    assert before.state == "claimed"  # the caller learns no earlier attempt happened
    now = await store.outbox_get(record.key)
    assert (now.state, now.lease_owner, now.lease_until, now.attempts) == ("sending", "p1", NOW + LEASE, 1)
    assert await store.open_posts(c.id) == [await store.get_post(post.id)]  # attempted: it may be out there
    assert await store.outbox_sent(record.id, "p1", "m1", NOW)
    done = await store.outbox_get(record.key)
    assert (done.state, done.message_id, done.lease_owner, done.done) == ("sent", "m1", None, True)
    assert (await store.get_post(post.id)).message_id == "m1"
    assert not await store.outbox_sent(record.id, "p1", "m2", NOW)  # once sent, always that message
    assert await store.outbox_lease(record.id, "p1", NOW, NOW + LEASE) is None
    assert await store.outbox_open() == []


async def test_a_lease_is_taken_by_one_process_and_by_another_only_once_it_ran_out(store, opener):
    _, _, record = await claimed(store)
    other = await opener()
    try:
        results = await asyncio.gather(
            *((store if n % 2 else other).outbox_lease(record.id, f"p{n}", NOW, NOW + LEASE) for n in range(50))
        )
        holders = [n for n, got in enumerate(results) if got is not None]
        assert len(holders) == 1
        later = NOW + LEASE / 2
        assert await other.outbox_lease(record.id, "someone else", later, later + LEASE) is None
        owner = f"p{holders[0]}"
        assert await store.outbox_lease(record.id, owner, later, later + LEASE) is not None  # renewed by its owner
        expired = later + LEASE + timedelta(seconds=1)
        taken = await other.outbox_lease(record.id, "survivor", expired, expired + LEASE)
        assert taken is not None and taken.state == "sending"  # an outcome is unknown: look before sending
        assert (await store.outbox_get(record.key)).lease_owner == "survivor"
    finally:
        await other.close()


async def test_unleasing_gives_the_record_back_as_claimed_or_as_unknown(store):
    _, _, record = await claimed(store)
    await store.outbox_lease(record.id, "p1", NOW, NOW + LEASE)
    await store.outbox_unlease(record.id, "p2", NOW, "not its lease")
    assert (await store.outbox_get(record.key)).lease_owner == "p1"
    await store.outbox_unlease(record.id, "p1", NOW, "refused before anything was made")
    back = await store.outbox_get(record.key)
    assert (back.state, back.lease_owner, back.last_error) == ("claimed", None, "refused before anything was made")
    await store.outbox_lease(record.id, "p1", NOW, NOW + LEASE)
    await store.outbox_unlease(record.id, "p1", NOW, "timed out", outcome_unknown=True)
    unknown = await store.outbox_get(record.key)
    assert (unknown.state, unknown.lease_until) == ("sending", NOW)  # the next one may take it at once
    assert await store.outbox_lease(record.id, "p2", NOW, NOW + LEASE) is not None


async def test_missed_and_failed_records_end_and_a_missed_post_takes_no_answers(store):
    _, post, record = await claimed(store)
    assert await store.outbox_end(record.id, "missed", NOW, "past its window")
    assert not await store.outbox_end(record.id, "failed", NOW, "again")
    ended = await store.outbox_get(record.key)
    assert (ended.state, ended.last_error) == ("missed", "past its window")
    assert (await store.get_post(post.id)).closed_at == NOW
    assert await store.outbox_open() == []
    assert await store.outbox_reopen(record.id, NOW, CLOSES)  # an admin asks again
    again = await store.outbox_get(record.key)
    assert again.state == "claimed" and (await store.get_post(post.id)).closed_at is None
    assert [r.key for r in await store.outbox_open()] == [record.key]


async def test_a_weeks_board_is_claimed_once(store, opener):
    c = await channel(store)
    monday = date(2026, 11, 16)
    other = await opener()
    try:
        claims = await asyncio.gather(
            *((store if n % 2 else other).claim_board(c.id, monday, NOW, NOW + timedelta(days=1)) for n in range(50))
        )
    finally:
        await other.close()
    [won] = [r for r in claims if r is not None]
    assert (won.key, won.kind, won.week_start, won.state) == (f"board:{c.id}:2026-11-16", "board", monday, "claimed")
    assert await store.claim_board(c.id, date(2026, 11, 23), NOW, NOW + timedelta(days=1)) is not None


async def test_open_records_are_listed_oldest_first(store):
    c = await channel(store)
    first = await store.claim_post(c.id, DAY, "q1", NOW, CLOSES)
    board = await store.claim_board(c.id, date(2026, 11, 16), NOW, CLOSES)
    second = await store.claim_post(c.id, DAY + timedelta(days=1), "q2", NOW, CLOSES)
    assert [r.key for r in await store.outbox_open()] == [f"post:{first.id}", board.key, f"post:{second.id}"]
