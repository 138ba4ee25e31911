"""The rule of dependencies (DESIGN.md), checked by import-linter's contracts in pyproject.toml.

The contracts run on the real package, and on copies of it with one violation planted, so a hole in
the contracts (a layer left out, a relative import, a module reached through its package) fails here.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root)}  # the copy's `bot`, not the installed one
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=root, env=env, capture_output=True, text=True, timeout=120
    )


def copy_of_the_package(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "bot", tmp_path / "bot", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_package_keeps_every_contract():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        ("core/cards.py", "from bot import store", "Layers"),
        ("core/cards.py", "from bot.store.sqlite import store", "Layers"),
        ("core/cards.py", "from bot.config import Settings", "Layers"),
        ("core/cards.py", "from ..platforms.slack import render", "Layers"),  # relative, two levels up
        ("core/cards.py", "from bot.schedule import Scheduler", "Layers"),
        ("core/cards.py", "import discord", "The core: no platform SDK"),
        ("core/daily.py", "import sqlite3", "The core: no platform SDK"),
        ("core/models.py", "from bot.core import numbers", "Models and ports"),
        ("platforms/slack/render.py", "from bot.platforms.discord import buttons", "Each platform stands alone"),
        ("platforms/console/render.py", "import aiosqlite", "Platforms never touch"),
        ("schedule.py", "from bot.platforms.discord import run", "Layers"),
        ("store/answers.py", "import discord", "The store"),
        ("app.py", "from bot import cli", "Layers"),
    ],
)
def test_a_planted_violation_breaks_its_contract(tmp_path: Path, module: str, line: str, contract: str):
    root = copy_of_the_package(tmp_path)
    target = root / "bot" / module
    text = target.read_text(encoding="utf-8")
    header, rest = text.split("from __future__ import annotations\n", 1)
    target.write_text(f"{header}from __future__ import annotations\n\n{line}  # noqa\n{rest}", encoding="utf-8")
    result = lint_imports(root)
    assert result.returncode != 0, f"{line!r} in {module} kept every contract"
    broken = [row for row in result.stdout.splitlines() if " BROKEN" in row]
    assert any(row.startswith(contract) for row in broken), result.stdout
