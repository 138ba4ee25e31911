"""The composition root: the one place that builds and wires everything."""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TextIO

from bot.bank_cache import default_cache_dir, load_bank_cached
from bot.config import Settings
from bot.core.admin import Admin
from bot.core.content import QuestionBank
from bot.core.i18n import Catalog
from bot.core.lookup import LookupIndex
from bot.core.models import Lang, Member
from bot.core.ports import ChatPlatform, Clock
from bot.core.quiz import Quiz
from bot.core.router import Router
from bot.core.views import Views
from bot.schedule import Scheduler, Sleep
from bot.store.sqlite import SqliteStore


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


@dataclass
class Core:
    library: Library
    store: SqliteStore
    clock: Clock
    quiz: Quiz
    router: Router
    admin: Admin
    closers: list[object] = field(default_factory=list)
    scheduler: Scheduler | None = None

    async def close(self) -> None:
        if self.scheduler is not None:
            self.scheduler.shutdown()
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

    platform = ConsolePlatform(stdout)
    core = await build_core(settings, platform, refresh_seconds=0.0)
    try:
        await start_scheduler(core, settings)
        session = ConsoleSession(core.router, platform, Member(user, user, is_admin=True), lang)
        await session.run(stdin)
    finally:
        await core.close()
    return 0
