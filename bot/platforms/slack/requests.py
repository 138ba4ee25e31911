"""Slack payloads -> what the router needs, tolerating missing fields; and retry detection.

Slash commands arrive as form fields (command, text, user_id, user_name, channel_id, team_id,
response_url, trigger_id); button clicks as a `block_actions` payload; mentions as an event; a modal's
submission as a `view_submission` payload (bot/platforms/slack/modals.py).
"""

from __future__ import annotations

import re
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.platforms.slack.render import action_name

_LEADING_MENTION = re.compile(r"^\s*<@[A-Z0-9]+(?:\|[^>]*)?>")
_MENTION = re.compile(r"<@([A-Z0-9]+)(?:\|[^>]*)?>")


def mentions_as_ids(text: str) -> str:
    """Slack's escaped mentions (`<@U123|minseo>`) as the user ids the core looks members up by."""
    return _MENTION.sub(r"\1", text)


@dataclass(frozen=True, slots=True)
class Origin:
    """Who acted where, and where a private answer can go."""

    user_id: str
    user_name: str
    channel_id: str
    team_id: str
    response_url: str | None


@dataclass(frozen=True, slots=True)
class CommandRequest:
    origin: Origin
    name: str
    text: str


@dataclass(frozen=True, slots=True)
class ActionRequest:
    origin: Origin
    action: str
    value: str
    trigger_id: str = ""  # opens a modal within three seconds of the click


@dataclass(frozen=True, slots=True)
class Incomplete:
    """A payload missing what the bot needs; `origin` holds what could be read, for the refusal."""

    missing: tuple[str, ...]
    origin: Origin


def text_field(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def object_field(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def url_field(value: Any) -> str | None:
    text = text_field(value)
    return text if text.startswith(("https://", "http://")) else None


def _check(origin: Origin, required: dict[str, str]) -> Incomplete | None:
    missing = tuple(name for name, value in required.items() if not value)
    return Incomplete(missing, origin) if missing else None


def parse_command(body: Mapping[str, Any], team_fallback: str = "") -> CommandRequest | Incomplete:
    origin = Origin(
        user_id=text_field(body.get("user_id")),
        user_name=text_field(body.get("user_name")),
        channel_id=text_field(body.get("channel_id")),
        team_id=text_field(body.get("team_id")) or team_fallback,
        response_url=url_field(body.get("response_url")),
    )
    command = text_field(body.get("command"))
    incomplete = _check(
        origin, {"command": command.lstrip("/"), "user_id": origin.user_id, "channel_id": origin.channel_id}
    )
    if incomplete:
        return incomplete
    text = body.get("text")
    return CommandRequest(origin, command.lstrip("/"), mentions_as_ids(text) if isinstance(text, str) else "")


def _first_action(body: Mapping[str, Any]) -> Mapping[str, Any]:
    actions = body.get("actions")
    if isinstance(actions, list) and actions:
        return object_field(actions[0])
    return {}


def _action_value(action: Mapping[str, Any]) -> str:
    value = action.get("value")
    if isinstance(value, str):
        return value
    selected = object_field(action.get("selected_option")).get("value")  # a select menu, should one appear
    return selected if isinstance(selected, str) else ""


def parse_action(body: Mapping[str, Any], team_fallback: str = "") -> ActionRequest | Incomplete:
    user = object_field(body.get("user"))
    container = object_field(body.get("container"))
    origin = Origin(
        user_id=text_field(user.get("id")),
        user_name=text_field(user.get("username")) or text_field(user.get("name")),
        channel_id=text_field(object_field(body.get("channel")).get("id")) or text_field(container.get("channel_id")),
        team_id=text_field(object_field(body.get("team")).get("id"))
        or text_field(user.get("team_id"))
        or team_fallback,
        response_url=url_field(body.get("response_url")),
    )
    action = _first_action(body)
    action_id = text_field(action.get("action_id"))
    incomplete = _check(origin, {"actions": action_id, "user.id": origin.user_id, "channel.id": origin.channel_id})
    if incomplete:
        return incomplete
    trigger = text_field(body.get("trigger_id"))
    return ActionRequest(origin, action_name(action_id), _action_value(action), trigger)


def unescape(text: str) -> str:
    """Slack's escaping of message text undone; &amp; last, so "&amp;lt;" stays the text "&lt;"."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def parse_mention(body: Mapping[str, Any], team_fallback: str = "") -> CommandRequest | Incomplete:
    """`@studybot aws efs` is `/aws efs`; a bare mention is `/studybot help`.

    Only the leading mention (the bot's) is dropped: `@studybot stats @minseo` asks for Minseo's stats.
    """
    event = object_field(body.get("event"))
    origin = Origin(
        user_id=text_field(event.get("user")),
        user_name="",
        channel_id=text_field(event.get("channel")),
        team_id=text_field(body.get("team_id")) or text_field(event.get("team")) or team_fallback,
        response_url=None,
    )
    incomplete = _check(origin, {"event.user": origin.user_id, "event.channel": origin.channel_id})
    if incomplete:
        return incomplete
    words = unescape(_LEADING_MENTION.sub(" ", text_field(event.get("text")), count=1)).split(maxsplit=1)
    if not words:
        return CommandRequest(origin, "studybot", "help")
    return CommandRequest(origin, words[0].lstrip("/"), mentions_as_ids(words[1]) if len(words) > 1 else "")


# Top-level parts that Slack always sends as objects (or null); bolt reads them with .get().
_OBJECTS = ("event", "user", "channel", "team", "container", "enterprise", "message", "view")


def well_formed(body: object) -> bool:
    """A payload bolt can read at all: an object whose nested parts are objects where Slack's are."""
    if not isinstance(body, Mapping):
        return False
    return all(body.get(key) is None or isinstance(body.get(key), Mapping) for key in _OBJECTS)


def event_key(body: Mapping[str, Any]) -> str | None:
    """The same for an event and Slack's retries of it; None for what is not an event."""
    event_id = text_field(body.get("event_id"))
    return f"event:{event_id}" if event_id else None


class RecentRequests:
    """Keys of requests seen in the last `ttl` seconds (Slack retries within about five minutes)."""

    def __init__(self, ttl: float = 900.0, size: int = 20_000, now: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.size = size
        self.now = now
        self._seen: OrderedDict[str, float] = OrderedDict()

    def first_time(self, key: str) -> bool:
        """Record `key`; True when it was not seen within the window."""
        now = self.now()
        while self._seen and (len(self._seen) >= self.size or now - next(iter(self._seen.values())) > self.ttl):
            self._seen.popitem(last=False)
        seen = key in self._seen
        self._seen[key] = now
        self._seen.move_to_end(key)
        return not seen

    def __len__(self) -> int:
        return len(self._seen)
