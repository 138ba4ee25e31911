"""The schedule's store table, its wiring into the console, and what a half-finished post leaves."""

from __future__ import annotations

import io
import logging
from dataclasses import replace
from datetime import UTC, date, datetime

from bot.app import run_console
from tests.fakes.bots import SEOUL, at, set_up

NOW = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)


async def test_the_console_runs_the_scheduler(fixture_settings):
    out = io.StringIO()
    code = await run_console(fixture_settings, "me", "en", io.StringIO("/studybot setup\n/studybot status\n"), out)
    assert code == 0
    text = out.getvalue()
    assert "Next post" in text and "Next weekly board" in text


async def test_a_claim_left_by_a_process_that_stopped_mid_post_is_finished_by_the_next_start(bots, caplog):
    before = await bots.start(at(SEOUL, 2026, 11, 23, 8, 0))
    await set_up(before)
    settings = await before.settings()
    at_nine = at(SEOUL, 2026, 11, 23, 9, 0)
    closes = at(SEOUL, 2026, 11, 23, 18, 0)
    post = await before.core.store.claim_post(settings.id, date(2026, 11, 23), "efs-001", at_nine, closes)
    record = await before.core.store.outbox_get(f"post:{post.id}")
    await before.core.store.outbox_lease(record.id, "a process that died", at_nine, at_nine)  # its lease is over
    await bots.stop(before)
    with caplog.at_level(logging.INFO, logger="bot.schedule"):
        after = await bots.start(at(SEOUL, 2026, 11, 23, 9, 30))
    [sent] = after.daily_posts()  # the platform never had it (find found nothing): sent now, once
    assert "reconciled post:1 in test:C1: sent" in caplog.text
    question = after.core.library.bank.questions["efs-001"]
    assert question.prompt.ko in sent.body


async def test_a_channel_that_was_never_set_up_gets_no_jobs(bots):
    bot = await bots.start(at(SEOUL, 2026, 11, 23, 8, 0))
    await bot.channel.say("/studybot time 10:00")  # saved, but not set up
    assert bot.scheduler.jobs == {}
    await bot.run_until(at(SEOUL, 2026, 11, 24, 12, 0))
    assert bot.platform.sent == []
    status = await bot.channel.say("/studybot status")
    assert "Next post" not in {f.name for f in status.fields}
    assert replace(await bot.settings(), id=None).active is False
