"""One contract for every Store engine: each test runs on SQLite (in memory and on a file) and on a real
PostgreSQL server when STUDYBOT_TEST_POSTGRES names one (`scripts/with-postgres CMD` runs CMD beside a
throwaway server; .ci/run always does, and STUDYBOT_REQUIRE_POSTGRES=1 makes its absence a failure)."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from urllib.parse import urlsplit, urlunsplit

import pytest

from bot.core.ports import Store
from bot.store import open_store

ENGINES = ("sqlite-memory", "sqlite-file", "postgres")
Opener = Callable[[], Awaitable[Store]]


def postgres_base() -> str | None:
    url = os.environ.get("STUDYBOT_TEST_POSTGRES", "").strip()
    if not url and os.environ.get("STUDYBOT_REQUIRE_POSTGRES") == "1":
        pytest.fail("STUDYBOT_REQUIRE_POSTGRES=1 but STUDYBOT_TEST_POSTGRES names no server")
    return url or None


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


@pytest.fixture
async def database(request: pytest.FixtureRequest, tmp_path) -> AsyncIterator[str]:  # type: ignore[no-untyped-def]
    """A new, empty database of the engine this test runs on, as the URL `open_store` takes."""
    engine = request.param
    if engine == "sqlite-memory":
        yield ":memory:"
    elif engine == "sqlite-file":
        yield str(tmp_path / "contract.db")
    else:
        base = postgres_base()
        if base is None:
            pytest.skip("no PostgreSQL server: set STUDYBOT_TEST_POSTGRES (scripts/with-postgres)")
        import asyncpg

        name = f"sb_{uuid.uuid4().hex[:12]}"
        admin = await asyncpg.connect(base)
        try:
            await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
        finally:
            await admin.close()
        yield with_database(base, name)
        admin = await asyncpg.connect(base)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "database" in metafunc.fixturenames:
        # A second store on `:memory:` would be another database: tests of two stores need a shared one.
        shared = "opener" in metafunc.fixturenames
        engines = [e for e in ENGINES if not (shared and e == "sqlite-memory")]
        metafunc.parametrize("database", engines, indirect=True)


@pytest.fixture
async def store(database: str) -> AsyncIterator[Store]:
    opened = await open_store(database)
    yield opened
    await opened.close()


@pytest.fixture
def opener(database: str) -> Opener:
    """Opens another store on the same database: a second process, or a restart."""
    return lambda: open_store(database)
