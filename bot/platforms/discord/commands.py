"""Discord's command tree, built from the core's command table (bot/core/commands.py).

Each command becomes an `app_commands.Command` whose parameters are the declared options (text,
a member, or a fixed choice); a group's subcommands go under an `app_commands.Group`. The callback
only turns the options into the text a member would type and hands it to the client's `command`,
which asks the router. Descriptions come from the catalogs: English by default, Korean as a
localization through `CatalogTranslator`. Admin commands are hidden from members without Manage
Server (`default_permissions`); the router checks again. Autocomplete callbacks always answer
with a list (discord.py would drop an error silently and leave the member's menu spinning).
"""

from __future__ import annotations

import functools
import inspect
import logging
import zoneinfo
from collections.abc import Awaitable, Callable
from typing import Any, Protocol, cast

import discord
from discord import app_commands
from discord.app_commands import Choice, locale_str

from bot.core.commands import COMMANDS, Command, Option
from bot.core.models import CATEGORIES, Lang
from bot.platforms.discord.render import CHOICE_NAME, CHOICE_VALUE, truncate

log = logging.getLogger(__name__)

Interaction = discord.Interaction[Any]
Suggest = Callable[[Interaction, str], Awaitable[list[Choice[str]]]]
AppCommand = app_commands.Command[Any, ..., None] | app_commands.Group

AUTOCOMPLETE_LIMIT = 25  # Discord shows at most 25 suggestions
MANAGE_SERVER = discord.Permissions(manage_guild=True)


class CommandHandler(Protocol):
    async def command(self, interaction: Interaction, name: str, args: str) -> None: ...

    def complete_topics(self, text: str, limit: int) -> list[tuple[str, str]]: ...

    def text(self, lang: Lang, key: str) -> str: ...


class CatalogTranslator(app_commands.Translator):
    """Korean names for descriptions and choices that carry a catalog `key`."""

    def __init__(self, text: Callable[[Lang, str], str]) -> None:
        self._text = text

    async def translate(
        self, string: locale_str, locale: discord.Locale, context: app_commands.TranslationContextTypes
    ) -> str | None:
        key = string.extras.get("key")
        if key is None or locale is not discord.Locale.korean:
            return None
        return self._text("ko", key)


def choices(pairs: list[tuple[str, str]]) -> list[Choice[str]]:
    return [Choice(name=truncate(label, CHOICE_NAME), value=value[:CHOICE_VALUE]) for label, value in pairs]


def suggester(suggest: Suggest) -> Callable[[Interaction, object], Awaitable[list[Choice[str]]]]:
    """An autocomplete callback that reads what was typed as text and always returns a list."""

    @functools.wraps(suggest)
    async def callback(interaction: Interaction, current: object) -> list[Choice[str]]:
        typed = "" if current is None else str(current)
        try:
            found = await suggest(interaction, typed)
        except Exception:
            log.exception("suggestions failed for a %d-character text", len(typed))
            return []
        return found[:AUTOCOMPLETE_LIMIT]

    return callback


class TreeBuilder:
    def __init__(self, handler: CommandHandler) -> None:
        self.handler = handler
        self.zones = sorted(zoneinfo.available_timezones())

    def text(self, key: str) -> locale_str:
        return locale_str(self.handler.text("en", key), key=key)

    def build(self) -> list[AppCommand]:
        return [self.group(c) if c.is_group else self.command(c) for c in COMMANDS]

    def group(self, spec: Command) -> app_commands.Group:
        admin_only = all(sub.admin for sub in spec.subcommands)
        group = app_commands.Group(
            name=spec.name,
            description=self.text(f"{spec.key()}.about"),
            guild_only=True,
            default_permissions=MANAGE_SERVER if admin_only else None,
        )
        for sub in spec.subcommands:
            group.add_command(self.command(sub, spec))
        return group

    def command(self, spec: Command, parent: Command | None = None) -> app_commands.Command[Any, ..., None]:
        callback = self.callback(spec, parent)
        key = spec.key(parent)
        if spec.options:
            callback = app_commands.describe(**{o.name: self.text(f"{key}.{o.name}") for o in spec.options})(callback)
        for option in spec.options:
            if option.choices:
                labelled = [Choice(name=self.choice_label(v), value=v) for v in option.choices]
                callback = app_commands.choices(**{option.name: labelled})(callback)
            if option.suggest:
                suggest: Any = self.suggestions(option)  # discord.py types these for decorated methods
                callback = app_commands.autocomplete(**{option.name: suggest})(callback)
        command: app_commands.Command[Any, ..., None] = app_commands.Command(
            name=spec.name, description=self.text(f"{key}.about"), callback=cast(Any, callback)
        )
        if parent is None:
            command.guild_only = True
            if spec.admin:
                command.default_permissions = MANAGE_SERVER
        return command

    def choice_label(self, value: str) -> locale_str | str:
        key = f"choice.{value}"
        label = self.handler.text("en", key)
        return value if label == key else locale_str(label, key=key)

    def callback(self, spec: Command, parent: Command | None) -> Callable[..., Awaitable[None]]:
        """A callback whose parameters are the options: discord.py reads them from its signature."""
        handler, names = self.handler, [o.name for o in spec.options]
        command, prefix = (parent.name, f"{spec.name} ") if parent else (spec.name, "")

        async def callback(interaction: Interaction, **values: object) -> None:
            args = " ".join(_as_text(values.get(name)) for name in names).strip()
            await handler.command(interaction, command, f"{prefix}{args}".strip())

        parameters = [inspect.Parameter("interaction", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Interaction)]
        parameters += [_parameter(o) for o in spec.options]
        callback.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
        callback.__name__ = spec.name.replace("-", "_")
        return callback

    def suggestions(self, option: Option) -> Callable[[Interaction, object], Awaitable[list[Choice[str]]]]:
        handler, zones = self.handler, self.zones

        async def topics(interaction: Interaction, current: str) -> list[Choice[str]]:
            return choices(handler.complete_topics(current, AUTOCOMPLETE_LIMIT))

        async def subjects(interaction: Interaction, current: str) -> list[Choice[str]]:
            typed = current.strip().lower()
            categories = [(c, c) for c in CATEGORIES if typed and c.startswith(typed)]
            return choices(categories + handler.complete_topics(current, AUTOCOMPLETE_LIMIT))

        async def timezones(interaction: Interaction, current: str) -> list[Choice[str]]:
            typed = current.strip().casefold().replace(" ", "_")
            found = [z for z in zones if typed in z.casefold()] if typed else ["Asia/Seoul", "UTC"]
            return [Choice(name=z, value=z) for z in found[:AUTOCOMPLETE_LIMIT]]

        suggest = {"topics": topics, "subjects": subjects, "timezones": timezones}[option.suggest or "topics"]
        return suggester(suggest)


def _parameter(option: Option) -> inspect.Parameter:
    annotation: Any = discord.User if option.kind == "member" else str
    default: Any = inspect.Parameter.empty if option.required else None
    if not option.required:
        annotation = annotation | None
    return inspect.Parameter(
        option.name, inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=annotation, default=default
    )


def _as_text(value: object) -> str:
    """An option as a member would type it: a member is their id; a client may send a number for text."""
    if value is None:
        return ""
    if isinstance(value, discord.abc.User):
        return str(value.id)
    return str(value)


def build_commands(handler: CommandHandler) -> list[AppCommand]:
    return TreeBuilder(handler).build()
