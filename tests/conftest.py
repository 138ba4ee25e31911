from __future__ import annotations

import random
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app import Core, Library, build_core, load_library
from bot.config import Settings, load_settings
from bot.core.models import ChannelRef, Invocation, Member, Press, Reply
from tests.fakes.clock import FixedClock
from tests.fakes.platform import RecordingPlatform

FIXTURE_CONTENT = Path(__file__).parent / "fixtures" / "content"
CHANNEL = ChannelRef("test", "team1", "C1")
ADMIN = Member("U0", "Admin", is_admin=True)


def member(n: int) -> Member:
    return Member(f"U{n}", f"Member {n}")


@pytest.fixture(scope="session")
def fixture_settings() -> Settings:
    settings = load_settings(env={}, db_path=":memory:")
    return replace(settings, content_path=FIXTURE_CONTENT)


@pytest.fixture(scope="session")
def library(fixture_settings: Settings) -> Library:
    return load_library(fixture_settings)


@pytest.fixture
def clock() -> FixedClock:
    # Monday 2026-11-23 10:00 in Seoul
    return FixedClock(datetime(2026, 11, 23, 1, 0, tzinfo=UTC))


@pytest.fixture
def platform() -> RecordingPlatform:
    return RecordingPlatform()


@pytest.fixture
async def core(
    fixture_settings: Settings, library: Library, clock: FixedClock, platform: RecordingPlatform
) -> AsyncIterator[Core]:
    built = await build_core(
        fixture_settings, platform, library=library, clock=clock, rng=random.Random(7), refresh_seconds=0.0
    )
    yield built
    await built.close()


class Channel:
    """Drives the router as members of one channel would."""

    def __init__(self, core: Core, ref: ChannelRef = CHANNEL) -> None:
        self.core = core
        self.ref = ref

    async def say(self, text: str, who: Member = ADMIN, lang: str = "en") -> Reply:
        name, _, args = text.lstrip("/").partition(" ")
        return await self.core.router.handle(Invocation(self.ref, who, name, args, lang))  # type: ignore[arg-type]

    async def click(self, action: str, value: str, who: Member = ADMIN, lang: str = "en") -> Reply:
        return await self.core.router.press(Press(self.ref, who, action, value, lang))  # type: ignore[arg-type]


@pytest.fixture
def channel(core: Core) -> Channel:
    return Channel(core)


async def posted(store, channel_key: int, day, question_id: str, at: datetime, message_id: str | None = None):
    """A daily post claimed and confirmed as sent, as if the platform had taken it (for tests of what
    follows a post)."""
    from datetime import timedelta

    post = await store.claim_post(channel_key, day, question_id, at, at + timedelta(hours=9))
    record = await store.outbox_get(f"post:{post.id}")
    await store.outbox_lease(record.id, "test", at, at + timedelta(minutes=1))
    await store.outbox_sent(record.id, "test", message_id or f"m-{day}", at)
    return await store.get_post(post.id)
