"""The schedule's store table, its wiring into the console, and what a half-finished post leaves."""

from __future__ import annotations

import io
import logging
from dataclasses import replace
from datetime import UTC, date, datetime

from bot.app import run_console
from bot.core.models import ChannelSettings
from bot.store.sqlite.store import SqliteStore, load_migrations
from tests.fakes.bots import SEOUL, at, set_up

NOW = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)


async def test_a_weekly_board_is_claimed_once_and_a_released_claim_can_be_made_again(tmp_path):
    store = await SqliteStore.open(tmp_path / "bot.db")
    try:
        assert await store.schema_version() == len(load_migrations()) >= 2
        channel = await store.save_channel(ChannelSettings("test", "T", "C1", active=True))
        week = date(2026, 11, 16)
        assert await store.claim_board(channel.id, week, NOW)
        assert not await store.claim_board(channel.id, week, NOW)
        assert await store.board_posted(channel.id, week) is None
        await store.release_board(channel.id, week)
        assert await store.claim_board(channel.id, week, NOW)
        await store.mark_board_posted(channel.id, week, "m9", NOW)
        await store.release_board(channel.id, week)  # a posted board is never released
        assert await store.board_posted(channel.id, week) == NOW
        assert not await store.claim_board(channel.id, week, NOW)
        assert await store.claim_board(channel.id, date(2026, 11, 23), NOW)  # the next week is its own
    finally:
        await store.close()


async def test_the_console_runs_the_scheduler(fixture_settings):
    out = io.StringIO()
    code = await run_console(fixture_settings, "me", "en", io.StringIO("/studybot setup\n/studybot status\n"), out)
    assert code == 0
    text = out.getvalue()
    assert "Next post" in text and "Next weekly board" in text


async def test_a_claim_left_by_a_process_that_stopped_mid_post_is_not_posted_again_but_logged(bots, caplog):
    before = await bots.start(at(SEOUL, 2026, 11, 23, 8, 0))
    await set_up(before)
    settings = await before.settings()
    await before.core.store.claim_post(settings.id, date(2026, 11, 23), "efs-001", before.clock.now())
    await bots.stop(before)
    with caplog.at_level(logging.WARNING, logger="bot.schedule"):
        after = await bots.start(at(SEOUL, 2026, 11, 23, 9, 30))
    assert after.daily_posts() == []
    assert "the daily post of test:C1 for 2026-11-23 was claimed but never confirmed as posted" in caplog.text


async def test_a_channel_that_was_never_set_up_gets_no_jobs(bots):
    bot = await bots.start(at(SEOUL, 2026, 11, 23, 8, 0))
    await bot.channel.say("/studybot time 10:00")  # saved, but not set up
    assert bot.scheduler.jobs == {}
    await bot.run_until(at(SEOUL, 2026, 11, 24, 12, 0))
    assert bot.platform.sent == []
    status = await bot.channel.say("/studybot status")
    assert "Next post" not in {f.name for f in status.fields}
    assert replace(await bot.settings(), id=None).active is False
