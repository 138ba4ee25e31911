"""studybot on Discord: a discord.py client whose slash commands and buttons all go to the core's router.

Modelled on discord.py's examples/advanced_startup.py (dependencies passed to the constructor, async
set-up in `setup_hook`) and examples/views/dynamic_counter.py (buttons registered once as a
DynamicItem, so clicks on messages sent before a restart still arrive). An AutoShardedClient, so one
process can run some of the bot's shards (`[discord] shard_count`, `shard_ids`).

Replies speak the channel's language (the router's channel setting): a member's Discord locale is
used only where no channel can be looked up. A form opens as a modal (bot/platforms/discord/modals.py);
its submission (MODAL_SUBMIT) goes to the router's `submit`.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import discord
from discord import app_commands

from bot.core.commands import COMMANDS
from bot.core.models import ChannelRef, Invocation, Lang, Member, Press, Submission
from bot.core.router import Router
from bot.platforms.discord.buttons import ActionButton
from bot.platforms.discord.commands import CatalogTranslator, build_commands
from bot.platforms.discord.modals import submitted_values
from bot.platforms.discord.platform import DiscordPlatform
from bot.platforms.discord.render import CUSTOM_ID_RE
from bot.platforms.discord.responder import Responder

log = logging.getLogger(__name__)

Interaction = discord.Interaction[Any]

PLATFORM = "discord"
CHANNEL_COMMANDS = frozenset(c.name for c in COMMANDS if c.reply == "channel")
SUB_COMMAND_TYPES = (1, 2)  # option types: a sub-command, a sub-command group
RAW_TEXT_ERRORS = (app_commands.CommandNotFound, app_commands.CommandSignatureMismatch, app_commands.TransformerError)


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


class StudyClient(discord.AutoShardedClient):
    def __init__(
        self,
        *,
        router: Router,
        platform: DiscordPlatform,
        dev_guild: int = 0,
        defer_after: float = 1.5,
        **options: Any,
    ) -> None:
        options.setdefault("intents", discord.Intents(guilds=True))
        options.setdefault("allowed_mentions", discord.AllowedMentions.none())
        super().__init__(**options)
        self.router = router
        self.platform = platform
        self.dev_guild = dev_guild
        self.tree = StudyTree(self)
        self.responder = Responder(defer_after, platform)
        self._accepting = True
        self._work: set[asyncio.Task[Any]] = set()
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

    def complete_topics(self, text: str, limit: int) -> list[tuple[str, str]]:
        return self.router.complete_topics(text, limit)

    def _source(self, interaction: Interaction) -> tuple[ChannelRef, Member] | None:
        user = interaction.user
        if interaction.channel_id is None or not user:
            return None
        team = str(interaction.guild_id) if interaction.guild_id else "dm"
        self.platform.saw_permissions(str(interaction.channel_id), interaction.app_permissions)
        permissions = interaction.permissions
        is_admin = interaction.guild_id is not None and (permissions.manage_guild or permissions.administrator)
        member = Member(str(user.id), user.display_name or str(user.id), is_admin)
        return ChannelRef(PLATFORM, team, str(interaction.channel_id)), member

    # --- work under way, for an orderly stop -------------------------------------------------

    def refuse_new_work(self) -> None:
        self._accepting = False

    async def finish_work(self, timeout: float) -> None:
        """Wait (at most `timeout` seconds) for the interactions being answered."""
        if self._work:
            _, pending = await asyncio.wait(set(self._work), timeout=timeout)
            if pending:
                log.warning("discord: %d interactions were still being answered when the bot stopped", len(pending))

    async def _accept(self, interaction: Interaction) -> bool:
        """Track this interaction's task; a stopping bot refuses it (nothing is stored)."""
        if not self._accepting:
            await self.answer_failure(interaction, "router.stopping")
            return False
        task = asyncio.current_task()
        if task is not None:
            self._work.add(task)
            task.add_done_callback(self._work.discard)
        return True

    async def _accepted_source(self, interaction: Interaction) -> tuple[ChannelRef, Member] | None:
        """Where and who, once the interaction is accepted; None when it was answered already (stopping,
        or no channel to answer in)."""
        if not await self._accept(interaction):
            return None
        source = self._source(interaction)
        if source is None:
            await self.answer_failure(interaction, "discord.no_channel")
        return source

    async def command(self, interaction: Interaction, name: str, args: object) -> None:
        source = await self._accepted_source(interaction)
        if source is None:
            return
        # args: a client may send a number for a text option; the router reads text
        invocation = Invocation(*source, name=name, args=str(args))
        private = name not in CHANNEL_COMMANDS
        await self.responder.respond(interaction, self.router.handle(invocation), private_guess=private)

    async def press(self, interaction: Interaction, action: str, value: str) -> None:
        source = await self._accepted_source(interaction)
        if source is None:
            return
        click = Press(*source, action=action, value=value)
        await self.responder.respond(interaction, self.router.press(click), private_guess=True)

    async def submit(self, interaction: Interaction, action: str, value: str, values: dict[str, str]) -> None:
        source = await self._accepted_source(interaction)
        if source is None:
            return
        submission = Submission(*source, action=action, value=value, values=values)
        await self.responder.respond(interaction, self.router.submit(submission), private_guess=True)

    async def on_interaction(self, interaction: Interaction) -> None:
        """Clicks discord.py's DynamicItem dispatch leaves alone: a custom_id that is not one of ours (old or
        forged) is refused; one that is not on the clicked message (a button the reveal just took away) or
        that carries no message is handled here, as its custom_id holds all it needs. The rest reach
        ActionButton. Every modal's submission is handled here: its custom_id names the form."""
        data: dict[str, Any] = dict(interaction.data or {})
        if interaction.type is discord.InteractionType.modal_submit:
            custom_id = data.get("custom_id")
            form = CUSTOM_ID_RE.fullmatch(custom_id) if isinstance(custom_id, str) else None
            if form is None:
                await self.answer_failure(interaction, "router.unknown_form")
            else:
                await self.submit(interaction, form["action"], form["value"], submitted_values(data.get("components")))
            return
        if interaction.type is not discord.InteractionType.component:
            return
        custom_id = data.get("custom_id")
        match = CUSTOM_ID_RE.fullmatch(custom_id) if isinstance(custom_id, str) else None
        if match is None:
            await self.answer_failure(interaction, "router.unknown_button")
        elif interaction.message is None or custom_id not in _custom_ids(interaction.message):
            await self.press(interaction, match["action"], match["value"])

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


def _custom_ids(message: discord.Message) -> set[str]:
    found: set[str] = set()
    for row in message.components:
        for child in getattr(row, "children", ()):
            custom_id = getattr(child, "custom_id", None)
            if isinstance(custom_id, str):
                found.add(custom_id)
    return found
