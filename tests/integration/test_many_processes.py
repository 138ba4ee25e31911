"""Two and three studybot processes on one database (a PostgreSQL database, a SQLite file): every daily
post, reveal, explanation and weekly board exactly once per channel, over a simulated fortnight.

Each process is a whole Core with its own scheduler, stepped on one shared virtual clock by its own
VirtualRunner (`run_together`), which also runs the live scheduler's two interval jobs: the reconciler
and the settings refresh. The processes start seconds apart, so their passes do not line up. They
post to one fake chat platform, so a message one process made is there for the others to `find`, as in
a real channel; the platform has outages, some in which a message is made but its confirmation is lost,
and the reconciler of whichever process comes first must finish those sends without sending twice.
Three channels, in Seoul, New York and London (the fortnight holds the London and the New York fall
back), are set up through different processes; simulated members click answers through random
processes, some twice, some at the same instant; an admin moves London's post time through one process.

What is expected is counted from the settings alone (wall times in each zone), not from the scheduler's
triggers. The fortnight runs with the reconciler and the refresh at 15 and 10 minutes (the config's
`reconcile_seconds` and `settings_refresh_seconds`): each pass is a database round trip per process,
and at the defaults (180 s, 15 s) a fortnight is some 250,000 of them. The defaults are held by a
shorter run: a settings change made through one process reaches the others' schedules within 15 s.
"""

from __future__ import annotations

import asyncio
import random
import re
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.app import Library
from bot.config import Settings
from bot.core.models import ChannelRef, Member, MessageRef, Reply
from bot.simulate import run_together
from tests.conftest import Channel
from tests.fakes.bots import LONDON, NEW_YORK, SEOUL, Bot, Bots
from tests.fakes.clock import FixedClock
from tests.fakes.platform import RecordingPlatform, Sent

ENGINES = pytest.mark.parametrize("database", ["sqlite-file", "postgres"], indirect=True)
START = datetime(2026, 10, 18, 23, 0, tzinfo=UTC)  # Mon 08:00 in Seoul, Sun 19:00 in New York, 00:00 in London
END = datetime(2026, 11, 2, 17, 0, tzinfo=UTC)  # Mon 12:00 in New York: every zone's Monday boards are in
RECONCILE, REFRESH = 900.0, 600.0  # seconds, for the fortnight (see above)
MEMBERS = 6
CORRECT, BONUSES = 10, (3, 2, 1)


@dataclass(frozen=True)
class Outage:
    """The platform fails every call from `start` to `end`: "down" makes nothing; "lost" makes the message
    (or applies the edit) but the answer never arrives. Asking for recent messages (`find`) fails too."""

    start: datetime
    end: datetime
    mode: str


OUTAGES = (
    # Seoul's Tuesday post (09:00 KST) is made, but no process hears so until the platform is back.
    Outage(datetime(2026, 10, 27, 0, 0, tzinfo=UTC), datetime(2026, 10, 27, 0, 20, tzinfo=UTC), "lost"),
    # London's Thursday reveal and explanation (18:00 GMT): nothing gets through for ten minutes.
    Outage(datetime(2026, 10, 29, 17, 59, 30, tzinfo=UTC), datetime(2026, 10, 29, 18, 10, tzinfo=UTC), "down"),
    # New York's Monday board and post (09:00 EST, the day after the fall back): made, answers lost.
    Outage(datetime(2026, 11, 2, 13, 59, 30, tzinfo=UTC), datetime(2026, 11, 2, 14, 20, tzinfo=UTC), "lost"),
)


@dataclass
class Plan:
    """A channel as its admin sets it up, and what it should therefore receive."""

    ref: ChannelRef
    zone: ZoneInfo
    commands: tuple[str, ...]
    days: tuple[int, ...]  # 0 = Monday
    post: time
    close: time
    board: tuple[int, time]
    members: list[Member]
    moved: tuple[datetime, time] | None = None  # (when, new post time): an admin's /studybot time

    def post_time(self, day: date) -> time:
        if self.moved is not None and self.moved[0].astimezone(self.zone).date() <= day:
            return self.moved[1]
        return self.post

    def local(self, day: date, at: time) -> datetime:
        return datetime.combine(day, at, tzinfo=self.zone).astimezone(UTC)

    def dates(self, start: datetime, end: datetime) -> list[date]:
        first = start.astimezone(self.zone).date()
        return [first + timedelta(days=n) for n in range((end - start).days + 2)]

    def post_days(self, start: datetime, end: datetime) -> list[date]:
        return [
            d
            for d in self.dates(start, end)
            if d.weekday() in self.days and start < self.local(d, self.post_time(d)) < end
        ]

    def reveal_days(self, start: datetime, end: datetime) -> list[date]:
        return [d for d in self.post_days(start, end) if self.local(d, self.close) < end]

    def board_weeks(self, start: datetime, end: datetime) -> list[date]:
        """The Monday of the week each board shows: the week before, unless posted after the last posting day."""
        day, at = self.board
        back = 0 if day > max(self.days) else 1
        return [
            d - timedelta(days=d.weekday(), weeks=back)
            for d in self.dates(start, end)
            if d.weekday() == day and start < self.local(d, at) < end
        ]


