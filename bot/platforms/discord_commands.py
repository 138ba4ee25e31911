"""The slash commands: /aws, /quiz, /leaderboard, /stats, /review, /exam and the /studybot group.

Every command only turns its options into the text a member would type and hands it to the
client's `command`, which asks the router. Descriptions come from the catalogs: English is the
default, Korean a localization through `CatalogTranslator`. Autocomplete callbacks are wrapped by
`suggester`: whatever is typed, whatever fails, Discord gets a list (discord.py would drop an error
silently and leave the member's menu spinning).
"""

from __future__ import annotations

import functools
import logging
import zoneinfo
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import discord
from discord import app_commands
from discord.app_commands import Choice, locale_str

from bot.core.models import CATEGORIES, Lang
from bot.platforms.discord_render import CHOICE_NAME, CHOICE_VALUE, truncate

log = logging.getLogger(__name__)

Interaction = discord.Interaction[Any]
Text = Callable[[Lang, str], str]
Suggest = Callable[[Interaction, str], Awaitable[list[Choice[str]]]]

AUTOCOMPLETE_LIMIT = 25  # Discord shows at most 25 suggestions
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MANAGE_SERVER = discord.Permissions(manage_guild=True)


class CommandHandler(Protocol):
    async def command(self, interaction: Interaction, name: str, args: str) -> None: ...

    def complete_topics(self, text: str, limit: int) -> list[tuple[str, str]]: ...

    def text(self, lang: Lang, key: str) -> str: ...


class CatalogTranslator(app_commands.Translator):
    """Korean names for descriptions and choices that carry a catalog `key`."""

    def __init__(self, text: Text) -> None:
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


def build_commands(handler: CommandHandler) -> list[app_commands.Command[Any, ..., None] | app_commands.Group]:
    def text(key: str) -> locale_str:
        return locale_str(handler.text("en", f"discord.{key}"), key=f"discord.{key}")

    @app_commands.command(name="aws", description=text("cmd_aws"))
    @app_commands.describe(query=text("opt_aws_query"))
    @app_commands.guild_only()
    async def aws(interaction: Interaction, query: str) -> None:
        await handler.command(interaction, "aws", query)

    @aws.autocomplete("query")
    @suggester
    async def aws_topics(interaction: Interaction, current: str) -> list[Choice[str]]:
        return choices(handler.complete_topics(current, AUTOCOMPLETE_LIMIT))

    @app_commands.command(name="quiz", description=text("cmd_quiz"))
    @app_commands.describe(subject=text("opt_quiz_subject"))
    @app_commands.guild_only()
    async def quiz(interaction: Interaction, subject: str = "") -> None:
        await handler.command(interaction, "quiz", subject)

    @quiz.autocomplete("subject")
    @suggester
    async def quiz_subjects(interaction: Interaction, current: str) -> list[Choice[str]]:
        typed = current.strip().lower()
        categories = [(c, c) for c in CATEGORIES if typed and c.startswith(typed)]
        return choices(categories + handler.complete_topics(current, AUTOCOMPLETE_LIMIT))

    @app_commands.command(name="leaderboard", description=text("cmd_leaderboard"))
    @app_commands.describe(period=text("opt_leaderboard_period"))
    @app_commands.choices(period=[Choice(name=text(f"period_{p}"), value=p) for p in ("week", "month", "all")])
    @app_commands.guild_only()
    async def leaderboard(interaction: Interaction, period: str = "") -> None:
        await handler.command(interaction, "leaderboard", period)

    @app_commands.command(name="stats", description=text("cmd_stats"))
    @app_commands.describe(member=text("opt_stats_member"))
    @app_commands.guild_only()
    async def stats(interaction: Interaction, member: discord.User | None = None) -> None:
        await handler.command(interaction, "stats", str(member.id) if member else "")

    @app_commands.command(name="review", description=text("cmd_review"))
    @app_commands.guild_only()
    async def review(interaction: Interaction) -> None:
        await handler.command(interaction, "review", "")

    @app_commands.command(name="exam", description=text("cmd_exam"))
    @app_commands.describe(options=text("opt_exam_options"))
    @app_commands.guild_only()
    async def exam(interaction: Interaction, options: str = "") -> None:
        await handler.command(interaction, "exam", options)

    return [aws, quiz, leaderboard, stats, review, exam, _studybot(handler, text)]


def _studybot(handler: CommandHandler, text: Callable[[str], locale_str]) -> app_commands.Group:
    """`/studybot ...`: hidden from members without Manage Server; the core checks again."""
    group = app_commands.Group(
        name="studybot", description=text("cmd_studybot"), guild_only=True, default_permissions=MANAGE_SERVER
    )

    def add(name: str, callback: Callable[..., Any]) -> None:
        key = f"sub_{name.replace('-', '_')}"
        group.add_command(app_commands.Command(name=name, description=text(key), callback=callback))

    for name in ("setup", "status", "help", "pause", "resume", "post-now", "close-now"):
        add(name, _plain(handler, name))
    for name, option in (("time", "opt_time"), ("close", "opt_time"), ("days", "opt_days")):
        add(name, app_commands.describe(value=text(option))(_valued(handler, name)))

    zones = sorted(zoneinfo.available_timezones())
    timezone = app_commands.describe(value=text("opt_timezone"))(_valued(handler, "timezone"))
    add("timezone", app_commands.autocomplete(value=_zone_completer(zones))(timezone))

    for name, option, values in (
        ("language", "opt_language", ("ko", "en")),
        ("exam", "opt_exam", ("saa", "clf", "all")),
    ):
        described = app_commands.describe(value=text(option))(_valued(handler, name))
        add(name, app_commands.choices(value=[Choice(name=v, value=v) for v in values])(described))

    async def board(interaction: Interaction, day: str, time: str) -> None:
        await handler.command(interaction, "studybot", f"board {day} {time}")

    board = app_commands.choices(day=[Choice(name=d, value=d) for d in DAYS])(
        app_commands.describe(day=text("opt_day"), time=text("opt_time"))(board)
    )
    add("board", board)
    return group


def _plain(handler: CommandHandler, name: str) -> Callable[..., Any]:
    async def callback(interaction: Interaction) -> None:
        await handler.command(interaction, "studybot", name)

    return callback


def _valued(handler: CommandHandler, name: str) -> Callable[..., Any]:
    async def callback(interaction: Interaction, value: str) -> None:
        await handler.command(interaction, "studybot", f"{name} {value}")

    return callback


def _zone_completer(zones: list[str]) -> Callable[..., Any]:
    @suggester
    async def complete(interaction: Interaction, current: str) -> list[Choice[str]]:
        typed = current.strip().casefold().replace(" ", "_")
        found = [z for z in zones if typed in z.casefold()] if typed else ["Asia/Seoul", "UTC"]
        return [Choice(name=z, value=z) for z in found[:AUTOCOMPLETE_LIMIT]]

    return complete
