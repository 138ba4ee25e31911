"""The buttons on studybot's messages, and the one way their clicks come back.

A button's custom_id carries everything a click needs (`answer:<post_id>:<choice>`), so no view is
kept in memory: `ActionButton` tells discord.py it has nothing to dispatch, so discord.py keeps none
of our views to hand clicks to, and every click arrives at the client's `on_interaction`, which parses
the custom_id and asks the router. That works the same for a message sent a minute ago and one sent before a restart.
"""

from __future__ import annotations

from typing import Any

import discord

from bot.platforms.discord_render import ButtonSpec


class ActionButton(discord.ui.Button[discord.ui.View]):
    def __init__(self, spec: ButtonSpec) -> None:
        super().__init__(label=spec.label, style=spec.style, custom_id=spec.custom_id)

    def is_dispatchable(self) -> bool:
        # Public discord.py hook: a non-dispatchable item keeps its view out of the view store, so
        # discord.py never answers a click itself and `on_interaction` is the only path.
        return False


def build_view(specs: list[ButtonSpec]) -> discord.ui.View | None:
    """The buttons (rows of five fill in order), or None when there are none."""
    if not specs:
        return None
    view = discord.ui.View(timeout=None)
    for spec in specs:
        view.add_item(ActionButton(spec))
    return view


def clicked_custom_id(interaction: discord.Interaction[Any]) -> str:
    """The custom_id of a clicked component; "" when the payload has none."""
    custom_id = (interaction.data or {}).get("custom_id")
    return custom_id if isinstance(custom_id, str) else ""
