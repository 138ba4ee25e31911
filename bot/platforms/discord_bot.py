"""studybot on Discord: a discord.py client whose slash commands and buttons all go to the core's router.

Modelled on discord.py's examples/advanced_startup.py (dependencies passed to the constructor, async
set-up in `setup_hook`) and examples/views/persistent.py (buttons that keep working after a restart).
"""

from __future__ import annotations

import logging
from typing import Any

import discord
import yarl
from discord import app_commands
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot.core.models import ChannelRef, Invocation, Lang, Member, Press
from bot.core.router import Router
from bot.platforms.discord_commands import CatalogTranslator, build_commands
from bot.platforms.discord_guard import InteractionGuard
from bot.platforms.discord_platform import DiscordPlatform
from bot.platforms.discord_render import parse_custom_id
from bot.platforms.discord_reply import Responder
from bot.platforms.discord_views import ActionButton, handled_by_dynamic_item

log = logging.getLogger(__name__)

Interaction = discord.Interaction[Any]

PLATFORM = "discord"
CHANNEL_COMMANDS = ("leaderboard",)  # the rest answer the caller privately
AUTOCOMPLETE_LIMIT = 25
RAW_TEXT_ERRORS = (app_commands.CommandNotFound, app_commands.CommandSignatureMismatch, app_commands.TransformerError)
INVITE_SCOPES = ("bot", "applications.commands")


def invite_permissions() -> discord.Permissions:
    """What the bot needs in its channel: read it, post embeds, open threads for the explanations."""
    return discord.Permissions(
        view_channel=True,
        send_messages=True,
        embed_links=True,
        read_message_history=True,
        create_public_threads=True,
        send_messages_in_threads=True,
    )


def invite_url(client_id: str) -> str:
    if not client_id.isdigit():
        raise ValueError(f"the application id must be a number, not {client_id[:40]!r}")
    return discord.utils.oauth_url(client_id, permissions=invite_permissions(), scopes=INVITE_SCOPES)


def configure_endpoints(api_url: str, gateway_url: str) -> None:
    """Point discord.py's REST, interaction and gateway traffic at Discord or a compatible server."""
    api, gateway = yarl.URL(api_url), yarl.URL(gateway_url)
    if api.scheme not in ("http", "https") or not api.host:
        raise ValueError(f"the Discord API URL must be http(s)://host/..., not {api_url[:80]!r}")
    if gateway.scheme not in ("ws", "wss") or not gateway.host:
        raise ValueError(f"the Discord gateway URL must be ws(s)://host/..., not {gateway_url[:80]!r}")
    Route.BASE = str(api).rstrip("/")
    DiscordWebSocket.DEFAULT_GATEWAY = gateway


def locale_lang(locale: object) -> Lang | None:
    """The member's Discord language if studybot speaks it; None lets the channel's language apply."""
    code = str(getattr(locale, "value", locale) or "")
    if code.startswith("ko"):
        return "ko"
    if code.startswith("en"):
        return "en"
    return None


def _options_text(options: object) -> str:
    """Options of a command as typed: sub-command names and values in order."""
    words: list[str] = []
    for option in options if isinstance(options, list) else []:
        if not isinstance(option, dict):
            continue
        if option.get("type") in (1, 2):  # a sub-command (group)
            words += [str(option.get("name", "")), _options_text(option.get("options"))]
        elif "value" in option:
            words.append(str(option["value"]))
    return " ".join(w for w in words if w)


class StudyTree(app_commands.CommandTree["StudyClient"]):
    async def on_error(self, interaction: Interaction, error: app_commands.AppCommandError, /) -> None:
        if isinstance(error, RAW_TEXT_ERRORS):
            # A command or options discord.py cannot map (an old registration, options under other
            # names): the router gets the text as the member typed it, and answers.
            data: Any = interaction.data or {}
            args = _options_text(data.get("options"))
            await self.client.command(interaction, str(data.get("name", "")), args)
            return
        log.error("a slash command failed: %s", error, exc_info=error)
        await self.client.answer_failure(interaction)

    async def _call(self, interaction: Interaction) -> None:
        # discord.py lets anything but an AppCommandError escape unanswered (say, options of a
        # malformed payload); every interaction gets an answer.
        try:
            await super()._call(interaction)
        except app_commands.AppCommandError:
            raise
        except Exception:
            log.exception("could not run interaction %s", interaction.id)
            await self.client.answer_failure(interaction)


