"""`studybot run discord`: sign in, start the schedule, serve the gateway, stop in order.

Stopping (SIGINT/SIGTERM): new interactions are refused with a clear message (nothing stored), the
interactions under way are answered and the scheduled sends under way finish (bounded), the
answered-counts are flushed, and only then are the gateway and the REST session closed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import discord

from bot.core.service import Build
from bot.platforms.discord import endpoints
from bot.platforms.discord.client import StudyClient
from bot.platforms.discord.platform import DiscordPlatform
from bot.platforms.signals import stop_on_signals

log = logging.getLogger(__name__)

INVITE_SCOPES = ("bot", "applications.commands")
DRAIN_SECONDS = 10.0


class StartError(Exception):
    """Discord refused to start the bot; the message says what to fix."""


@dataclass(frozen=True)
class DiscordOptions:
    api_url: str = endpoints.DISCORD_API
    gateway_url: str = endpoints.DISCORD_GATEWAY
    dev_guild: int = 0
    defer_after: float = 1.5
    shard_count: int | None = None
    shard_ids: tuple[int, ...] | None = None

    @classmethod
    def from_table(cls, table: Mapping[str, Any]) -> DiscordOptions:
        """From `[discord]` in the config; StartError names a bad value."""
        try:
            options = cls(
                api_url=str(table.get("api_url") or endpoints.DISCORD_API),
                gateway_url=str(table.get("gateway_url") or endpoints.DISCORD_GATEWAY),
                dev_guild=int(table.get("dev_guild", 0) or 0),
                defer_after=float(table.get("defer_after", 1.5)),
                shard_count=int(table["shard_count"]) if table.get("shard_count") else None,
                shard_ids=tuple(int(i) for i in table["shard_ids"]) if table.get("shard_ids") else None,
            )
            endpoints.check(options.api_url, options.gateway_url)
        except (TypeError, ValueError) as exc:
            raise StartError(f"[discord] has a bad value: {exc}") from None
        if options.shard_ids is not None:
            if options.shard_count is None:
                raise StartError("[discord] shard_ids needs shard_count (the bot's total number of shards)")
            if not all(0 <= i < options.shard_count for i in options.shard_ids):
                raise StartError(f"[discord] shard_ids must be between 0 and {options.shard_count - 1}")
        return options


def invite_permissions() -> discord.Permissions:
    """What the bot needs in its channel: read it, post embeds, open threads for the explanations."""
    return discord.Permissions(
        view_channel=True,
        send_messages=True,
        embed_links=True,
        read_message_history=True,
        create_public_threads=True,
        send_messages_in_threads=True,
    )


def invite_url(client_id: str) -> str:
    if not client_id.isascii() or not client_id.isdigit():
        raise ValueError(f"the application id must be a number, not {client_id[:40]!r}")
    return discord.utils.oauth_url(client_id, permissions=invite_permissions(), scopes=INVITE_SCOPES)


def make_client(service_router: Any, platform: DiscordPlatform, options: DiscordOptions, **extra: Any) -> StudyClient:
    endpoints.point_at(options.api_url, options.gateway_url)
    if options.shard_count is not None:
        extra.setdefault("shard_count", options.shard_count)
    if options.shard_ids is not None:
        extra.setdefault("shard_ids", list(options.shard_ids))
    return StudyClient(
        router=service_router,
        platform=platform,
        dev_guild=options.dev_guild,
        defer_after=options.defer_after,
        **extra,
    )


async def serve_discord(
    token: str, options: DiscordOptions, build: Build, *, stop: asyncio.Event | None = None, **client_options: Any
) -> int:
    """Connect with `token` and serve until SIGINT/SIGTERM or `stop`."""
    stop = stop or stop_on_signals()
    platform = DiscordPlatform()
    service = await build(platform)
    try:
        client = make_client(service.router, platform, options, **client_options)
        async with client:
            try:
                await client.login(token)  # REST is usable from here: setup_hook has run
            except discord.LoginFailure:
                raise StartError("Discord refused DISCORD_TOKEN: check the bot token") from None
            await service.start()  # catch-up may post at once
            await _serve(client, service, stop)
    finally:
        await service.close()
    return 0


async def _serve(client: StudyClient, service: Any, stop: asyncio.Event) -> None:
    connection = asyncio.create_task(client.connect())
    stopping = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait((connection, stopping), return_when=asyncio.FIRST_COMPLETED)
        if stop.is_set():
            log.info("discord: stopping: finishing what is under way")
    finally:
        stopping.cancel()
        try:
            client.refuse_new_work()
            await client.finish_work(DRAIN_SECONDS)
            await service.drain(DRAIN_SECONDS)  # scheduled sends and counts, while REST still works
        finally:
            await client.close()
            await connection  # connect() returns once the client is closed; raises what ended it
