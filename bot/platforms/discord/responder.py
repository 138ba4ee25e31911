"""Answering interactions within Discord's three seconds.

The router's work runs as a task; if it has a Reply within `defer_after` seconds the Reply is the
interaction's response, otherwise the interaction is deferred first and the Reply follows. A Reply
that opens a form is answered with a modal, which must be the interaction's first response: one that
comes after a deferral gets the form's "press again" text instead.

Refusals are logged by HTTP status and Discord's error code, never by the server's error text: the
URLs here carry the interaction's token, and some servers and proxies echo the URL in that text.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import Any, Protocol

import discord

from bot.core.models import Reply
from bot.platforms.discord.buttons import build_view
from bot.platforms.discord.modals import build_modal
from bot.platforms.discord.render import Page, button_specs, render_pages

log = logging.getLogger(__name__)

Interaction = discord.Interaction[Any]


def _status(exc: discord.HTTPException) -> str:
    """What went wrong, without the server's text (which may echo a URL with the token in it)."""
    return f"HTTP {exc.status}, Discord error code {exc.code}"


def _send_kwargs(page: Page, view: discord.ui.View | None, private: bool) -> dict[str, Any]:
    return {**page.send_kwargs(view), "ephemeral": private}


async def _acknowledged(interaction: Interaction, callback: Awaitable[Any]) -> int | None:
    """Send an interaction callback; the id of the message it made, if Discord said.

    A Discord-compatible server may answer the callback with an empty 204 instead of the JSON that
    `with_response` asks for; discord.py then fails reading it although the interaction was answered.
    """
    try:
        response = await callback
    except (KeyError, TypeError):
        if not interaction.response.is_done():
            raise
        log.info("interaction %s was answered without a readable callback response", interaction.id)
        return None
    return getattr(response, "message_id", None)


class ThreadOpener(Protocol):
    async def open_thread(self, channel_id: int, message_id: int, reply: Reply, guild_id: int | None) -> None:
        """Open a thread under a channel message and post the reply's thread replies in it."""
        ...


class Responder:
    def __init__(self, defer_after: float, threads: ThreadOpener) -> None:
        self.defer_after = defer_after
        self.threads = threads

    async def respond(self, interaction: Interaction, work: Awaitable[Reply], *, private_guess: bool) -> None:
        """Answer `interaction` with the Reply `work` produces; never raises.

        `private_guess` is how to defer when the work is slow: privately for a member's own answers.
        """
        task = asyncio.ensure_future(work)
        try:
            try:
                reply = await asyncio.wait_for(asyncio.shield(task), self.defer_after)
            except TimeoutError:
                await self._deferred(interaction, task, private_guess)
                return
            await self.send(interaction, reply)
        except discord.HTTPException as exc:
            self._log_refusal(interaction, exc)
        except Exception:
            log.exception("could not answer interaction %s", interaction.id)

    async def send(self, interaction: Interaction, reply: Reply) -> None:
        """The reply as the interaction's response; extra pages as follow-ups."""
        if reply.form is not None:
            await _acknowledged(interaction, interaction.response.send_modal(build_modal(reply.form)))
            return
        private = reply.visibility == "private"
        pages = render_pages(reply)
        view = build_view(button_specs(reply.buttons))
        message_id = await _acknowledged(
            interaction, interaction.response.send_message(**_send_kwargs(pages[0], view, private))
        )
        for page in pages[1:]:
            await interaction.followup.send(**_send_kwargs(page, None, private))
        await self._thread(interaction, reply, message_id)

    async def _deferred(self, interaction: Interaction, task: asyncio.Future[Reply], private: bool) -> None:
        try:
            await _acknowledged(interaction, interaction.response.defer(ephemeral=private, thinking=True))
        except discord.HTTPException as exc:
            self._log_refusal(interaction, exc)
            await task  # the work still finishes: an answer is recorded whether or not it is shown
            return
        reply = await task
        try:
            await self._follow(interaction, reply, private)
        except discord.HTTPException as exc:
            log.warning("could not send a follow-up to interaction %s: %s", interaction.id, _status(exc))

    async def _follow(self, interaction: Interaction, reply: Reply, deferred_private: bool) -> None:
        if reply.form is not None:  # too late for a modal
            reply = Reply(body=reply.form.late or reply.body, kind="error")
        private = reply.visibility == "private"
        pages = render_pages(reply)
        view = build_view(button_specs(reply.buttons))
        if private == deferred_private:
            first = _send_kwargs(pages[0], view, private)
            del first["ephemeral"]
            first.setdefault("content", None)
            first.setdefault("embeds", [])
            message: discord.InteractionMessage | discord.WebhookMessage
            message = await interaction.edit_original_response(**first)
        else:  # the "thinking" message shows to the wrong audience: replace it
            await interaction.delete_original_response()
            message = await interaction.followup.send(**_send_kwargs(pages[0], view, private), wait=True)
        for page in pages[1:]:
            await interaction.followup.send(**_send_kwargs(page, None, private))
        await self._thread(interaction, reply, message.id)

    async def _thread(self, interaction: Interaction, reply: Reply, message_id: int | None = None) -> None:
        if not reply.thread:
            return
        if reply.visibility == "private":
            for follow_up in reply.thread:
                for page in render_pages(follow_up):
                    await interaction.followup.send(**_send_kwargs(page, None, True))
            return
        if message_id is None:
            message_id = (await interaction.original_response()).id
        if interaction.channel_id is not None:
            await self.threads.open_thread(interaction.channel_id, message_id, reply, interaction.guild_id)

    def _log_refusal(self, interaction: Interaction, exc: discord.HTTPException) -> None:
        if isinstance(exc, discord.NotFound):
            log.warning(
                "Discord refused the response to interaction %s (%s): it came too late or the "
                "interaction is unknown; the member saw 'interaction failed'",
                interaction.id,
                _status(exc),
            )
        else:
            log.error("could not respond to interaction %s: %s", interaction.id, _status(exc))
