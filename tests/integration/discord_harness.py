"""Runs the real studybot Discord client, on a real core and database file, against the fake Discord."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot.app import Core, Library, build_core
from bot.config import Settings
from bot.core.models import Lang
from bot.platforms.discord.client import StudyClient
from bot.platforms.discord.platform import DiscordPlatform
from bot.platforms.discord.run import DiscordOptions, make_client
from tests.fakes.clock import FixedClock
from tests.fakes.discord import Call, FakeDiscord
from tests.fakes.discord_payloads import Payloads


@dataclass
class RunningBot:
    fake: FakeDiscord
    core: Core
    client: StudyClient
    say: Payloads

    async def interact(self, payload: dict[str, Any]) -> Call:
        return await self.fake.interact(payload)

    def held(self, feature: str, method: str) -> asyncio.Event:
        """The feature's handler waits for the returned event before it runs: a reply slower than Discord
        lets an interaction wait."""
        handlers = self.core.router.features[feature]
        original = getattr(handlers, method)
        release = asyncio.Event()

        async def slow(*args: Any) -> Any:
            await release.wait()
            return await original(*args)

        setattr(handlers, method, slow)
        return release

    async def channel_id_key(self, channel_id: str) -> int:
        from bot.core.models import ChannelRef

        settings = await self.core.store.get_channel(ChannelRef("discord", self.say.guild_id, channel_id))
        assert settings is not None and settings.id is not None
        return settings.id


def discord_settings(
    settings: Settings, fake: FakeDiscord, db_path: Path, *, language: Lang | None = None, **discord: Any
) -> Settings:
    """Settings pointing at the fake; `language`: the language of channels not set up otherwise."""
    table = {**settings.discord, "api_url": fake.api_url, "gateway_url": fake.gateway_url, **discord}
    defaults = replace(settings.channel_defaults, language=language or settings.channel_defaults.language)
    return replace(settings, db_path=str(db_path), discord=table, channel_defaults=defaults)


@asynccontextmanager
async def running_bot(
    fake: FakeDiscord,
    settings: Settings,
    library: Library,
    clock: FixedClock,
    *,
    refresh_seconds: float = 0.0,
    token: str = "test-token",
) -> AsyncIterator[RunningBot]:
    platform = DiscordPlatform(connect_timeout=5.0)
    core = await build_core(
        settings, platform, library=library, clock=clock, rng=random.Random(7), refresh_seconds=refresh_seconds
    )
    options = DiscordOptions.from_table(settings.discord)
    client = make_client(core.router, platform, options, guild_ready_timeout=0)
    seen = fake.identified
    task = asyncio.create_task(client.start(token))
    try:
        await fake.wait_for(lambda: fake.identified > seen or task.done())
        if task.done():
            task.result()
        await asyncio.wait_for(client.wait_until_ready(), 10)
        yield RunningBot(fake, core, client, Payloads(fake))
        await core.daily.refresher.flush()
        twice = [c.path for c in fake.calls_to("POST", r"/interactions/.+/callback") if c.status == 400]
        assert twice == [], "an interaction was answered twice"
    finally:
        await client.close()
        await asyncio.gather(task, return_exceptions=True)
        await core.close()


@pytest.fixture(autouse=True)
def discord_endpoints() -> Iterator[None]:
    """make_client points discord.py's class-wide URLs at the fake; put them back afterwards."""
    base, gateway = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    yield
    Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = base, gateway


@pytest.fixture
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    server = FakeDiscord()
    await server.start()
    yield server
    await server.close()


@pytest.fixture
async def discord_bot(
    fake_discord: FakeDiscord, fixture_settings: Settings, library: Library, clock: FixedClock, tmp_path: Path
) -> AsyncIterator[RunningBot]:
    settings = discord_settings(fixture_settings, fake_discord, tmp_path / "bot.db")
    async with running_bot(fake_discord, settings, library, clock) as running:
        yield running


@pytest.fixture
async def english_discord_bot(
    fake_discord: FakeDiscord, fixture_settings: Settings, library: Library, clock: FixedClock, tmp_path: Path
) -> AsyncIterator[RunningBot]:
    """The bot where channels speak English (the default is Korean): replies read in English."""
    settings = discord_settings(fixture_settings, fake_discord, tmp_path / "bot.db", language="en")
    async with running_bot(fake_discord, settings, library, clock) as running:
        yield running
