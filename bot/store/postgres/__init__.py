"""The Store on PostgreSQL through asyncpg: many studybot processes, many machines, one database."""

from __future__ import annotations

from bot.store.base import SqlStore
from bot.store.postgres.engine import PostgresEngine, load_migrations

__all__ = ["PostgresStore", "load_migrations"]


class PostgresStore(SqlStore):
    """Open with `await PostgresStore.open("postgresql://user@host:5432/name")`."""

    engine: PostgresEngine

    @classmethod
    async def open(cls, url: str) -> PostgresStore:
        return cls(await PostgresEngine.open(url))
