"""The one discord.py internal studybot touches (bot/platforms/discord/endpoints.py): two class
attributes it reads for its REST base URL and its first gateway URL. This fails when an upgrade of
discord.py stops reading them, before a bot silently talks to the wrong server."""

from __future__ import annotations

import inspect
from collections.abc import Iterator

import pytest
import yarl
from discord import gateway, shard
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot.platforms.discord import endpoints


@pytest.fixture(autouse=True)
def restored() -> Iterator[None]:
    base, first = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    yield
    Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = base, first


def test_discord_py_still_has_both_attributes_with_discords_defaults():
    assert Route.BASE == endpoints.DISCORD_API
    assert yarl.URL(endpoints.DISCORD_GATEWAY) == DiscordWebSocket.DEFAULT_GATEWAY


def test_a_route_built_after_pointing_goes_to_the_other_server():
    endpoints.point_at("http://127.0.0.1:8080/api/v10", "ws://127.0.0.1:8081/")
    assert Route("GET", "/users/@me").url == "http://127.0.0.1:8080/api/v10/users/@me"
    assert yarl.URL("ws://127.0.0.1:8081/") == DiscordWebSocket.DEFAULT_GATEWAY


def test_the_gateway_is_read_from_the_attribute_when_connecting_and_resharding():
    # discord.py reads DEFAULT_GATEWAY at connect time (not a copy taken at import): the source says so.
    assert "cls.DEFAULT_GATEWAY" in inspect.getsource(DiscordWebSocket.from_client)
    assert "DiscordWebSocket.DEFAULT_GATEWAY" in inspect.getsource(shard)
    assert "self.DEFAULT_GATEWAY" in inspect.getsource(gateway.DiscordWebSocket)


@pytest.mark.parametrize(
    ("api", "ws"), [("ftp://x/api", "ws://x/"), ("http://x/api", "http://x/"), ("http:///", "ws://x")]
)
def test_a_url_that_is_not_a_server_is_refused(api: str, ws: str):
    with pytest.raises(ValueError):
        endpoints.point_at(api, ws)
