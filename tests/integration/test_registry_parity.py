"""Every platform offers exactly the commands of the registry (bot/core/commands.py), as declared.

Discord: the command tree studybot syncs to the (fake) Discord API. Slack: the committed manifest,
which must equal `studybot slack manifest`. The help text and the console's tab completion too.
A command added to the registry and missing anywhere else, or offered differently, fails here.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import yaml

from bot.config import PROJECT_ROOT
from bot.core.commands import COMMANDS, Command, Option, walk
from bot.core.i18n import Catalog
from bot.offline import slack_manifest
from bot.platforms.console.platform import ConsolePlatform
from bot.platforms.console.session import ConsoleSession
from bot.platforms.slack.manifest import usage_hint
from tests.conftest import member
from tests.fakes.discord import FakeDiscord
from tests.fakes.discord_payloads import GUILD
from tests.integration.discord_harness import discord_settings, running_bot

SUBCOMMAND, STRING, USER = 1, 3, 6
MANAGE_GUILD = str(1 << 5)


def discord_option(option: Option, catalog: Catalog, key: str) -> dict[str, Any]:
    """The option as Discord must receive it, from its declaration."""
    expected: dict[str, Any] = {
        "name": option.name,
        "type": USER if option.kind == "member" else STRING,
        "required": option.required,
        "description": catalog.t("en", f"{key}.{option.name}"),
    }
    if option.choices:
        expected["choices"] = list(option.choices)
    expected["autocomplete"] = option.suggest is not None
    return expected


def synced_option(option: dict[str, Any]) -> dict[str, Any]:
    found = {k: option.get(k, False) for k in ("name", "type", "required", "description", "autocomplete")}
    if option.get("choices"):
        found["choices"] = [c["value"] for c in option["choices"]]
    return found


def expected_options(command: Command, parent: Command | None, catalog: Catalog) -> list[dict[str, Any]]:
    return [discord_option(o, catalog, command.key(parent)) for o in command.options]


async def test_discord_syncs_exactly_the_registry(
    fake_discord: FakeDiscord, fixture_settings, library, clock, tmp_path: Path
):
    settings = discord_settings(fixture_settings, fake_discord, tmp_path / "bot.db", dev_guild=int(GUILD))
    async with running_bot(fake_discord, settings, library, clock):
        pass
    catalog = Catalog.load()
    synced = {c["name"]: c for c in fake_discord.commands[GUILD]}
    assert list(synced) == [c.name for c in COMMANDS]
    for command in COMMANDS:
        found = synced[command.name]
        assert found["description"] == catalog.t("en", f"{command.key()}.about")
        assert found["description_localizations"]["ko"] == catalog.t("ko", f"{command.key()}.about")
        everyone = not command.admin and not (command.is_group and all(s.admin for s in command.subcommands))
        assert found["default_member_permissions"] == (None if everyone else MANAGE_GUILD), command.name
        if not command.is_group:
            assert [synced_option(o) for o in found["options"]] == expected_options(command, None, catalog)
            continue
        subs = {o["name"]: o for o in found["options"]}
        assert list(subs) == [s.name for s in command.subcommands]
        for sub in command.subcommands:
            assert subs[sub.name]["type"] == SUBCOMMAND
            assert subs[sub.name]["description"] == catalog.t("en", f"{sub.key(command)}.about")
            options = [synced_option(o) for o in subs[sub.name].get("options", [])]
            assert options == expected_options(sub, command, catalog), f"/{command.name} {sub.name}"


def test_the_committed_slack_manifest_is_the_generated_one():
    generated = io.StringIO()
    assert slack_manifest(generated) == 0
    committed = (PROJECT_ROOT / "config" / "slack-manifest.yaml").read_text(encoding="utf-8")
    assert committed == generated.getvalue(), "run: studybot slack manifest > config/slack-manifest.yaml"


def test_the_slack_manifest_offers_every_command_with_its_description_and_hint():
    manifest = yaml.safe_load((PROJECT_ROOT / "config" / "slack-manifest.yaml").read_text(encoding="utf-8"))
    catalog = Catalog.load()
    offered = {c["command"]: c for c in manifest["features"]["slash_commands"]}
    assert list(offered) == [f"/{c.name}" for c in COMMANDS]
    for command in COMMANDS:
        entry = offered[f"/{command.name}"]
        assert entry["description"] == catalog.t("en", f"{command.key()}.about")
        assert entry.get("usage_hint", "") == usage_hint(command)
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert {"commands", "chat:write", "users:read", "app_mentions:read", "channels:read", "channels:history"} <= scopes
    settings = manifest["settings"]
    assert settings["interactivity"]["is_enabled"] and settings["socket_mode_enabled"]
    assert settings["event_subscriptions"]["bot_events"] == ["app_mention"]


def test_a_group_hint_lists_its_subcommands_as_far_as_slack_shows():
    hint = usage_hint(next(c for c in COMMANDS if c.is_group))
    assert hint.startswith("help | status | setup") and len(hint) <= 100


async def test_help_lists_every_command_and_subcommand_in_both_languages(core):
    for lang in ("ko", "en"):
        body = core.router.views.help(COMMANDS, lang).body
        for parent, command in walk():
            if command.is_group:
                continue
            usage = f"/{parent.name} {command.name}" if parent else f"/{command.name}"
            assert usage in body, f"{usage} missing from the {lang} help"


async def test_the_console_completes_every_command(core):
    session = ConsoleSession(core.router, ConsolePlatform(print, lambda key, **values: key), member("u1"), "ko")
    completed = set(session.commands())
    assert {f"/{c.name}" for c in COMMANDS} <= completed
    assert {"/answer", "/help", "/quit"} <= completed
