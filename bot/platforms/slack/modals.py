"""A core Form as a Slack modal (views.open), and a `view_submission` payload back as what the router needs.

The modal's `callback_id` is `<action>:<value>` (as a button's id and value); its `private_metadata`
carries where the button was clicked (the channel, and the click's response_url) because a
view_submission names neither. Each field is an input block whose block_id and action_id are the
field's name: a `static_select` for a choice, a `plain_text_input` for a line of text.
Limits (docs.slack.dev/reference/surfaces/views, .../block-kit/block-elements): title, submit and close
24 characters, 100 options of 75 characters, placeholders 150, labels 2000, private_metadata 3000.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.core.models import Form, FormField
from bot.platforms.slack.render import Block, clip, context_block, plain
from bot.platforms.slack.requests import Incomplete, Origin, object_field, text_field, url_field

TITLE = 24
OPTIONS = 100
OPTION_TEXT = 75
OPTION_VALUE = 150
PLACEHOLDER = 150
LABEL = 2000
TEXT_INPUT = 3000  # the most a plain_text_input may be allowed to take
CALLBACK_ID = 255
ERROR_TEXT = 300  # an error shown under a field


@dataclass(frozen=True, slots=True)
class SubmissionRequest:
    origin: Origin
    action: str
    value: str
    values: dict[str, str]


def _plain(value: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": clip(plain(value).strip() or "…", limit), "emoji": True}


def _element(field: FormField) -> Block:
    element: Block = {"action_id": field.name}
    if field.placeholder:
        element["placeholder"] = _plain(field.placeholder, PLACEHOLDER)
    if field.kind == "choice":
        element["type"] = "static_select"
        element["options"] = [
            {"text": _plain(choice.label, OPTION_TEXT), "value": choice.value[:OPTION_VALUE]}
            for choice in field.choices[:OPTIONS]
        ]
    else:
        element["type"] = "plain_text_input"
        if field.max_length:
            element["max_length"] = min(field.max_length, TEXT_INPUT)
    return element


def modal_view(form: Form, channel_id: str, response_url: str | None) -> Block:
    """The modal for `form`, opened from a click in `channel_id`."""
    blocks: list[Block] = [context_block(form.intro)] if form.intro.strip() else []
    for field in form.fields:
        blocks.append(
            {
                "type": "input",
                "block_id": field.name,
                "label": _plain(field.label, LABEL),
                "optional": not field.required,
                "element": _element(field),
            }
        )
    metadata = {"channel": channel_id, "response_url": response_url or ""}
    return {
        "type": "modal",
        "callback_id": clip(f"{form.action}:{form.value}", CALLBACK_ID),
        "private_metadata": json.dumps(metadata, separators=(",", ":")),
        "title": _plain(form.title, TITLE),
        "submit": _plain(form.submit, TITLE),
        "blocks": blocks,
    }


def field_errors(name: str, message: str) -> dict[str, str]:
    """`response_action: errors`: the message under the field (its block) it is about."""
    return {name: clip(message, ERROR_TEXT)}


def _entered(state: Mapping[str, Any]) -> dict[str, str]:
    """What was entered in each input block: a choice's value, the text typed ("" for nothing)."""
    values: dict[str, str] = {}
    for block_id, actions in object_field(state.get("values")).items():
        for element in object_field(actions).values():
            element = object_field(element)
            if element.get("type") == "static_select":
                chosen = object_field(element.get("selected_option")).get("value")
            else:
                chosen = element.get("value")
            values[str(block_id)] = chosen if isinstance(chosen, str) else ""
    return values


def parse_submission(body: Mapping[str, Any], team_fallback: str = "") -> SubmissionRequest | Incomplete:
    user, view = object_field(body.get("user")), object_field(body.get("view"))
    try:
        metadata = object_field(json.loads(text_field(view.get("private_metadata")) or "{}"))
    except ValueError:
        metadata = {}
    origin = Origin(
        user_id=text_field(user.get("id")),
        user_name=text_field(user.get("username")) or text_field(user.get("name")),
        channel_id=text_field(metadata.get("channel")),
        team_id=text_field(object_field(body.get("team")).get("id"))
        or text_field(user.get("team_id"))
        or team_fallback,
        response_url=url_field(metadata.get("response_url")),
    )
    action, _, value = text_field(view.get("callback_id")).partition(":")
    missing = {"view.callback_id": action, "user.id": origin.user_id, "view.private_metadata": origin.channel_id}
    absent = tuple(name for name, found in missing.items() if not found)
    if absent:
        return Incomplete(absent, origin)
    return SubmissionRequest(origin, action, value, _entered(object_field(view.get("state"))))
