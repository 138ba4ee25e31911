"""The rule of dependencies (DESIGN.md): each layer imports only what is below it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parents[2] / "bot"
SDKS = {"discord", "slack_bolt", "slack_sdk", "apscheduler", "aiosqlite", "sqlite3", "aiohttp"}


def imported_roots(path: Path) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module)
    return roots


def modules(folder: str) -> list[Path]:
    return sorted((BOT / folder).glob("*.py"))


@pytest.mark.parametrize("path", modules("core"), ids=lambda p: p.name)
def test_core_imports_no_platform_sdk_scheduler_or_database(path: Path):
    bad = {name for name in imported_roots(path) if name.split(".")[0] in SDKS}
    bad |= {name for name in imported_roots(path) if name.startswith(("bot.store", "bot.platforms", "bot.schedule"))}
    assert not bad, f"{path.name} imports {sorted(bad)}"


@pytest.mark.parametrize("path", modules("platforms"), ids=lambda p: p.name)
def test_platforms_never_touch_the_store_or_the_scheduler(path: Path):
    bad = {name for name in imported_roots(path) if name.startswith(("bot.store", "bot.schedule", "aiosqlite"))}
    assert not bad, f"{path.name} imports {sorted(bad)}"


@pytest.mark.parametrize("path", modules("store"), ids=lambda p: p.name)
def test_the_store_imports_no_platform_or_scheduler(path: Path):
    bad = {name for name in imported_roots(path) if name.split(".")[0] in SDKS - {"aiosqlite", "sqlite3"}}
    bad |= {name for name in imported_roots(path) if name.startswith(("bot.platforms", "bot.schedule"))}
    assert not bad, f"{path.name} imports {sorted(bad)}"


def test_the_schedule_talks_to_platforms_only_through_the_port():
    bad = {
        name for name in imported_roots(BOT / "schedule.py") if name.startswith(("bot.platforms", "discord", "slack"))
    }
    assert not bad
