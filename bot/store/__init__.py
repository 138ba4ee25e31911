"""The Store port's engines, chosen by the database URL: `postgresql://...` is PostgreSQL (asyncpg);
anything else is a SQLite path (`:memory:` included)."""

from __future__ import annotations

from bot.core.ports import Store


def is_postgres(url: str) -> bool:
    return url.startswith(("postgresql://", "postgres://"))


async def open_store(url: str, *, synchronous: str = "FULL") -> Store:
    """Open (and migrate) the store the URL names."""
    if is_postgres(url):
        from bot.store.postgres import PostgresStore

        return await PostgresStore.open(url)
    from bot.store.sqlite import SqliteStore

    return await SqliteStore.open(url, synchronous=synchronous)
