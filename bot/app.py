"""The composition root: the one place that builds and wires everything.

It names ports (Store, ChatPlatform, Clock), never engines: `open_store` picks the engine from the
database URL. Each platform's run entry (sign-in, serve loop, error mapping) lives in its package
under bot/platforms; the functions here build the core and hand it over.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import random
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TextIO

from bot.bank_cache import default_cache_dir, load_bank_cached
from bot.config import ConfigError, Settings
from bot.core.admin import Admin
from bot.core.boards import Boards
from bot.core.cards import Cards
from bot.core.content import QuestionBank
from bot.core.daily import Daily
from bot.core.delivery import Delivery, Sleep
from bot.core.exam import Exams
from bot.core.i18n import Catalog
from bot.core.lookup import LookupIndex
from bot.core.models import Lang
from bot.core.ports import ChatPlatform, Clock, Store
from bot.core.practice import Practice
from bot.core.report_views import ReportViews
from bot.core.reports import Reports
from bot.core.review import Review
from bot.core.router import Router
from bot.core.stats import Stats
from bot.core.study_views import StudyViews
from bot.schedule import Scheduler
from bot.store import open_store

log = logging.getLogger(__name__)

DRAIN_SECONDS = 10.0
# The cyclic collector's youngest generation is collected after this many new objects (Python's default
# is 700): a click makes a few dozen, nearly all freed by reference counting, and at 700 a burst of a
# thousand clicks paid for some 50 collections, a sixth of its time (at 10,000, still 5%). A few MB at most.
YOUNG_OBJECTS_PER_COLLECTION = 50_000


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass(frozen=True)
class Library:
    """What is read once at start and never changes: the bank, its index and the catalogs."""

    bank: QuestionBank
    lookup: LookupIndex
    catalog: Catalog
    views: StudyViews


def load_library(settings: Settings, *, cache: bool = True) -> Library:
    bank = load_bank_cached(settings.content_path, default_cache_dir() if cache else None)
    catalog = Catalog.load()
    return Library(bank, LookupIndex(bank.topics.values()), catalog, StudyViews(catalog, bank))


@dataclass
class Core:
    library: Library
    store: Store
    clock: Clock
    daily: Daily
    router: Router
    scheduler: Scheduler

    async def start(self) -> None:
        settle_memory()
        await self.scheduler.start(live=True)

    async def drain(self, timeout: float = DRAIN_SECONDS) -> None:
        """No new scheduled work; sends under way finish (at most `timeout` s); answered-counts flushed (at
        most `timeout` s more: a platform that never answers an edit cannot keep the bot from stopping)."""
        await self.scheduler.shutdown(timeout)
        try:
            await asyncio.wait_for(self.daily.refresher.flush(), timeout)
        except TimeoutError:
            log.warning("the answered-counts were still being edited after %.0f s: stopping without them", timeout)

    async def close(self) -> None:
        try:
            await self.drain()
        finally:
            await self.store.close()


def settle_memory() -> None:
    """Once started: what was loaded (the bank, the lookup index, the catalogs) stays for the life of the
    process, so the collector stops scanning it, and it collects young objects less often. Once per
    process: a later start (tests start many bots) leaves what it made to the collector."""
    if gc.get_threshold()[0] >= YOUNG_OBJECTS_PER_COLLECTION:
        return
    gc.freeze()
    gc.set_threshold(YOUNG_OBJECTS_PER_COLLECTION, *gc.get_threshold()[1:])


async def build_core(
    settings: Settings,
    platform: ChatPlatform,
    *,
    library: Library | None = None,
    clock: Clock | None = None,
    rng: random.Random | None = None,
    store: Store | None = None,
    refresh_seconds: float | None = None,
    sleep: Sleep = asyncio.sleep,
) -> Core:
    library = library or load_library(settings)
    clock = clock or SystemClock()
    rng = rng or random.Random()
    store = store or await open_store(settings.db_path, synchronous=settings.synchronous)
    views, bank = library.views, library.bank
    review = Review(bank=bank, store=store, clock=clock, views=views)
    delivery = Delivery(
        store=store,
        platform=platform,
        views=views,
        bank=bank,
        clock=clock,
        sleep=sleep,
        sends_per_second=settings.sends_per_second,
        send_burst=settings.send_burst,
        lease_seconds=settings.lease_seconds,
    )
    daily = Daily(
        bank=bank,
        store=store,
        clock=clock,
        platform=platform,
        views=views,
        scoring=settings.scoring,
        refresh_seconds=settings.refresh_seconds if refresh_seconds is None else refresh_seconds,
        delivery=delivery,
        rng=rng,
        misses=review.miss_rule,
    )
    scheduler = Scheduler(
        store=store,
        daily=daily,
        delivery=delivery,
        clock=clock,
        grace_minutes=settings.grace_minutes,
        reconcile_seconds=settings.reconcile_seconds,
        refresh_seconds=settings.settings_refresh_seconds,
    )
    cards = Cards(bank=bank, lookup=library.lookup, views=views)
    features: dict[str, object] = {
        "daily": daily,
        "cards": cards,
        "practice": Practice(
            bank=bank, lookup=library.lookup, store=store, clock=clock, views=views, rng=rng, misses=review.miss_rule
        ),
        "boards": Boards(store=store, views=views, clock=clock),
        "review": review,
        "stats": Stats(bank=bank, store=store, clock=clock, views=views, review=review),
        "exams": Exams(bank=bank, store=store, clock=clock, views=views, misses=review.miss_rule, rng=rng),
        "admin": Admin(
            store=store, daily=daily, views=views, next_times=scheduler.next_times, listeners=(scheduler.rebuild,)
        ),
        "reports": Reports(bank=bank, store=store, clock=clock, views=ReportViews(views)),
    }
    router = Router(
        store=store,
        views=views,
        channel_template=settings.channel_template,
        features=features,
        suggest_topics=cards.complete,
    )
    return Core(library, store, clock, daily, router, scheduler)


async def start_scheduler(core: Core, *, live: bool = True) -> Scheduler:
    """The schedule of every set-up channel: catch-up now, then (with `live`) each job on time."""
    await core.scheduler.start(live=live)
    return core.scheduler


# --- the run entries: each platform's own, given a built core ------------------------------------


async def run_console(settings: Settings, user: str, lang: Lang | None, stdin: TextIO, stdout: TextIO) -> int:
    from bot.platforms.console.run import serve_console

    library = load_library(settings)
    lang = lang or settings.console_language
    # A new console channel speaks the console's language (a channel stored earlier keeps its own).
    settings = replace(settings, channel_defaults=replace(settings.channel_defaults, language=lang))
    return await serve_console(
        stdin,
        stdout,
        user=user,
        lang=lang,
        text=lambda key, **values: library.catalog.t(lang, key, **values),
        build=lambda platform: build_core(settings, platform, library=library, refresh_seconds=0.0),
    )


async def run_discord(settings: Settings, *, stop: asyncio.Event | None = None) -> int:
    """Connect to Discord with DISCORD_TOKEN and serve until SIGINT/SIGTERM or `stop`."""
    from bot.platforms.discord.run import DiscordOptions, StartError, serve_discord

    token = settings.secrets.get("DISCORD_TOKEN")
    if not token:
        raise ConfigError(
            "DISCORD_TOKEN is not set: put the bot token from the Discord developer portal in the environment"
        )
    try:
        options = DiscordOptions.from_table(settings.discord)
        return await serve_discord(token, options, lambda platform: build_core(settings, platform), stop=stop)
    except StartError as exc:
        raise ConfigError(str(exc)) from None


def discord_invite_url(settings: Settings, client_id: str | None) -> str:
    from bot.platforms.discord.run import invite_url

    client_id = (client_id or str(settings.discord.get("client_id", "") or "")).strip()
    if not client_id:
        raise ConfigError("no application id: pass --client-id or set DISCORD_CLIENT_ID")
    try:
        return invite_url(client_id)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


async def run_slack(settings: Settings, http_port: int | None, *, stop: asyncio.Event | None = None) -> int:
    """The bot on Slack: Socket Mode, or HTTP mode on `http_port`. Runs until SIGINT/SIGTERM or `stop`."""
    from bot.platforms.slack.run import SlackOptions, StartError, serve_slack

    try:
        options = SlackOptions.from_settings(
            settings.slack, settings.secrets, http_port, settings.channel_defaults.language
        )
        return await serve_slack(options, lambda platform: build_core(settings, platform), stop=stop)
    except StartError as exc:
        raise ConfigError(str(exc)) from None
