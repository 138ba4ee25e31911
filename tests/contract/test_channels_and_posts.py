"""The contract, part 1: channels, members, daily posts and their claims."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import date, timedelta

from bot.core.models import ChannelRef, ChannelSettings
from bot.store.posts import OPEN_POSTS
from tests.contract.helpers import CLOSES, DAY, NOW, channel, plan, sent_post


async def test_a_channel_is_saved_found_and_updated_in_place(store):
    saved = await channel(store, timezone="Europe/London", language="en")
    again = await store.get_channel(ChannelRef("test", "T", "C1"))
    assert again == saved and again.id is not None and again.timezone == "Europe/London"
    changed = await store.save_channel(replace(saved, active=False, language="ko"))
    assert changed.id == saved.id
    assert await store.active_channels() == []
    assert await store.get_channel(ChannelRef("test", "T", "nope")) is None


async def test_every_save_is_seen_by_channels_changed_in_order(store):
    one = await channel(store, "C1")
    changed, first = await store.channels_changed(0)
    assert [c.channel_id for c in changed] == ["C1"] and first > 0
    await channel(store, "C2")
    await store.save_channel(replace(one, paused=True))
    changed, second = await store.channels_changed(first)
    assert [(c.channel_id, c.paused) for c in changed] == [("C2", False), ("C1", True)] and second > first
    assert await store.channels_changed(second) == ([], second)


async def test_members_are_found_by_id_or_name_whatever_the_case(store):
    await store.remember_member("test", "U1", "Minseo Kim")
    await store.remember_member("test", "U2", "Dana")
    await store.remember_member("test", "U1", "Minseo")  # renamed
    assert await store.find_member("test", "u1") is None  # ids are exact
    assert await store.find_member("test", "U1") == ("U1", "Minseo")
    assert await store.find_member("test", "minseo") == ("U1", "Minseo")
    assert await store.find_member("other", "U1") is None


async def test_a_day_has_one_post_and_its_send_is_claimed_with_it(store):
    c = await channel(store)
    post = await store.claim_post(c.id, DAY, "q1", NOW, CLOSES)
    assert post is not None and post.question_id == "q1" and post.message_id is None
    assert await store.claim_post(c.id, DAY, "q2", NOW, CLOSES) is None
    record = await store.outbox_get(f"post:{post.id}")
    assert (record.kind, record.state, record.post_id, record.attempts) == ("post", "claimed", post.id, 0)
    assert record.expires_at == CLOSES
    assert await store.post_on(c.id, DAY) == post
    assert await store.open_posts(c.id) == []  # not attempted yet: nothing to reveal
    assert await store.latest_post(c.id) is None


async def test_fifty_concurrent_claims_of_a_day_make_one_post(store, opener):
    c = await channel(store)
    other = await opener()  # a second process on the same database
    try:
        claims = [(store if n % 2 else other).claim_post(c.id, DAY, f"q{n}", NOW, CLOSES) for n in range(50)]
        won = [p for p in await asyncio.gather(*claims) if p is not None]
    finally:
        await other.close()
    assert len(won) == 1
    tallies = await store.channel_tallies(c.id)
    assert [(t.question_id, t.posted) for t in tallies] == [(won[0].question_id, 1)]


async def test_processes_claiming_the_same_channels_in_opposite_orders_claim_each_once(store, opener, caplog):
    """The minute every channel's post falls due, every process claims every channel, each in its own
    order, and leases what it finds claimed: the claims, the leases, then the reveals, end with one of
    each per channel, and no write batch meets
    another process's in a deadlock (PostgreSQL would end one and the jobs would run one by one)."""
    channels = [await channel(store, f"C{n}") for n in range(40)]
    other = await opener()
    try:
        forward = [store.claim_post(c.id, DAY, "q1", NOW, CLOSES) for c in channels]
        backward = [other.claim_post(c.id, DAY, "q2", NOW, CLOSES) for c in reversed(channels)]
        posts = [p for p in await asyncio.gather(*forward, *backward) if p is not None]
        ids = [p.id for p in posts]
        records = [r for r in await asyncio.gather(*(store.outbox_get(f"post:{i}") for i in ids)) if r]
        until = NOW + timedelta(minutes=1)
        leases = [store.outbox_lease(r.id, "p1", NOW, until) for r in records]
        leases += [other.outbox_lease(r.id, "p2", NOW, until) for r in records[::-1]]
        leased = [r for r in await asyncio.gather(*leases) if r is not None]
        closes = [store.close_post(i, NOW, CLOSES) for i in ids] + [other.close_post(i, NOW, CLOSES) for i in ids[::-1]]
        closed = await asyncio.gather(*closes)
    finally:
        await other.close()
    assert sorted(p.channel_key for p in posts) == sorted(c.id for c in channels)
    assert len(records) == len(leased) == len(channels)  # every send leased by one process only
    assert closed.count(True) == len(channels)
    assert [r for r in caplog.records if "met another process" in r.getMessage()] == []


async def test_a_sent_post_records_its_message_and_is_open_until_closed(store):
    c = await channel(store)
    post = await sent_post(store, c.id)
    assert post.message_id == f"m{post.id}" and post.posted_at == NOW
    assert await store.open_posts(c.id) == [post]
    assert await store.latest_post(c.id) == post
    assert await store.post_dates(c.id) == [DAY]
    assert await store.close_post(post.id, NOW, NOW + timedelta(days=7))
    assert not await store.close_post(post.id, NOW, NOW + timedelta(days=7))  # once
    closed = await store.get_post(post.id)
    assert closed.closed_at == NOW and await store.open_posts(c.id) == []
    for kind in ("reveal", "explain"):
        record = await store.outbox_get(f"{kind}:{post.id}")
        assert (record.kind, record.state, record.post_id) == (kind, "claimed", post.id)


async def test_posts_of_a_week_come_with_their_counts(store):
    c = await channel(store)
    for offset in range(8):
        await sent_post(store, c.id, DAY + timedelta(days=offset), f"q{offset}")
    week = await store.week_posts(c.id, DAY, DAY + timedelta(days=7))
    assert [p.local_date for p, _, _ in week] == [DAY + timedelta(days=n) for n in range(7)]
    assert all((answered, correct) == (0, 0) for _, answered, correct in week)


async def test_post_ids_are_never_reused(store):
    c = await channel(store)
    first = await store.claim_post(c.id, DAY, "q1", NOW, CLOSES)
    second = await store.claim_post(c.id, date(2026, 11, 24), "q2", NOW, CLOSES)
    assert second.id > first.id


async def test_a_channel_of_another_platform_is_another_channel(store):
    await channel(store)
    other = await store.save_channel(ChannelSettings("slack", "T", "C1", active=True))
    assert {c.platform for c in await store.active_channels()} == {"test", "slack"}
    assert other.id != (await store.get_channel(ChannelRef("test", "T", "C1"))).id


async def test_a_channels_open_posts_are_found_without_reading_its_closed_ones(store):
    """The close job, and every start's catch-up for each channel, ask for the channel's open posts. Read
    through the channel's key alone, that was every post the channel ever had."""
    c = await channel(store)
    days = [DAY + timedelta(days=n) for n in range(60)]
    for day in days:
        post = await sent_post(store, c.id, day, f"q{day.isoformat()}")
        if day != days[-1]:
            assert await store.close_post(post.id, NOW, CLOSES)
    assert [p.local_date for p in await store.open_posts(c.id)] == [days[-1]]
    found = await plan(store, OPEN_POSTS, (c.id,))
    assert "posts_open" in found, found
