"""The schedule: each channel's daily post, reveal and weekly board, on time in its own time zone.

Jobs are derived from the stored channel settings at start and rebuilt for a channel whenever its
settings change. Every job claims its work in the store before sending (the day's post, the reveal,
the week's board), so a restart, a DST double fire or a second process on the same database never
posts twice. The same CronTriggers and job functions drive the live AsyncIOScheduler and the virtual
clock of `studybot simulate` and the tests (`bot.simulate.VirtualRunner`).

Talks to platforms only through ChatPlatform; imports only the core and APScheduler.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

from bot.core.boards import week_that_ended, weekly_board
from bot.core.daily import Daily
from bot.core.models import ChannelRef, ChannelSettings
from bot.core.ports import ChatPlatform, Clock, Store
from bot.core.settings import DAY_NAMES
from bot.core.views import Views

log = logging.getLogger(__name__)

POST, CLOSE, BOARD = "post", "close", "board"
KINDS = (CLOSE, BOARD, POST)  # also the order of jobs due at the same instant: reveal, board, post
RETRY_DELAYS = (5.0, 30.0, 120.0)  # seconds between attempts when the platform fails for a while

Sleep = Callable[[float], Awaitable[object]]
T = TypeVar("T")


# --- triggers and fire times ----------------------------------------------------------------


def triggers(settings: ChannelSettings) -> dict[str, CronTrigger]:
    """The three cron triggers of a channel, in its time zone."""
    zone = ZoneInfo(settings.timezone)
    days = ",".join(DAY_NAMES[d] for d in settings.days)
    return {
        POST: CronTrigger(
            day_of_week=days, hour=settings.post_time.hour, minute=settings.post_time.minute, timezone=zone
        ),
        CLOSE: CronTrigger(
            day_of_week=days, hour=settings.close_time.hour, minute=settings.close_time.minute, timezone=zone
        ),
        BOARD: CronTrigger(
            day_of_week=DAY_NAMES[settings.board_day],
            hour=settings.board_time.hour,
            minute=settings.board_time.minute,
            timezone=zone,
        ),
    }


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


def is_transient(exc: BaseException) -> bool:
    """Worth another try: a lost connection, a timeout, or a 5xx / 429 answer from the platform.

    ConnectionError and TimeoutError are OSErrors. An adapter can also mark its own error `transient`.
    """
    if isinstance(exc, OSError) or getattr(exc, "transient", False):
        return True
    # aiohttp's connection errors are not all OSErrors, and this module may not import aiohttp.
    if any(cls.__name__ == "ClientConnectionError" for cls in type(exc).__mro__):
        return True
    response = getattr(exc, "response", None)
    for status in (
        getattr(exc, "status", None),
        getattr(exc, "status_code", None),
        getattr(response, "status_code", None),
    ):
        if isinstance(status, int) and (status >= 500 or status == 429):
            return True
    return False


def describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {str(exc)[:200]}"


def label(settings: ChannelSettings) -> str:
    return f"{settings.platform}:{settings.channel_id}"


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
        views: Views,
        platform: ChatPlatform,
        clock: Clock,
        grace_minutes: int = 120,
        retry_delays: tuple[float, ...] = RETRY_DELAYS,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.store = store
        self.daily = daily
        self.views = views
        self.platform = platform
        self.clock = clock
        self.grace = timedelta(minutes=grace_minutes)
        self.retry_delays = retry_delays
        self.sleep = sleep
        self.jobs: dict[str, JobSpec] = {}
        self.live: AsyncIOScheduler | None = None
        self._tasks: set[asyncio.Future[None]] = set()  # background work and running jobs

    # --- lifecycle --------------------------------------------------------------------------

    async def start(self, *, live: bool = True) -> None:
        """Jobs from the stored settings and catch-up. With `live`, APScheduler runs the jobs on time and
        is started first, so no fire time passes unseen while catch-up works (in the background)."""
        channels = await self.store.active_channels()
        for settings in channels:
            self._set_jobs(settings)
        if not live:
            await self.catch_up(channels)
            return
        self.live = AsyncIOScheduler(timezone=UTC)
        for spec in self.jobs.values():
            self._sync(spec.id)
        self.live.start()
        self._spawn(self.catch_up(channels))

    def _spawn(self, work: Awaitable[None]) -> None:
        task: asyncio.Task[None] = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def idle(self) -> None:
        """Wait for background work: catch-up, reveals started by settings changes, running jobs."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def shutdown(self, timeout: float = 10.0) -> None:
        """Stop firing; cancel work under way and wait for it, so a cancelled post releases its claim
        while the database is still open (a claim left behind would block that day's post)."""
        if self.live is not None and self.live.running:
            self.live.shutdown(wait=False)
        self.live = None
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def rebuild(self, settings: ChannelSettings) -> None:
        """Settings listener: the channel's jobs follow its new settings at once; a reveal that is now
        due runs in the background, so the admin's reply never waits on a platform's retries."""
        self._set_jobs(settings)
        if settings.active and settings.id is not None:
            self._spawn(self._reveal_due(settings))

    async def _reveal_due(self, settings: ChannelSettings) -> None:
        await self._guarded(settings, self._close_due(settings, self.clock.now()))

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
        """A job APScheduler fired, in a task of its own: tracked so that shutdown can wait for it."""
        current = asyncio.current_task()
        if current is not None:
            self._tasks.add(current)
            current.add_done_callback(self._tasks.discard)
        await self.run_job(kind, ref)

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

    async def catch_up(self, channels: list[ChannelSettings] | None = None) -> None:
        """On start: reveal every post past its close time; send what was due inside the grace window."""
        for settings in channels if channels is not None else await self.store.active_channels():
            now = self.clock.now()  # per channel: an earlier channel's retries may have taken minutes
            await self._guarded(settings, self._close_due(settings, now))
            if not settings.paused:
                await self._guarded(settings, self._board_if_due(settings, now))
                await self._guarded(settings, self._post_if_due(settings, now, starting=True))

    async def _guarded(self, settings: ChannelSettings, work: Awaitable[object]) -> None:
        try:
            await work
        except Exception:
            log.exception("a scheduled job failed for %s", label(settings))

    # --- daily post -------------------------------------------------------------------------

    async def _post_if_due(self, settings: ChannelSettings, now: datetime, *, starting: bool = False) -> None:
        assert settings.id is not None
        every = triggers(settings)
        due = latest_fire(every[POST], now, timedelta(days=1))
        if due is None:
            return
        day = to_local(due, settings.timezone).date()
        existing = await self.store.post_on(settings.id, day)
        if existing is not None:
            if existing.posted_at is None and starting:
                log.warning(
                    "the daily post of %s for %s was claimed but never confirmed as posted (another process "
                    "is posting it, or one stopped mid-post); not posting again to avoid a duplicate",
                    label(settings),
                    day,
                )
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
        claimed = await self.daily.claim_daily(settings, day)
        if claimed is None:
            return
        post, question = claimed
        try:
            sent = await self._attempts(
                f"the daily post of {day}", settings, lambda: self.daily.send_daily(settings, post, question)
            )
        except BaseException:  # cancelled at shutdown: leave no claim behind that nobody will post
            await self.daily.release_daily(post)
            raise
        if sent is None:
            await self.daily.release_daily(post)
            return
        log.info("posted the daily question of %s for %s", label(settings), day)

    # --- reveal -----------------------------------------------------------------------------

    async def _close_due(self, settings: ChannelSettings, now: datetime) -> None:
        """Reveal every open post whose close time has come: the first close fire after it was posted."""
        assert settings.id is not None
        close = triggers(settings)[CLOSE]
        for post in await self.store.open_posts(settings.id):
            assert post.posted_at is not None
            due = close.get_next_fire_time(None, to_local(post.posted_at, settings.timezone))
            if due is not None and due.astimezone(UTC) <= now:
                await self._attempts(
                    f"the reveal of {post.local_date}", settings, lambda post=post: self.daily.close(settings, post)
                )

    # --- weekly board -----------------------------------------------------------------------

    async def _board_if_due(self, settings: ChannelSettings, now: datetime) -> None:
        assert settings.id is not None
        due = latest_fire(triggers(settings)[BOARD], now, timedelta(days=7))
        if due is None:
            return
        start, end, week_label = week_that_ended(due, settings)
        week = to_local(start, settings.timezone).date()
        if await self.store.board_posted(settings.id, week) is not None:
            return
        if now - due > self.grace:
            # A week nobody answered in (e.g. before the channel was set up) is no loss worth a warning.
            answered = await self.store.board(settings.id, start, end, 1)
            log.log(
                logging.WARNING if answered else logging.INFO,
                "skipped the weekly board of %s for %s: it was due at %s, past the %d-minute grace window",
                label(settings),
                week_label,
                to_local(due, settings.timezone).isoformat(),
                self.grace.total_seconds() // 60,
            )
            return
        board = await weekly_board(self.store, self.views, settings, due)
        if not await self.store.claim_board(settings.id, week, now):
            return
        try:
            message = await self._attempts(
                f"the weekly board of {week_label}", settings, lambda: self.platform.post(settings.ref, board.reply)
            )
        except BaseException:  # cancelled at shutdown: leave no claim behind that nobody will post
            await self.store.release_board(settings.id, week)
            raise
        if message is None:
            await self.store.release_board(settings.id, week)
            return
        await self.store.mark_board_posted(settings.id, week, message.message_id, self.clock.now())

    # --- retries ----------------------------------------------------------------------------

    async def _attempts(self, what: str, settings: ChannelSettings, action: Callable[[], Awaitable[T]]) -> T | None:
        """Run `action`, retrying transient platform errors with backoff; None when it finally failed.

        The caller holds the claim across the attempts and releases it (or the reveal's close) only when
        they all failed, so a later attempt, here or after a restart, can make it.
        """
        for attempt, delay in enumerate((*self.retry_delays, None), start=1):
            try:
                return await action()
            except Exception as exc:
                if delay is None or not is_transient(exc):
                    log.error(
                        "%s for %s failed after %d attempt(s): %s; it was released so a later attempt can make it",
                        what,
                        label(settings),
                        attempt,
                        describe(exc),
                    )
                    return None
                log.warning("%s for %s failed (%s); retrying in %.0f s", what, label(settings), describe(exc), delay)
                await self.sleep(delay)
        return None
