"""The ChatPlatform the core posts through on Discord: daily posts, answered-count edits, reveals, boards.

Sends that may be repeated carry a nonce derived from their outbox key, with `enforce_nonce`, so
Discord answers a repeat with the message it already made. Past Discord's nonce window, `find` looks
for the message among the channel's (or thread's) recent messages: the bot's own message with the
same buttons, or the same title.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from typing import Any, Literal

import discord

from bot.core.models import ChannelRef, MessageRef, Reply
from bot.core.ports import PlatformRefused
from bot.platforms.discord.buttons import build_view
from bot.platforms.discord.render import button_specs, render_pages, render_single, thread_name

log = logging.getLogger(__name__)

THREAD_ARCHIVE_MINUTES: Literal[1440] = 1440  # a day: the explanation stays open for the rest of the study day
FIND_LIMIT = 50  # recent messages looked through for one a cut-short send made
THREAD_EXISTS = 160004  # Discord: "A thread has already been created for this message"
# What the bot needs where it posts on its own (the invite URL asks for these and thread rights).
NEEDED = ("view_channel", "send_messages", "embed_links", "read_message_history")


def _snowflake(text: str, what: str) -> int:
    if not text.isascii() or not text.isdigit():
        raise ValueError(f"{what} {text[:40]!r} is not a Discord id")
    return int(text)


def _guild(channel: ChannelRef) -> int | None:
    return int(channel.team_id) if channel.team_id.isascii() and channel.team_id.isdigit() else None


def nonce_of(channel: ChannelRef, key: str) -> str:
    """Discord's nonce (at most 25 characters) for an outbox key: the same key, the same nonce."""
    return hashlib.sha256(f"{channel.channel_id}:{key}".encode()).hexdigest()[:25]


def refusal(exc: discord.HTTPException) -> PlatformRefused | None:
    """Discord's answers that no retry can change: no access, no permission, no such channel."""
    if isinstance(exc, discord.Forbidden):
        return PlatformRefused("no_permission", f"HTTP {exc.status}, code {exc.code}")
    if isinstance(exc, discord.NotFound) and exc.code in (10003, 10004):  # unknown channel / guild
        return PlatformRefused("channel_not_found", f"HTTP {exc.status}, code {exc.code}")
    return None