def crowd(first: int) -> list[Member]:
    return [Member(f"U{first + n}", f"Member {first + n}") for n in range(MEMBERS)]


SEOUL_PLAN = Plan(
    ChannelRef("test", "team1", "C-seoul"),
    SEOUL,
    ("language en",),
    (0, 1, 2, 3, 4),
    time(9),
    time(18),
    (0, time(9)),
    [],
)
NEW_YORK_PLAN = Plan(
    ChannelRef("test", "team1", "C-newyork"),
    NEW_YORK,
    ("language en", "timezone America/New_York", "close 17:30", "days mon,tue,thu,fri"),
    (0, 1, 3, 4),
    time(9),
    time(17, 30),
    (0, time(9)),
    [],
)
LONDON_PLAN = Plan(
    ChannelRef("test", "team2", "C-london"),
    LONDON,
    ("language en", "timezone Europe/London", "days mon-sat", "board sun 20:00"),
    (0, 1, 2, 3, 4, 5),
    time(9),
    time(18),
    (6, time(20)),  # after Saturday's post: the board shows the week that is ending
    [],
)


def plans(london_moved: datetime) -> list[Plan]:
    return [
        replace(SEOUL_PLAN, members=crowd(10)),
        replace(NEW_YORK_PLAN, members=crowd(20)),
        replace(LONDON_PLAN, members=crowd(30), moved=(london_moved, time(10))),
    ]


class SharedChannel(RecordingPlatform):
    """One chat platform for every process, as a real one is, with outages; each daily post is announced to
    `on_question` as soon as it exists (members see it even when the bot never heard it was made)."""

    def __init__(self, clock: FixedClock, outages: tuple[Outage, ...] = ()) -> None:
        super().__init__()
        self.clock = clock
        self.outages = outages
        self.on_question: Callable[[Sent], None] = lambda sent: None
        self.failed = 0

    def _mode(self) -> str | None:
        now = self.clock.now()
        return next((o.mode for o in self.outages if o.start <= now < o.end), None)

    def _send(self, kind: str, channel: ChannelRef, reply: Reply, key: str | None, parent: str | None) -> str:
        mode = self._mode()
        if mode == "down":
            self.failed += 1
            raise ConnectionError("the platform is down")
        message_id = super()._send(kind, channel, reply, key, parent)
        if reply.kind == "question":
            self.on_question(self.sent[-1])
        if mode == "lost":
            self.failed += 1
            raise TimeoutError("the platform made the message, but its answer was lost")
        return message_id

    async def edit(self, message: MessageRef, reply: Reply) -> None:
        mode = self._mode()
        if mode == "down":
            self.failed += 1
            raise ConnectionError("the platform is down")
        await super().edit(message, reply)
        if mode == "lost":
            self.failed += 1
            raise TimeoutError("the platform applied the edit, but its answer was lost")

    async def find(
        self, channel: ChannelRef, key: str, reply: Reply, *, parent: MessageRef | None = None
    ) -> str | None:
        if self._mode():
            self.failed += 1
            raise ConnectionError("the platform is down")
        return await super().find(channel, key, reply, parent=parent)


class Clicks:
    """Every click the members made and the replies they got, by (post id, user id)."""

    def __init__(self) -> None:
        self.replies: dict[tuple[int, str], list[Reply]] = defaultdict(list)
        self.through: set[int] = set()  # the processes clicks went through


