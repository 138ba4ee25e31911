"""A fake Discord on 127.0.0.1: the REST API and a gateway websocket, recording every call.

It speaks Discord's own payload formats, so the real discord.py client runs against it unchanged:
login (`/users/@me`, `/oauth2/applications/@me`), command sync, interaction callbacks (modals too,
checked as Discord checks them: tests/fakes/discord_modals.py), webhook
follow-ups and edits, channel messages and edits, threads, direct messages; the gateway sends HELLO,
acknowledges heartbeats, answers IDENTIFY with READY and dispatches INTERACTION_CREATE.
`fail()` makes the next matching requests fail (429 with Retry-After, 404 Unknown interaction, ...).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import WSMsgType, web

from tests.fakes.discord_routes import ROUTES, error, json_response

API_PREFIX = "/api/v10"
LOADING = 128
HELLO, HEARTBEAT, IDENTIFY, RESUME, HEARTBEAT_ACK, DISPATCH = 10, 1, 2, 6, 11, 0


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


@dataclass
class Call:
    method: str
    path: str  # after /api/v10, e.g. "/channels/5/messages"
    body: Any
    query: dict[str, str]
    status: int = 200


@dataclass
class Fault:
    method: str
    pattern: re.Pattern[str]
    status: int
    body: dict[str, Any]
    headers: dict[str, str]
    times: int


@dataclass
class Interaction:
    payload: dict[str, Any]
    acknowledged: bool = False
    original: str | None = None  # message id of the response
    modal: dict[str, Any] | None = None  # the modal it was answered with (callback type 9)


@dataclass
class FakeDiscord:
    application_id: str = "1100000000000000001"
    bot_id: str = "1100000000000000002"
    calls: list[Call] = field(default_factory=list)
    messages: dict[str, dict[str, Any]] = field(default_factory=dict)
    interactions: dict[str, Interaction] = field(default_factory=dict)
    threads: dict[str, dict[str, Any]] = field(default_factory=dict)
    commands: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # "global" or a guild id
    identified: int = 0
    bare_callbacks: bool = False  # answer interaction callbacks with 204 and no body, as without with_response
    nonces: dict[tuple[str, str], str] = field(default_factory=dict)  # (channel, nonce) -> message id
    nonces_forgotten: bool = False  # Discord keeps nonces a few minutes only: a restart may come later
    drop_held: bool = False  # a request held before it was done is dropped when released

    def __post_init__(self) -> None:
        self._ids = itertools.count(1_300_000_000_000_000_000)
        self._faults: list[Fault] = []
        self._holds_after: list[tuple[str, re.Pattern[str], asyncio.Event]] = []
        self._holds_before: list[tuple[str, re.Pattern[str], asyncio.Event]] = []
        self.arrived = asyncio.Event()
        self._sockets: list[web.WebSocketResponse] = []
        self._seq = 0
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # --- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def close(self) -> None:
        for socket in list(self._sockets):
            await socket.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    @property
    def bot_user(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "username": "studybot",
            "discriminator": "0",
            "global_name": None,
            "avatar": None,
            "bot": True,
        }

    def new_id(self) -> str:
        return str(next(self._ids))

    # --- what the tests use ------------------------------------------------------------------

    def fail(
        self,
        method: str,
        path: str,
        status: int,
        body: dict[str, Any],
        *,
        headers: dict[str, str] | None = None,
        times: int = 1,
    ) -> None:
        """The next `times` requests whose path fully matches the regex `path` get this answer."""
        self._faults.append(Fault(method, re.compile(path), status, body, headers or {}, times))

    def calls_to(self, method: str, path: str) -> list[Call]:
        pattern = re.compile(path)
        return [c for c in self.calls if c.method == method and pattern.fullmatch(c.path)]

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(predicate), timeout)

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        self._seq += 1
        frame = json.dumps({"op": DISPATCH, "t": event, "s": self._seq, "d": data})
        for socket in list(self._sockets):
            await socket.send_str(frame)

    async def interact(self, payload: dict[str, Any]) -> Call:
        """Send an interaction through the gateway; the bot's callback for it, once it came."""
        self.interactions[payload["id"]] = Interaction(payload)
        await self.dispatch("INTERACTION_CREATE", payload)
        path = f"/interactions/{payload['id']}/{payload['token']}/callback"
        await self.wait_for(lambda: bool(self.calls_to("POST", re.escape(path))))
        return self.calls_to("POST", re.escape(path))[0]

    def original(self, payload: dict[str, Any]) -> dict[str, Any] | None:
        """The interaction's response message as it is now."""
        message_id = self.interactions[payload["id"]].original
        return self.messages.get(message_id) if message_id else None

    def channel_messages(self, channel_id: str) -> list[dict[str, Any]]:
        return [m for m in self.messages.values() if m["channel_id"] == channel_id and not m.get("webhook_id")]

    # --- gateway -----------------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self._sockets.append(socket)
        await socket.send_str(json.dumps({"op": HELLO, "d": {"heartbeat_interval": 41250}, "s": None, "t": None}))
        try:
            async for frame in socket:
                if frame.type is not WSMsgType.TEXT:
                    continue
                message = json.loads(frame.data)
                if message.get("op") == HEARTBEAT:
                    await socket.send_str(json.dumps({"op": HEARTBEAT_ACK, "d": None, "s": None, "t": None}))
                elif message.get("op") == IDENTIFY:
                    await self._ready(socket, (message.get("d") or {}).get("shard") or [0, 1])
                elif message.get("op") == RESUME:
                    await self._send(socket, "RESUMED", {})
        finally:
            self._sockets.remove(socket)
        return socket

    async def _ready(self, socket: web.WebSocketResponse, shard: list[int]) -> None:
        ready = {
            "v": 10,
            "shard": shard,  # as Discord answers a sharded IDENTIFY
            "user": self.bot_user,
            "guilds": [],
            "session_id": "fake-session",
            "resume_gateway_url": self.gateway_url,
            "application": {"id": self.application_id, "flags": 0},
        }
        await self._send(socket, "READY", ready)
        async with self._changed:
            self.identified += 1
            self._changed.notify_all()

    async def _send(self, socket: web.WebSocketResponse, event: str, data: dict[str, Any]) -> None:
        self._seq += 1
        await socket.send_str(json.dumps({"op": DISPATCH, "t": event, "s": self._seq, "d": data}))

    # --- REST --------------------------------------------------------------------------------

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        body = await request.json() if request.can_read_body else None
        call = Call(request.method, path, body, dict(request.query))
        for method, pattern, release in list(self._holds_before):
            if method == call.method and pattern.fullmatch(call.path):
                self._holds_before.remove((method, pattern, release))
                self.arrived.set()
                await release.wait()  # the request is in, nothing is made yet
                if self.drop_held:  # its sender died: the request is dropped, as a closed connection is
                    call.status = 599
                    return error(503, 0, "the connection was closed")
        response = self._fault(call) or self._route(call)
        call.status = response.status
        async with self._changed:
            self.calls.append(call)
            self._changed.notify_all()
        for method, pattern, release in list(self._holds_after):
            if method == call.method and pattern.fullmatch(call.path) and response.status < 300:
                self._holds_after.remove((method, pattern, release))
                self.arrived.set()
                await release.wait()
        return response

    def hold_before(self, method: str, path: str) -> asyncio.Event:
        """Keep the next matching request waiting before anything is made, until the event is set."""
        release = asyncio.Event()
        self.arrived = asyncio.Event()
        self._holds_before.append((method, re.compile(path), release))
        return release

    def hold_after(self, method: str, path: str) -> asyncio.Event:
        """Do the next matching request (the message exists), then keep its answer back until the returned
        event is set: a Discord that made a post and was cut off before it could say so."""
        release = asyncio.Event()
        self.arrived = asyncio.Event()
        self._holds_after.append((method, re.compile(path), release))
        return release

    def _fault(self, call: Call) -> web.Response | None:
        for fault in self._faults:
            if fault.times and fault.method == call.method and fault.pattern.fullmatch(call.path):
                fault.times -= 1
                return json_response(fault.body, fault.status, fault.headers)
        return None

    def _route(self, call: Call) -> web.Response:
        for method, pattern, handler in ROUTES:
            match = pattern.fullmatch(call.path)
            if method == call.method and match:
                return handler(self, call, *match.groups())
        return error(404, 0, "404: Not Found")

    # --- messages ----------------------------------------------------------------------------

    def create_message(self, channel_id: str, body: dict[str, Any], **extra: Any) -> dict[str, Any]:
        message = {
            "id": self.new_id(),
            "channel_id": channel_id,
            "type": 0,
            "content": body.get("content") or "",
            "embeds": body.get("embeds") or [],
            "components": body.get("components") or [],
            "attachments": [],
            "mentions": [],
            "mention_roles": [],
            "mention_everyone": False,
            "pinned": False,
            "tts": False,
            "timestamp": now_iso(),
            "edited_timestamp": None,
            "flags": int(body.get("flags") or 0),
            "author": self.bot_user,
            **extra,
        }
        if body.get("message_reference"):
            message["message_reference"] = body["message_reference"]
        self.messages[message["id"]] = message
        return message

    def edit_message(self, message: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        for key in ("content", "embeds", "components"):
            if key in body:
                message[key] = body[key] if body[key] is not None else ("" if key == "content" else [])
        message["flags"] = message["flags"] & ~LOADING
        message["edited_timestamp"] = now_iso()
        return message