class DiscordPlatform:
    """Bound to the client once it exists; usable as soon as the client has logged in."""

    def __init__(self, connect_timeout: float = 60.0) -> None:
        self._client: discord.Client | None = None
        self._ready = asyncio.Event()
        self._connect_timeout = connect_timeout
        self._permissions: dict[str, discord.Permissions] = {}  # the bot's, per channel, as interactions tell

    def bind(self, client: discord.Client) -> None:
        self._client = client

    def mark_ready(self) -> None:
        self._ready.set()

    def saw_permissions(self, channel_id: str, permissions: discord.Permissions) -> None:
        """An interaction in a channel says what the bot may do there (`app_permissions`)."""
        self._permissions[channel_id] = permissions

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

    async def _send(self, target: discord.abc.Messageable, reply: Reply, nonce: str | None = None) -> discord.Message:
        """Every page of the reply; the buttons ride on the first, which is the one edits replace."""
        pages = render_pages(reply)
        first_kwargs: dict[str, Any] = pages[0].send_kwargs(build_view(button_specs(reply.buttons)))
        if nonce is not None:
            first_kwargs["nonce"] = nonce
        try:
            first = await target.send(**first_kwargs)
            for page in pages[1:]:
                await target.send(**page.send_kwargs())
        except discord.HTTPException as exc:
            refused = refusal(exc)
            if refused is not None:
                raise refused from exc
            raise
        return first

    async def post(self, channel: ChannelRef, reply: Reply, *, key: str | None = None) -> MessageRef:
        client = await self._ready_client()
        nonce = nonce_of(channel, key) if key else None
        message = await self._send(self._channel(client, channel), reply, nonce)
        if reply.thread:
            await self.open_thread(message.channel.id, message.id, reply, _guild(channel))
        return MessageRef(channel, str(message.id))

    async def edit(self, message: MessageRef, reply: Reply) -> None:
        client = await self._ready_client()
        target = self._channel(client, message.channel)
        page = render_single(reply)
        # The reveal's buttons (report) replace the answers'; a count edit brings the same custom_ids back.
        view = build_view(button_specs(reply.buttons))
        partial = target.get_partial_message(_snowflake(message.message_id, "message"))
        try:
            await partial.edit(**page.kwargs(), view=view)
        except discord.NotFound:
            if reply.kind == "question":  # a live post (its answered-count) someone deleted: nothing to update
                log.warning("message %s in %s is gone; not updated", message.message_id, target.id)
                return
            # A final version (the reveal) of a deleted post: show it anew rather than lose it.
            log.warning("message %s in %s is gone; posting its final version anew", message.message_id, target.id)
            await self._send(target, reply, nonce_of(message.channel, f"anew:{message.message_id}"))
        except discord.HTTPException as exc:
            refused = refusal(exc)
            if refused is not None:
                raise refused from exc
            raise

    async def post_in_thread(self, parent: MessageRef, reply: Reply, *, key: str) -> MessageRef:
        client = await self._ready_client()
        channel_id, message_id = _snowflake(parent.channel.channel_id, "channel"), int(parent.message_id)
        target, reference = await self._thread_target(client, channel_id, message_id, reply, _guild(parent.channel))
        pages = render_pages(reply)
        kwargs = pages[0].send_kwargs()
        kwargs["nonce"] = nonce_of(parent.channel, key)
        if reference is not None:
            kwargs["reference"] = reference
        first = await target.send(**kwargs)
        for page in pages[1:]:
            await target.send(**page.send_kwargs())
        return MessageRef(parent.channel, str(first.id))

    async def find(
        self, channel: ChannelRef, key: str, reply: Reply, *, parent: MessageRef | None = None
    ) -> str | None:
        client = await self._ready_client()
        where = int(parent.message_id) if parent is not None else _snowflake(channel.channel_id, "channel")
        target = client.get_partial_messageable(where, guild_id=_guild(channel))
        marker = button_specs(reply.buttons)[0].custom_id if reply.buttons else None
        title = render_pages(reply)[0].embeds[0].title if render_pages(reply)[0].embeds else None
        try:
            async for message in target.history(limit=FIND_LIMIT):
                if client.user is None or message.author.id != client.user.id:
                    continue
                ids = {
                    getattr(c, "custom_id", None) for row in message.components for c in getattr(row, "children", ())
                }
                titles = {embed.title for embed in message.embeds}
                if (marker is not None and marker in ids) or (marker is None and title is not None and title in titles):
                    return str(message.id)
        except discord.NotFound:
            return None  # no thread yet, or no channel: the message was never made there
        except discord.HTTPException as exc:
            refused = refusal(exc)
            if refused is not None:
                raise refused from exc
            raise
        return None

    async def send_private(self, channel: ChannelRef, user_id: str, reply: Reply) -> None:
        """Discord has no private message in a channel outside an interaction: a direct message."""
        client = await self._ready_client()
        data = await client.http.start_private_message(_snowflake(user_id, "user"))
        dm = client.get_partial_messageable(int(data["id"]), type=discord.ChannelType.private)
        await self._send(dm, reply)

    async def can_post(self, channel: ChannelRef) -> str | None:
        permissions = self._permissions.get(channel.channel_id)
        if permissions is None:
            return None  # not known here: the send itself will tell
        missing = [name for name in NEEDED if not getattr(permissions, name)]
        return "no_permission" if missing else None

    async def open_thread(self, channel_id: int, message_id: int, reply: Reply, guild_id: int | None) -> None:
        """A thread under the message with the reply's thread replies (an interaction's channel reply).
        Never raises: the message itself is already out."""
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
        """The message's thread (opened now, or the one opened before: it has the message's id); or, when
        none can be opened, the channel with a reply to the message."""
        try:
            data = await client.http.start_thread_with_message(
                channel_id, message_id, name=thread_name(reply), auto_archive_duration=THREAD_ARCHIVE_MINUTES
            )
            thread_id = int(data["id"])
        except discord.HTTPException as exc:
            if exc.code == THREAD_EXISTS:
                thread_id = message_id
            else:
                log.warning(
                    "could not open a thread under message %s in %s (HTTP %s); replying in the channel",
                    message_id,
                    channel_id,
                    exc.status,
                )
                reference = discord.MessageReference(
                    message_id=message_id, channel_id=channel_id, fail_if_not_exists=False
                )
                return client.get_partial_messageable(channel_id, guild_id=guild_id), reference
        except (KeyError, TypeError, ValueError):
            thread_id = message_id
        thread = client.get_partial_messageable(thread_id, guild_id=guild_id, type=discord.ChannelType.public_thread)
        return thread, None
