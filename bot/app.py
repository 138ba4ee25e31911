"""The composition root: the one place that builds and wires everything."""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TextIO

from bot.bank_cache import default_cache_dir, load_bank_cached
from bot.config import ConfigError, Settings
from bot.core.admin import Admin
from bot.core.content import QuestionBank
from bot.core.exam import EXAM, EXAM_ABANDON, EXAM_MISSED, EXAM_RESUME, Exams
from bot.core.i18n import Catalog
from bot.core.insights import with_insights
from bot.core.lookup import LookupIndex
from bot.core.models import Lang, Member
from bot.core.ports import ChatPlatform, Clock
from bot.core.quiz import Quiz
from bot.core.review import REVIEW, REVIEW_NEXT, Review
from bot.core.router import Router
from bot.core.stats import Stats
from bot.core.views import Views
from bot.core.views_study import StudyViews
from bot.schedule import Scheduler, Sleep
from bot.store.sqlite import SqliteStore

if TYPE_CHECKING:
    from slack_sdk.web.async_client import AsyncWebClient

    from bot.platforms.discord_bot import StudyClient
    from bot.platforms.discord_platform import DiscordPlatform

log = logging.getLogger(__name__)

# Slack's answers to auth.test that mean the token itself is wrong, not that Slack is unreachable.
REFUSED_TOKEN_ERRORS = ("invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired")
# ... and for apps.connections.open: a bot token where the app-level one belongs, or one without the scope.
REFUSED_APP_TOKEN_ERRORS = ("not_allowed_token_type", "missing_scope")


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


def load_library(settings: Settings, *, cache: bool = True) -> Library:
    bank = load_bank_cached(settings.content_path, default_cache_dir() if cache else None)
    catalog = Catalog.load()
    return Library(bank, LookupIndex(bank.topics.values()), catalog, Views(catalog, bank))


@dataclass(frozen=True)
class Study:
    """Study beyond the daily quiz: /review, /stats, /exam."""

    review: Review
    stats: Stats
    exams: Exams


@dataclass
class Core:
    library: Library
    store: SqliteStore
    clock: Clock
    quiz: Quiz
    router: Router
    admin: Admin
    scheduler: Scheduler | None = None

    async def close(self) -> None:
        if self.scheduler is not None:
            await self.scheduler.shutdown()
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
    add_study(library, store, clock, quiz, router)
    return Core(library, store, clock, quiz, router, admin)


def add_study(library: Library, store: SqliteStore, clock: Clock, quiz: Quiz, router: Router) -> Study:
    views = StudyViews(library.catalog, library.bank)
    review = Review(bank=library.bank, store=store, clock=clock, views=views)
    quiz.on_miss(review.record_miss)
    stats = Stats(bank=library.bank, store=store, clock=clock, views=views, review=review)
    exams = Exams(
        bank=library.bank,
        store=store,
        clock=clock,
        views=views,
        saved_channel=router.saved_channel,
        missed=quiz.missed,
        rng=quiz.rng,
    )
    router.add_command("review", review.command)
    router.add_press(REVIEW, review.answer)
    router.add_press(REVIEW_NEXT, review.next)
    router.add_command("stats", stats.command)
    router.add_command("exam", exams.command)
    router.add_press(EXAM, exams.press_answer)
    router.add_press(EXAM_RESUME, exams.press_resume)
    router.add_press(EXAM_ABANDON, exams.press_abandon)
    router.add_press(EXAM_MISSED, exams.press_missed)
    router.add_command("leaderboard", with_insights(router.commands["leaderboard"], store, views, clock))
    return Study(review, stats, exams)


