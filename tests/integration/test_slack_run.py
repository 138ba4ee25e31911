"""`studybot run slack` as a whole: tokens, HTTP mode with /healthz, and Socket Mode over a websocket."""

from __future__ import annotations

import asyncio
import socket
import uuid
from dataclasses import replace

import aiohttp
import pytest

from bot.app import run_slack
from bot.cli import main
from bot.config import Settings
from tests.fakes.slack import FakeSlack
from tests.fakes.slack_driver import SlackDriver
from tests.integration.slack_harness import until

SECRET = "run-test-signing-secret"


def slack_settings(settings: Settings, fake: FakeSlack, **secrets: str) -> Settings:
    return replace(
        settings,
        secrets=secrets,
        slack={"api_url": fake.api_url, "http_host": "127.0.0.1", "admins": []},
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_missing_tokens_are_named_and_exit_2(monkeypatch, capsys):
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET"):
        monkeypatch.delenv(name, raising=False)
    assert main(["run", "slack", "--db", ":memory:"]) == 2
    assert "SLACK_BOT_TOKEN and SLACK_APP_TOKEN are not set" in capsys.readouterr().err

    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-do-not-print-me")
    assert main(["run", "slack", "--http", "3000", "--db", ":memory:"]) == 2
    err = capsys.readouterr().err
    assert "SLACK_SIGNING_SECRET is not set" in err and "xoxb-do-not-print-me" not in err


async def test_a_refused_token_stops_the_start_with_a_clear_error(fixture_settings, fake):
    from bot.config import ConfigError

    fake.fail("auth.test", "invalid_auth")
    settings = slack_settings(fixture_settings, fake, SLACK_BOT_TOKEN="xoxb-wrong", SLACK_APP_TOKEN="xapp-x")
    with pytest.raises(ConfigError, match="invalid_auth") as refused:
        await run_slack(settings, None, stop=asyncio.Event())
    assert "xoxb-wrong" not in str(refused.value)


async def test_http_mode_serves_signed_requests_and_health(fixture_settings, fake):
    port = free_port()
    settings = slack_settings(fixture_settings, fake, SLACK_BOT_TOKEN="xoxb-http", SLACK_SIGNING_SECRET=SECRET)
    stop = asyncio.Event()
    running = asyncio.create_task(run_slack(settings, port, stop=stop))
    async with aiohttp.ClientSession() as session:

        async def healthy() -> bool:
            try:
                async with session.get(f"http://127.0.0.1:{port}/healthz") as response:
                    return response.status == 200
            except aiohttp.ClientConnectionError:
                return False

        for _ in range(500):
            if running.done() or await healthy():
                break
            await asyncio.sleep(0.02)
    assert not running.done()
    driver = SlackDriver(f"http://127.0.0.1:{port}/slack/events", SECRET, fake)
    sent = await driver.command("/aws efs", "U1", key="http")
    assert sent.status == 200
    await until(lambda: fake.responses_to("http"))
    assert fake.responses_to("http")[0]["blocks"][0]["text"]["text"].startswith("Amazon EFS")
    stop.set()
    assert await running == 0
    assert {c.token for c in fake.calls} == {"xoxb-http"}


async def test_socket_mode_acks_an_envelope_and_answers(fixture_settings, fake):
    settings = slack_settings(fixture_settings, fake, SLACK_BOT_TOKEN="xoxb-sock", SLACK_APP_TOKEN="xapp-sock")
    stop = asyncio.Event()
    running = asyncio.create_task(run_slack(settings, None, stop=stop))
    await asyncio.wait_for(fake.connected.wait(), 10)
    opened = fake.calls_to("apps.connections.open")  # the check at start, then slack-sdk's own
    assert opened and {c.token for c in opened} == {"xapp-sock"}  # the app-level token; the bot token does the rest

    envelope_id = str(uuid.uuid4())
    await fake.send_envelope(
        {
            "envelope_id": envelope_id,
            "type": "slash_commands",
            "accepts_response_payload": True,
            "payload": {
                "token": "verification-token",
                "team_id": "T1",
                "team_domain": "test",
                "channel_id": "C1",
                "channel_name": "study",
                "user_id": "U1",
                "user_name": "jiwoo",
                "command": "/aws",
                "text": "efs",
                "api_app_id": "A1",
                "response_url": fake.response_url("sock"),
                "trigger_id": "1.1.trigger",
            },
        }
    )
    ack = await asyncio.wait_for(fake.socket_acks.get(), 10)
    assert ack["envelope_id"] == envelope_id
    await until(lambda: fake.responses_to("sock"))
    [card] = fake.responses_to("sock")
    assert card["response_type"] == "ephemeral" and card["blocks"][0]["text"]["text"].startswith("Amazon EFS")
    stop.set()
    assert await asyncio.wait_for(running, 10) == 0
