"""config/slack-manifest.yaml: every command the bot answers, the scopes its Web API calls need."""

from __future__ import annotations

import yaml

from bot.config import PROJECT_ROOT


async def test_the_manifest_declares_the_commands_scopes_and_socket_mode(core):
    manifest = yaml.safe_load((PROJECT_ROOT / "config" / "slack-manifest.yaml").read_text(encoding="utf-8"))
    commands = {c["command"].lstrip("/") for c in manifest["features"]["slash_commands"]}
    assert set(core.router.commands) == commands  # every command the router answers, and no other
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert {"commands", "chat:write", "users:read", "app_mentions:read"} <= scopes
    settings = manifest["settings"]
    assert settings["interactivity"]["is_enabled"] and settings["socket_mode_enabled"]
    assert settings["event_subscriptions"]["bot_events"] == ["app_mention"]
