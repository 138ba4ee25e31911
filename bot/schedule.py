"""The schedule: each channel's daily post, reveal and weekly board, on time in its own time zone.

Jobs are derived from the stored channel settings at start and rebuilt for a channel whenever its
settings change, here or in another process (the store's channel versions are polled every
`refresh_seconds`). A job only claims its work in the store (the day's post, the close, the week's
board) and hands the claimed records to `Delivery`, which sends each exactly once; the reconciler
runs at start and every `reconcile_seconds` and finishes every record that is not done, so any
number of processes can run this scheduler on one database. The same CronTriggers and job functions
drive the live AsyncIOScheduler and the virtual clock of `studybot simulate` (`bot.simulate`).

Talks to platforms only through ChatPlatform; imports only the core and APScheduler.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from bot.core.boards import week_that_ended
from bot.core.daily import Daily
from bot.core.delivery import Delivery, board_window, died, label
from bot.core.job_gate import ShuffledGate
from bot.core.models import ChannelRef, ChannelSettings
from bot.core.periods import week_label
from bot.core.ports import Clock, Store
from bot.core.settings import DAY_NAMES

if TYPE_CHECKING:
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

log = logging.getLogger(__name__)

POST, CLOSE, BOARD = "post", "close", "board"
KINDS = (CLOSE, BOARD, POST)  # also the order of jobs due at the same instant: reveal, board, post
RECONCILE_SECONDS = 180.0
REFRESH_SECONDS = 15.0
# Jobs of many channels due the same minute run this many at a time (the rest in a shuffled order: see
# bot/core/job_gate.py): all at once, each channel's reads would queue behind every other channel's before
# the first send, and the send rate's burst would wait.
JOBS_AT_ONCE = 32


# --- triggers and fire times ----------------------------------------------------------------


def triggers(settings: ChannelSettings) -> dict[str, CronTrigger]:
    """The three cron triggers of a channel, in its time zone."""
    zone = ZoneInfo(settings.timezone)
    days = ",".join(DAY_NAMES[d] for d in settings.days)
    at = {POST: settings.post_time, CLOSE: settings.close_time}
    found = {kind: CronTrigger(day_of_week=days, hour=t.hour, minute=t.minute, timezone=zone) for kind, t in at.items()}
    found[BOARD] = CronTrigger(
        day_of_week=DAY_NAMES[settings.board_day],
        hour=settings.board_time.hour,
        minute=settings.board_time.minute,
        timezone=zone,
    )
    return found


def wanted_triggers(settings: ChannelSettings) -> dict[str, CronTrigger]:
    """The jobs a channel should have: none before setup; only the reveal while paused."""
    if not settings.active:
        return {}
    every = triggers(settings)
    return {CLOSE: every[CLOSE]} if settings.paused else every


def to_local(moment: datetime, timezone: str) -> datetime:
    # Through UTC: astimezone() to the datetime's own zone would keep a wall time that does not exist.
    return moment.astimezone(UTC).astimezone(ZoneInfo(timezone))


def next_fire(trigger: CronTrigger, after: datetime) -> datetime | None:
    """The first fire strictly after a previous fire time, as APScheduler computes it."""
    fire = trigger.get_next_fire_time(after, after)
    if fire is not None and fire.astimezone(UTC) <= after.astimezone(UTC):
        fire = trigger.get_next_fire_time(None, after + timedelta(seconds=1))
    return fire


def latest_fire(trigger: CronTrigger, now: datetime, within: timedelta) -> datetime | None:
    """The last fire time in [now - within, now], or None."""
    latest = None
    fire = trigger.get_next_fire_time(None, now - within)
    while fire is not None and fire.astimezone(UTC) <= now:
        latest = fire
        fire = next_fire(trigger, fire)
    return latest


@dataclass(frozen=True, slots=True)
class JobSpec:
    id: str  # "<kind>:<channel key>", also the APScheduler job id
    kind: str
    ref: ChannelRef
    trigger: CronTrigger


# --- the scheduler --------------------------------------------------------------------------


class Scheduler:
    def __init__(
        self,
        *,
        store: Store,
        daily: Daily,
        delivery: Delivery,
        clock: Clock,
        grace_minutes: int = 120,
        reconcile_seconds: float = RECONCILE_SECONDS,
        refresh_seconds: float = REFRESH_SECONDS,
    ) -> None:
        self.store = store
        self.daily = daily
        self.delivery = delivery
        self.clock = clock
        self.grace = timedelta(minutes=grace_minutes)
        self.reconcile_seconds = reconcile_seconds
        self.refresh_seconds = refresh_seconds
        self.jobs: dict[str, JobSpec] = {}
        self.live: AsyncIOScheduler | None = None
        self._tasks: set[asyncio.Future[None]] = set()  # background work and running jobs
        self._version = 0
        self._stopping = False
        self._jobs_at_once = ShuffledGate(JOBS_AT_ONCE)

    # --- lifecycle --------------------------------------------------------------------------

    async def start(self, *, live: bool = True) -> None:
        """Jobs from the stored settings, the reconciler, then catch-up. With `live`, APScheduler runs the
        jobs on time and is started first, so no fire time passes unseen while catch-up works."""
        changed, self._version = await self.store.channels_changed(0)
        channels = [c for c in changed if c.active]
        for settings in channels:
            self._set_jobs(settings)
        if not live:
            await self.reconcile()
            await self.catch_up(channels)
            return
        from apscheduler.schedulers.asyncio import AsyncIOScheduler  # only a live bot needs it, not the CLI's tools

        self.live = AsyncIOScheduler(timezone=UTC)
        for spec in self.jobs.values():
            self._sync(spec.id)
        self.live.add_job(self._tracked_reconcile, "interval", seconds=self.reconcile_seconds, id="reconcile")
        self.live.add_job(self._tracked_refresh, "interval", seconds=self.refresh_seconds, id="refresh")
        self.live.start()
        self._spawn(self._start_work(channels))

    async def _start_work(self, channels: list[ChannelSettings]) -> None:
        await self._guarded_all(self.reconcile())
        await self.catch_up(channels)

    def _spawn(self, work: Awaitable[None]) -> None:
        task: asyncio.Task[None] = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _track(self) -> None:
        current = asyncio.current_task()
        if current is not None:
            self._tasks.add(current)
            current.add_done_callback(self._tasks.discard)

    async def idle(self) -> None:
        """Wait for background work: catch-up, reveals started by settings changes, running jobs."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def shutdown(self, timeout: float = 10.0) -> None:
        """Stop firing; let the work under way finish for at most `timeout` seconds, then cancel it (a send
        cut short stays "sending": the next start asks the platform before it sends again)."""
        self._stopping = True
        if self.live is not None and self.live.running:
            self.live.shutdown(wait=False)
        self.live = None
        pending = [t for t in self._tasks if not t.done()]
        if pending:
            _, late = await asyncio.wait(pending, timeout=timeout)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)

    async def rebuild(self, settings: ChannelSettings) -> None:
        """Settings listener: the channel's jobs follow its new settings at once; a reveal that is now
        due runs in the background, so the admin's reply never waits on a platform's retries."""
        self._set_jobs(settings)
        if settings.active and settings.id is not None and not self._stopping:
            self._spawn(self._guarded(settings, self._close_due(settings, self.clock.now())))

    async def refresh(self) -> None:
        """Channels saved by any process since the last look get their jobs rebuilt."""
        changed, self._version = await self.store.channels_changed(self._version)
        for settings in changed:
            self._set_jobs(settings)

    def _set_jobs(self, settings: ChannelSettings) -> None:
        assert settings.id is not None, "only saved channels have jobs"
        wanted = wanted_triggers(settings)
        for kind in KINDS:
            job_id = f"{kind}:{settings.id}"
            if kind in wanted:
                self.jobs[job_id] = JobSpec(job_id, kind, settings.ref, wanted[kind])
            else:
                self.jobs.pop(job_id, None)
            self._sync(job_id)

    def _sync(self, job_id: str) -> None:
        """Mirror one job into the live APScheduler: replaced when it changed, removed when gone."""
        if self.live is None:
            return
        spec = self.jobs.get(job_id)
        if spec is None:
            if self.live.get_job(job_id) is not None:
                self.live.remove_job(job_id)
            return
        self.live.add_job(
            self._run_live_job,
            spec.trigger,
            args=(spec.kind, spec.ref),
            id=job_id,
            name=job_id,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            # The job decides itself whether a late run is still worth it (grace window, close time).
            misfire_grace_time=None,
        )

    def next_times(self, settings: ChannelSettings) -> dict[str, datetime | None]:
        """For /studybot status: the next post, close and board times in the channel's zone."""
        now = self.clock.now()
        wanted = wanted_triggers(settings)
        times: dict[str, datetime | None] = {}
        for kind in (POST, CLOSE, BOARD):
            fire = wanted[kind].get_next_fire_time(None, now) if kind in wanted else None
            times[kind] = to_local(fire, settings.timezone) if fire else None
        return times

    # --- the job functions (the same for APScheduler and the virtual clock) -------------------

    async def _run_live_job(self, kind: str, ref: ChannelRef) -> None:
        self._track()  # shutdown waits for it
        async with self._jobs_at_once:
            await self.run_job(kind, ref)

    async def _tracked_reconcile(self) -> None:
        self._track()
        await self._guarded_all(self.reconcile())

    async def _tracked_refresh(self) -> None:
        self._track()
        await self._guarded_all(self.refresh())

    async def run_job(self, kind: str, ref: ChannelRef) -> None:
        """What a fired job does, from the channel's settings as stored now; never raises."""
        try:
            settings = await self.store.get_channel(ref)
            if settings is None or not settings.active or settings.id is None:
                return
            now = self.clock.now()
            if kind == CLOSE:
                await self._close_due(settings, now)
            elif not settings.paused:
                await (self._post_if_due if kind == POST else self._board_if_due)(settings, now)
        except Exception:
            log.exception("the %s job failed for %s:%s", kind, ref.platform, ref.channel_id)

    async def reconcile(self) -> None:
        """Finish every outbox record that is not done (a crash, a stop, another process that died)."""
        records = await self.store.outbox_open()
        if not records:
            return
        channels = {c.id: c for c in await self.store.active_channels()}
        for record in records:
            if self._stopping:
                return
            settings = channels.get(record.channel_key)
            if settings is None:
                await self.store.outbox_end(record.id, "missed", self.clock.now(), "the channel is no longer set up")
                log.info("dropped %s: its channel is no longer set up", record.key)
                continue
            lease_left = record.lease_until is not None and record.lease_until > self.clock.now()
            if record.state == "sending" and lease_left and not died(record.lease_owner):
                continue  # a living process (maybe this one) is sending it
            log.info("reconciling %s in %s (%s)", record.key, label(settings), record.state)
            outcome = await self.delivery.deliver(record, settings)
            log.info("reconciled %s in %s: %s", record.key, label(settings), outcome.state)

    async def catch_up(self, channels: list[ChannelSettings] | None = None) -> None:
        """On start: reveal every post past its close time; claim what was due inside the grace window."""
        for settings in channels if channels is not None else await self.store.active_channels():
            now = self.clock.now()  # per channel: an earlier channel's retries may have taken minutes
            await self._guarded(settings, self._close_due(settings, now))
            if not settings.paused:
                await self._guarded(settings, self._board_if_due(settings, now))
                await self._guarded(settings, self._post_if_due(settings, now))

    async def _guarded(self, settings: ChannelSettings, work: Awaitable[object]) -> None:
        try:
            await work
        except Exception:
            log.exception("a scheduled job failed for %s", label(settings))

    async def _guarded_all(self, work: Awaitable[object]) -> None:
        try:
            await work
        except Exception:
            log.exception("the scheduler's background work failed")

    # --- daily post -------------------------------------------------------------------------

    async def _post_if_due(self, settings: ChannelSettings, now: datetime) -> None:
        assert settings.id is not None
        every = triggers(settings)
        due = latest_fire(every[POST], now, timedelta(days=1))
        if due is None:
            return
        day = to_local(due, settings.timezone).date()
        existing = await self.store.post_on(settings.id, day)
        if existing is not None:
            await self.daily.send(settings, existing)  # finishes a claim not yet confirmed; else nothing
            return
        closes = every[CLOSE].get_next_fire_time(None, due)
        if now - due > self.grace or (closes is not None and now >= closes.astimezone(UTC)):
            # A channel that never had a post was most likely set up after this one was due: no loss.
            posted_before = await self.store.latest_post(settings.id) is not None
            log.log(
                logging.WARNING if posted_before else logging.INFO,
                "skipped the daily post of %s for %s: it was due at %s and it is now %s, past the %d-minute "
                "grace window or the close time",
                label(settings),
                day,
                to_local(due, settings.timezone).isoformat(),
                to_local(now, settings.timezone).isoformat(),
                self.grace.total_seconds() // 60,
            )
            return
        post = await self.daily.claim_daily(settings, day)
        if post is not None:
            outcome = await self.daily.send(settings, post)
            log.info("the daily post of %s for %s: %s", label(settings), day, outcome.state)

    # --- reveal -----------------------------------------------------------------------------

    async def _close_due(self, settings: ChannelSettings, now: datetime) -> None:
        """Reveal every open post whose close time has come: the first close fire after it was posted."""
        assert settings.id is not None
        close = triggers(settings)[CLOSE]
        for post in await self.store.open_posts(settings.id):
            posted = post.posted_at or datetime.combine(
                post.local_date, settings.post_time, ZoneInfo(settings.timezone)
            )
            due = close.get_next_fire_time(None, to_local(posted, settings.timezone))
            if due is not None and due.astimezone(UTC) <= now and await self.daily.close(settings, post):
                log.info("closed the daily post of %s for %s", label(settings), post.local_date)

    # --- weekly board -----------------------------------------------------------------------

    async def _board_if_due(self, settings: ChannelSettings, now: datetime) -> None:
        assert settings.id is not None
        due = latest_fire(triggers(settings)[BOARD], now, timedelta(days=7))
        if due is None:
            return
        monday = week_that_ended(due, settings)
        record = await self.store.claim_board(settings.id, monday, now, board_window(due))
        if record is None:
            existing = await self.store.outbox_get(f"board:{settings.id}:{monday.isoformat()}")
            if existing is not None and not existing.done:
                await self.delivery.deliver(existing, settings)
            return
        if now - due > self.grace:
            # A week nobody answered in (e.g. before the channel was set up) is no loss worth a warning.
            answered = await self.store.board(settings.id, "week", monday, 1)
            await self.store.outbox_end(record.id, "missed", now, "past the grace window")
            log.log(
                logging.WARNING if answered else logging.INFO,
                "skipped the weekly board of %s for %s: it was due at %s, past the %d-minute grace window",
                label(settings),
                week_label(monday),
                to_local(due, settings.timezone).isoformat(),
                self.grace.total_seconds() // 60,
            )
            return
        outcome = await self.delivery.deliver(record, settings)
        log.info("the weekly board of %s for %s: %s", label(settings), week_label(monday), outcome.state)
