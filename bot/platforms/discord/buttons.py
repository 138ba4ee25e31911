"""The buttons on studybot's messages, through discord.py's public DynamicItem.

A button's custom_id carries everything a click needs (`answer:<post_id>:<choice>`), so one
DynamicItem class, registered in `setup_hook`, receives the clicks of every studybot message,
whether it was sent a minute ago or before a restart (discord.py's examples/views/dynamic_counter.py).
"""

from __future__ import annotations

import re
from typing import Any, Protocol, cast

import discord

from bot.platforms.discord.render import CUSTOM_ID_PATTERN, ButtonSpec


class Clicks(Protocol):
    """The client: every click goes to its `press`."""

    async def press(self, interaction: discord.Interaction[Any], action: str, value: str) -> None: ...


class ActionButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=CUSTOM_ID_PATTERN):
    def __init__(self, action: str, value: str, *, label: str = "…", style: discord.ButtonStyle | None = None) -> None:
        super().__init__(
            discord.ui.Button(label=label, style=style or discord.ButtonStyle.secondary, custom_id=f"{action}:{value}")
        )
        self.action = action
        self.value = value

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ActionButton:
        return cls(match["action"], match["value"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await cast(Clicks, interaction.client).press(interaction, self.action, self.value)


def build_view(specs: list[ButtonSpec]) -> discord.ui.View | None:
    """The buttons (rows of five fill in order), or None when there are none."""
    if not specs:
        return None
    view = discord.ui.View(timeout=None)
    for spec in specs:
        view.add_item(ActionButton(spec.action, spec.value, label=spec.label, style=spec.style))
    return view
