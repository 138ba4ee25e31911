"""The Store on SQLite: the shared store logic over the SQLite engine."""

from __future__ import annotations

from pathlib import Path

from bot.store.base import SqlStore
from bot.store.sqlite.engine import SqliteEngine, load_migrations

__all__ = ["SqliteStore", "load_migrations"]


class SqliteStore(SqlStore):
    """Open with `await SqliteStore.open(path)` (a file, or ":memory:"); close with `await store.close()`."""

    engine: SqliteEngine

    @classmethod
    async def open(cls, path: str | Path, *, synchronous: str = "FULL") -> SqliteStore:
        return cls(await SqliteEngine.open(path, synchronous=synchronous))
