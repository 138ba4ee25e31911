"""A guard around discord.py's INTERACTION_CREATE parser.

discord.py reads an interaction payload with plain `data[...]` lookups inside the gateway loop, so one
payload without, say, `attachment_size_limit` or `member.flags` raises out of the loop and stops the
client. Real Discord always sends them; a Discord-compatible server may not. The guard fills the
fields discord.py insists on but studybot does not need, and if a payload still cannot be read,
logs it and refuses that one interaction instead of letting the whole bot stop.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import discord
from discord.http import Route

log = logging.getLogger(__name__)

Parser = Callable[[dict[str, Any]], None]

APPLICATION_COMMAND, COMPONENT, AUTOCOMPLETE = 2, 3, 4
DEFAULT_ATTACHMENT_LIMIT = 10 * 1024 * 1024
EPHEMERAL = 64
CHANNEL_MESSAGE, AUTOCOMPLETE_RESULT = 4, 8


def fill_defaults(data: dict[str, Any], application_id: int | None) -> None:
    """Supply the fields discord.py requires and studybot ignores; never overwrite what was sent."""
    data.setdefault("version", 1)
    data.setdefault("attachment_size_limit", DEFAULT_ATTACHMENT_LIMIT)
    if application_id is not None:
        data.setdefault("application_id", str(application_id))
    channel_id = data.get("channel_id")
    if not isinstance(data.get("channel"), dict) and str(channel_id or "").isdigit():
        # discord.py reads the channel only from the `channel` object (`channel_id` is its old twin).
        if data.get("guild_id"):
            data["channel"] = {"id": channel_id, "type": 0, "name": "", "position": 0, "guild_id": data["guild_id"]}
        else:
            data["channel"] = {"id": channel_id, "type": 1}
    member = data.get("member")
    if isinstance(member, dict):
        if not isinstance(member.get("user"), dict) and isinstance(data.get("user"), dict):
            member["user"] = data["user"]
        member.setdefault("flags", 0)
        member.setdefault("roles", [])
    inner = data.get("data")
    if not isinstance(inner, dict):
        inner = data["data"] = {}
    if data.get("type") == COMPONENT:
        if not isinstance(inner.get("custom_id"), str):
            inner["custom_id"] = ""
        inner.setdefault("component_type", 2)
    elif data.get("type") in (APPLICATION_COMMAND, AUTOCOMPLETE):
        inner.setdefault("name", "")


class InteractionGuard:
    def __init__(self, client: discord.Client, refusal: Callable[[str | None], str]) -> None:
        self.client = client
        self.refusal = refusal  # locale -> the text telling a member their click could not be read
        self._tasks: set[asyncio.Task[None]] = set()

    def install(self) -> None:
        parsers: dict[str, Parser] = self.client._connection.parsers  # type: ignore[attr-defined]
        original = parsers["INTERACTION_CREATE"]

        def parse(data: dict[str, Any]) -> None:
            if not isinstance(data, dict):
                log.error("ignored an INTERACTION_CREATE that is not an object")
                return
            fill_defaults(data, self.client.application_id)
            try:
                original(data)
            except Exception:
                log.exception("could not read interaction %s; refusing it", str(data.get("id"))[:24])
                task = asyncio.get_running_loop().create_task(self._refuse(data))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)

        parsers["INTERACTION_CREATE"] = parse

    async def _refuse(self, data: dict[str, Any]) -> None:
        interaction_id, token = data.get("id"), data.get("token")
        if not isinstance(token, str) or not str(interaction_id or "").isdigit():
            return
        if data.get("type") == AUTOCOMPLETE:
            body: dict[str, Any] = {"type": AUTOCOMPLETE_RESULT, "data": {"choices": []}}
        else:
            text = self.refusal(data.get("locale") if isinstance(data.get("locale"), str) else None)
            body = {"type": CHANNEL_MESSAGE, "data": {"content": text, "flags": EPHEMERAL}}
        route = Route(
            "POST",
            "/interactions/{interaction_id}/{interaction_token}/callback",
            interaction_id=interaction_id,
            interaction_token=token,
        )
        try:
            await self.client.http.request(route, json=body)
        except discord.HTTPException as exc:
            log.warning("could not refuse unreadable interaction %s: %s", interaction_id, exc.status)
