from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest

from bot.app import Library
from bot.config import Settings
from tests.contract.conftest import database  # noqa: F401  (a new database of a given engine, PostgreSQL included)
from tests.fakes.bots import Bots
from tests.integration.discord_harness import (  # noqa: F401
    discord_bot,
    discord_endpoints,
    english_discord_bot,
    fake_discord,
)
from tests.integration.slack_harness import fake, slack  # noqa: F401


@pytest.fixture
async def bots(fixture_settings: Settings, library: Library, tmp_path: Path) -> AsyncIterator[Bots]:
    made = Bots(replace(fixture_settings, db_path=str(tmp_path / "studybot.db")), library)
    yield made
    for bot in list(made.running):
        await made.stop(bot)