async def start_scheduler(
    core: Core, settings: Settings, *, live: bool = True, sleep: Sleep | None = None
) -> Scheduler:
    """The schedule of every set-up channel: catch-up now, then (with `live`) each job on time.

    Settings changes rebuild the changed channel's jobs at once; /studybot status shows the next times.
    """
    scheduler = Scheduler(
        store=core.store,
        quiz=core.quiz,
        views=core.library.views,
        platform=core.quiz.platform,
        clock=core.clock,
        grace_minutes=settings.grace_minutes,
        sleep=sleep or asyncio.sleep,
    )
    core.admin.on_settings_changed(scheduler.rebuild)
    core.admin.next_times = scheduler.next_times
    core.scheduler = scheduler
    await scheduler.start(live=live)
    return scheduler


async def run_console(settings: Settings, user: str, lang: Lang, stdin: TextIO, stdout: TextIO) -> int:
    from bot.platforms.console import ConsolePlatform, ConsoleSession

    library = load_library(settings)
    platform = ConsolePlatform(stdout, lambda key, **values: library.catalog.t(lang, key, **values))
    core = await build_core(settings, platform, library=library, refresh_seconds=0.0)
    try:
        await start_scheduler(core, settings)
        session = ConsoleSession(core.router, platform, Member(user, user, is_admin=True), lang)
        await session.run(stdin)
    finally:
        await core.close()
    return 0


# --- Discord ------------------------------------------------------------------------------------


def discord_client(settings: Settings, core: Core, platform: DiscordPlatform, **options: Any) -> StudyClient:
    """The Discord client on a built core; `options` go to discord.Client (tests pass a few)."""
    from bot.platforms.discord_bot import StudyClient

    discord = settings.discord
    try:
        return StudyClient(
            router=core.router,
            platform=platform,
            api_url=str(discord.get("api_url", "https://discord.com/api/v10")),
            gateway_url=str(discord.get("gateway_url", "wss://gateway.discord.gg/")),
            dev_guild=int(discord.get("dev_guild", 0) or 0),
            defer_after=float(discord.get("defer_after", 1.5)),
            **options,
        )
    except ValueError as exc:
        raise ConfigError(f"[discord] has a bad value: {exc}") from None


async def run_discord(settings: Settings, *, stop: asyncio.Event | None = None) -> int:
    """Connect to Discord with DISCORD_TOKEN and serve until SIGINT/SIGTERM or `stop`."""
    import discord

    from bot.platforms.discord_platform import DiscordPlatform
    from bot.platforms.signals import stop_on_signals

    token = settings.secrets.get("DISCORD_TOKEN")
    if not token:
        raise ConfigError(
            "DISCORD_TOKEN is not set: put the bot token from the Discord developer portal in the environment"
        )
    stop = stop or stop_on_signals()
    platform = DiscordPlatform()
    core = await build_core(settings, platform)
    try:
        client = discord_client(settings, core, platform)
        async with client:
            try:
                await client.login(token)  # REST is usable from here: setup_hook has run
            except discord.LoginFailure:
                raise ConfigError("Discord refused DISCORD_TOKEN: check the bot token") from None
            await start_scheduler(core, settings)  # catch-up may post at once
            await _serve_discord(client, core, stop)
    finally:
        await core.close()
    return 0


async def _serve_discord(client: StudyClient, core: Core, stop: asyncio.Event) -> None:
    """The gateway connection until `stop` is set or it ends; then the last answered-counts, then close."""
    connection = asyncio.create_task(client.connect())
    stopping = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait((connection, stopping), return_when=asyncio.FIRST_COMPLETED)
        if stop.is_set():
            log.info("discord: stopping")
    finally:
        stopping.cancel()
        try:
            await core.quiz.refresher.flush()  # while REST still works
        finally:
            await client.close()
            await connection  # connect() returns once the client is closed; raises what ended it


def discord_invite_url(settings: Settings, client_id: str | None) -> str:
    from bot.platforms.discord_bot import invite_url

    client_id = (client_id or str(settings.discord.get("client_id", "") or "")).strip()
    if not client_id:
        raise ConfigError("no application id: pass --client-id or set DISCORD_CLIENT_ID")
    try:
        return invite_url(client_id)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


