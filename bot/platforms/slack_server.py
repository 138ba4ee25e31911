"""Serving the Slack bot: HTTP mode (aiohttp, signed requests) or Socket Mode (a websocket)."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.signature import SignatureVerifier
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


async def serve_http(app: AsyncApp, signing_secret: str, host: str, port: int, stop: asyncio.Event) -> None:
    runner = web.AppRunner(web_app(app, signing_secret), access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
        log.info("slack: listening on http://%s:%s%s", host, port, EVENTS_PATH)
        await stop.wait()
    finally:
        await runner.cleanup()


async def serve_socket(app: AsyncApp, app_token: str, stop: asyncio.Event) -> None:
    handler = AsyncSocketModeHandler(app, app_token)
    try:
        await handler.connect_async()
        log.info("slack: connected in Socket Mode")
        await stop.wait()
    finally:
        await handler.close_async()


async def who_am_i(client: AsyncWebClient) -> dict[str, str]:
    """auth.test: the bot's user, bot and team ids; raises SlackApiError for a refused token."""
    response = await client.auth_test()
    return {key: str(response.get(key) or "") for key in ("user_id", "bot_id", "team_id", "team")}
