"""A fake Slack on 127.0.0.1: the Web API methods the bot calls, response_urls and Socket Mode.

It records every call, keeps the channel messages it was asked to post and update and the modals it
was asked to open (views.open, checked against Slack's limits), and can answer a method with 429
(Retry-After) or an error. `SlackDriver` (tests/fakes/slack_driver.py) sends signed requests to the bot
the way Slack does: slash commands as form fields, clicks as a `block_actions` payload, events as JSON;
tests/fakes/slack_modals.py fills in an opened modal as a `view_submission` payload.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer

TEAM = "T1"
BOT_USER = "UBOT"


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    token: str | None
    status: int = 200


@dataclass
class Message:
    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]]
    thread_ts: str | None = None
    edits: int = 0
    metadata: dict[str, Any] | None = None


@dataclass
class Response:
    """A post to a response_url."""

    key: str
    body: dict[str, Any]


@dataclass
class FakeSlack:
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    messages: dict[str, Message] = field(default_factory=dict)  # by ts
    ephemerals: list[dict[str, Any]] = field(default_factory=list)
    responses: list[Response] = field(default_factory=list)
    socket_acks: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)
    connected: asyncio.Event = field(default_factory=asyncio.Event)
    not_member_of: set[str] = field(default_factory=set)  # channels the bot has not been invited to
    views: list[dict[str, Any]] = field(default_factory=list)  # modals opened (views.open), in order

    def __post_init__(self) -> None:
        self._ts = itertools.count(1)
        self._limited: dict[str, list[int]] = {}
        self._errors: dict[str, list[str]] = {}
        self._broken: dict[str, str] = {}
        self._respond_statuses: dict[str, list[int]] = {}
        self._holds: dict[str, asyncio.Event] = {}
        self._holds_after: dict[str, asyncio.Event] = {}
        self._hold_when: dict[str, Callable[[dict[str, Any]], bool] | None] = {}
        self.drop_held = False
        self.arrived: dict[str, asyncio.Event] = {}  # set when a held call reaches the fake
        self._socket: web.WebSocketResponse | None = None
        self._server: TestServer | None = None

    # --- set-up -----------------------------------------------------------------------------

    def add_user(self, user_id: str, name: str, **flags: Any) -> None:
        self.users[user_id] = {
            "id": user_id,
            "team_id": TEAM,
            "name": name.lower().replace(" ", "."),
            "real_name": name,
            "profile": {"display_name": name, "real_name": name},
            "is_admin": False,
            "is_owner": False,
            "is_primary_owner": False,
            **flags,
        }

    def rate_limit(self, method: str, retry_after: int = 0) -> None:
        """Answer the next call of `method` with 429 and Retry-After."""
        self._limited.setdefault(method, []).append(retry_after)

    def fail(self, method: str, error: str) -> None:
        """Answer the next call of `method` with ok: false and `error`."""
        self._errors.setdefault(method, []).append(error)

    def fail_always(self, method: str, error: str) -> None:
        """Answer every call of `method` with ok: false and `error` (a method this Slack lacks)."""
        self._broken[method] = error

    def respond_with(self, key: str, *statuses: int) -> None:
        """Answer the next posts to response_url `key` with these statuses; a non-2xx one is not taken."""
        self._respond_statuses.setdefault(key, []).extend(statuses)

    def hold(self, method: str, when: Callable[[dict[str, Any]], bool] | None = None) -> asyncio.Event:
        """Keep calls of `method` (those `when` picks) waiting until the returned event is set (a slow
        Slack); with `drop_held` set by then, the call is dropped without anything made."""
        self._holds[method] = asyncio.Event()
        self._hold_when[method] = when
        self.arrived[method] = asyncio.Event()
        return self._holds[method]

    def hold_after(self, method: str, when: Callable[[dict[str, Any]], bool] | None = None) -> asyncio.Event:
        """Do what calls of `method` ask (the message exists), then keep their answer back until the
        returned event is set: a Slack that took a post and was cut off before it could say so."""
        self._holds_after[method] = asyncio.Event()
        self._hold_when[method] = when
        self.arrived[method] = asyncio.Event()
        return self._holds_after[method]

    def _held(self, method: str, args: dict[str, Any], holds: dict[str, asyncio.Event]) -> asyncio.Event | None:
        when = self._hold_when.get(method)
        if method in holds and (when is None or when(args)):
            return holds.pop(method)
        return None

    async def start(self) -> FakeSlack:
        app = web.Application()
        app.add_routes(
            [
                web.post("/api/{method}", self._api),
                web.get("/api/{method}", self._api),
                web.post("/respond/{key}", self._respond),
                web.get("/socket", self._socket_handler),
            ]
        )
        self._server = TestServer(app, host="127.0.0.1")
        await self._server.start_server()
        return self

    async def close(self) -> None:
        if self._socket is not None:
            await self._socket.close()
        if self._server is not None:
            await self._server.close()

    @property
    def root(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.port}"

    @property
    def api_url(self) -> str:
        return f"{self.root}/api/"

    def response_url(self, key: str) -> str:
        return f"{self.root}/respond/{key}"

    # --- what was sent ----------------------------------------------------------------------

    def calls_to(self, method: str, *, ok_only: bool = True) -> list[Call]:
        return [c for c in self.calls if c.method == method and (c.status == 200 or not ok_only)]

    def channel_messages(self, channel: str = "C1", *, threads: bool = False) -> list[Message]:
        return [m for m in self.messages.values() if m.channel == channel and (threads or m.thread_ts is None)]

    def thread(self, ts: str) -> list[Message]:
        return [m for m in self.messages.values() if m.thread_ts == ts]

    def responses_to(self, key: str) -> list[dict[str, Any]]:
        return [r.body for r in self.responses if r.key == key]

    # --- the Web API ------------------------------------------------------------------------

    async def _args(self, request: web.Request) -> dict[str, Any]:
        args: dict[str, Any] = dict(request.query)
        if request.method == "POST" and request.can_read_body:
            if request.content_type == "application/json":
                args.update(await request.json())
            else:
                args.update(dict(await request.post()))
        for key in ("blocks", "attachments", "view"):
            if isinstance(args.get(key), str):
                args[key] = json.loads(args[key])
        return args

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await self._args(request)
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ") if auth else args.get("token")
        if self._limited.get(method):
            retry_after = self._limited[method].pop(0)
            self.calls.append(Call(method, args, token, 429))
            return web.json_response(
                {"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": str(retry_after)}
            )
        self.calls.append(Call(method, args, token))
        held = self._held(method, args, self._holds)
        if held is not None:
            self.arrived[method].set()
            await held.wait()
            if self.drop_held:
                return web.json_response({"ok": False, "error": "fatal_error"}, status=500)
        if self._errors.get(method):
            return web.json_response({"ok": False, "error": self._errors[method].pop(0)})
        if method in self._broken:
            return web.json_response({"ok": False, "error": self._broken[method]})
        handler = getattr(self, "_" + method.replace(".", "_"), None)
        if handler is None:
            return web.json_response({"ok": False, "error": "unknown_method"})
        answer = handler(args)
        held = self._held(method, args, self._holds_after)
        if held is not None:
            self.arrived[method].set()
            await held.wait()
        return web.json_response(answer)

    def _auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "user_id": BOT_USER, "bot_id": "BBOT", "team_id": TEAM, "team": "Test", "user": "studybot"}

    def _next_ts(self) -> str:
        return f"{1_764_000_000 + next(self._ts)}.000100"

    def _chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        if args["channel"] in self.not_member_of:
            return {"ok": False, "error": "not_in_channel"}
        ts = self._next_ts()
        metadata = args.get("metadata")
        if isinstance(metadata, str):
            metadata = json.loads(metadata)
        message = Message(
            args["channel"], ts, args.get("text", ""), args.get("blocks", []), args.get("thread_ts"), metadata=metadata
        )
        self.messages[ts] = message
        return {"ok": True, "channel": message.channel, "ts": ts, "message": {"text": message.text}}

    def _shown(self, message: Message, with_metadata: bool) -> dict[str, Any]:
        shown: dict[str, Any] = {"type": "message", "ts": message.ts, "text": message.text, "bot_id": "BBOT"}
        if message.thread_ts:
            shown["thread_ts"] = message.thread_ts
        if with_metadata and message.metadata:
            shown["metadata"] = message.metadata
        return shown

    def _conversations_info(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = str(args.get("channel", ""))
        if not channel.startswith(("C", "G", "D")):
            return {"ok": False, "error": "channel_not_found"}
        return {
            "ok": True,
            "channel": {"id": channel, "is_channel": True, "is_member": channel not in self.not_member_of},
        }

    def _conversations_history(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = str(args.get("channel", ""))
        if channel in self.not_member_of:
            return {"ok": False, "error": "not_in_channel"}
        metadata = str(args.get("include_all_metadata", "")).lower() in ("1", "true")
        found = [m for m in self.messages.values() if m.channel == channel and m.thread_ts is None]
        found.sort(key=lambda m: m.ts, reverse=True)
        limit = int(args.get("limit", 100))
        return {"ok": True, "messages": [self._shown(m, metadata) for m in found[:limit]], "has_more": False}

    def _conversations_replies(self, args: dict[str, Any]) -> dict[str, Any]:
        channel, ts = str(args.get("channel", "")), str(args.get("ts", ""))
        parent = self.messages.get(ts)
        if parent is None or parent.channel != channel:
            return {"ok": False, "error": "thread_not_found"}
        metadata = str(args.get("include_all_metadata", "")).lower() in ("1", "true")
        replies = sorted((m for m in self.messages.values() if m.thread_ts == ts), key=lambda m: m.ts)
        return {"ok": True, "messages": [self._shown(m, metadata) for m in [parent, *replies]]}

    def _chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        message = self.messages.get(args.get("ts", ""))
        if message is None or message.channel != args.get("channel"):
            return {"ok": False, "error": "message_not_found"}
        message.text = args.get("text", message.text)
        message.blocks = args.get("blocks", message.blocks)
        message.edits += 1
        return {"ok": True, "channel": message.channel, "ts": message.ts, "text": message.text}

    def _chat_postEphemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        self.ephemerals.append(args)
        return {"ok": True, "message_ts": self._next_ts()}

    def _views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        from tests.fakes.slack_modals import view_problems

        view = args.get("view")
        if not args.get("trigger_id"):
            return {"ok": False, "error": "invalid_trigger_id"}
        problems = view_problems(view)
        if problems:
            return {"ok": False, "error": "invalid_arguments", "response_metadata": {"messages": problems}}
        self.views.append(view)
        return {"ok": True, "view": {"id": f"V{len(self.views)}", "team_id": TEAM, **view}}

    def _users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user = self.users.get(args.get("user", ""))
        return {"ok": True, "user": user} if user else {"ok": False, "error": "user_not_found"}

    def _apps_connections_open(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "url": f"ws://127.0.0.1:{self._server.port}/socket"}  # type: ignore[union-attr]

    async def _respond(self, request: web.Request) -> web.Response:
        key = request.match_info["key"]
        statuses = self._respond_statuses.get(key)
        status = statuses.pop(0) if statuses else 200
        if 200 <= status < 300:
            self.responses.append(Response(key, await request.json()))
        return web.Response(status=status, text=None if status == 204 else "ok")

    # --- Socket Mode ------------------------------------------------------------------------

    async def _socket_handler(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self._socket = socket
        await socket.send_json({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A1"}})
        self.connected.set()
        async for message in socket:
            if message.type == aiohttp.WSMsgType.TEXT:
                await self.socket_acks.put(json.loads(message.data))
        return socket

    async def send_envelope(self, envelope: dict[str, Any]) -> None:
        assert self._socket is not None, "the bot has not connected"
        await self._socket.send_json(envelope)
