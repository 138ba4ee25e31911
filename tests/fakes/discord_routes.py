"""The REST endpoints of the fake Discord, answering as Discord does."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from tests.fakes.discord_modals import modal_problems

if TYPE_CHECKING:
    from tests.fakes.discord import Call, FakeDiscord

EPHEMERAL = 64
LOADING = 128
# interaction callback types
PONG, MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE, AUTOCOMPLETE_RESULT, MODAL = 1, 4, 5, 6, 7, 8, 9
MODAL_SUBMIT = 5  # an interaction type


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    # discord.py reads JSON only when Content-Type is exactly application/json (no charset).
    return web.Response(
        status=status, body=json.dumps(data).encode(), headers={"Content-Type": "application/json", **(headers or {})}
    )


def error(status: int, code: int, message: str) -> web.Response:
    return json_response({"message": message, "code": code}, status)


def no_content() -> web.Response:
    return web.Response(status=204)


# --- identity and commands ---------------------------------------------------------------------


def me(fake: FakeDiscord, call: Call) -> web.Response:
    return json_response(fake.bot_user)


def application(fake: FakeDiscord, call: Call) -> web.Response:
    return json_response(
        {
            "id": fake.application_id,
            "name": "studybot",
            "description": "",
            "icon": None,
            "bot_public": True,
            "bot_require_code_grant": False,
            "owner": {"id": "1", "username": "owner", "discriminator": "0", "avatar": None, "global_name": None},
            "verify_key": "0" * 64,
            "flags": 0,
            "team": None,
            "summary": "",
        }
    )


def put_commands(fake: FakeDiscord, call: Call, app_id: str, guild_id: str | None = None) -> web.Response:
    if app_id != fake.application_id:
        return error(403, 50001, "Missing Access")
    registered = []
    for command in call.body or []:
        registered.append(
            {
                "id": fake.new_id(),
                "application_id": app_id,
                "version": fake.new_id(),
                "type": command.get("type", 1),
                "guild_id": guild_id,
                "default_member_permissions": command.get("default_member_permissions"),
                "options": command.get("options", []),
                **command,
            }
        )
    fake.commands[guild_id or "global"] = registered
    return json_response(registered)


def put_guild_commands(fake: FakeDiscord, call: Call, app_id: str, guild_id: str) -> web.Response:
    return put_commands(fake, call, app_id, guild_id)


# --- interactions and webhooks -----------------------------------------------------------------


def callback(fake: FakeDiscord, call: Call, interaction_id: str, token: str) -> web.Response:
    interaction = fake.interactions.get(interaction_id)
    if interaction is None or interaction.payload["token"] != token:
        return error(404, 10062, "Unknown interaction")
    if interaction.acknowledged:
        return error(400, 40060, "Interaction has already been acknowledged.")
    body = call.body or {}
    kind, data = body.get("type"), body.get("data") or {}
    payload = interaction.payload
    if kind == MODAL:
        problems = modal_problems(data)
        if payload["type"] in (MODAL_SUBMIT, 4) or problems:  # no modal for a modal's submission or autocomplete
            return error(400, 50035, f"Invalid Form Body: {'; '.join(problems) or 'a modal cannot answer this'}")
        interaction.modal = data
    interaction.acknowledged = True
    message = None
    if kind == MESSAGE:
        message = fake.create_message(payload["channel_id"], data, webhook_id=fake.application_id)
    elif kind == DEFERRED_MESSAGE:
        flags = (int(data.get("flags") or 0) & EPHEMERAL) | LOADING
        message = fake.create_message(payload["channel_id"], {"flags": flags}, webhook_id=fake.application_id)
    elif kind == UPDATE and payload.get("message", {}).get("id") in fake.messages:
        message = fake.edit_message(fake.messages[payload["message"]["id"]], data)
    if message is not None and kind != UPDATE:
        interaction.original = message["id"]
    if fake.bare_callbacks:
        return no_content()
    answer: dict[str, Any] = {
        "interaction": {
            "id": interaction_id,
            "type": payload["type"],
            "response_message_id": message["id"] if message else None,
            "response_message_loading": kind == DEFERRED_MESSAGE,
            "response_message_ephemeral": bool(message and message["flags"] & EPHEMERAL),
        }
    }
    if message is not None:
        answer["resource"] = {"type": kind, "message": message}
    return json_response(answer)


def _interaction_by_token(fake: FakeDiscord, token: str) -> Any:
    return next((i for i in fake.interactions.values() if i.payload["token"] == token), None)


def followup(fake: FakeDiscord, call: Call, app_id: str, token: str) -> web.Response:
    interaction = _interaction_by_token(fake, token)
    if interaction is None or not interaction.acknowledged:
        return error(404, 10015, "Unknown Webhook")
    message = fake.create_message(interaction.payload["channel_id"], call.body or {}, webhook_id=app_id)
    return json_response(message)


def original(fake: FakeDiscord, call: Call, app_id: str, token: str, message_id: str) -> web.Response:
    interaction = _interaction_by_token(fake, token)
    if interaction is None:
        return error(404, 10015, "Unknown Webhook")
    target = interaction.original if message_id == "@original" else message_id
    message = fake.messages.get(target or "")
    if message is None:
        return error(404, 10008, "Unknown Message")
    if call.method == "DELETE":
        del fake.messages[message["id"]]
        return no_content()
    if call.method == "PATCH":
        fake.edit_message(message, call.body or {})
    return json_response(message)


# --- channels ----------------------------------------------------------------------------------


def send(fake: FakeDiscord, call: Call, channel_id: str) -> web.Response:
    body = call.body or {}
    if not (body.get("content") or body.get("embeds")):
        return error(400, 50006, "Cannot send an empty message")
    nonce = body.get("nonce")
    if nonce and body.get("enforce_nonce") and not fake.nonces_forgotten:
        # Discord: a message with the same nonce sent a moment ago is returned, not made again.
        existing = fake.nonces.get((channel_id, str(nonce)))
        if existing is not None:
            return json_response(fake.messages[existing])
    message = fake.create_message(channel_id, body)
    if nonce:
        message["nonce"] = str(nonce)
        fake.nonces[(channel_id, str(nonce))] = message["id"]
    return json_response(message)


def history(fake: FakeDiscord, call: Call, channel_id: str) -> web.Response:
    """A channel's (or a thread's) latest messages, newest first; never their nonces."""
    limit = int(call.query.get("limit", "50"))
    found = [m for m in fake.messages.values() if m["channel_id"] == channel_id]
    found.sort(key=lambda m: int(m["id"]), reverse=True)
    return json_response([{k: v for k, v in m.items() if k != "nonce"} for m in found[:limit]])


def message(fake: FakeDiscord, call: Call, channel_id: str, message_id: str) -> web.Response:
    found = fake.messages.get(message_id)
    if found is None or found["channel_id"] != channel_id:
        return error(404, 10008, "Unknown Message")
    if call.method == "PATCH":
        fake.edit_message(found, call.body or {})
    return json_response(found)


def thread(fake: FakeDiscord, call: Call, channel_id: str, message_id: str) -> web.Response:
    found = fake.messages.get(message_id)
    if found is None or found["channel_id"] != channel_id:
        return error(404, 10008, "Unknown Message")
    if message_id in fake.threads:
        return error(400, 160004, "A thread has already been created for this message")
    body = call.body or {}
    created = {
        "id": message_id,  # Discord gives a message's thread the message's id
        "type": 11,
        "parent_id": channel_id,
        "name": body.get("name", ""),
        "owner_id": fake.bot_id,
        "message_count": 0,
        "member_count": 1,
        "rate_limit_per_user": 0,
        "flags": 0,
        "thread_metadata": {
            "archived": False,
            "auto_archive_duration": body.get("auto_archive_duration", 1440),
            "archive_timestamp": found["timestamp"],
            "locked": False,
        },
    }
    fake.threads[message_id] = created
    return json_response(created, 201)


def dm_channel(fake: FakeDiscord, call: Call) -> web.Response:
    recipient = str((call.body or {}).get("recipient_id"))
    return json_response(
        {
            "id": f"9{recipient}"[:19],
            "type": 1,
            "last_message_id": None,
            "recipients": [{"id": recipient, "username": "member", "discriminator": "0", "avatar": None}],
        }
    )


def gateway_bot(fake: FakeDiscord, call: Call) -> web.Response:
    """Where a sharded client connects (discord.py asks before it opens its shards)."""
    limit = {"total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1}
    return json_response({"url": fake.gateway_url, "shards": 1, "session_start_limit": limit})


Handler = Callable[..., web.Response]
SNOWFLAKE = r"(\d+)"
ROUTES: list[tuple[str, re.Pattern[str], Handler]] = [
    (method, re.compile(path), handler)
    for method, path, handler in [
        ("GET", r"/users/@me", me),
        ("GET", r"/gateway/bot", gateway_bot),
        ("GET", r"/oauth2/applications/@me", application),
        ("PUT", rf"/applications/{SNOWFLAKE}/commands", put_commands),
        ("PUT", rf"/applications/{SNOWFLAKE}/guilds/{SNOWFLAKE}/commands", put_guild_commands),
        ("POST", rf"/interactions/{SNOWFLAKE}/([^/]+)/callback", callback),
        ("POST", rf"/webhooks/{SNOWFLAKE}/([^/]+)", followup),
        ("GET", rf"/webhooks/{SNOWFLAKE}/([^/]+)/messages/(@original|\d+)", original),
        ("PATCH", rf"/webhooks/{SNOWFLAKE}/([^/]+)/messages/(@original|\d+)", original),
        ("DELETE", rf"/webhooks/{SNOWFLAKE}/([^/]+)/messages/(@original|\d+)", original),
        ("POST", rf"/channels/{SNOWFLAKE}/messages", send),
        ("GET", rf"/channels/{SNOWFLAKE}/messages", history),
        ("GET", rf"/channels/{SNOWFLAKE}/messages/{SNOWFLAKE}", message),
        ("PATCH", rf"/channels/{SNOWFLAKE}/messages/{SNOWFLAKE}", message),
        ("POST", rf"/channels/{SNOWFLAKE}/messages/{SNOWFLAKE}/threads", thread),
        ("POST", r"/users/@me/channels", dm_channel),
    ]
]
