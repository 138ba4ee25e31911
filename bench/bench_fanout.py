"""1,000 channels due the same minute, on a database with a year of history per channel, through a platform
with latency and a rate limit; then resident memory of the process with every channel scheduled.

Ours: whole studybot processes (`bench.fanout_worker`: build_core, the live APScheduler with 3,000 jobs,
Delivery with the send rate all processes share through the database: `[schedule] sends_per_second` =
48/s and `send_burst` = 40, a little under the platform's 50/s and 50)
and one fake platform server they all call (`bench.fake_platform`: 50-150 ms a call, a token bucket of
50 calls a second with a burst of 50, 429 with retry_after past it). Every channel's post time is the
same upcoming minute; the processes start before it and APScheduler fires the jobs. Time runs from that
minute to the platform receiving the last post. On SQLite one process (a file database); on PostgreSQL
1, 2 and 4 processes sharing the channels and the platform's limit.

Reference: the least time the platform's limit allows for N posts: (N - burst) / rate.
Exactly once: the platform counts posts per channel and per outbox key; the database's outbox must
hold one sent record per channel for the day.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp

from bench.common import ROOT, emit, progress
from bench.dataset import Shape, build, channel_settings
from bot.app import Library
from bot.store import open_store

CHANNELS = 1000
RATE = 50.0
BURST = 50.0
# Our bucket: a little under the platform's, as config/default.toml advises. The burst by the sends its
# latency spread (50 ms at 50/s) may bunch together; the rate by 4%, so that a send that did meet a 429
# (and took a token later than its slot) is paid back instead of pushing every later send into one.
SEND_BURST = 40
SEND_RATE = 48.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def shape(quick: bool) -> Shape:
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    days = 30 if quick else 365
    return Shape(
        answers=CHANNELS * 3 * days * 5 // 7, end=yesterday, channels=CHANNELS, skew=0.0, days=days, open_last=False
    )


async def schedule_all(url: str, at: datetime) -> None:
    """Every channel: post at `at` (UTC), every day; its close and board well away from it."""
    store = await open_store(url)
    try:
        today = at.date()
        changes: dict[str, Any] = {
            "timezone": "UTC",
            "post_time": at.time().replace(second=0, microsecond=0),
            "close_time": (at + timedelta(hours=3)).time().replace(second=0, microsecond=0),
            "days": tuple(range(7)),
            "board_day": (today.weekday() + 3) % 7,
        }
        for start in range(0, CHANNELS, 200):
            chunk = range(start, min(CHANNELS, start + 200))
            await asyncio.gather(*(store.save_channel(channel_settings(c, **changes)) for c in chunk))
    finally:
        await store.close()


@dataclass
class Fanout:
    seconds: float
    stats: dict[str, Any]
    ready_rss: list[float]
    done_rss: list[float]
    jobs: list[int]
    ready_in_time: bool
    sent_records: int
    today_posts: int
    limited_client: int


async def _read_json(stream: asyncio.StreamReader, timeout: float) -> dict[str, Any]:
    while True:
        line = await asyncio.wait_for(stream.readline(), timeout)
        if not line:
            raise RuntimeError("a worker ended early")
        try:
            found: dict[str, Any] = json.loads(line)
            return found
        except json.JSONDecodeError:
            continue


async def fanout(url: str, platform_url: str, processes: int, logs: Path) -> Fanout:
    async with aiohttp.ClientSession() as session:
        await session.post(f"{platform_url}/reset")
    lead = 20 + 5 * processes
    now = datetime.now(UTC)
    at = (now + timedelta(seconds=lead + 60)).replace(second=0, microsecond=0)
    await schedule_all(url, at)
    env = {**os.environ, "PYTHONPATH": ROOT}
    workers = []
    for n in range(processes):
        log = open(logs / f"worker-{processes}-{n}.log", "w")  # noqa: SIM115 - closed below
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.fanout_worker", url, platform_url,
            str(SEND_RATE), str(SEND_BURST), str(CHANNELS),
            stdout=asyncio.subprocess.PIPE, stderr=log, cwd=ROOT, env=env,
        )  # fmt: skip
        workers.append((proc, log))
    ready = [await _read_json(p.stdout, 120) for p, _ in workers]  # type: ignore[arg-type]
    ready_in_time = datetime.now(UTC) < at
    progress(f"  fanout: {processes} process(es) ready; the posts are due at {at:%H:%M:%S} UTC")
    done = [await _read_json(p.stdout, 600) for p, _ in workers]  # type: ignore[arg-type]
    for proc, log in workers:
        await proc.wait()
        log.close()
    async with aiohttp.ClientSession() as session, session.get(f"{platform_url}/stats") as response:
        stats = await response.json()
    seconds = (stats["last"] or at.timestamp()) - at.timestamp()
    stats["first_post_s"] = (stats["first"] or at.timestamp()) - at.timestamp()
    store = await open_store(url)
    try:
        rows = await store.engine.read(  # type: ignore[attr-defined]
            "SELECT COUNT(*) FROM posts WHERE local_date = ?", (at.date().isoformat(),)
        )
        today_posts = int(rows[0][0])
        rows = await store.engine.read(  # type: ignore[attr-defined]
            "SELECT COUNT(*) FROM outbox o JOIN posts p ON o.key = 'post:' || p.id "
            "WHERE p.local_date = ? AND o.state = 'sent'",
            (at.date().isoformat(),),
        )
        sent = int(rows[0][0])
    finally:
        await store.close()
    return Fanout(
        seconds, stats, [r["rss_mb"] for r in ready], [d["rss_mb"] for d in done], [r["jobs"] for r in ready],
        ready_in_time, sent, today_posts, sum(d["limited"] for d in done),
    )  # fmt: skip


def report(engine: str, processes: int, result: Fanout, days: int, build_s: float) -> None:
    minimum = (CHANNELS - BURST) / RATE
    stats = result.stats
    once = (
        stats["channels"] == CHANNELS
        and stats["posts"] == CHANNELS
        and stats["channels_twice"] == 0
        and stats["keys_twice"] == 0
        and result.sent_records == CHANNELS
        and result.today_posts == CHANNELS
    )
    ratio = result.seconds / minimum
    emit(
        f"fanout-{engine}",
        f"time_{CHANNELS}_channels_{processes}_process{'es' if processes > 1 else ''}",
        result.seconds,
        "s",
        "<= 1.15x the rate-limit minimum; every post exactly once",
        ratio <= 1.15 and once and result.ready_in_time,
        reference=minimum,
        reference_is=f"(posts - burst) / rate = ({CHANNELS} - {BURST:g}) / {RATE:g} per s",
        ratio=ratio,
        exactly_once=once,
        posts=stats["posts"],
        channels_posted=stats["channels"],
        channels_twice=stats["channels_twice"],
        sent_records=result.sent_records,
        platform_429s=stats["limited"],
        posts_per_process=stats.get("posts_per_process"),
        first_post_after_s=stats["first_post_s"],
        platform_calls=stats["calls"],
        sends_per_second_shared=SEND_RATE,
        send_burst=SEND_BURST,
        history_days=days,
        scheduled_live=result.ready_in_time,
        dataset_build_s=build_s,
    )


async def run(library: Library, quick: bool, postgres: str | None, data_dir: Path) -> None:
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": ROOT}
    server = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.fake_platform", "--port", str(port), "--rate", str(RATE), "--burst", str(BURST),
        stdout=asyncio.subprocess.PIPE, cwd=ROOT, env=env,
    )  # fmt: skip
    platform_url = f"http://127.0.0.1:{port}"
    try:
        await _read_json(server.stdout, 30)  # type: ignore[arg-type]
        await asyncio.sleep(0.5)
        the_shape = shape(quick)
        with tempfile.TemporaryDirectory() as folder:
            logs = data_dir / "fanout-logs"
            logs.mkdir(parents=True, exist_ok=True)
            path = str(Path(folder) / "fanout.db")
            if os.environ.get("BENCH_FANOUT_SKIP_SQLITE"):
                await _postgres(postgres or "", platform_url, the_shape, library, logs)
                return
            progress(f"fanout on sqlite: a {the_shape.days}-day history for {CHANNELS} channels")
            started = time.perf_counter()
            built = await build(path, the_shape, library.bank)
            progress(f"fanout on sqlite: built in {time.perf_counter() - started:.0f} s; one process")
            result = await fanout(path, platform_url, 1, logs)
            report("sqlite", 1, result, the_shape.days, built.seconds)
            emit(
                "start",
                f"rss_{CHANNELS}_channels_scheduled",
                result.ready_rss[0],
                "MB",
                "<= 100 MB",
                result.ready_rss[0] <= 100,
                jobs=result.jobs[0],
                rss_after_fanout_mb=result.done_rss[0],
                database="SQLite file with the fan-out's history",
            )
            if postgres:
                await _postgres(postgres, platform_url, the_shape, library, logs)
    finally:
        server.terminate()
        await server.wait()


async def _postgres(base: str, platform_url: str, the_shape: Shape, library: Library, logs: Path) -> None:
    from bench.pg import create_database, database_exists, with_database

    template = f"bench_fanout_{the_shape.days}_{the_shape.end:%Y%m%d}"
    if not await database_exists(base, template):
        progress(f"fanout on postgres: a {the_shape.days}-day history for {CHANNELS} channels")
        await create_database(base, template + "_partial", drop=True)
        built = await build(with_database(base, template + "_partial"), the_shape, library.bank)
        await create_database(base, template, drop=True, template=template + "_partial", comment=f"{built.seconds}")
        await create_database(base, template + "_partial", drop=True, create=False)
    counts = [int(n) for n in os.environ.get("BENCH_FANOUT_PROCESSES", "1,2,4").split(",")]
    for processes in counts:
        build_s = await create_database(base, "bench_fanout_work", drop=True, template=template)
        progress(f"fanout on postgres: {processes} process(es)")
        result = await fanout(with_database(base, "bench_fanout_work"), platform_url, processes, logs)
        report("postgres", processes, result, the_shape.days, build_s)
        if not result.stats["posts"]:
            for log in sorted(logs.glob(f"worker-{processes}-*.log")):
                sys.stderr.write(log.read_text()[-2000:])
    await create_database(base, "bench_fanout_work", drop=True, create=False)
