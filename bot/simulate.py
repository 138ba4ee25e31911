"""`studybot simulate`: the live scheduler's jobs on a virtual clock, with simulated members.

The same CronTriggers, fire times (`trigger.get_next_fire_time(previous, now)`) and job functions as
the live AsyncIOScheduler run on a clock that jumps from one fire time to the next, so two weeks of a
channel take about a second. Members answer each daily post through the router, as buttons would.
The tests drive the schedule with the same `VirtualRunner`.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import json
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Protocol, TextIO
from zoneinfo import ZoneInfo

from bot.app import Core, build_core, start_scheduler
from bot.config import Settings
from bot.core.choices import choice_options, encode_choice
from bot.core.commands import ANSWER
from bot.core.models import ChannelRef, Invocation, Lang, Member, MessageRef, Press, Reply
from bot.core.ports import Clock
from bot.core.settings import SettingError, parse_timezone
from bot.platforms.console.render import render_text
from bot.schedule import KINDS, JobSpec, Scheduler, next_fire, to_local


class SettableClock(Clock, Protocol):
    def set(self, moment: datetime) -> None: ...


class VirtualClock:
    """A clock that only moves when told to (simulate, tests)."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment.astimezone(UTC)

    def now(self) -> datetime:
        return self.moment

    def set(self, moment: datetime) -> None:
        self.moment = moment.astimezone(UTC)


class VirtualRunner:
    """Fires the scheduler's jobs on a virtual clock: the same triggers, fire times and job functions.

    Fire times come from `trigger.get_next_fire_time(previous, now)` as in APScheduler; a job whose
    trigger changed (settings changed) is timed afresh from the current moment, so stale jobs never run.
    One-off events (`at`) interleave with the jobs, e.g. simulated members answering.
    """

    def __init__(self, scheduler: Scheduler, clock: SettableClock) -> None:
        self.scheduler = scheduler
        self.clock = clock
        self._next: dict[str, tuple[JobSpec, datetime | None]] = {}
        self._events: list[tuple[datetime, int, Callable[[], Awaitable[object]]]] = []
        self._seq = itertools.count()
        self.after_each: Callable[[], Awaitable[object]] | None = None
        # The live scheduler's two interval jobs, in seconds of virtual time (None: not run), counted from
        # the runner's start as APScheduler counts them from the scheduler's.
        self.reconcile_every: float | None = None  # the reconciler: unfinished sends
        self.refresh_every: float | None = None  # the refresh: settings saved by other processes
        self._reconciled = self._refreshed = clock.now()

    def _next_reconcile(self, now: datetime) -> datetime | None:
        """The scheduler's reconciler runs every `reconcile_every` seconds of virtual time, when asked for."""
        return _next_pass(self._reconciled, self.reconcile_every, now)

    def _next_refresh(self, now: datetime) -> datetime | None:
        """The scheduler's settings refresh runs every `refresh_every` seconds of virtual time, when asked for."""
        return _next_pass(self._refreshed, self.refresh_every, now)

    def at(self, moment: datetime, action: Callable[[], Awaitable[object]]) -> None:
        heapq.heappush(self._events, (moment.astimezone(UTC), next(self._seq), action))

    def _fire_time(self, spec: JobSpec, now: datetime) -> datetime | None:
        known = self._next.get(spec.id)
        if known is None or known[0] is not spec:
            known = (spec, spec.trigger.get_next_fire_time(None, now))
            self._next[spec.id] = known
        return known[1]

    def next_step(self, until: datetime) -> tuple[datetime, Callable[[], Awaitable[str | None]]] | None:
        """The earliest thing due by `until` (a job, an event, a reconciler or refresh pass) and how to run it.

        Running it returns the job id when it was a scheduled job. Separate from `run_until` so that
        several processes sharing one clock can be stepped together (`run_together`).
        """
        until = until.astimezone(UTC)
        now = self.clock.now()
        due: list[tuple[datetime, int, JobSpec, datetime]] = []
        for spec in list(self.scheduler.jobs.values()):
            fire = self._fire_time(spec, now)
            if fire is not None and fire.astimezone(UTC) <= until:
                due.append((fire.astimezone(UTC), KINDS.index(spec.kind), spec, fire))
        job = min(due, key=lambda d: (d[0], d[1]), default=None)
        event = self._events[0] if self._events and self._events[0][0] <= until else None
        first = min((t for t in (job and job[0], event and event[0]) if t is not None), default=None)
        passes = [
            (moment, run)
            for moment, run in ((self._next_refresh(now), self._refresh), (self._next_reconcile(now), self._reconcile))
            if moment is not None and moment <= until
        ]
        if passes:
            moment, run = min(passes, key=lambda p: p[0])  # the refresh first when both are due at once
            if first is None or moment < first:
                return moment, lambda: run(moment)
        if job is not None and (event is None or job[0] <= event[0]):
            moment, _, spec, fire = job
            return moment, lambda: self._run_job(spec, fire)
        if event is not None:
            return event[0], self._run_event
        return None

    async def _reconcile(self, moment: datetime) -> None:
        self._reconciled = moment
        await self.scheduler.reconcile()

    async def _refresh(self, moment: datetime) -> None:
        self._refreshed = moment
        await self.scheduler.refresh()

    async def _run_job(self, spec: JobSpec, fire: datetime) -> str:
        self._next[spec.id] = (spec, next_fire(spec.trigger, fire))
        await self.scheduler.run_job(spec.kind, spec.ref)
        return spec.id

    async def _run_event(self) -> None:
        _, _, action = heapq.heappop(self._events)
        await action()

    async def step(self, moment: datetime, run: Callable[[], Awaitable[str | None]]) -> str | None:
        self.clock.set(max(moment, self.clock.now()))
        job_id = await run()
        if self.after_each is not None:
            await self.after_each()
        return job_id

    async def run_until(self, until: datetime) -> list[tuple[datetime, str]]:
        """Run everything due up to `until` in time order; returns (fire time, job id) of the jobs run."""
        fired: list[tuple[datetime, str]] = []
        while (found := self.next_step(until)) is not None:
            job_id = await self.step(*found)
            if job_id is not None:
                fired.append((found[0], job_id))
        self.clock.set(max(until.astimezone(UTC), self.clock.now()))
        return fired