class StudyClient(discord.Client):
    def __init__(
        self,
        *,
        router: Router,
        platform: DiscordPlatform,
        api_url: str,
        gateway_url: str,
        dev_guild: int = 0,
        defer_after: float = 1.5,
        **options: Any,
    ) -> None:
        configure_endpoints(api_url, gateway_url)
        options.setdefault("intents", discord.Intents(guilds=True))
        options.setdefault("allowed_mentions", discord.AllowedMentions.none())
        super().__init__(**options)
        self.router = router
        self.platform = platform
        self.dev_guild = dev_guild
        self.tree = StudyTree(self)
        self.responder = Responder(defer_after, platform)
        InteractionGuard(self, self._unreadable).install()
        platform.bind(self)

    async def setup_hook(self) -> None:
        self.add_dynamic_items(ActionButton)
        self.platform.mark_ready()
        await self.tree.set_translator(CatalogTranslator(self.text))
        for command in build_commands(self):
            self.tree.add_command(command)
        await self._sync_commands()

    async def _sync_commands(self) -> None:
        try:
            if self.dev_guild:
                guild = discord.Object(self.dev_guild)
                self.tree.copy_global_to(guild=guild)
                synced = await self.tree.sync(guild=guild)
            else:
                synced = await self.tree.sync()
        except discord.DiscordException as exc:
            log.error("could not sync the slash commands; those Discord already has keep working: %s", exc)
            return
        where = f"guild {self.dev_guild}" if self.dev_guild else "every server (global)"
        log.info("synced %d slash commands to %s", len(synced), where)

    async def on_ready(self) -> None:
        log.info("connected to Discord as %s (%s)", self.user, self.user.id if self.user else "?")

    # --- the core ---------------------------------------------------------------------------

    def text(self, lang: Lang, key: str) -> str:
        return self.router.t(lang, key)

    def complete_topics(self, text: str) -> list[tuple[str, str]]:
        try:
            return self.router.lookup.complete(text[:100], limit=AUTOCOMPLETE_LIMIT)
        except Exception:
            log.exception("autocomplete failed for a %d-character text", len(text))
            return []

    def _source(self, interaction: Interaction) -> tuple[ChannelRef, Member] | None:
        user = interaction.user
        if interaction.channel_id is None or not user:
            return None
        team = str(interaction.guild_id) if interaction.guild_id else "dm"
        permissions = interaction.permissions
        is_admin = interaction.guild_id is not None and (permissions.manage_guild or permissions.administrator)
        member = Member(str(user.id), user.display_name or str(user.id), is_admin)
        return ChannelRef(PLATFORM, team, str(interaction.channel_id)), member

    async def command(self, interaction: Interaction, name: str, args: str) -> None:
        source = self._source(interaction)
        if source is None:
            await self.answer_failure(interaction, "discord.no_channel")
            return
        invocation = Invocation(*source, name=name, args=args, lang=locale_lang(interaction.locale))
        private = name not in CHANNEL_COMMANDS
        await self.responder.respond(interaction, self.router.handle(invocation), private_guess=private)

    async def press(self, interaction: Interaction, action: str, value: str) -> None:
        source = self._source(interaction)
        if source is None:
            await self.answer_failure(interaction, "discord.no_channel")
            return
        click = Press(*source, action=action, value=value, lang=locale_lang(interaction.locale))
        await self.responder.respond(interaction, self.router.press(click), private_guess=True)

    async def on_interaction(self, interaction: Interaction) -> None:
        """Clicks discord.py cannot give to an ActionButton still get the router's answer."""
        if interaction.type is not discord.InteractionType.component or handled_by_dynamic_item(interaction):
            return
        custom_id = (interaction.data or {}).get("custom_id")
        action, value = parse_custom_id(custom_id if isinstance(custom_id, str) else "")
        await self.press(interaction, action, value)

    async def answer_failure(self, interaction: Interaction, key: str = "router.failed") -> None:
        lang = locale_lang(interaction.locale) or "ko"
        try:
            if interaction.response.is_done():
                await interaction.followup.send(self.text(lang, key), ephemeral=True)
            elif interaction.type is discord.InteractionType.autocomplete:
                await interaction.response.autocomplete([])
            else:
                await interaction.response.send_message(self.text(lang, key), ephemeral=True)
        except discord.HTTPException as exc:
            log.warning("could not tell interaction %s that it failed: %s", interaction.id, exc.status)

    def _unreadable(self, locale: str | None) -> str:
        return self.text(locale_lang(locale) or "ko", "discord.unreadable")
