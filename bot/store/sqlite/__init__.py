"""The Store on SQLite through aiosqlite: the embedded default (a file, or `:memory:`)."""

from bot.store.sqlite.store import SqliteStore

__all__ = ["SqliteStore"]
