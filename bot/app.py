"""The composition root: the one place that builds and wires everything."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TextIO

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

if TYPE_CHECKING:
    from bot.platforms.discord_bot import StudyClient
    from bot.platforms.discord_platform import DiscordPlatform


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


async def run_discord(settings: Settings) -> int:
    """Connect to Discord with DISCORD_TOKEN and serve until stopped."""
    import discord

    from bot.platforms.discord_platform import DiscordPlatform

    token = settings.secrets.get("DISCORD_TOKEN")
    if not token:
        raise ConfigError(
            "DISCORD_TOKEN is not set: put the bot token from the Discord developer portal in the environment"
        )
    platform = DiscordPlatform()
    core = await build_core(settings, platform)
    try:
        # The scheduler (daily posts, closes, weekly boards) starts here, on the built core.
        client = discord_client(settings, core, platform)
        async with client:
            try:
                await client.start(token)
            except discord.LoginFailure:
                raise ConfigError("Discord refused DISCORD_TOKEN: check the bot token") from None
            finally:
                await core.quiz.refresher.flush()  # the last answered-counts, while still connected
    finally:
        await core.close()
    return 0


def discord_invite_url(settings: Settings, client_id: str | None) -> str:
    from bot.platforms.discord_bot import invite_url

    client_id = (client_id or str(settings.discord.get("client_id", "") or "")).strip()
    if not client_id:
        raise ConfigError("no application id: pass --client-id or set DISCORD_CLIENT_ID")
    try:
        return invite_url(client_id)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
