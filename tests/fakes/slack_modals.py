"""Slack's side of a modal: what views.open accepts, and a member filling it in (`view_submission`)."""

from __future__ import annotations

import itertools
import json
import time
from typing import Any

from tests.fakes.slack import TEAM, FakeSlack

_ids = itertools.count(1)


def view_problems(view: Any) -> list[str]:
    """Why Slack would refuse this modal (docs.slack.dev/reference/surfaces/views and block elements)."""
    if not isinstance(view, dict) or view.get("type") != "modal":
        return ["a modal view is an object with type modal"]
    problems = []
    for key in ("title", "submit", "close"):
        text = (view.get(key) or {}).get("text", "")
        if key in view and not 0 < len(text) <= 24:
            problems.append(f"{key} must be 1 to 24 characters")
    if "title" not in view:
        problems.append("a modal needs a title")
    if len(view.get("callback_id", "")) > 255 or len(view.get("private_metadata", "")) > 3000:
        problems.append("callback_id is at most 255 characters, private_metadata 3000")
    blocks = view.get("blocks") or []
    if not 0 < len(blocks) <= 100:
        problems.append("a modal has 1 to 100 blocks")
    for block in blocks:
        element = block.get("element") or {}
        if block.get("type") == "input" and not block.get("label", {}).get("text"):
            problems.append("an input block needs a label")
        if element.get("type") == "static_select":
            options = element.get("options") or []
            if not 0 < len(options) <= 100 or any(len(o["text"]["text"]) > 75 for o in options):
                problems.append("a static_select has 1 to 100 options of at most 75 characters")
        if element.get("type") == "plain_text_input" and not 0 <= element.get("max_length", 0) <= 3000:
            problems.append("a plain_text_input takes at most 3000 characters")
    return problems


def submission(fake: FakeSlack, view: dict[str, Any], user: str, **entered: str | None) -> dict[str, Any]:
    """The `view_submission` Slack sends when `user` submits the modal `view` with `entered` in its fields
    (by block_id: a choice's value, even one the modal does not offer, as a forged payload would; text)."""
    values: dict[str, dict[str, Any]] = {}
    for block in view["blocks"]:
        if block.get("type") != "input":
            continue
        element, typed = block["element"], entered.get(block["block_id"])
        if element["type"] == "static_select":
            offered = next((o for o in element["options"] if o["value"] == typed), None)
            chosen = offered or ({"text": {"type": "plain_text", "text": typed}, "value": typed} if typed else None)
            state = {"type": "static_select", "selected_option": chosen}
        else:
            state = {"type": "plain_text_input", "value": typed}
        values[block["block_id"]] = {element["action_id"]: state}
    n = next(_ids)
    name = fake.users.get(user, {}).get("name", user.lower())
    return {
        "type": "view_submission",
        "team": {"id": TEAM, "domain": "test"},
        "user": {"id": user, "username": name, "name": name, "team_id": TEAM},
        "api_app_id": "A1",
        "token": "verification-token",
        "trigger_id": f"{n}.{n}.submit",
        "view": {
            "id": f"V{n}",
            "team_id": TEAM,
            "type": "modal",
            "callback_id": view["callback_id"],
            "private_metadata": view.get("private_metadata", ""),
            "title": view["title"],
            "blocks": view["blocks"],
            "state": {"values": values},
            "hash": f"{time.time():.6f}",
            "app_id": "A1",
        },
        "response_urls": [],
        "is_enterprise_install": False,
    }


def envelope(payload: dict[str, Any]) -> dict[str, Any]:
    """The same payload as Socket Mode delivers it."""
    return {
        "envelope_id": f"env-{next(_ids)}",
        "type": "interactive",
        "accepts_response_payload": True,
        "payload": payload,
    }


def metadata(view: dict[str, Any]) -> dict[str, Any]:
    return json.loads(view["private_metadata"])
