"""One studybot process for the fan-out bench: `python -m bench.fanout_worker DB PLATFORM_URL RATE BURST EXPECTED`.

The real composition (build_core, the live APScheduler with every channel's jobs, Delivery with the
send rate every process shares through the database) over the fake HTTP platform. Prints {"ready",
rss_mb, jobs} once scheduled, then waits until the platform has received EXPECTED posts (or a time
limit), lingers a few seconds (a second send would show), prints {"done", rss_mb, limited} and stops in order.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import time
from dataclasses import replace

import aiohttp

from bench.common import rss_mb
from bench.fake_platform import HttpPlatform
from bot.app import build_core
from bot.config import load_settings

LIMIT_SECONDS = 300.0


async def main(db: str, platform_url: str, rate: float, burst: int, expected: int) -> None:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    settings = replace(load_settings(env={}), db_path=db, sends_per_second=rate, send_burst=burst)
    platform = HttpPlatform(platform_url)
    core = await build_core(settings, platform)
    await core.start()
    assert core.scheduler.live is not None
    jobs = len(core.scheduler.live.get_jobs())
    print(json.dumps({"ready": True, "rss_mb": round(rss_mb(), 1), "jobs": jobs}), flush=True)
    started = time.monotonic()
    async with aiohttp.ClientSession() as session:
        while time.monotonic() - started < LIMIT_SECONDS:
            async with session.get(f"{platform_url}/stats") as response:
                if (await response.json())["posts"] >= expected:
                    break
            await asyncio.sleep(0.5)
    await asyncio.sleep(3.0)
    after = rss_mb()
    await core.close()
    await platform.close()
    print(json.dumps({"done": True, "rss_mb": round(after, 1), "limited": platform.limited}), flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])))
