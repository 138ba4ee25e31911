"""A core Form as a Discord modal, and a MODAL_SUBMIT interaction's values back.

The modal's custom_id is `<action>:<value>` (as a button's), so its submission carries all it needs:
the client reads it from the interaction itself (`StudyClient.on_interaction`), after a restart too.
The modal is stopped before it is sent, so discord.py keeps no copy waiting for a submission.
Fields: a choice is a string select, a line of text a short text input, each in a `Label`; the intro
is a text display. Limits (discord.com/developers/docs/components/reference): title and label 45
characters, custom_id 100, 5 top-level components, 25 options of 100, placeholders 150 (text input
100), a text input at most 4000 characters.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import discord

from bot.core.models import Form, FormField
from bot.platforms.discord.render import CUSTOM_ID, truncate

TITLE = 45
LABEL = 45
COMPONENTS = 5
OPTIONS = 25
OPTION_TEXT = 100
SELECT_PLACEHOLDER = 150
INPUT_PLACEHOLDER = 100
INPUT_LENGTH = 4000
TEXT_DISPLAY = 4000
LABEL_TYPE, STRING_SELECT, TEXT_INPUT, ACTION_ROW = 18, 3, 4, 1


def _component(field: FormField) -> discord.ui.Item[Any]:
    if field.kind == "choice":
        return discord.ui.Select(
            custom_id=field.name,
            placeholder=truncate(field.placeholder, SELECT_PLACEHOLDER) if field.placeholder else None,
            options=[
                discord.SelectOption(label=truncate(c.label, OPTION_TEXT), value=c.value[:OPTION_TEXT])
                for c in field.choices[:OPTIONS]
            ],
            required=field.required,
            min_values=1 if field.required else 0,
            max_values=1,
        )
    return discord.ui.TextInput(
        custom_id=field.name,
        style=discord.TextStyle.short,
        placeholder=truncate(field.placeholder, INPUT_PLACEHOLDER) if field.placeholder else None,
        required=field.required,
        max_length=min(field.max_length or INPUT_LENGTH, INPUT_LENGTH),
    )


def build_modal(form: Form) -> discord.ui.Modal:
    modal = discord.ui.Modal(
        title=truncate(form.title, TITLE), custom_id=f"{form.action}:{form.value}"[:CUSTOM_ID], timeout=None
    )
    if form.intro.strip():
        modal.add_item(discord.ui.TextDisplay(truncate(form.intro, TEXT_DISPLAY)))
    for field in form.fields[: COMPONENTS - len(modal.children)]:
        modal.add_item(discord.ui.Label(text=truncate(field.label, LABEL), component=_component(field)))
    modal.stop()  # submissions are read from the interaction (StudyClient.on_interaction), not by this object
    return modal


def submitted_values(components: object) -> dict[str, str]:
    """What the member entered in each field of a MODAL_SUBMIT: a select's value, the text typed."""
    values: dict[str, str] = {}
    for component in components if isinstance(components, list) else []:
        if not isinstance(component, Mapping):
            continue
        kind = component.get("type")
        if kind == ACTION_ROW:
            values.update(submitted_values(component.get("components")))
        elif kind == LABEL_TYPE:
            values.update(submitted_values([component.get("component")]))
        elif kind in (STRING_SELECT, TEXT_INPUT) and isinstance(component.get("custom_id"), str):
            chosen = component.get("values")
            if kind == STRING_SELECT:
                value = chosen[0] if isinstance(chosen, list) and chosen else ""
            else:
                value = component.get("value")
            values[component["custom_id"]] = value if isinstance(value, str) else ""
    return values
