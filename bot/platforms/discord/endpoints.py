"""Pointing discord.py at a Discord-compatible server (a proxy, a test server): the one internal we touch.

discord.py has no public option for its REST base URL or its first gateway URL; both are class
attributes (`discord.http.Route.BASE`, `discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY`) read when a
request is built and when a shard connects. They are process-wide, so they are set once, before the
client is built, and only when the configuration names another server. pyproject.toml pins
discord.py to 2.7.x, and tests/unit/test_discord_endpoints.py fails if an upgrade stops reading them.
"""

from __future__ import annotations

import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

DISCORD_API = "https://discord.com/api/v10"
DISCORD_GATEWAY = "wss://gateway.discord.gg/"


def check(api_url: str, gateway_url: str) -> None:
    api, gateway = yarl.URL(api_url), yarl.URL(gateway_url)
    if api.scheme not in ("http", "https") or not api.host:
        raise ValueError(f"the Discord API URL must be http(s)://host/..., not {api_url[:80]!r}")
    if gateway.scheme not in ("ws", "wss") or not gateway.host:
        raise ValueError(f"the Discord gateway URL must be ws(s)://host/..., not {gateway_url[:80]!r}")


def point_at(api_url: str = DISCORD_API, gateway_url: str = DISCORD_GATEWAY) -> None:
    """REST, interaction callbacks and the gateway go to these URLs from now on (Discord's by default)."""
    check(api_url, gateway_url)
    Route.BASE = api_url.rstrip("/")
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)
