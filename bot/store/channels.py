"""Channels (settings, and a version that tells other processes of a change) and members' names."""

from __future__ import annotations

from dataclasses import replace
from time import monotonic

from bot.core.models import ChannelRef, ChannelSettings
from bot.store.engine import BatchGroup, Engine, Tx
from bot.store.rows import settings_from_row, settings_to_json

CHANNEL_CACHE_SECONDS = 5.0  # a change made by another process is seen by clicks here within this


async def _remember_all(tx: Tx, items: list[tuple[str, str, str]]) -> list[None]:
    """Members' names: blind upserts, one statement for a whole burst."""
    await tx.executemany(
        """
        INSERT INTO users (platform, user_id, name) VALUES (?, ?, ?)
        ON CONFLICT (platform, user_id) DO UPDATE SET name = excluded.name WHERE users.name != excluded.name
        """,
        items,
    )
    return [None] * len(items)


REMEMBER = BatchGroup("remember", _remember_all)


class Channels:
    engine: Engine

    def _init_channels(self) -> None:
        # The click path reads the channel on every click: a short cache keeps a burst off the database.
        self._channels: dict[tuple[str, str], tuple[float, ChannelSettings]] = {}

    async def get_channel(self, ref: ChannelRef) -> ChannelSettings | None:
        key = (ref.platform, ref.channel_id)
        cached = self._channels.get(key)
        if cached is not None and cached[0] > monotonic():
            return cached[1]
        rows = await self.engine.read(
            "SELECT * FROM channels WHERE platform = ? AND channel_id = ?", (ref.platform, ref.channel_id)
        )
        if not rows:
            return None
        settings = settings_from_row(rows[0])
        self._channels[key] = (monotonic() + CHANNEL_CACHE_SECONDS, settings)
        return settings

    async def save_channel(self, settings: ChannelSettings) -> ChannelSettings:
        self._channels.pop((settings.platform, settings.channel_id), None)

        async def save(tx: Tx) -> int:
            # The counter's row lock orders concurrent saves, so versions commit in the order they are taken.
            rows = await tx.fetch(
                "UPDATE counters SET value = value + 1 WHERE name = 'channel_version' RETURNING value"
            )
            version = rows[0][0]
            rows = await tx.fetch(
                """
                INSERT INTO channels (platform, team_id, channel_id, settings, active, version)
                VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (platform, channel_id) DO UPDATE SET team_id = excluded.team_id,
                    settings = excluded.settings, active = excluded.active, version = excluded.version
                RETURNING id
                """,
                (
                    settings.platform,
                    settings.team_id,
                    settings.channel_id,
                    settings_to_json(settings),
                    int(settings.active),
                    int(version),
                ),
            )
            return int(rows[0][0])

        saved = replace(settings, id=await self.engine.write(save))
        self._channels.pop((settings.platform, settings.channel_id), None)
        return saved

    async def active_channels(self) -> list[ChannelSettings]:
        rows = await self.engine.read("SELECT * FROM channels WHERE active = 1 ORDER BY id")
        return [settings_from_row(r) for r in rows]

    async def channels_changed(self, since: int) -> tuple[list[ChannelSettings], int]:
        rows = await self.engine.read("SELECT * FROM channels WHERE version > ? ORDER BY version", (since,))
        newest = max((int(r["version"]) for r in rows), default=since)
        for row in rows:
            self._channels.pop((row["platform"], row["channel_id"]), None)
        return [settings_from_row(r) for r in rows], newest

    async def remember_member(self, platform: str, user_id: str, name: str) -> None:
        await self.engine.write_in(REMEMBER, (platform, user_id, name))

    async def find_member(self, platform: str, text: str) -> tuple[str, str] | None:
        rows = await self.engine.read(
            "SELECT user_id, name FROM users WHERE platform = ? AND (user_id = ? OR lower(name) = lower(?)) "
            "ORDER BY CASE WHEN user_id = ? THEN 0 ELSE 1 END LIMIT 1",
            (platform, text, text, text),
        )
        return (rows[0][0], rows[0][1]) if rows else None
