"""Every command and scheduled job as members and admins run them, at 100k, 1M and 5M answers.

Each command goes through `Router.handle` (context, the member's name, the handler, the store) and its
reply is rendered for Slack: what a member waits for, less the network. The channel timed is the
dataset's largest (it grows with the dataset: about 100 answers a day at 100k, about 1,500 at 5M);
the members are drawn from all of its members, heavy and occasional alike. post-now is an admin's
`/studybot post-now` on a day with no post yet: choosing the question (from the channel's tallies),
claiming it with its outbox record, sending it (rendered) and recording the send, three commits. Each
post-now post then takes 20 answers, and the close job reveals it at its close time (the reveal lists
the post's answers, so posts with the same number of answers at every size). The Monday job's board
(leaderboard and insights of the dataset's last whole week) is built and rendered; its claim and send
are post-now's. `/review`, `/quiz`, `/aws efs`, `/exam saa` (and `abandon`) and `/studybot status` are
timed like the boards; their target is to stay flat.

Reference: the same figure at the smallest size, in the same run (the flat-cost target is a ratio).
"""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import time
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import FixedClock, RenderingPlatform, emit, median, percentile, progress
from bench.dataset import PLATFORM, TEAM, Built, build, channel_id, default_shape
from bot.app import Core, Library, build_core
from bot.config import Settings
from bot.core.boards import weekly_board
from bot.core.models import ChannelRef, ChannelSettings, Invocation, Member, Press
from bot.core.periods import local_today, week_start
from bot.platforms.slack.render import render
from bot.schedule import CLOSE

END = date(2026, 11, 25)  # a Wednesday: the week's board has three days of posts
NOW = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)  # 12:00 in Seoul, today's post open
COMMANDS = (
    ("leaderboard_week", "leaderboard", "week"),
    ("leaderboard_month", "leaderboard", "month"),
    ("leaderboard_all", "leaderboard", "all"),
    ("stats", "stats", ""),
    # every other member command: flat (<= 1.5x its 100k p50) is the target
    ("review", "review", ""),
    ("quiz", "quiz", ""),
    ("aws", "aws", "efs"),
    ("exam_start", "exam", "saa"),
    ("exam_abandon", "exam", "abandon"),
    ("status", "studybot", "status"),
)
LIMITS = {"leaderboard_week": 5.0, "leaderboard_month": 5.0, "leaderboard_all": 5.0, "stats": 5.0, "post_now": 10.0}
CLICKS_PER_POST = 20  # answers each post-now post gets before its close job reveals them
SIZE_NAMES = {100_000: "100k", 1_000_000: "1M", 5_000_000: "5M"}


def size_name(n: int) -> str:
    return SIZE_NAMES.get(n, f"{n:,}")


@dataclass
class Figures:
    size: int
    samples: dict[str, list[float]]  # ms
    errors: int
    channel_answers: int
    channel_members: int
    build_s: float


async def dataset(data_dir: Path, url_base: str | None, size: int, library: Library) -> tuple[str, Built]:
    """A fresh copy of the size's dataset (built once per data folder; the benches add posts to it)."""
    shape = default_shape(size, END)
    if url_base is None:
        cached = data_dir / f"boards-{size}.db"
        if not cached.exists():
            partial = data_dir / f"boards-{size}.partial.db"
            for leftover in data_dir.glob(f"boards-{size}.partial.db*"):
                leftover.unlink()
            built = await build(str(partial), shape, library.bank)
            os.replace(partial, cached)
            (data_dir / f"boards-{size}.seconds").write_text(f"{built.seconds:.1f}")
        work = data_dir / f"boards-{size}.work.db"
        for leftover in data_dir.glob(f"boards-{size}.work.db*"):
            leftover.unlink()
        shutil.copyfile(cached, work)
        seconds = float((data_dir / f"boards-{size}.seconds").read_text())
        return str(work), _described(str(work), shape, library, seconds)
    from bench.pg import create_database, database_exists, with_database

    template = f"bench_boards_{size}"
    if not await database_exists(url_base, template):
        partial = f"{template}_partial"
        await create_database(url_base, partial, drop=True)
        built = await build(with_database(url_base, partial), shape, library.bank)
        await create_database(url_base, template, drop=True, template=partial, comment=f"{built.seconds:.1f}")
        await create_database(url_base, partial, drop=True, create=False)
    work = f"{template}_work"
    seconds = await create_database(url_base, work, drop=True, template=template)
    return with_database(url_base, work), _described(with_database(url_base, work), shape, library, seconds)


def _described(url: str, shape: Any, library: Library, seconds: float) -> Built:
    from bench.dataset import plan_channels

    keys = list(range(1, shape.channels + 1))  # save_channel gave them ids 1.. in order on a new database
    channels = plan_channels(shape, keys, library.bank)
    return Built(url, shape, keys, channels, shape.answers, 0, seconds)


