from tests.integration.discord_harness import discord_bot, discord_endpoints, fake_discord  # noqa: F401
