"""Slack's side of the requests to the bot: signed slash commands, clicks and events, as Slack sends them
to /slack/events; and helpers to read the blocks of what the bot sent."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import aiohttp

from tests.fakes.slack import BOT_USER, TEAM, FakeSlack, Message


def sign(secret: str, timestamp: str, body: str) -> str:
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


@dataclass
class Sent:
    status: int
    text: str

    def json(self) -> dict[str, Any]:
        return json.loads(self.text) if self.text else {}


class SlackDriver:
    """Sends correctly signed requests to the bot's /slack/events, as Slack would."""

    def __init__(self, url: str, secret: str, fake: FakeSlack) -> None:
        self.url = url
        self.secret = secret
        self.fake = fake
        self._ids = itertools.count(1)

    async def send(
        self,
        body: str,
        content_type: str,
        *,
        timestamp: int | None = None,
        signature: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Sent:
        ts = str(int(time.time()) if timestamp is None else timestamp)
        all_headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": signature or sign(self.secret, ts, body),
            **(headers or {}),
        }
        async with aiohttp.ClientSession() as session, session.post(self.url, data=body, headers=all_headers) as resp:
            return Sent(resp.status, await resp.text())

    def command_body(self, text: str, user: str, channel: str = "C1", key: str | None = None) -> str:
        name, _, args = text.partition(" ")
        n = next(self._ids)
        fields = {
            "token": "verification-token",
            "team_id": TEAM,
            "team_domain": "test",
            "channel_id": channel,
            "channel_name": "study",
            "user_id": user,
            "user_name": self.fake.users.get(user, {}).get("name", user.lower()),
            "command": name,
            "text": args,
            "api_app_id": "A1",
            "is_enterprise_install": "false",
            "response_url": self.fake.response_url(key or f"cmd{n}"),
            "trigger_id": f"{n}.{n}.trigger",
        }
        return urlencode(fields)

    async def command(self, text: str, user: str, channel: str = "C1", key: str | None = None, **kw: Any) -> Sent:
        """`text` as typed: "/aws efs"; the reply to the response_url is recorded under `key`."""
        body = self.command_body(text, user, channel, key)
        return await self.send(body, "application/x-www-form-urlencoded", **kw)

    def click_payload(
        self, message: Message, action_id: str, user: str, key: str | None = None, ephemeral: bool = False
    ) -> dict[str, Any]:
        """A block_actions payload for the button `action_id` of `message` (its value comes from the blocks)."""
        element = find_button(message.blocks, action_id)
        n = next(self._ids)
        name = self.fake.users.get(user, {}).get("name", user.lower())
        return {
            "type": "block_actions",
            "user": {"id": user, "username": name, "name": name, "team_id": TEAM},
            "api_app_id": "A1",
            "token": "verification-token",
            "container": {
                "type": "message",
                "message_ts": message.ts,
                "channel_id": message.channel,
                "is_ephemeral": ephemeral,
            },
            "trigger_id": f"{n}.{n}.trigger",
            "team": {"id": TEAM, "domain": "test"},
            "channel": {"id": message.channel, "name": "study"},
            "message": {"type": "message", "ts": message.ts, "text": message.text, "blocks": message.blocks},
            "response_url": self.fake.response_url(key or f"click{n}"),
            "actions": [
                {
                    "action_id": action_id,
                    "block_id": element["_block_id"],
                    "text": element["text"],
                    "value": element["value"],
                    "type": "button",
                    "action_ts": f"{time.time() + n:.6f}",
                }
            ],
        }

    async def send_payload(self, payload: dict[str, Any], **kw: Any) -> Sent:
        body = urlencode({"payload": json.dumps(payload)})
        return await self.send(body, "application/x-www-form-urlencoded", **kw)

    async def click(self, message: Message, action_id: str, user: str, key: str | None = None, **kw: Any) -> Sent:
        return await self.send_payload(self.click_payload(message, action_id, user, key), **kw)

    async def event(self, event: dict[str, Any], event_id: str, **kw: Any) -> Sent:
        body = {
            "token": "verification-token",
            "team_id": TEAM,
            "api_app_id": "A1",
            "event": event,
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()),
            "authorizations": [{"team_id": TEAM, "user_id": BOT_USER, "is_bot": True}],
        }
        return await self.send(json.dumps(body), "application/json", **kw)


def find_button(blocks: list[dict[str, Any]], action_id: str) -> dict[str, Any]:
    for block in blocks:
        for element in block.get("elements", []):
            if element.get("action_id") == action_id:
                return {**element, "_block_id": block.get("block_id", "")}
    raise AssertionError(f"no button {action_id!r} in {json.dumps(blocks)[:400]}")


def as_message(response: dict[str, Any], channel: str = "C1", ts: str = "0.0") -> Message:
    """An ephemeral reply (a response_url body) as a message the driver can click on."""
    return Message(channel, ts, response.get("text", ""), response.get("blocks", []))


def buttons(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for b in blocks if b.get("type") == "actions" for e in b["elements"]]


def text_of(blocks: list[dict[str, Any]]) -> str:
    """Every text a member reads in the blocks, joined by newlines."""
    parts: list[str] = []
    for block in blocks:
        if "text" in block:
            parts.append(block["text"]["text"])
        parts.extend(f["text"] for f in block.get("fields", []))
        parts.extend(e["text"] for e in block.get("elements", []) if e.get("type") == "mrkdwn")
        parts.extend(e["text"]["text"] for e in block.get("elements", []) if e.get("type") == "button")
    return "\n".join(parts)