async def measure(url: str, built: Built, settings: Settings, library: Library, quick: bool) -> Figures:
    clock = FixedClock(NOW)
    core = await build_core(
        replace(settings, db_path=url), RenderingPlatform(), library=library, clock=clock, rng=random.Random(5),
        refresh_seconds=3.0,
    )  # fmt: skip
    channel = built.channels[0]
    ref = ChannelRef(PLATFORM, TEAM, channel_id(0))
    rng = random.Random(7)
    chosen = rng.sample(channel.members, min(len(channel.members), 40 if quick else 100))
    members = [Member(u, f"member {u[1:6]}-{u[6:]}") for u in chosen]
    rounds = 2 if quick else 5
    samples: dict[str, list[float]] = {name: [] for name, _, _ in COMMANDS}
    samples["post_now"] = []
    errors = 0
    try:
        for member in members:  # warm: each member's name is known to this process, as after their first command
            for _, command, args in COMMANDS:
                await core.router.handle(Invocation(ref, member, command, args))
        for _ in range(rounds):
            for member in members:
                for name, command, args in COMMANDS:
                    started = time.perf_counter()
                    reply = await core.router.handle(Invocation(ref, member, command, args))
                    render(reply)
                    samples[name].append((time.perf_counter() - started) * 1000)
                    errors += reply.kind == "error"
        admin = Member("admin", "admin", is_admin=True)
        await core.router.handle(Invocation(ref, admin, "studybot", "status"))
        samples["weekly_board"] = await _weekly_boards(core, ref, 30 if quick else 100)
        samples["post_now"], samples["close_job"] = [], []
        for day in _posting_days(await core.store.get_channel(ref), 30 if quick else 100):
            clock.moment = day
            started = time.perf_counter()
            reply = await core.router.handle(Invocation(ref, admin, "studybot", "post-now"))
            render(reply)
            samples["post_now"].append((time.perf_counter() - started) * 1000)
            errors += reply.kind == "error" or "posted" not in reply.body.lower()
            await _answer_today(core, ref, members[:CLICKS_PER_POST])
            clock.moment = day.replace(hour=9, minute=1)  # 18:01 in Seoul: the close job reveals the post
            started = time.perf_counter()
            await core.scheduler.run_job(CLOSE, ref)
            samples["close_job"].append((time.perf_counter() - started) * 1000)
            # The per-process send limit ([schedule] sends_per_second) spaces sends; an admin's post-now
            # is not preceded by another send within its interval, so the samples are spaced past it.
            await asyncio.sleep(2 / max(settings.sends_per_second, 1))
    finally:
        await core.close()
    answers = await _channel_answers(url, built.channel_keys[0])
    return Figures(built.shape.answers, samples, errors, answers, len(channel.members), built.seconds)


def _posting_days(settings: ChannelSettings | None, count: int) -> list[datetime]:
    """The next `count` days after NOW on which the channel posts (its close job runs only on those: on
    another day it would reveal nothing, and on the next posting day every post made since), each at a
    moment with no post yet."""
    assert settings is not None
    days: list[datetime] = []
    day = NOW
    while len(days) < count:
        day += timedelta(days=1)
        if local_today(day, settings.timezone).weekday() in settings.days:
            days.append(day + timedelta(minutes=30))
    return days


async def _weekly_boards(core: Core, ref: ChannelRef, rounds: int) -> list[float]:
    """The Monday job's board of the dataset's last whole week (its leaderboard and insights), built and
    rendered: what the job posts, less its claim and send, which post-now times."""
    settings = await core.store.get_channel(ref)
    assert settings is not None
    monday = week_start(END) - timedelta(weeks=1)
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        render((await weekly_board(core.store, core.daily.views, settings, monday)).reply)
        times.append((time.perf_counter() - started) * 1000)
    return times


async def _answer_today(core: Core, ref: ChannelRef, members: list[Member]) -> None:
    """The members click the first choice of the post just made (some right, some wrong)."""
    settings = await core.store.get_channel(ref)
    assert settings is not None and settings.id is not None
    post = await core.store.post_on(settings.id, local_today(core.clock.now(), settings.timezone))
    assert post is not None
    for member in members:
        await core.router.press(Press(ref, member, "answer", f"{post.id}:0"))


async def _channel_answers(url: str, key: int) -> int:
    from bot.store import open_store

    store = await open_store(url)
    try:
        rows = await store.engine.read("SELECT COUNT(*) FROM answers WHERE channel_key = ?", (key,))  # type: ignore[attr-defined]
        return int(rows[0][0])
    finally:
        await store.close()


def report(engine: str, figures: list[Figures]) -> None:
    base = figures[0]
    for fig in figures:
        for name, samples in fig.samples.items():
            p50, p99 = median(samples), percentile(samples, 99)
            limit = LIMITS.get(name)
            base_p50 = median(base.samples[name])
            ratio = p50 / base_p50 if base_p50 else 0.0
            big = fig.size >= 5_000_000
            flat = fig is base or ratio <= 1.5
            target = f"<= 1.5x the {size_name(base.size)} p50"
            emit(
                f"boards-{engine}",
                f"{name}_p50_{size_name(fig.size)}",
                p50,
                "ms",
                f"<= {limit:g} ms at 5M; {target}" if limit is not None else target,
                (p50 <= limit if big and limit is not None else True) and flat,
                reference=base_p50,
                reference_is=f"the same command's p50 at {size_name(base.size)} answers, same run",
                ratio=ratio,
                p99_ms=p99,
                samples=len(samples),
                answers=fig.size,
                channel_answers=fig.channel_answers,
                channel_members=fig.channel_members,
                errors=fig.errors,
                dataset_build_s=fig.build_s,
            )


async def run(
    settings: Settings, library: Library, quick: bool, sizes: list[int], data_dir: Path, postgres: str | None
) -> None:
    engines: list[tuple[str, str | None]] = [("sqlite", None)]
    if postgres:
        engines.append(("postgres", postgres))
    for engine, base in engines:
        figures = []
        for size in sizes:
            progress(f"boards on {engine}: the {size_name(size)} dataset")
            url, built = await dataset(data_dir, base, size, library)
            progress(f"boards on {engine}: timing the commands at {size_name(size)}")
            figures.append(await measure(url, built, settings, library, quick))
            if base is None:
                for leftover in data_dir.glob(f"boards-{size}.work.db*"):
                    leftover.unlink()
        report(engine, figures)
