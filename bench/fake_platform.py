"""A chat platform over HTTP for the fan-out bench: latency on every call, a shared rate limit, 429s.

`python -m bench.fake_platform --port P --rate R [--burst B]` serves, on 127.0.0.1:
- POST /post, /thread, /edit: a JSON message (the reply rendered as Slack blocks, with its outbox `key`).
  Every call takes 50-150 ms (half before the platform decides, half after). A token bucket (R a second,
  B at most, full at start) decides: over it, 429 with `Retry-After` and `{"retry_after": s}`.
- GET /find?key=K: the message id a keyed post made, if any (what Slack's history lookup gives).
- GET /stats, POST /reset: what it received, for the bench.

It is one process that every bot process calls, so N processes share one limit, as a bot token does.
`HttpPlatform` is the bot side: a ChatPlatform that renders for Slack, calls this server, and on 429
waits `retry_after` and tries again, as slack-sdk's rate-limit retry handler and discord.py do.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import time
from collections import Counter
from typing import Any

import aiohttp
from aiohttp import web

from bot.core.models import ChannelRef, MessageRef, Reply
from bot.platforms.slack.render import render_one

LATENCY = (0.050, 0.150)
RETRIES = 5


class Limits:
    def __init__(self, rate: float, burst: float, seed: int = 1) -> None:
        self.rate, self.burst = rate, burst
        self.rng = random.Random(seed)
        self.reset()

    def reset(self) -> None:
        self.tokens = self.burst
        self.stamp = time.monotonic()
        self.ids = itertools.count(1)
        self.by_key: dict[str, str] = {}
        self.per_key: Counter[str] = Counter()
        self.per_channel: Counter[str] = Counter()
        self.per_sender: Counter[str] = Counter()
        self.calls: Counter[str] = Counter()
        self.limited = 0
        self.first: float | None = None
        self.last: float | None = None
        self.in_flight = self.max_in_flight = 0

    def take(self) -> float:
        """0 when the call may go through now, else the seconds until a token is there."""
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


def make_app(limits: Limits) -> web.Application:
    async def send(request: web.Request) -> web.Response:
        kind = request.path.strip("/")
        body = await request.json()
        latency = limits.rng.uniform(*LATENCY)
        limits.in_flight += 1
        limits.max_in_flight = max(limits.max_in_flight, limits.in_flight)
        try:
            await asyncio.sleep(latency / 2)
            wait = limits.take()
            limits.calls[kind] += 1
            if wait > 0:
                limits.limited += 1
                await asyncio.sleep(latency / 2)
                retry = max(0.001, round(wait, 3))
                return web.json_response(
                    {"ok": False, "error": "ratelimited", "retry_after": retry},
                    status=429,
                    headers={"Retry-After": str(retry)},
                )
            if kind == "edit":
                message_id = str(body["message_id"])
            else:
                message_id = f"m{next(limits.ids)}"
                key = body.get("key")
                if key:
                    limits.by_key[key] = message_id
                    limits.per_key[key] += 1
                if kind == "post":
                    limits.per_channel[body["channel"]] += 1
                    limits.per_sender[request.headers.get("X-Sender", "?")] += 1
                now = time.time()
                limits.first = now if limits.first is None else limits.first
                limits.last = now
            await asyncio.sleep(latency / 2)
            return web.json_response({"ok": True, "id": message_id})
        finally:
            limits.in_flight -= 1

    async def find(request: web.Request) -> web.Response:
        await asyncio.sleep(limits.rng.uniform(*LATENCY))
        return web.json_response({"ok": True, "id": limits.by_key.get(request.query["key"])})

    async def stats(request: web.Request) -> web.Response:
        return web.json_response(
            {
                "posts": sum(limits.per_channel.values()),
                "channels": len(limits.per_channel),
                "channels_twice": sum(n > 1 for n in limits.per_channel.values()),
                "keys_twice": sum(n > 1 for n in limits.per_key.values()),
                "calls": dict(limits.calls),
                "limited": limits.limited,
                "first": limits.first,
                "last": limits.last,
                "max_in_flight": limits.max_in_flight,
                "posts_per_process": sorted(limits.per_sender.values(), reverse=True),
            }
        )

    async def reset(request: web.Request) -> web.Response:
        limits.reset()
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_post("/post", send)
    app.router.add_post("/thread", send)
    app.router.add_post("/edit", send)
    app.router.add_get("/find", find)
    app.router.add_get("/stats", stats)
    app.router.add_post("/reset", reset)
    return app


class RateLimited(Exception):
    transient = True

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"429: retry after {retry_after} s")
        self.status = 429
        self.retry_after = retry_after


class HttpPlatform:
    """The bot's side: a ChatPlatform that renders each reply for Slack and calls the fake platform."""

    def __init__(self, base: str) -> None:
        self.base = base.rstrip("/")
        self._session: aiohttp.ClientSession | None = None
        self.limited = 0

    async def _call(self, path: str, payload: dict[str, Any]) -> str:
        if self._session is None:
            self._session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
        retry_after = 1.0
        for _ in range(RETRIES + 1):
            sender = {"X-Sender": str(os.getpid())}
            async with self._session.post(f"{self.base}{path}", json=payload, headers=sender) as response:
                body = await response.json()
                if response.status == 429:
                    self.limited += 1
                    retry_after = float(response.headers.get("Retry-After", body.get("retry_after", 1)))
                    await asyncio.sleep(retry_after)
                    continue
                response.raise_for_status()
                return str(body["id"])
        raise RateLimited(retry_after)

    @staticmethod
    def _message(channel: ChannelRef, reply: Reply, key: str | None) -> dict[str, Any]:
        message = render_one(reply)
        return {"channel": channel.channel_id, "text": message.text, "blocks": list(message.blocks), "key": key}

    async def post(self, channel: ChannelRef, reply: Reply, *, key: str | None = None) -> MessageRef:
        return MessageRef(channel, await self._call("/post", self._message(channel, reply, key)))

    async def post_in_thread(self, parent: MessageRef, reply: Reply, *, key: str) -> MessageRef:
        payload = self._message(parent.channel, reply, key) | {"parent": parent.message_id}
        return MessageRef(parent.channel, await self._call("/thread", payload))

    async def edit(self, message: MessageRef, reply: Reply) -> None:
        await self._call("/edit", self._message(message.channel, reply, None) | {"message_id": message.message_id})

    async def find(
        self, channel: ChannelRef, key: str, reply: Reply, *, parent: MessageRef | None = None
    ) -> str | None:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        async with self._session.get(f"{self.base}/find", params={"key": key}) as response:
            found = (await response.json())["id"]
            return str(found) if found else None

    async def send_private(self, channel: ChannelRef, user_id: str, reply: Reply) -> None:
        return None

    async def can_post(self, channel: ChannelRef) -> str | None:
        return None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--rate", type=float, required=True)
    parser.add_argument("--burst", type=float, default=None)
    args = parser.parse_args()
    limits = Limits(args.rate, args.burst if args.burst is not None else args.rate)
    print(json.dumps({"listening": args.port}), flush=True)
    web.run_app(make_app(limits), host="127.0.0.1", port=args.port, print=None, access_log=None)


if __name__ == "__main__":
    main()
