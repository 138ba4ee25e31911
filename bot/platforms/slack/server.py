"""Serving the Slack bot: HTTP mode (aiohttp, signed requests) or Socket Mode (a websocket).

Only public extension points: bolt's aiohttp request/response adapters, `AsyncBaseSocketModeHandler`
(whose `handle` a handler implements) and slack-sdk's `message_listeners`.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import os
import time
from collections.abc import Sequence
from typing import Any, cast

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.async_base_handler import AsyncBaseSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.async_client import AsyncBaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.web.async_client import AsyncWebClient

from bot.platforms.slack.requests import well_formed

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
MAX_AGE_SECONDS = 300  # Slack's replay window for a signed request
# How long stopping waits for requests still being read or acknowledged (their work is drained after, by
# SlackBot.drain). aiohttp's default is a minute, and a connection accepted just as the listener closes,
# or a client that never finishes its body, would hold SIGTERM that long.
SHUTDOWN_SECONDS = 2.0


def web_app(app: AsyncApp, signing_secret: str, path: str = EVENTS_PATH) -> web.Application:
    """Events, slash commands and interactivity on `path` (POST); `GET /healthz` for probes."""
    secret = signing_secret.encode()

    async def events(request: web.Request) -> web.Response:
        raw = await request.read()
        if not signed(secret, raw, request.headers):
            return web.json_response({"error": "invalid request"}, status=401)
        try:
            raw.decode("utf-8")
            bolt_request = await to_bolt_request(request)
        except (UnicodeDecodeError, ValueError, TypeError, AttributeError):  # not UTF-8; a `payload` not JSON
            bolt_request = None
        if bolt_request is None or not well_formed(bolt_request.body):
            return web.json_response({"ok": False, "error": "malformed_request"}, status=400)
        return await to_aiohttp_response(await app.async_dispatch(bolt_request))

    async def health(request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    application = web.Application()
    application.add_routes([web.post(path, events), web.get(HEALTH_PATH, health)])
    return application


def signed(secret: bytes, body: bytes, headers: Any, *, now: float | None = None) -> bool:
    """Slack's v0 signature over the exact bytes (UTF-8 or not), at most five minutes old; headers that
    are missing, not numbers or not ASCII make a request unsigned, never an error."""
    timestamp = str(headers.get("X-Slack-Request-Timestamp", ""))
    signature = str(headers.get("X-Slack-Signature", ""))
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12 and signature.isascii()):
        return False
    if abs((time.time() if now is None else now) - int(timestamp)) > MAX_AGE_SECONDS:
        return False
    expected = "v0=" + hmac.new(secret, b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)


class ListenError(Exception):
    """The HTTP port could not be opened (in use, not allowed)."""


async def serve_http(app: AsyncApp, signing_secret: str, host: str, port: int, stop: asyncio.Event) -> None:
    runner = web.AppRunner(web_app(app, signing_secret), access_log=None, shutdown_timeout=SHUTDOWN_SECONDS)
    await runner.setup()
    try:
        try:
            await web.TCPSite(runner, host, port).start()
        except OSError as exc:
            reason = os.strerror(exc.errno) if exc.errno else str(exc)  # "Address already in use"
            raise ListenError(f"cannot listen on {host}:{port}: {reason}") from None
        log.info("slack: listening on http://%s:%s%s", host, port, EVENTS_PATH)
        await stop.wait()
    finally:
        await runner.cleanup()


async def ack_unreadable(client: AsyncBaseSocketModeClient, message: dict[str, Any], raw_message: str) -> None:
    """A message listener (slack-sdk runs these before its request listeners): an envelope whose payload
    is not an object cannot become a request, so slack-sdk would neither hand it to bolt nor acknowledge
    it, and Slack would send it again and again. It is acknowledged here, and its payload is dropped so
    slack-sdk passes over it quietly instead of failing on it."""
    envelope_id = message.get("envelope_id")
    if envelope_id and not (message.get("type") and isinstance(message.get("payload"), dict)):
        log.warning("slack: refused a malformed Socket Mode envelope")
        message.pop("payload", None)
        await client.send_socket_mode_response(SocketModeResponse(envelope_id=str(envelope_id)))


class SocketHandler(AsyncBaseSocketModeHandler):
    """bolt's Socket Mode handler, but every envelope is acknowledged: payloads bolt cannot read are
    refused as HTTP mode refuses them (`well_formed`), and bolt's non-200 answers are still acks."""

    def __init__(self, app: AsyncApp, app_token: str) -> None:
        self.app = app
        self.app_token = app_token
        self.client = SocketModeClient(app_token=app_token, logger=app.logger, web_client=app.client)
        self.client.message_listeners.append(ack_unreadable)  # type: ignore[arg-type]
        self.client.socket_mode_request_listeners.append(self.handle)  # type: ignore[arg-type]

    async def handle(self, client: SocketModeClient, req: SocketModeRequest) -> None:  # type: ignore[override]
        ack = SocketModeResponse(envelope_id=req.envelope_id)
        if not well_formed(req.payload):
            log.warning("slack: refused a malformed Socket Mode %.40s payload", req.type)
            await client.send_socket_mode_response(ack)
            return
        headers: dict[str, str | Sequence[str]] = {}
        if req.retry_attempt is not None:  # as HTTP mode's headers say it
            headers["x-slack-retry-num"] = str(req.retry_attempt)
        if req.retry_reason is not None:
            headers["x-slack-retry-reason"] = req.retry_reason
        try:
            response = await cast(AsyncApp, self.app).async_dispatch(
                AsyncBoltRequest(mode="socket_mode", body=req.payload, headers=headers)
            )
        except Exception:
            log.exception("slack: a Socket Mode %.40s request failed", req.type)
            await client.send_socket_mode_response(ack)
            return
        body = response.body
        if (
            response.status == 200
            and body
            and response.headers.get("content-type", [""])[0].startswith("application/json")
        ):
            ack = SocketModeResponse(envelope_id=req.envelope_id, payload=json.loads(body))
        elif response.status == 200 and body:
            ack = SocketModeResponse(envelope_id=req.envelope_id, payload={"text": body})
        elif response.status != 200:
            log.info("slack: acknowledged a Socket Mode %.40s request bolt answered %s", req.type, response.status)
        await client.send_socket_mode_response(ack)


async def serve_socket(app: AsyncApp, app_token: str, stop: asyncio.Event) -> None:
    handler = SocketHandler(app, app_token)
    try:
        await handler.connect_async()
        log.info("slack: connected in Socket Mode")
        await stop.wait()
    finally:
        await handler.close_async()


async def check_app_token(client: AsyncWebClient, app_token: str) -> None:
    """apps.connections.open once, before slack-sdk's connect (which retries a refused token forever);
    raises SlackApiError when Slack refuses the app-level token."""
    await client.apps_connections_open(app_token=app_token)


async def who_am_i(client: AsyncWebClient) -> dict[str, str]:
    """auth.test: the bot's user, bot and team ids; raises SlackApiError for a refused token."""
    response = await client.auth_test()
    return {key: str(response.get(key) or "") for key in ("user_id", "bot_id", "team_id", "team")}
