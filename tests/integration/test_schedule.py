"""The schedule: on time in each channel's zone, never twice, never a silent skip.

Time is driven by a FixedClock and the VirtualRunner (the scheduler's own triggers and job functions);
nothing sleeps. Restarts and second processes are separate Cores on one database file (`bots`).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.core.models import ChannelSettings
from bot.schedule import POST, next_fire, triggers
from bot.simulate import run_together
from tests.conftest import member
from tests.fakes.bots import LONDON, NEW_YORK, SEOUL, Bot, at, posted_times, set_up
from tests.fakes.clock import FixedClock
from tests.fakes.platform import RecordingPlatform

# --- trigger times --------------------------------------------------------------------------


def fire_list(settings: ChannelSettings, kind: str, start: datetime, count: int) -> list[str]:
    trigger = triggers(settings)[kind]
    fire = trigger.get_next_fire_time(None, start)
    out = []
    for _ in range(count):
        assert fire is not None
        out.append(fire.astimezone(UTC).strftime("%a %m-%d %H:%M UTC"))
        fire = next_fire(trigger, fire)
    return out


def channel_settings(**values: object) -> ChannelSettings:
    return replace(ChannelSettings("test", "T", "C1", active=True, id=1), **values)  # type: ignore[arg-type]


def test_seoul_posts_at_nine_local_on_weekdays_only():
    settings = channel_settings()
    assert fire_list(settings, POST, at(SEOUL, 2026, 11, 27, 10, 0), 3) == [
        "Mon 11-30 00:00 UTC",
        "Tue 12-01 00:00 UTC",
        "Wed 12-02 00:00 UTC",
    ]
    assert fire_list(settings, "board", at(SEOUL, 2026, 11, 24), 2) == ["Mon 11-30 00:00 UTC", "Mon 12-07 00:00 UTC"]


def test_new_york_nine_oclock_follows_both_dst_changes():
    settings = channel_settings(timezone="America/New_York")
    # Spring forward on Sunday 2026-03-08: 09:00 EST is 14:00 UTC, 09:00 EDT is 13:00 UTC.
    assert fire_list(settings, POST, at(NEW_YORK, 2026, 3, 6), 2) == ["Fri 03-06 14:00 UTC", "Mon 03-09 13:00 UTC"]
    # Fall back on Sunday 2026-11-01.
    assert fire_list(settings, POST, at(NEW_YORK, 2026, 10, 30), 2) == ["Fri 10-30 13:00 UTC", "Mon 11-02 14:00 UTC"]


def test_a_1_30_post_fires_twice_on_the_fall_back_day_and_once_on_the_spring_forward_day():
    every_day = channel_settings(
        timezone="Europe/London", post_time=datetime(2026, 1, 1, 1, 30).time(), days=tuple(range(7))
    )
    # London falls back at 02:00 BST on 2026-10-25: 01:30 happens at 00:30 and again at 01:30 UTC.
    assert fire_list(every_day, POST, at(LONDON, 2026, 10, 24), 4) == [
        "Sat 10-24 00:30 UTC",
        "Sun 10-25 00:30 UTC",
        "Sun 10-25 01:30 UTC",
        "Mon 10-26 01:30 UTC",
    ]
    # It springs forward at 01:00 GMT on 2026-03-29: there is no 01:30; the post fires at 02:30 BST.
    assert fire_list(every_day, POST, at(LONDON, 2026, 3, 28), 3) == [
        "Sat 03-28 01:30 UTC",
        "Sun 03-29 01:30 UTC",
        "Mon 03-30 00:30 UTC",
    ]


# --- DST, end to end ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "day", "fires"),
    [
        (LONDON, date(2026, 10, 25), 3),  # falls back: 01:30 fires twice that day
        (NEW_YORK, date(2026, 11, 1), 3),
        (LONDON, date(2026, 3, 29), 2),  # springs forward: 01:30 does not exist that day
        (NEW_YORK, date(2026, 3, 8), 2),
    ],
)
async def test_a_1_30_post_happens_once_on_both_dst_days(bots, zone, day, fires):
    eve, morrow = day - timedelta(days=1), day + timedelta(days=1)
    bot = await bots.start(at(zone, eve.year, eve.month, eve.day, 12, 0))
    await set_up(bot, f"/studybot timezone {zone.key}", "/studybot time 01:30", "/studybot days mon-sun")
    fired = await bot.run_until(at(zone, morrow.year, morrow.month, morrow.day, 12, 0))
    assert sum(1 for _, job in fired if job.startswith("post:")) == fires
    times = await posted_times(bot, zone)
    assert len(bot.daily_posts()) == len(times) == 2  # one post that day, one the next
    assert times[0].startswith(day.isoformat()) and times[1] == f"{morrow.isoformat()} 01:30"
    assert len(bot.platform.edits("reveal")) == 1  # the DST day's 18:00 reveal, once


# --- restarts and second processes ----------------------------------------------------------


async def test_a_restart_in_the_middle_of_the_day_does_not_post_again(bots):
    first = await bots.start(at(SEOUL, 2026, 11, 23, 8, 0))
    await set_up(first)
    await first.run_until(at(SEOUL, 2026, 11, 23, 12, 0))
    [posted] = first.platform.posts("question")
    await bots.stop(first)

    second = await bots.start(at(SEOUL, 2026, 11, 23, 12, 0))
    await second.run_until(at(SEOUL, 2026, 11, 23, 18, 30))
    assert second.platform.posts() == []
    [reveal] = second.platform.edits("reveal")  # the restarted bot still reveals the morning's post
    assert reveal.message_id == posted.message_id
    assert await posted_times(second, SEOUL) == ["2026-11-23 09:00"]


async def test_two_schedulers_on_one_database_file_post_once(bots):
    channel, clock = RecordingPlatform(), FixedClock(at(SEOUL, 2026, 11, 22, 20, 0))  # one channel, one time
    one = await bots.start(clock.now(), channel, clock=clock)
    await set_up(one)
    other = await bots.start(clock.now(), channel, clock=clock)
    await run_together([one.runner, other.runner], at(SEOUL, 2026, 11, 30, 12, 0))
    sent = channel.sent
    assert sum(1 for s in sent if s.kind == "post" and s.reply.kind == "question") == 6  # Mon-Fri + next Mon
    assert sum(1 for s in sent if s.kind == "edit" and s.reply.kind == "reveal") == 5
    assert sum(1 for s in sent if s.kind == "post" and s.reply.kind == "weekly") == 2  # this Mon and next
    assert len(await posted_times(one, SEOUL)) == 6


# --- catch-up after downtime ----------------------------------------------------------------


async def test_a_post_missed_while_down_is_sent_on_start_inside_the_grace_window(bots):
    before = await bots.start(at(SEOUL, 2026, 11, 22, 20, 0))
    await set_up(before)
    await bots.stop(before)
    after = await bots.start(at(SEOUL, 2026, 11, 23, 10, 30))  # 09:00 passed while down; grace is 2 h
    assert len(after.daily_posts()) == 1
    assert await posted_times(after, SEOUL) == ["2026-11-23 10:30"]
    await after.run_until(at(SEOUL, 2026, 11, 23, 23, 0))
    assert len(after.daily_posts()) == 1 and len(after.platform.edits("reveal")) == 1


async def test_a_post_missed_beyond_the_grace_window_is_skipped_and_logged(bots, caplog):
    before = await bots.start(at(SEOUL, 2026, 11, 20, 8, 0))
    await set_up(before)
    await before.run_until(at(SEOUL, 2026, 11, 20, 20, 0))  # Friday's post and reveal, then down
    await bots.stop(before)
    with caplog.at_level(logging.WARNING, logger="bot.schedule"):
        after = await bots.start(at(SEOUL, 2026, 11, 23, 11, 30))
    assert after.daily_posts() == []
    assert "WARNING" in caplog.text and "skipped the daily post of test:C1 for 2026-11-23" in caplog.text
    await after.run_until(at(SEOUL, 2026, 11, 24, 12, 0))  # the next day is on time again
    assert await posted_times(after, SEOUL) == ["2026-11-20 09:00", "2026-11-24 09:00"]


async def test_a_missed_post_is_not_sent_after_the_close_time(bots, caplog):
    before = await bots.start(at(SEOUL, 2026, 11, 20, 8, 0))
    await set_up(before, "/studybot close 10:00")
    await before.run_until(at(SEOUL, 2026, 11, 20, 20, 0))
    await bots.stop(before)
    with caplog.at_level(logging.WARNING, logger="bot.schedule"):
        after = await bots.start(at(SEOUL, 2026, 11, 23, 10, 15))  # inside the grace window, after close
    assert after.daily_posts() == []
    assert "skipped the daily post of test:C1 for 2026-11-23" in caplog.text


async def test_a_channel_set_up_after_its_post_time_is_not_warned_about_on_restart(bots, caplog):
    before = await bots.start(at(SEOUL, 2026, 11, 23, 20, 0))
    await set_up(before)
    await bots.stop(before)
    with caplog.at_level(logging.INFO, logger="bot.schedule"):
        after = await bots.start(at(SEOUL, 2026, 11, 23, 21, 0))
    assert after.daily_posts() == []
    assert "skipped the daily post of test:C1 for 2026-11-23" in caplog.text  # logged, as INFO
    assert "WARNING" not in caplog.text


async def test_a_reveal_that_fell_due_while_down_is_done_on_start(bots):
    before = await bots.start(at(SEOUL, 2026, 11, 23, 8, 0))
    await set_up(before)
    await before.run_until(at(SEOUL, 2026, 11, 23, 12, 0))
    [posted] = before.platform.posts("question")
    await bots.stop(before)
    after = await bots.start(at(SEOUL, 2026, 11, 24, 8, 0))  # down over Monday 18:00
    [reveal] = after.platform.edits("reveal")
    assert reveal.message_id == posted.message_id and "2026-11-23" in reveal.reply.title


# --- settings changes -----------------------------------------------------------------------


async def test_changing_the_post_time_at_8_59_posts_at_10_only(bots):
    bot = await bots.start(at(SEOUL, 2026, 11, 23, 8, 0))
    await set_up(bot)
    await bot.run_until(at(SEOUL, 2026, 11, 23, 8, 59))
    status = await bot.channel.say("/studybot time 10:00")
    fields = {f.name: f.value for f in status.fields}
    assert fields["Next post"] == "2026-11-23 10:00 KST"
    fired = await bot.run_until(at(SEOUL, 2026, 11, 23, 12, 0))
    assert [job for _, job in fired if job.startswith("post:")] == ["post:1"]
    assert await posted_times(bot, SEOUL) == ["2026-11-23 10:00"]
    assert len(bot.daily_posts()) == 1


async def test_status_shows_the_next_post_close_and_board_in_local_time(bots):
    bot = await bots.start(at(NEW_YORK, 2026, 10, 30, 19, 0))  # Friday evening, DST ends on Sunday
    await set_up(bot, "/studybot timezone America/New_York")
    fields = {f.name: f.value for f in (await bot.channel.say("/studybot status")).fields}
    assert fields["Next post"] == "2026-11-02 09:00 EST"
    assert fields["Next close"] == "2026-11-02 18:00 EST"
    assert fields["Next weekly board"] == "2026-11-02 09:00 EST"


async def test_a_paused_channel_gets_no_post_but_its_open_post_is_still_revealed(bots):
    bot = await bots.start(at(SEOUL, 2026, 11, 23, 8, 0))
    await set_up(bot)
    await bot.run_until(at(SEOUL, 2026, 11, 23, 12, 0))
    status = await bot.channel.say("/studybot pause")
    fields = {f.name: f.value for f in status.fields}
    assert fields["Next post"] == "none" and fields["Next close"] == "2026-11-23 18:00 KST"
    assert sorted(bot.scheduler.jobs) == ["close:1"]
    await bot.run_until(at(SEOUL, 2026, 11, 25, 12, 0))
    assert len(bot.daily_posts()) == 1 and len(bot.platform.edits("reveal")) == 1
    await bot.channel.say("/studybot resume")
    await bot.run_until(at(SEOUL, 2026, 11, 26, 12, 0))
    assert await posted_times(bot, SEOUL) == ["2026-11-23 09:00", "2026-11-26 09:00"]


async def test_moving_the_close_time_before_now_reveals_at_once(bots):
    bot = await bots.start(at(SEOUL, 2026, 11, 23, 8, 0))
    await set_up(bot)
    await bot.run_until(at(SEOUL, 2026, 11, 23, 12, 0))
    reply = await bot.channel.say("/studybot close 11:00")
    assert reply.kind == "status"  # the admin's reply does not wait for the reveal
    await bot.scheduler.idle()
    assert len(bot.platform.edits("reveal")) == 1


def channel_jobs(live) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(j.id for j in live.get_jobs() if ":" in j.id)


async def test_live_apscheduler_jobs_follow_every_settings_change(bots):
    bot = await bots.start(at(SEOUL, 2026, 11, 23, 8, 0), live=True)
    try:
        await set_up(bot)
        live = bot.scheduler.live
        assert live is not None
        assert channel_jobs(live) == ["board:1", "close:1", "post:1"]
        assert {j.id for j in live.get_jobs()} >= {"reconcile", "refresh"}  # the outbox and other processes
        await bot.channel.say("/studybot timezone Europe/London")
        await bot.channel.say("/studybot time 07:45")
        post = live.get_job("post:1")
        assert str(post.trigger.timezone) == "Europe/London" and "hour='7', minute='45'" in str(post.trigger)
        await bot.channel.say("/studybot pause")
        assert channel_jobs(live) == ["close:1"]
        await bot.channel.say("/studybot resume")
        assert channel_jobs(live) == ["board:1", "close:1", "post:1"]
    finally:
        await bot.scheduler.shutdown()


# --- the weekly board -----------------------------------------------------------------------


async def answer_now(bot: Bot, who: int) -> None:
    reply = await bot.channel.say("/studybot post-now")
    assert reply.kind == "info", reply.body
    settings = await bot.settings()
    assert settings.id is not None
    post = await bot.core.store.latest_post(settings.id)
    assert post is not None
    question = bot.core.library.bank.questions[post.question_id]
    value = "+".join(str(i) for i in sorted(question.answer))
    result = await bot.channel.click("answer", f"{post.id}:{value}", member(who))
    assert result.kind == "result"


async def test_the_weekly_board_covers_the_local_week_across_a_dst_change(bots):
    bot = await bots.start(at(NEW_YORK, 2026, 10, 25, 20, 0))
    await set_up(bot, "/studybot timezone America/New_York")
    for moment, who in [
        (at(NEW_YORK, 2026, 10, 25, 23, 30), 2),  # Sunday before the week: last week's board
        (at(NEW_YORK, 2026, 10, 26, 0, 30), 1),  # Monday 00:30 EDT: first minutes of the week
        (at(NEW_YORK, 2026, 11, 1, 23, 30), 3),  # Sunday 23:30 EST, after the fall back: still the week
        (at(NEW_YORK, 2026, 11, 2, 0, 30), 4),  # Monday 00:30 EST: the next week
    ]:
        await bot.run_until(moment)
        await answer_now(bot, who)
    await bot.run_until(at(NEW_YORK, 2026, 11, 2, 12, 0))
    boards = bot.platform.posts("weekly")
    assert [b.reply.title for b in boards] == [
        "🏆 지난주 순위 (2026-10-19 – 2026-10-25)",
        "🏆 지난주 순위 (2026-10-26 – 2026-11-01)",
    ]
    assert "Member 2" in boards[0].reply.body and "Member 1" not in boards[0].reply.body
    week = boards[1].reply.body
    assert "Member 1" in week and "Member 3" in week
    assert "Member 2" not in week and "Member 4" not in week
    settings = await bot.settings()
    assert settings.id is not None
    record = await bot.core.store.outbox_get(f"board:{settings.id}:2026-10-26")
    assert record is not None and record.state == "sent"
    assert record.created_at == at(NEW_YORK, 2026, 11, 2, 9, 0)  # claimed at 09:00 EST, 14:00 UTC


async def test_a_weekly_board_missed_while_down_is_posted_inside_the_grace_window_once(bots):
    before = await bots.start(at(SEOUL, 2026, 11, 22, 20, 0))
    await set_up(before, "/studybot days tue-fri")
    await bots.stop(before)
    after = await bots.start(at(SEOUL, 2026, 11, 23, 10, 0))
    assert [b.reply.title for b in after.platform.posts("weekly")] == ["🏆 지난주 순위 (2026-11-16 – 2026-11-22)"]
    await bots.stop(after)
    again = await bots.start(at(SEOUL, 2026, 11, 23, 10, 30))
    await again.run_until(at(SEOUL, 2026, 11, 29, 0, 0))
    assert again.platform.posts("weekly") == []


# --- platform failures ----------------------------------------------------------------------


class ServerError(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(f"{status} from the platform")
        self.status = status


class FlakyPlatform(RecordingPlatform):
    def __init__(self, failures: list[Exception]) -> None:
        super().__init__()
        self.failures = failures

    async def post(self, channel, reply, *, key=None):  # type: ignore[no-untyped-def]
        if self.failures:
            raise self.failures.pop(0)
        return await super().post(channel, reply, key=key)


async def test_a_post_failing_twice_with_5xx_is_retried_and_posted_once(bots):
    platform = FlakyPlatform([])
    bot = await bots.start(at(SEOUL, 2026, 11, 24, 8, 0), platform=platform)
    await set_up(bot)
    platform.failures = [ServerError(503), ServerError(502)]
    await bot.run_until(at(SEOUL, 2026, 11, 24, 12, 0))
    assert len(bot.daily_posts()) == 1
    assert bot.sleeps == [5.0, 30.0]  # backoff, through the injected sleep
    assert await posted_times(bot, SEOUL) == ["2026-11-24 09:00"]


async def test_a_post_that_keeps_failing_stays_unsettled_and_is_finished_later_once(bots, caplog):
    platform = FlakyPlatform([])
    bot = await bots.start(at(SEOUL, 2026, 11, 24, 8, 0), platform=platform)
    await set_up(bot)
    platform.failures = [ConnectionError("platform unavailable")] * 4
    bot.runner.reconcile_every = None  # an admin asks before the reconciler's next pass
    with caplog.at_level(logging.WARNING, logger="bot.core.delivery"):
        await bot.run_until(at(SEOUL, 2026, 11, 24, 9, 30))
    assert bot.daily_posts() == []
    settings = await bot.settings()
    assert settings.id is not None
    post = await bot.core.store.post_on(settings.id, date(2026, 11, 24))
    record = await bot.core.store.outbox_get(f"post:{post.id}")
    # A failed call may still have reached the platform: the record is not released, only left unsettled.
    assert (record.state, record.attempts) == ("sending", 4)
    assert "the post post:1 of test:C1 failed after 4 attempt(s)" in caplog.text
    reply = await bot.channel.say("/studybot post-now")  # the platform works again: finished, not claimed anew
    assert reply.kind == "info" and "posted" in reply.body and len(bot.daily_posts()) == 1
    again = await bot.channel.say("/studybot post-now")
    assert "already has today's question" in again.body and len(bot.daily_posts()) == 1


async def test_the_reconciler_finishes_an_unsettled_post_once_the_platform_recovers(bots, caplog):
    platform = FlakyPlatform([])
    bot = await bots.start(at(SEOUL, 2026, 11, 24, 8, 0), platform=platform)
    await set_up(bot)
    platform.failures = [ConnectionError("platform unavailable")] * 4
    await bot.run_until(at(SEOUL, 2026, 11, 24, 12, 0))  # no one asks: the reconciler finishes it
    assert len(bot.daily_posts()) == 1
    assert await posted_times(bot, SEOUL) == ["2026-11-24 09:00"]
    again = await bot.channel.say("/studybot post-now")
    assert "already has today's question" in again.body and len(bot.daily_posts()) == 1


async def test_an_error_that_is_not_transient_is_not_retried_at_once(bots, caplog):
    platform = FlakyPlatform([])
    bot = await bots.start(at(SEOUL, 2026, 11, 24, 8, 0), platform=platform)
    await set_up(bot)
    platform.failures = [ServerError(400)]
    every = bot.runner.reconcile_every
    bot.runner.reconcile_every = None
    with caplog.at_level(logging.ERROR, logger="bot.core.delivery"):
        await bot.run_until(at(SEOUL, 2026, 11, 24, 9, 30))
    assert bot.sleeps == [] and bot.daily_posts() == []
    assert "failed after 1 attempt(s) (ServerError: 400 from the platform)" in caplog.text
    bot.runner.reconcile_every = every
    await bot.run_until(at(SEOUL, 2026, 11, 24, 12, 0))  # the reconciler tries again later, once
    assert len(bot.daily_posts()) == 1


async def test_a_platform_that_refuses_for_good_fails_the_record_and_says_why(bots, caplog):
    bot = await bots.start(at(SEOUL, 2026, 11, 24, 8, 0))
    await set_up(bot)
    bot.platform.refuse = "no_permission"  # e.g. the bot's role lost Send Messages
    with caplog.at_level(logging.ERROR, logger="bot.core.delivery"):
        await bot.run_until(at(SEOUL, 2026, 11, 24, 9, 30))
    settings = await bot.settings()
    post = await bot.core.store.post_on(settings.id, date(2026, 11, 24))
    record = await bot.core.store.outbox_get(f"post:{post.id}")
    assert record.state == "failed" and bot.sleeps == []
    assert "was refused by test (no_permission): given up" in caplog.text
    bot.platform.refuse = None  # an admin fixes the permission and asks again
    reply = await bot.channel.say("/studybot post-now")
    assert "posted" in reply.body and len(bot.daily_posts()) == 1


async def test_a_weekly_board_that_keeps_failing_is_posted_once_after_a_restart(bots, caplog):
    platform = FlakyPlatform([])
    before = await bots.start(at(SEOUL, 2026, 11, 22, 20, 0), platform=platform)
    await set_up(before)
    platform.failures = [ConnectionError("platform unavailable")] * 4  # the board goes first at 09:00
    before.runner.reconcile_every = None  # it goes down before its reconciler's next pass
    with caplog.at_level(logging.WARNING, logger="bot.core.delivery"):
        await before.run_until(at(SEOUL, 2026, 11, 23, 9, 30))
    assert before.platform.posts("weekly") == [] and len(before.daily_posts()) == 1
    assert "the board board:1:2026-11-16 of test:C1 failed after 4 attempt(s)" in caplog.text
    await bots.stop(before)
    after = await bots.start(at(SEOUL, 2026, 11, 23, 10, 0))
    assert [b.reply.kind for b in after.platform.posts()] == ["weekly"]
    await after.run_until(at(SEOUL, 2026, 11, 30, 8, 0))
    assert len(before.platform.posts("weekly")) + len(after.platform.posts("weekly")) == 1


class StuckPlatform(RecordingPlatform):
    """A platform whose daily post never returns (a hung connection)."""

    def __init__(self) -> None:
        super().__init__()
        self.sending = asyncio.Event()

    async def post(self, channel, reply, *, key=None):  # type: ignore[no-untyped-def]
        if reply.kind == "question":
            self.sending.set()
            await asyncio.Event().wait()
        return await super().post(channel, reply, key=key)


async def test_stopping_while_a_post_is_stuck_leaves_it_for_the_next_start_to_finish_once(bots):
    first = await bots.start(at(SEOUL, 2026, 11, 23, 8, 0))
    await set_up(first)
    await bots.stop(first)

    stuck = StuckPlatform()
    second = await bots.start(at(SEOUL, 2026, 11, 23, 9, 30), stuck, live=True)  # catch-up starts posting
    await asyncio.wait_for(stuck.sending.wait(), 5)
    await bots.stop(second)  # shutdown cancels the send: its record stays "sending" for the next start

    third = await bots.start(at(SEOUL, 2026, 11, 23, 9, 45))
    assert len(third.platform.posts("question")) == 1  # still inside the grace window: posted now
    assert await posted_times(third, SEOUL) == ["2026-11-23 09:45"]
