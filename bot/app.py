"""The composition root: the one place that builds and wires everything."""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TextIO

from bot.config import ConfigError, Settings
from bot.core.admin import Admin
from bot.core.content import QuestionBank, load_bank
from bot.core.i18n import Catalog
from bot.core.lookup import LookupIndex
from bot.core.models import Lang, Member
from bot.core.ports import ChatPlatform, Clock
from bot.core.quiz import Quiz
from bot.core.router import Router
from bot.core.views import Views
from bot.store.sqlite import SqliteStore

log = logging.getLogger(__name__)

# Slack's answers to auth.test that mean the token itself is wrong, not that Slack is unreachable.
REFUSED_TOKEN_ERRORS = ("invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired")


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass(frozen=True)
class Library:
    """What is read once at start and never changes: the bank, its index and the catalogs."""

    bank: QuestionBank
    lookup: LookupIndex
    catalog: Catalog
    views: Views


def load_library(settings: Settings) -> Library:
    bank = load_bank(settings.content_path)
    catalog = Catalog.load()
    return Library(bank, LookupIndex(bank.topics.values()), catalog, Views(catalog, bank))


@dataclass
class Core:
    library: Library
    store: SqliteStore
    clock: Clock
    quiz: Quiz
    router: Router
    admin: Admin
    closers: list[object] = field(default_factory=list)

    async def close(self) -> None:
        await self.quiz.refresher.flush()
        await self.store.close()


async def build_core(
    settings: Settings,
    platform: ChatPlatform,
    *,
    library: Library | None = None,
    clock: Clock | None = None,
    rng: random.Random | None = None,
    store: SqliteStore | None = None,
    refresh_seconds: float | None = None,
) -> Core:
    library = library or load_library(settings)
    clock = clock or SystemClock()
    store = store or await SqliteStore.open(settings.db_path, synchronous=settings.synchronous)
    quiz = Quiz(
        bank=library.bank,
        store=store,
        clock=clock,
        platform=platform,
        views=library.views,
        scoring=settings.scoring,
        refresh_seconds=settings.refresh_seconds if refresh_seconds is None else refresh_seconds,
        rng=rng,
    )
    router = Router(
        bank=library.bank,
        lookup=library.lookup,
        quiz=quiz,
        store=store,
        clock=clock,
        views=library.views,
        channel_template=settings.channel_template,
    )
    admin = Admin(router=router, store=store, quiz=quiz, views=library.views)
    router.add_command("studybot", admin.handle)
    return Core(library, store, clock, quiz, router, admin)


async def run_console(settings: Settings, user: str, lang: Lang, stdin: TextIO, stdout: TextIO) -> int:
    from bot.platforms.console import ConsolePlatform, ConsoleSession

    platform = ConsolePlatform(stdout)
    core = await build_core(settings, platform, refresh_seconds=0.0)
    try:
        session = ConsoleSession(core.router, platform, Member(user, user, is_admin=True), lang)
        await session.run(stdin)
    finally:
        await core.close()
    return 0


def _require_secrets(settings: Settings, *names: str) -> dict[str, str]:
    missing = [name for name in names if not settings.secrets.get(name)]
    if missing:
        raise ConfigError(
            f"{' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} not set: "
            "put the Slack app's tokens in the environment (README: Connect to Slack)"
        )
    return {name: settings.secrets[name] for name in names}


async def run_slack(settings: Settings, http_port: int | None, *, stop: asyncio.Event | None = None) -> int:
    """The bot on Slack: Socket Mode, or HTTP mode on `http_port`. Runs until SIGINT/SIGTERM or `stop`."""
    from aiohttp import ClientError
    from slack_sdk.errors import SlackApiError

    from bot.platforms.slack_api import SlackPlatform, api_url, make_client
    from bot.platforms.slack_app import SlackBot
    from bot.platforms.slack_members import MemberDirectory
    from bot.platforms.slack_server import serve_http, serve_socket, stop_on_signals, who_am_i

    http = http_port is not None
    secrets = _require_secrets(settings, "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET" if http else "SLACK_APP_TOKEN")
    client = make_client(secrets["SLACK_BOT_TOKEN"], api_url(settings.slack.get("api_url")))
    try:
        me = await who_am_i(client)
        log.info("slack: signed in as %s in team %s", me["user_id"], me["team_id"])
    except SlackApiError as exc:
        error = str(exc.response.get("error", ""))
        if error in REFUSED_TOKEN_ERRORS:
            raise ConfigError(f"Slack refused SLACK_BOT_TOKEN ({error}); check the token") from None
        log.warning("slack: auth.test failed (%s); carrying on", error)
    except (OSError, ClientError) as exc:
        log.warning("slack: the Web API is not reachable yet (%s); carrying on", type(exc).__name__)

    platform = SlackPlatform(client)
    core = await build_core(settings, platform)
    # The scheduler starts here, once the core is built (it posts through `platform`).
    bot = SlackBot(
        router=core.router,
        platform=platform,
        members=MemberDirectory(client, settings.slack.get("admins", ())),
        lang=settings.channel_defaults.language,
        signing_secret=secrets.get("SLACK_SIGNING_SECRET", ""),
    )
    stop = stop or stop_on_signals()
    try:
        if http_port is not None:
            host = str(settings.slack.get("http_host") or "0.0.0.0")
            await serve_http(bot.app, secrets["SLACK_SIGNING_SECRET"], host, http_port, stop)
        else:
            await serve_socket(bot.app, secrets["SLACK_APP_TOKEN"], stop)
    finally:
        await bot.drain()
        await core.close()
    return 0
