"""Interaction payloads as Discord sends them over the gateway (INTERACTION_CREATE)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.fakes.discord import FakeDiscord, now_iso
from tests.fakes.discord_modals import filled_in

GUILD = "1200000000000000001"
CHANNEL = "1200000000000000002"
OTHER_CHANNEL = "1200000000000000003"

# permission bits
VIEW_CHANNEL, SEND_MESSAGES, READ_HISTORY, USE_COMMANDS = 1 << 10, 1 << 11, 1 << 16, 1 << 31
MANAGE_GUILD = 1 << 5
MEMBER_PERMISSIONS = VIEW_CHANNEL | SEND_MESSAGES | READ_HISTORY | USE_COMMANDS
EMBED_LINKS, CREATE_PUBLIC_THREADS, SEND_IN_THREADS = 1 << 14, 1 << 35, 1 << 38
# What the invite URL grants the bot (`studybot discord invite-url`).
BOT_PERMISSIONS = MEMBER_PERMISSIONS | EMBED_LINKS | CREATE_PUBLIC_THREADS | SEND_IN_THREADS
ADMIN_PERMISSIONS = MEMBER_PERMISSIONS | MANAGE_GUILD

STRING, SUB_COMMAND = 3, 1
APPLICATION_COMMAND, COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 2, 3, 4, 5


def user(n: int) -> dict[str, Any]:
    return {
        "id": str(1000 + n),
        "username": f"member{n}",
        "discriminator": "0",
        "global_name": f"Member {n}",
        "avatar": None,
    }


@dataclass
class Payloads:
    fake: FakeDiscord
    guild_id: str = GUILD
    channel_id: str = CHANNEL
    locale: str = "en-US"
    bot_permissions: int = BOT_PERMISSIONS

    def _base(self, kind: int, who: int, admin: bool, data: dict[str, Any], channel_id: str | None) -> dict[str, Any]:
        interaction_id = self.fake.new_id()
        channel = channel_id or self.channel_id
        return {
            "id": interaction_id,
            "application_id": self.fake.application_id,
            "type": kind,
            "token": f"interaction-token-{interaction_id}",
            "version": 1,
            "guild_id": self.guild_id,
            "guild": {"id": self.guild_id, "locale": "en-US", "features": []},
            "channel_id": channel,
            "channel": {
                "id": channel,
                "type": 0,
                "guild_id": self.guild_id,
                "name": "aws-study",
                "position": 0,
                "permission_overwrites": [],
                "nsfw": False,
                "parent_id": None,
                "topic": None,
                "rate_limit_per_user": 0,
                "flags": 0,
            },
            "member": {
                "user": user(who),
                "roles": [],
                "joined_at": now_iso(),
                "deaf": False,
                "mute": False,
                "flags": 0,
                "pending": False,
                "nick": None,
                "avatar": None,
                "premium_since": None,
                "permissions": str(ADMIN_PERMISSIONS if admin else MEMBER_PERMISSIONS),
            },
            "locale": self.locale,
            "guild_locale": "en-US",
            "app_permissions": str(self.bot_permissions),
            "entitlements": [],
            "authorizing_integration_owners": {"0": self.guild_id},
            "context": 0,
            "attachment_size_limit": 26214400,
            "data": data,
        }

    def _command_id(self, name: str) -> str:
        for scope in self.fake.commands.values():
            for command in scope:
                if command["name"] == name:
                    return command["id"]
        return "1"

    def slash(
        self,
        name: str,
        options: dict[str, object] | None = None,
        *,
        sub: str | None = None,
        who: int = 1,
        admin: bool = False,
        channel_id: str | None = None,
    ) -> dict[str, Any]:
        """`/name [sub] option:value ...` as typed in the channel."""
        values = [{"name": k, "type": STRING, "value": v} for k, v in (options or {}).items()]
        if sub is not None:
            values = [{"name": sub, "type": SUB_COMMAND, "options": values}]
        data = {"id": self._command_id(name), "name": name, "type": 1, "options": values}
        return self._base(APPLICATION_COMMAND, who, admin, data, channel_id)

    def autocomplete(
        self, name: str, option: str, typed: object, *, sub: str | None = None, who: int = 1, admin: bool = False
    ) -> dict[str, Any]:
        """A member typing `typed` into `option` of `/name [sub]`: Discord asks for suggestions."""
        values: list[dict[str, Any]] = [{"name": option, "type": STRING, "value": typed, "focused": True}]
        if sub is not None:
            values = [{"name": sub, "type": SUB_COMMAND, "options": values}]
        data = {"id": self._command_id(name), "name": name, "type": 1, "options": values}
        return self._base(AUTOCOMPLETE, who, admin, data, None)

    def click(
        self,
        message: dict[str, Any],
        custom_id: str,
        *,
        who: int = 1,
        admin: bool = False,
        channel_id: str | None = None,
    ) -> dict[str, Any]:
        data = {"custom_id": custom_id, "component_type": 2}
        payload = self._base(COMPONENT, who, admin, data, channel_id or message["channel_id"])
        payload["message"] = message
        return payload

    def modal_submit(
        self, modal: dict[str, Any], *, who: int = 1, channel_id: str | None = None, **entered: str | None
    ) -> dict[str, Any]:
        """`who` submits `modal` (as the bot sent it) with `entered` in its fields."""
        data = {"custom_id": modal["custom_id"], "components": filled_in(modal, entered)}
        return self._base(MODAL_SUBMIT, who, False, data, channel_id)


def custom_ids(message: dict[str, Any]) -> list[str]:
    return [c["custom_id"] for row in message.get("components", []) for c in row.get("components", [])]


def ephemeral(call_body: dict[str, Any]) -> bool:
    return bool((call_body.get("data") or {}).get("flags", 0) & 64)
