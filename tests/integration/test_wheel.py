"""The wheel runs anywhere: built from this checkout, installed (not editable) into a fresh virtual
environment, and started from another directory, it finds its bank and default config inside itself.

Nothing is downloaded: the wheel is built with the hatchling of the test environment, and the fresh
environment sees the test environment's dependencies through a plain path line (a `.pth` entry that is
a directory is added to sys.path, but the `.pth` files inside it, such as the editable install's, are
not processed), so `bot` can only come from the wheel.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="venv layout differs on Windows")


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bin folder of a fresh virtual environment with only the wheel installed into it."""
    folder = tmp_path_factory.mktemp("wheel")
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-build-isolation", "--no-deps", "-q", str(ROOT), "-w", str(folder)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr
    [wheel] = folder.glob("studybot-*.whl")
    env_dir = folder / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    install = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps", "--no-index", str(wheel)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert install.returncode == 0, install.stderr
    (Path(site) / "studybot-test-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    return env_dir / "bin"


def run(bin_dir: Path, cwd: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STUDYBOT_", "PYTHON"))}
    return subprocess.run(
        [str(bin_dir / "studybot"), *args], cwd=cwd, env=env, input=stdin, capture_output=True, text=True, timeout=60
    )


def test_the_installed_package_is_the_wheel_not_the_checkout(installed: Path, tmp_path: Path):
    found = subprocess.run(
        [str(installed / "python"), "-c", "import bot; print(bot.__file__)"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert found.stdout.startswith(str(installed.parent)), found.stdout + found.stderr


def test_version_from_another_directory(installed: Path, tmp_path: Path):
    result = run(installed, tmp_path, "--version")
    assert result.returncode == 0 and result.stdout.startswith("studybot "), result.stderr


def test_the_console_answers_from_the_shipped_bank_in_another_directory(installed: Path, tmp_path: Path):
    result = run(installed, tmp_path, "console", "--db", str(tmp_path / "bot.db"), stdin="/aws efs\n/quit\n")
    assert result.returncode == 0, result.stderr
    assert "Amazon EFS" in result.stdout
    assert (tmp_path / "bot.db").exists()


def test_the_shipped_bank_passes_its_check(installed: Path, tmp_path: Path):
    result = run(installed, tmp_path, "content", "check")
    assert result.returncode == 0, result.stdout + result.stderr