def _next_pass(last: datetime, every: float | None, now: datetime) -> datetime | None:
    """An interval job's next run after `last`; runs the clock jumped over are not made up (coalesced)."""
    if every is None:
        return None
    step = timedelta(seconds=every)
    return last + step * max((now - last) // step, 1)


async def run_together(runners: list[VirtualRunner], until: datetime) -> None:
    """Step several processes that share one clock: whatever is due at the same moment runs concurrently.

    Separate clocks running side by side would drift apart in virtual time, so one process could see
    another's lease expire while that one is still inside the same instant; real processes share time.
    """
    while True:
        steps = [(runner, found) for runner in runners if (found := runner.next_step(until)) is not None]
        if not steps:
            break
        moment = min(found[0] for _, found in steps)
        await asyncio.gather(*(runner.step(*found) for runner, found in steps if found[0] == moment))
    for runner in runners:
        runner.clock.set(max(until.astimezone(UTC), runner.clock.now()))


# --- the simulation -------------------------------------------------------------------------

SIM_CHANNEL = ChannelRef("simulate", "sim", "study")
SIM_ADMIN = Member("sim-admin", "Admin", is_admin=True)
NAMES = ("Minji", "Junho", "Seoyeon", "Dohyun", "Haeun", "Jiwoo", "Yuna", "Sungmin", "Eunji", "Taeyang")
ANSWER_RATE = 0.85  # the share of daily posts a simulated member answers


class SimulationError(Exception):
    pass


@dataclass(frozen=True, slots=True)
class Line:
    """One message the channel received (or an edit of one), at the channel's local time."""

    at: datetime
    kind: str  # "daily" | "count" | "reveal" | "explanation" | "weekly" | ...
    text: str

    def as_json(self) -> str:
        return json.dumps({"at": self.at.isoformat(), "kind": self.kind, "text": self.text}, ensure_ascii=False)

    def as_text(self) -> str:
        stamp = f"{self.at:%Y-%m-%d %a %H:%M %Z}"
        if self.kind == "count":
            return f"[{stamp}] ✎ {self.text}"
        return f"\n[{stamp}] {self.kind}\n{self.text}"


POSTED_KINDS = {"question": "daily", "weekly": "weekly"}
EDITED_KINDS = {"question": "count", "reveal": "reveal"}


class SimPlatform:
    """A ChatPlatform that records what the simulated channel receives, stamped with the virtual time."""

    def __init__(self, clock: Clock, timezone: str, emit: Callable[[Line], object]) -> None:
        self.clock = clock
        self.timezone = timezone
        self.emit = emit
        self.lines: list[Line] = []
        self.on_daily: Callable[[int], object] | None = None
        self._ids = itertools.count(1)

    def _record(self, kind: str, reply: Reply) -> None:
        # An answered-count edit only changes the end of the footer ("... · 3 answered").
        text = (reply.footer or "").rsplit(" · ", 1)[-1] if kind == "count" else render_text(reply)
        line = Line(to_local(self.clock.now(), self.timezone), kind, text)
        self.lines.append(line)
        self.emit(line)

    async def post(self, channel: ChannelRef, reply: Reply, *, key: str | None = None) -> MessageRef:
        self._record(POSTED_KINDS.get(reply.kind, reply.kind), reply)
        if reply.kind == "question" and reply.buttons and self.on_daily is not None:
            self.on_daily(int(reply.buttons[0].value.partition(":")[0]))
        return MessageRef(channel, str(next(self._ids)))

    async def post_in_thread(self, parent: MessageRef, reply: Reply, *, key: str) -> MessageRef:
        self._record(reply.kind, reply)
        return MessageRef(parent.channel, str(next(self._ids)))

    async def edit(self, message: MessageRef, reply: Reply) -> None:
        self._record(EDITED_KINDS.get(reply.kind, reply.kind), reply)

    async def find(
        self, channel: ChannelRef, key: str, reply: Reply, *, parent: MessageRef | None = None
    ) -> str | None:
        return None  # a simulated channel never loses a confirmation

    async def send_private(self, channel: ChannelRef, user_id: str, reply: Reply) -> None:
        """Private replies are not the channel's messages."""

    async def can_post(self, channel: ChannelRef) -> str | None:
        return None


@dataclass(frozen=True, slots=True)
class SimMember:
    member: Member
    accuracy: float  # chance of a right answer
    typical_delay: float  # minutes after the post


@dataclass(frozen=True, slots=True)
class SimOptions:
    days: int = 14
    members: int = 5
    start: date | None = None  # default: the Monday of the current week in the channel's zone
    timezone: str | None = None  # default: the channel defaults' zone
    seed: int = 1
    lang: Lang | None = None


def make_members(count: int, rng: random.Random) -> list[SimMember]:
    crowd = []
    for n in range(1, count + 1):
        name = NAMES[n - 1] if n <= len(NAMES) else f"Member {n}"
        spread = (n - 1) / max(count - 1, 1)  # from the weakest to the strongest member
        crowd.append(
            SimMember(
                Member(f"sim{n}", name),
                accuracy=round(0.3 + 0.6 * spread + rng.uniform(-0.05, 0.05), 2),
                typical_delay=rng.uniform(5, 120),
            )
        )
    return crowd


class Simulation:
    def __init__(self, settings: Settings, options: SimOptions, emit: Callable[[Line], object]) -> None:
        self.settings = settings
        self.options = options
        self.emit = emit
        try:
            self.timezone = parse_timezone(options.timezone or settings.channel_defaults.timezone)
        except SettingError:
            raise SimulationError(f"unknown time zone {options.timezone!r}; use an IANA name like Asia/Seoul") from None
        self.rng = random.Random(f"members-{options.seed}")
        self.crowd = make_members(options.members, self.rng)

    def start_day(self) -> date:
        if self.options.start is not None:
            return self.options.start
        today = datetime.now(UTC).astimezone(ZoneInfo(self.timezone)).date()
        return today - timedelta(days=today.weekday())

    async def run(self) -> list[Line]:
        zone = ZoneInfo(self.timezone)
        first = self.start_day()
        clock = VirtualClock(datetime(first.year, first.month, first.day, tzinfo=zone))
        platform = SimPlatform(clock, self.timezone, self.emit)
        core = await build_core(
            self.settings,
            platform,
            clock=clock,
            rng=random.Random(self.options.seed),
            refresh_seconds=0.0,
            sleep=_no_wait,
        )
        try:
            await self._set_up(core.router.handle)
            scheduler = await start_scheduler(core, live=False)
            runner = VirtualRunner(scheduler, clock)
            runner.after_each = core.daily.refresher.flush
            channel = await core.store.get_channel(SIM_CHANNEL)
            assert channel is not None
            close_time = channel.close_time

            def plan_answers(post_id: int) -> None:
                now = to_local(clock.now(), self.timezone)
                closes = datetime.combine(now.date(), close_time, tzinfo=zone).astimezone(UTC)
                window = (closes - now.astimezone(UTC)).total_seconds() / 60 - 1
                for sim in self.crowd:
                    if window < 1 or self.rng.random() > ANSWER_RATE:
                        continue
                    delay = min(1 + self.rng.expovariate(1 / sim.typical_delay), window)
                    runner.at(now + timedelta(seconds=round(delay * 60)), self._answer(core, sim, post_id))

            platform.on_daily = plan_answers
            last = first + timedelta(days=self.options.days)
            await runner.run_until(datetime(last.year, last.month, last.day, tzinfo=zone))
        finally:
            await core.close()
        return platform.lines

    async def _set_up(self, handle: Callable[[Invocation], Awaitable[Reply]]) -> None:
        commands = ["setup", f"timezone {self.timezone}"]
        if self.options.lang:
            commands.append(f"language {self.options.lang}")
        for command in commands:
            name, _, args = command.partition(" ")
            reply = await handle(Invocation(SIM_CHANNEL, SIM_ADMIN, "studybot", command, "en"))
            if reply.kind == "error":
                raise SimulationError(f"/studybot {name} {args}: {reply.body}")

    def _answer(self, core: Core, sim: SimMember, post_id: int) -> Callable[[], Awaitable[object]]:
        async def press() -> None:
            post = await core.store.get_post(post_id)
            assert post is not None
            question = core.library.bank.questions[post.question_id]
            if self.rng.random() < sim.accuracy:
                picked = question.answer
            else:
                picked = self.rng.choice([o for o in choice_options(question) if o != question.answer])
            value = f"{post_id}:{encode_choice(picked)}"
            await core.router.press(Press(SIM_CHANNEL, sim.member, ANSWER, value))

        return press


async def _no_wait(_seconds: float) -> None:
    await asyncio.sleep(0)


def run(settings: Settings, options: SimOptions, out: TextIO, *, as_json: bool) -> int:
    """Print every message the simulated channel receives; one JSON object per line with `as_json`."""

    reader_left = False

    def emit(line: Line) -> None:
        nonlocal reader_left
        if reader_left:
            return
        try:
            out.write((line.as_json() if as_json else line.as_text()) + "\n")
        except BrokenPipeError:  # `studybot simulate | head`: the reader has seen enough
            reader_left = True

    asyncio.run(Simulation(settings, options, emit).run())
    if reader_left:
        raise BrokenPipeError
    out.flush()
    return 0