def plan_clicks(plan: Plan, sent: Sent, bots: list[Bot], clock: FixedClock, rng: random.Random, clicks: Clicks) -> None:
    """Each member answers (or not) through a random process, a few twice, some at the same instant."""
    post_id = int(sent.reply.buttons[0].value.partition(":")[0])
    now = clock.now()
    closes = plan.local(now.astimezone(plan.zone).date(), plan.close)
    minutes = int((closes - now).total_seconds() // 60) - 1
    options = [b.value.partition(":")[2] for b in sent.reply.buttons]
    for who in plan.members:
        if rng.random() > 0.85:
            continue
        when = now + timedelta(minutes=rng.choice([1, 1, 2, 3, rng.randint(1, minutes)]))  # bursts share minutes
        choice = rng.choice(options)
        first = rng.randrange(len(bots))
        times = [(first, when)]
        if rng.random() < 0.3:  # a second click: through another process, at once or later
            again = when if rng.random() < 0.5 else when + timedelta(seconds=rng.randint(1, 600))
            times.append(((first + 1) % len(bots), min(again, closes - timedelta(seconds=1))))
        for index, moment in times:
            bots[index].runner.at(moment, click(bots[index], index, plan.ref, post_id, who, choice, clicks))


def click(
    bot: Bot, index: int, ref: ChannelRef, post_id: int, who: Member, choice: str, clicks: Clicks
) -> Callable[[], Awaitable[None]]:
    async def press() -> None:
        reply = await Channel(bot.core, ref).click("answer", f"{post_id}:{choice}", who)
        clicks.replies[(post_id, who.user_id)].append(reply)
        clicks.through.add(index)

    return press


@pytest.fixture
async def world(database: str, fixture_settings: Settings, library: Library) -> AsyncIterator[Bots]:
    made = Bots(replace(fixture_settings, db_path=database), library)
    yield made
    for bot in list(made.running):
        await made.stop(bot)


async def start(world: Bots, count: int, channel: SharedChannel, clock: FixedClock) -> list[Bot]:
    """`count` processes, started 7 s apart: their reconciler and refresh passes fall at different times."""
    running = []
    for _ in range(count):
        bot = await world.start(clock.now(), channel, clock=clock)
        bot.runner.refresh_every = bot.scheduler.refresh_seconds  # as the live scheduler's interval job
        running.append(bot)
        clock.advance(seconds=7)
    return running


async def set_up(bot: Bot, plan: Plan) -> None:
    channel = Channel(bot.core, plan.ref)
    for command in ("setup", *plan.commands):
        reply = await channel.say(f"/studybot {command}")
        assert reply.kind == "status", (command, reply.body)


def watch_post_time(bots: list[Bot], plan: Plan, seen: dict[int, datetime]) -> None:
    """Note when each process's post job for the channel is first on the moved time: after every step a
    process takes (a refresh pass among them), at that step's virtual time."""
    assert plan.moved is not None
    hour = f"hour='{plan.moved[1].hour}'"

    def look(n: int, bot: Bot) -> Callable[[], Awaitable[None]]:
        async def after_each() -> None:
            jobs = bot.scheduler.jobs.values()
            if n not in seen and any(j.kind == "post" and j.ref == plan.ref and hour in str(j.trigger) for j in jobs):
                seen[n] = bot.clock.now()

        return after_each

    for n, bot in enumerate(bots):
        bot.runner.after_each = look(n, bot)


def move_post_time(bot: Bot, plan: Plan) -> Callable[[], Awaitable[None]]:
    async def move() -> None:
        assert plan.moved is not None
        reply = await Channel(bot.core, plan.ref).say(f"/studybot time {plan.moved[1]:%H:%M}")
        assert reply.kind == "status", reply.body

    return move


def in_outage(moment: datetime) -> Outage | None:
    return next((o for o in OUTAGES if o.start <= moment < o.end), None)


async def run(bots: list[Bot], until: datetime) -> None:
    await run_together([b.runner for b in bots], until)
    for bot in bots:
        await bot.scheduler.idle()
        await bot.core.daily.refresher.flush()


@ENGINES
@pytest.mark.parametrize("count", [2, 3])
async def test_processes_on_one_database_send_everything_exactly_once_for_a_fortnight(world: Bots, count: int):
    world.settings = replace(world.settings, reconcile_seconds=RECONCILE, settings_refresh_seconds=REFRESH)
    clock, rng = FixedClock(START), random.Random(f"fortnight-{count}")
    channel = SharedChannel(clock, OUTAGES)
    bots = await start(world, count, channel, clock)
    # London's admin moves the post time through the last process on Wednesday, 15 minutes before 09:00
    # (more than the refresh bound): every process must follow in time, and none posts at 09:00.
    moved_at = datetime(2026, 10, 21, 8, 45, tzinfo=LONDON)
    layout = plans(moved_at)
    clicks = Clicks()
    by_ref = {plan.ref: plan for plan in layout}
    channel.on_question = lambda sent: plan_clicks(by_ref[sent.channel], sent, bots, clock, rng, clicks)
    for n, plan in enumerate(layout):  # each channel set up through a different process
        await set_up(bots[n % count], plan)
    start_at = clock.now()
    followed: dict[int, datetime] = {}
    bots[-1].runner.at(moved_at, move_post_time(bots[-1], layout[2]))
    watch_post_time(bots, layout[2], followed)

    await run(bots, END)

    assert sorted(followed) == list(range(count))
    assert max(followed.values()) - moved_at.astimezone(UTC) <= timedelta(seconds=REFRESH)
    assert channel.failed >= 3 * len(OUTAGES)  # the outages did get in the way
    assert clicks.through == set(range(count))
    store = bots[0].core.store
    for plan in layout:
        await check_channel(store, channel, plan, clicks, start_at, END)
    assert await store.outbox_open() == []


async def check_channel(
    store, channel: SharedChannel, plan: Plan, clicks: Clicks, start: datetime, end: datetime
) -> None:  # type: ignore[no-untyped-def]
    settings = await store.get_channel(plan.ref)
    assert settings is not None and settings.id is not None
    where = plan.ref.channel_id
    mine = [s for s in channel.sent if s.channel == plan.ref]
    questions = [s for s in mine if s.kind == "post" and s.reply.kind == "question"]
    explanations = [s for s in mine if s.kind == "thread" and s.reply.kind == "explanation"]
    boards = [s for s in mine if s.kind == "post" and s.reply.kind == "weekly"]

    # One question per due day, at its local post time (or once its outage is over, within a reconcile).
    posted = {}
    for day in await store.post_dates(settings.id):
        post = await store.post_on(settings.id, day)
        assert post is not None and post.posted_at is not None
        posted[day] = post
    assert sorted(posted) == plan.post_days(start, end), where
    assert sorted(s.message_id for s in questions) == sorted(p.message_id for p in posted.values()), where
    for day, post in posted.items():
        due = plan.local(day, plan.post_time(day))
        outage = in_outage(due)
        if outage is None:
            assert post.posted_at == due, (where, day)
        else:
            assert outage.end <= post.posted_at <= outage.end + timedelta(seconds=RECONCILE), (where, day)

    # One reveal (the post's message ends revealed) and one explanation under each post closed by the end.
    revealed = sorted(p.message_id for d, p in posted.items() if d in plan.reveal_days(start, end))
    for day, post in posted.items():
        shown = channel.messages[post.message_id or ""].kind
        assert shown == ("reveal" if post.message_id in revealed else "question"), (where, day, shown)
    assert sorted(s.parent for s in explanations) == revealed, where

    # One board per board time, for the right week.
    weeks = [re.search(r"\((\d{4}-\d\d-\d\d) – ", s.reply.title) for s in boards]
    assert [date.fromisoformat(m.group(1)) for m in weeks if m] == plan.board_weeks(start, end), where

    # Every answer recorded once: the one click its member was told counted, with the points it was told.
    answers_by_day = {}
    for day, post in posted.items():
        answers = await store.answers_to(post.id)
        answers_by_day[day] = answers
        users = [a[0] for a in answers]
        assert len(users) == len(set(users)), (where, day)
        assert set(users) == {user for (post_id, user) in clicks.replies if post_id == post.id}, (where, day)
        rank = 0
        for user, _name, _picked, correct, points, _at in answers:
            replies = clicks.replies[(post.id, user)]
            results = [r for r in replies if r.kind == "result"]
            assert len(results) == 1 and len(replies) - 1 == sum(r.kind == "error" for r in replies), (where, user)
            rank += correct
            assert points == ((CORRECT + (BONUSES[rank - 1] if rank <= len(BONUSES) else 0)) if correct else 0)
            assert (f"+{points} points" in results[0].title) == correct, results[0].title

    # Each board's totals are the sums of the answers to its week's posts.
    for sent, week in zip(boards, plan.board_weeks(start, end), strict=True):
        totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
        for day, answers in answers_by_day.items():
            if week <= day < week + timedelta(days=7):
                for _user, name, _picked, correct, points, _at in answers:
                    totals[name] = [totals[name][0] + points, totals[name][1] + correct, totals[name][2] + 1]
        lines = re.findall(r"\*\*(.+?)\*\* — (\d+) pts \((\d+)/(\d+) correct\)", sent.reply.body)
        assert {name: [int(p), int(c), int(a)] for name, p, c, a in lines} == dict(totals), (where, week)


@ENGINES
async def test_a_settings_change_through_one_process_reaches_the_others_within_15_seconds(
    world: Bots, fixture_settings: Settings
):
    """At the live defaults: the channel set up through one process and its post time moved through
    another 30 s before it was due; every process follows each within the 15 s refresh, and the day's
    question goes out at the new time only."""
    assert (fixture_settings.reconcile_seconds, fixture_settings.settings_refresh_seconds) == (180.0, 15.0)
    clock = FixedClock(datetime(2026, 10, 21, 7, 30, tzinfo=LONDON))
    channel = SharedChannel(clock)
    bots = await start(world, 3, channel, clock)
    moved_at = datetime(2026, 10, 21, 8, 59, 30, tzinfo=LONDON)
    [plan] = [replace(LONDON_PLAN, moved=(moved_at, time(10)))]
    start_at = clock.now()
    await set_up(bots[0], plan)
    await run(bots, start_at + timedelta(seconds=15))
    assert all(len(b.scheduler.jobs) == 3 for b in bots)  # the new channel's post, close and board
    followed: dict[int, datetime] = {}
    bots[1].runner.at(moved_at, move_post_time(bots[1], plan))
    watch_post_time(bots, plan, followed)

    await run(bots, datetime(2026, 10, 21, 18, 30, tzinfo=LONDON))

    assert sorted(followed) == [0, 1, 2]
    assert max(followed.values()) - moved_at.astimezone(UTC) <= timedelta(seconds=15)
    [question] = channel.posts("question")
    [reveal] = channel.edits("reveal")
    assert reveal.message_id == question.message_id
    [posted] = await bots[2].core.store.post_dates(1)
    post = await bots[2].core.store.post_on(1, posted)
    assert post is not None and post.posted_at == datetime(2026, 10, 21, 10, 0, tzinfo=LONDON)


class SlowEdits(SharedChannel):
    """Edits of a daily post's answered count wait until `release` is set: a request still in flight."""

    def __init__(self, clock: FixedClock) -> None:
        super().__init__(clock)
        self.release = asyncio.Event()
        self.holding = asyncio.Event()

    async def edit(self, message: MessageRef, reply: Reply) -> None:
        if reply.kind == "question" and not self.release.is_set():
            self.holding.set()
            await self.release.wait()
        await super().edit(message, reply)


@ENGINES
async def test_an_answered_count_edit_from_another_process_never_undoes_the_reveal(world: Bots):
    """A click through one process just before the close, its count edit still on its way while another
    process closes the post and reveals it: the post's message ends revealed. (Only the closing process's
    schedule is stepped, so the close is certainly the other's.)"""
    clock = FixedClock(datetime(2026, 11, 23, 8, 0, tzinfo=SEOUL))
    channel = SlowEdits(clock)
    closing, clicked = await start(world, 2, channel, clock)
    await set_up(closing, SEOUL_PLAN)
    await run([closing], datetime(2026, 11, 23, 17, 59, 59, tzinfo=SEOUL))
    [question] = channel.posts("question")
    post_id = int(question.reply.buttons[0].value.partition(":")[0])
    reply = await Channel(clicked.core, SEOUL_PLAN.ref).click("answer", f"{post_id}:0", Member("U9", "Member 9"))
    assert reply.kind == "result"
    await asyncio.wait_for(channel.holding.wait(), 5)  # the clicked process's count edit is on its way

    await run_together([closing.runner], datetime(2026, 11, 23, 18, 0, 30, tzinfo=SEOUL))
    assert channel.messages[question.message_id or ""].kind == "reveal"
    channel.release.set()
    await clicked.core.daily.refresher.flush()

    assert channel.messages[question.message_id or ""].kind == "reveal"
    # A later count edit through that process (its cache still holds the post as open) changes nothing.
    settings = await clicked.core.store.get_channel(SEOUL_PLAN.ref)
    post = await clicked.core.store.get_post(post_id)
    assert settings is not None and post is not None
    edits = len(channel.edits())
    clicked.core.daily.refresher.touch(settings, post)
    await clicked.core.daily.refresher.flush()
    assert len(channel.edits()) == edits and channel.messages[question.message_id or ""].kind == "reveal"
