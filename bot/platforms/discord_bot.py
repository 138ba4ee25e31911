"""studybot on Discord: a discord.py client whose slash commands and buttons all go to the core's router.

Modelled on discord.py's examples/advanced_startup.py (dependencies passed to the constructor, async
set-up in `setup_hook`). Buttons carry all they need in their custom_id, so every click, on a message
sent before or after a restart, comes through `on_interaction` (see discord_views).

Replies speak the channel's language (the router's channel setting): a member's Discord locale is
used only where no channel can be looked up (an interaction that cannot be read or has no channel).
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
from bot.platforms.discord_views import clicked_custom_id

log = logging.getLogger(__name__)

Interaction = discord.Interaction[Any]

PLATFORM = "discord"
CHANNEL_COMMANDS = ("leaderboard",)  # the rest answer the caller privately
SUB_COMMAND_TYPES = (1, 2)  # option types: a sub-command, a sub-command group
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
        if option.get("type") in SUB_COMMAND_TYPES:
            words += [str(option.get("name", "")), _options_text(option.get("options"))]
        elif "value" in option:
            words.append(str(option["value"]))
    return " ".join(w for w in words if w)


def focused_option(options: object) -> str | None:
    """The option being typed in, looked for where discord.py looks: under the sub-command names."""
    level = options if isinstance(options, list) else []
    while level and isinstance(level[0], dict) and level[0].get("type") in SUB_COMMAND_TYPES:
        inner = level[0].get("options")
        level = inner if isinstance(inner, list) else []
    return next((str(o.get("name")) for o in level if isinstance(o, dict) and o.get("focused")), None)


def has_suggester(command: object, namespace: app_commands.Namespace, options: object) -> bool:
    """Whether one of our autocomplete callbacks takes this request (else discord.py drops it unanswered)."""
    focused = focused_option(options)
    if not isinstance(command, app_commands.Command) or focused is None or focused not in namespace:
        return False
    return any(p.display_name == focused and p.autocomplete for p in command.parameters)


class StudyTree(app_commands.CommandTree["StudyClient"]):
    async def interaction_check(self, interaction: Interaction, /) -> bool:
        """Pass on only what discord.py will answer; answer the rest here.

        Reading the command and options first (as discord.py does next) turns a payload it cannot
        read into a refusal instead of silence, and an autocomplete request no suggester takes (a
        command or option we do not have, an option without autocomplete) into an empty list.
        """
        try:
            command, namespace = interaction.command, interaction.namespace
        except Exception:
            log.exception("could not read the options of interaction %s", interaction.id)
            await self.client.answer_failure(interaction)
            return False
        if interaction.type is discord.InteractionType.autocomplete:
            data: Any = interaction.data or {}
            if not has_suggester(command, namespace, data.get("options")):
                await self.client.answer_failure(interaction)  # no suggestions
                return False
        return True

    async def on_error(self, interaction: Interaction, error: app_commands.AppCommandError, /) -> None:
        if interaction.type is discord.InteractionType.autocomplete:
            # Never run a command on a keystroke: suggestions or nothing.
            log.warning("autocomplete for interaction %s failed: %s", interaction.id, type(error).__name__)
            await self.client.answer_failure(interaction)
            return
        if isinstance(error, RAW_TEXT_ERRORS):
            # A command or options discord.py cannot map (an old registration, options under other
            # names): the router gets the text as the member typed it, and answers.
            data: Any = interaction.data or {}
            args = _options_text(data.get("options"))
            await self.client.command(interaction, str(data.get("name", "")), args)
            return
        log.error("a slash command failed: %s", error, exc_info=error)
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

    def complete_topics(self, text: str, limit: int) -> list[tuple[str, str]]:
        return self.router.lookup.complete(text[:100], limit=limit)

    def _source(self, interaction: Interaction) -> tuple[ChannelRef, Member] | None:
        user = interaction.user
        if interaction.channel_id is None or not user:
            return None
        team = str(interaction.guild_id) if interaction.guild_id else "dm"
        permissions = interaction.permissions
        is_admin = interaction.guild_id is not None and (permissions.manage_guild or permissions.administrator)
        member = Member(str(user.id), user.display_name or str(user.id), is_admin)
        return ChannelRef(PLATFORM, team, str(interaction.channel_id)), member

    async def command(self, interaction: Interaction, name: str, args: object) -> None:
        source = self._source(interaction)
        if source is None:
            await self.answer_failure(interaction, "discord.no_channel")
            return
        # args: a client may send a number for a text option; the router reads text
        invocation = Invocation(*source, name=name, args=str(args))
        private = name not in CHANNEL_COMMANDS
        await self.responder.respond(interaction, self.router.handle(invocation), private_guess=private)

    async def press(self, interaction: Interaction, action: str, value: str) -> None:
        source = self._source(interaction)
        if source is None:
            await self.answer_failure(interaction, "discord.no_channel")
            return
        click = Press(*source, action=action, value=value)
        await self.responder.respond(interaction, self.router.press(click), private_guess=True)

    async def on_interaction(self, interaction: Interaction) -> None:
        """Every click on any of our buttons: discord.py keeps no view of ours to give it to."""
        if interaction.type is not discord.InteractionType.component:
            return
        action, value = parse_custom_id(clicked_custom_id(interaction))
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
