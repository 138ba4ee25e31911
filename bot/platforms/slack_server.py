"""Serving the Slack bot: HTTP mode (aiohttp, signed requests) or Socket Mode (a websocket)."""

from __future__ import annotations

import asyncio
import logging
import os
import time
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.async_base_handler import AsyncBaseSocketModeHandler
from slack_bolt.adapter.socket_mode.async_internals import run_async_bolt_app, send_async_response
from slack_bolt.async_app import AsyncApp
from slack_sdk.signature import SignatureVerifier
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.web.async_client import AsyncWebClient

from bot.platforms.slack_requests import well_formed

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"


def web_app(app: AsyncApp, signing_secret: str, path: str = EVENTS_PATH) -> web.Application:
    """Events, slash commands and interactivity on `path` (POST); `GET /healthz` for probes."""
    verifier = SignatureVerifier(signing_secret)

    async def events(request: web.Request) -> web.Response:
        try:
            bolt_request = await to_bolt_request(request)
        except (ValueError, TypeError, AttributeError):  # a `payload` field that is not JSON
            bolt_request = None
        if bolt_request is None or not well_formed(bolt_request.body):
            # bolt cannot read it; unsigned junk is refused as bolt refuses it, signed junk as malformed
            signed = verifier.is_valid(
                await request.text(),
                request.headers.get("X-Slack-Request-Timestamp", "0"),
                request.headers.get("X-Slack-Signature", ""),
            )
            if not signed:
                return web.json_response({"error": "invalid request"}, status=401)
            return web.json_response({"ok": False, "error": "malformed_request"}, status=400)
        return await to_aiohttp_response(await app.async_dispatch(bolt_request))

    async def health(request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    application = web.Application()
    application.add_routes([web.post(path, events), web.get(HEALTH_PATH, health)])
    return application


class ListenError(Exception):
    """The HTTP port could not be opened (in use, not allowed)."""


async def serve_http(app: AsyncApp, signing_secret: str, host: str, port: int, stop: asyncio.Event) -> None:
    runner = web.AppRunner(web_app(app, signing_secret), access_log=None)
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


class _SocketClient(SocketModeClient):
    """slack-sdk drops an envelope whose payload is not an object without acknowledging it, and Slack
    then sends it again; this one acknowledges it and goes no further."""

    async def run_message_listeners(self, message: dict[str, Any], raw_message: str) -> None:
        envelope_id = message.get("envelope_id")
        if envelope_id and not (message.get("type") and isinstance(message.get("payload"), dict)):
            log.warning("slack: refused a malformed Socket Mode envelope")
            await self.send_socket_mode_response(SocketModeResponse(envelope_id=str(envelope_id)))
            return
        await super().run_message_listeners(message, raw_message)


class SocketHandler(AsyncBaseSocketModeHandler):
    """bolt's Socket Mode handler, but every envelope is acknowledged: payloads bolt cannot read are
    refused as HTTP mode refuses them (`well_formed`), and bolt's non-200 answers are still acks."""

    def __init__(self, app: AsyncApp, app_token: str) -> None:
        self.app = app
        self.app_token = app_token
        self.client = _SocketClient(app_token=app_token, logger=app.logger, web_client=app.client)
        self.client.socket_mode_request_listeners.append(self.handle)  # type: ignore[arg-type]

    async def handle(self, client: SocketModeClient, req: SocketModeRequest) -> None:  # type: ignore[override]
        ack = SocketModeResponse(envelope_id=req.envelope_id)
        if not well_formed(req.payload):
            log.warning("slack: refused a malformed Socket Mode %.40s payload", req.type)
            await client.send_socket_mode_response(ack)
            return
        start = time.time()
        try:
            response = await run_async_bolt_app(self.app, req)
        except Exception:
            log.exception("slack: a Socket Mode %.40s request failed", req.type)
            await client.send_socket_mode_response(ack)
            return
        if response.status == 200:
            await send_async_response(client, req, response, start)
        else:
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