def _require_secrets(settings: Settings, *names: str) -> dict[str, str]:
    missing = [name for name in names if not settings.secrets.get(name)]
    if missing:
        raise ConfigError(
            f"{' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} not set: "
            "put the Slack app's tokens in the environment (README: Connect to Slack)"
        )
    return {name: settings.secrets[name] for name in names}


async def _slack_sign_in(client: AsyncWebClient) -> dict[str, str]:
    """auth.test once: who the bot is (for every request after), or {} when Slack could not say."""
    from aiohttp import ClientError
    from slack_sdk.errors import SlackApiError

    from bot.platforms.slack_server import who_am_i

    try:
        me = await who_am_i(client)
    except SlackApiError as exc:
        error = str(exc.response.get("error", ""))
        if error in REFUSED_TOKEN_ERRORS:
            raise ConfigError(f"Slack refused SLACK_BOT_TOKEN ({error}); check the token") from None
        log.warning("slack: auth.test failed (%s); carrying on", error)
        return {}
    except (OSError, ClientError) as exc:
        log.warning("slack: the Web API is not reachable yet (%s); carrying on", type(exc).__name__)
        return {}
    log.info("slack: signed in as %s in team %s", me["user_id"], me["team_id"])
    return me


async def _slack_check_app_token(client: AsyncWebClient, app_token: str) -> None:
    """A refused app-level token ends the start here; slack-sdk would retry it every ten seconds, forever."""
    from aiohttp import ClientError
    from slack_sdk.errors import SlackApiError

    from bot.platforms.slack_server import check_app_token

    try:
        await check_app_token(client, app_token)
    except SlackApiError as exc:
        error = str(exc.response.get("error", ""))
        if error in (*REFUSED_TOKEN_ERRORS, *REFUSED_APP_TOKEN_ERRORS):
            raise ConfigError(
                f"Slack refused SLACK_APP_TOKEN ({error}); it must be the app-level token "
                "with connections:write (README: Connect to Slack)"
            ) from None
        log.warning("slack: apps.connections.open failed (%s); carrying on", error)
    except (OSError, ClientError) as exc:
        log.warning("slack: Socket Mode is not reachable yet (%s); carrying on", type(exc).__name__)


async def run_slack(settings: Settings, http_port: int | None, *, stop: asyncio.Event | None = None) -> int:
    """The bot on Slack: Socket Mode, or HTTP mode on `http_port`. Runs until SIGINT/SIGTERM or `stop`."""
    from bot.platforms.signals import stop_on_signals
    from bot.platforms.slack_api import SlackPlatform, api_url, make_client
    from bot.platforms.slack_app import SlackBot
    from bot.platforms.slack_members import MemberDirectory
    from bot.platforms.slack_server import ListenError, serve_http, serve_socket

    http = http_port is not None
    secrets = _require_secrets(settings, "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET" if http else "SLACK_APP_TOKEN")
    client = make_client(secrets["SLACK_BOT_TOKEN"], api_url(settings.slack.get("api_url")))
    me = await _slack_sign_in(client)
    if not http:
        await _slack_check_app_token(client, secrets["SLACK_APP_TOKEN"])

    platform = SlackPlatform(client)
    core = await build_core(settings, platform)
    try:
        await start_scheduler(core, settings)  # posts through the Web API, which needs no open connection
        bot = SlackBot(
            router=core.router,
            platform=platform,
            members=MemberDirectory(client, settings.slack.get("admins", ())),
            lang=settings.channel_defaults.language,
            signing_secret=secrets.get("SLACK_SIGNING_SECRET", ""),
            identity=me,
        )
        stop = stop or stop_on_signals()
        try:
            if http_port is not None:
                host = str(settings.slack.get("http_host") or "0.0.0.0")
                await serve_http(bot.app, secrets["SLACK_SIGNING_SECRET"], host, http_port, stop)
            else:
                await serve_socket(bot.app, secrets["SLACK_APP_TOKEN"], stop)
        except ListenError as exc:
            raise ConfigError(f"{exc}; choose another port with --http") from None
        finally:
            await bot.drain()
    finally:
        await core.close()
    return 0
