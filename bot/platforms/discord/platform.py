"""The ChatPlatform the core posts through on Discord: daily posts, answered-count edits, reveals."""

from __future__ import annotations

import asyncio
import logging
from typing import Literal

import discord

from bot.core.models import ChannelRef, MessageRef, Reply
from bot.platforms.discord.buttons import build_view
from bot.platforms.discord.render import button_specs, render_pages, render_single, thread_name

log = logging.getLogger(__name__)

THREAD_ARCHIVE_MINUTES: Literal[1440] = 1440  # a day: the explanation stays open for the rest of the study day


def _snowflake(text: str, what: str) -> int:
    if not text.isdigit():
        raise ValueError(f"{what} {text[:40]!r} is not a Discord id")
    return int(text)


def _guild(channel: ChannelRef) -> int | None:
    return int(channel.team_id) if channel.team_id.isdigit() else None


class DiscordPlatform:
    """Bound to the client once it exists; usable as soon as the client has logged in."""

    def __init__(self, connect_timeout: float = 60.0) -> None:
        self._client: discord.Client | None = None
        self._ready = asyncio.Event()
        self._connect_timeout = connect_timeout

    def bind(self, client: discord.Client) -> None:
        self._client = client

    def mark_ready(self) -> None:
        self._ready.set()

    async def _ready_client(self) -> discord.Client:
        if self._client is None:
            raise RuntimeError("the Discord client has not been created")
        if not self._ready.is_set():
            try:
                await asyncio.wait_for(self._ready.wait(), self._connect_timeout)
            except TimeoutError:
                raise ConnectionError("not logged in to Discord yet") from None
        return self._client

    def _channel(self, client: discord.Client, channel: ChannelRef) -> discord.PartialMessageable:
        return client.get_partial_messageable(_snowflake(channel.channel_id, "channel"), guild_id=_guild(channel))

    async def _send(self, target: discord.abc.Messageable, reply: Reply) -> discord.Message:
        """Every page of the reply; the buttons ride on the first, which is the one edits replace."""
        pages = render_pages(reply)
        first = await target.send(**pages[0].send_kwargs(build_view(button_specs(reply.buttons))))
        for page in pages[1:]:
            await target.send(**page.send_kwargs())
        return first

    async def post(self, channel: ChannelRef, reply: Reply) -> MessageRef:
        client = await self._ready_client()
        message = await self._send(self._channel(client, channel), reply)
        if reply.thread:
            await self.open_thread(message.channel.id, message.id, reply, _guild(channel))
        return MessageRef(channel, str(message.id))

    async def edit(self, message: MessageRef, reply: Reply) -> None:
        client = await self._ready_client()
        target = self._channel(client, message.channel)
        page = render_single(reply)
        # view=None takes the buttons off (the reveal); otherwise the same custom_ids come back.
        view = build_view(button_specs(reply.buttons))
        partial = target.get_partial_message(_snowflake(message.message_id, "message"))
        try:
            await partial.edit(**page.kwargs(), view=view)
        except discord.NotFound:
            if reply.buttons:  # a live post someone deleted: nothing left to update
                log.warning("message %s in %s is gone; not updated", message.message_id, target.id)
                return
            # A final version (the reveal) of a deleted post: show it anew rather than lose it.
            log.warning("message %s in %s is gone; posting its final version anew", message.message_id, target.id)
            await self.post(message.channel, reply)
            return
        if reply.thread:
            await self.open_thread(target.id, int(message.message_id), reply, target.guild_id)

    async def send_private(self, channel: ChannelRef, user_id: str, reply: Reply) -> None:
        """Discord has no private message in a channel outside an interaction: a direct message."""
        client = await self._ready_client()
        data = await client.http.start_private_message(_snowflake(user_id, "user"))
        dm = client.get_partial_messageable(int(data["id"]), type=discord.ChannelType.private)
        await self._send(dm, reply)

    async def open_thread(self, channel_id: int, message_id: int, reply: Reply, guild_id: int | None) -> None:
        """A thread under the message with the reply's thread replies. Never raises: the message
        itself is already out, so a failure here must not make the core undo or repeat it."""
        try:
            client = await self._ready_client()
            target, reference = await self._thread_target(client, channel_id, message_id, reply, guild_id)
            for follow_up in reply.thread:
                for page in render_pages(follow_up):
                    kwargs = page.send_kwargs()
                    if reference is not None:
                        kwargs["reference"] = reference
                    await target.send(**kwargs)
        except Exception:
            log.exception("could not post the thread replies under message %s in %s", message_id, channel_id)

    async def _thread_target(
        self, client: discord.Client, channel_id: int, message_id: int, reply: Reply, guild_id: int | None
    ) -> tuple[discord.PartialMessageable, discord.MessageReference | None]:
        """The new thread; or, when none can be opened, the channel with a reply to the message."""
        try:
            data = await client.http.start_thread_with_message(
                channel_id, message_id, name=thread_name(reply), auto_archive_duration=THREAD_ARCHIVE_MINUTES
            )
            thread_id = int(data["id"])
        except (discord.HTTPException, KeyError, TypeError, ValueError) as exc:
            log.warning(
                "could not open a thread under message %s in %s (%s); replying in the channel",
                message_id,
                channel_id,
                getattr(exc, "status", exc),
            )
            reference = discord.MessageReference(message_id=message_id, channel_id=channel_id, fail_if_not_exists=False)
            return client.get_partial_messageable(channel_id, guild_id=guild_id), reference
        thread = client.get_partial_messageable(thread_id, guild_id=guild_id, type=discord.ChannelType.public_thread)
        return thread, None
