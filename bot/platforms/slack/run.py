"""`studybot run slack [--http PORT]`: sign in, start the schedule, serve Socket Mode or HTTP, stop in order.

Stopping (SIGINT/SIGTERM): the listener closes first (no new requests), the requests already
acknowledged are answered and the scheduled sends under way finish (bounded), the answered-counts
are flushed, then the store closes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

from aiohttp import ClientError
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.models import Lang
from bot.core.service import Build
from bot.platforms.signals import stop_on_signals
from bot.platforms.slack.app import SlackBot
from bot.platforms.slack.members import MemberDirectory
from bot.platforms.slack.platform import SlackPlatform, api_url, make_client
from bot.platforms.slack.server import ListenError, check_app_token, serve_http, serve_socket, who_am_i

log = logging.getLogger(__name__)

# Slack's answers to auth.test that mean the token itself is wrong, not that Slack is unreachable.
REFUSED_TOKEN_ERRORS = ("invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired")
# ... and for apps.connections.open: a bot token where the app-level one belongs, or one without the scope.
REFUSED_APP_TOKEN_ERRORS = ("not_allowed_token_type", "missing_scope")
DRAIN_SECONDS = 10.0


class StartError(Exception):
    """Slack refused to start the bot (a token, a port); the message says what to fix."""


@dataclass(frozen=True)
class SlackOptions:
    bot_token: str
    api_url: str
    lang: Lang
    http_port: int | None = None
    http_host: str = "0.0.0.0"
    signing_secret: str = field(default="", repr=False)
    app_token: str = field(default="", repr=False)
    admins: tuple[str, ...] = ()

    @classmethod
    def from_settings(
        cls, table: Mapping[str, object], secrets: Mapping[str, str], http_port: int | None, lang: Lang
    ) -> SlackOptions:
        """From `[slack]` and the tokens in the environment; StartError names what is missing."""
        http = http_port is not None
        needed = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET" if http else "SLACK_APP_TOKEN")
        missing = [name for name in needed if not secrets.get(name)]
        if missing:
            raise StartError(
                f"{' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} not set: "
                "put the Slack app's tokens in the environment (README: Connect to Slack)"
            )
        admins = table.get("admins") or ()
        return cls(
            bot_token=secrets["SLACK_BOT_TOKEN"],
            api_url=api_url(table.get("api_url")),
            lang=lang,
            http_port=http_port,
            http_host=str(table.get("http_host") or "0.0.0.0"),
            signing_secret=secrets.get("SLACK_SIGNING_SECRET", ""),
            app_token=secrets.get("SLACK_APP_TOKEN", ""),
            admins=tuple(str(a) for a in admins) if isinstance(admins, list | tuple) else (),
        )


async def sign_in(client: AsyncWebClient) -> dict[str, str]:
    """auth.test once: who the bot is (for every request after), or {} when Slack could not say."""
    try:
        me = await who_am_i(client)
    except SlackApiError as exc:
        error = str(exc.response.get("error", ""))
        if error in REFUSED_TOKEN_ERRORS:
            raise StartError(f"Slack refused SLACK_BOT_TOKEN ({error}); check the token") from None
        log.warning("slack: auth.test failed (%s); carrying on", error)
        return {}
    except (OSError, ClientError) as exc:
        log.warning("slack: the Web API is not reachable yet (%s); carrying on", type(exc).__name__)
        return {}
    log.info("slack: signed in as %s in team %s", me["user_id"], me["team_id"])
    return me


async def check_socket_mode(client: AsyncWebClient, app_token: str) -> None:
    """A refused app-level token ends the start here; slack-sdk would retry it every ten seconds, forever."""
    try:
        await check_app_token(client, app_token)
    except SlackApiError as exc:
        error = str(exc.response.get("error", ""))
        if error in (*REFUSED_TOKEN_ERRORS, *REFUSED_APP_TOKEN_ERRORS):
            raise StartError(
                f"Slack refused SLACK_APP_TOKEN ({error}); it must be the app-level token "
                "with connections:write (README: Connect to Slack)"
            ) from None
        log.warning("slack: apps.connections.open failed (%s); carrying on", error)
    except (OSError, ClientError) as exc:
        log.warning("slack: Socket Mode is not reachable yet (%s); carrying on", type(exc).__name__)


async def serve_slack(options: SlackOptions, build: Build, *, stop: asyncio.Event | None = None) -> int:
    """Serve until SIGINT/SIGTERM or `stop`."""
    client = make_client(options.bot_token, options.api_url)
    me = await sign_in(client)
    if options.http_port is None:
        await check_socket_mode(client, options.app_token)
    platform = SlackPlatform(client)
    service = await build(platform)
    try:
        await service.start()  # posts through the Web API, which needs no open connection
        bot = SlackBot(
            router=service.router,
            platform=platform,
            members=MemberDirectory(client, options.admins),
            lang=options.lang,
            signing_secret=options.signing_secret,
            identity=me,
        )
        stop = stop or stop_on_signals()
        try:
            if options.http_port is not None:
                await serve_http(bot.app, options.signing_secret, options.http_host, options.http_port, stop)
            else:
                await serve_socket(bot.app, options.app_token, stop)
        except ListenError as exc:
            raise StartError(f"{exc}; choose another port with --http") from None
        finally:
            await bot.drain(DRAIN_SECONDS)
            await service.drain(DRAIN_SECONDS)
    finally:
        await service.close()
    return 0
