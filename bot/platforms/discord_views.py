"""Persistent buttons: every bot button is an `ActionButton`, found again by its custom_id after a restart.

The client registers `ActionButton` with `add_dynamic_items` in `setup_hook`; discord.py then builds one
for every click whose custom_id matches the template, on any message the bot ever sent.
"""

from __future__ import annotations

import re
from typing import Any, Protocol, runtime_checkable

import discord

from bot.platforms.discord_render import CUSTOM_ID_PATTERN, ButtonSpec


@runtime_checkable
class PressHandler(Protocol):
    async def press(self, interaction: discord.Interaction[Any], action: str, value: str) -> None: ...


class ActionButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=CUSTOM_ID_PATTERN):
    def __init__(self, spec: ButtonSpec) -> None:
        super().__init__(discord.ui.Button(label=spec.label, style=spec.style, custom_id=spec.custom_id))
        self.spec = spec

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str]
    ) -> ActionButton:
        label = getattr(item, "label", None) or "…"
        style = getattr(item, "style", discord.ButtonStyle.secondary)
        return cls(ButtonSpec(match["action"], match["value"], label, style))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        client = interaction.client
        if isinstance(client, PressHandler):
            await client.press(interaction, self.spec.action, self.spec.value)


def build_view(specs: list[ButtonSpec]) -> discord.ui.View | None:
    """A persistent view of the buttons (rows of five fill in order), or None when there are none."""
    if not specs:
        return None
    view = discord.ui.View(timeout=None)
    for spec in specs:
        view.add_item(ActionButton(spec))
    return view


def handled_by_dynamic_item(interaction: discord.Interaction[Any]) -> bool:
    """Whether discord.py will hand this click to an ActionButton.

    It does so only when the clicked message came with the interaction and carries a component with
    that custom_id. Any other click (a forged id, a message without its components) is answered by
    the client's `on_interaction` instead, so no click goes unanswered and none is answered twice.
    """
    data: Any = interaction.data or {}
    custom_id = data.get("custom_id")
    message = interaction.message
    if not isinstance(custom_id, str) or message is None:
        return False
    if ActionButton.__discord_ui_compiled_template__.fullmatch(custom_id) is None:
        return False
    view_class = discord.ui.LayoutView if message.flags.components_v2 else discord.ui.View
    try:
        view = view_class.from_message(message, timeout=None)
    except Exception:
        return False
    component_type = data.get("component_type")
    return any(
        child.type.value == component_type and getattr(child, "custom_id", None) == custom_id
        for child in view.walk_children()
    )
