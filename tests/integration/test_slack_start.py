"""`run_slack` at its edges: refused app tokens, a busy port, a failing start, auth.test missing,
and Socket Mode envelopes bolt cannot read."""

from __future__ import annotations

import asyncio
import socket
import uuid
from typing import Any

import pytest

import bot.app
from bot.app import Core, run_slack
from bot.config import ConfigError
from bot.core.ports import StoreError
from tests.fakes.slack_driver import SlackDriver
from tests.integration.slack_harness import until
from tests.integration.test_slack_run import free_port, slack_settings

SECRET = "start-test-signing-secret"


@pytest.fixture
def built(monkeypatch: pytest.MonkeyPatch) -> list[Core]:
    """Every core run_slack builds, to see that it was closed."""
    cores: list[Core] = []
    original = bot.app.build_core

    async def keep(*args: Any, **kwargs: Any) -> Core:
        core = await original(*args, **kwargs)
        cores.append(core)
        return core

    monkeypatch.setattr(bot.app, "build_core", keep)
    return cores


async def closed(core: Core) -> bool:
    try:
        await core.store.remember_member("slack", "U9", "probe")
    except StoreError:
        return True
    return False


@pytest.mark.parametrize("error", ["invalid_auth", "not_authed", "token_revoked", "not_allowed_token_type"])
async def test_a_refused_app_token_ends_the_start_at_once(fixture_settings, fake, built, error):
    fake.fail("apps.connections.open", error)
    settings = slack_settings(fixture_settings, fake, SLACK_BOT_TOKEN="xoxb-ok", SLACK_APP_TOKEN="xapp-refused")
    with pytest.raises(ConfigError, match="SLACK_APP_TOKEN") as refused:
        await asyncio.wait_for(run_slack(settings, None, stop=asyncio.Event()), 10)
    assert error in str(refused.value) and "xapp-refused" not in str(refused.value)
    assert built == []  # refused before anything was built or posted


async def test_a_port_in_use_is_a_clear_error_and_the_core_is_closed(fixture_settings, fake, built):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        settings = slack_settings(fixture_settings, fake, SLACK_BOT_TOKEN="xoxb-ok", SLACK_SIGNING_SECRET=SECRET)
        with pytest.raises(ConfigError, match=f"127.0.0.1:{port}") as refused:
            await asyncio.wait_for(run_slack(settings, port, stop=asyncio.Event()), 10)
    assert "--http" in str(refused.value) and "xoxb-ok" not in str(refused.value)
    [core] = built
    assert await closed(core)


async def test_a_failing_start_closes_the_core(fixture_settings, fake, built, monkeypatch):
    async def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the scheduler would not start")

    monkeypatch.setattr(bot.app.Core, "start", broken)
    settings = slack_settings(fixture_settings, fake, SLACK_BOT_TOKEN="xoxb-ok", SLACK_SIGNING_SECRET=SECRET)
    with pytest.raises(RuntimeError):
        await run_slack(settings, free_port(), stop=asyncio.Event())
    [core] = built
    assert await closed(core)


async def test_commands_work_when_auth_test_failed_at_start(fixture_settings, fake):
    fake.fail_always("auth.test", "fatal_error")
    port = free_port()
    settings = slack_settings(fixture_settings, fake, SLACK_BOT_TOKEN="xoxb-ok", SLACK_SIGNING_SECRET=SECRET)
    stop = asyncio.Event()
    running = asyncio.create_task(run_slack(settings, port, stop=stop))
    driver = SlackDriver(f"http://127.0.0.1:{port}/slack/events", SECRET, fake)

    async def answered() -> bool:
        try:
            return (await driver.command("/aws efs", "U1", key="card")).status == 200
        except OSError:  # not listening yet
            return False

    for _ in range(250):
        if running.done() or await answered():
            break
        await asyncio.sleep(0.02)
    await until(lambda: fake.responses_to("card"))
    assert fake.responses_to("card")[0]["blocks"][0]["text"]["text"].startswith("Amazon EFS")
    assert len(fake.calls_to("auth.test", ok_only=False)) == 1  # the one at start
    stop.set()
    assert await asyncio.wait_for(running, 10) == 0


def envelope(payload: object, kind: str = "events_api") -> dict[str, Any]:
    return {"envelope_id": str(uuid.uuid4()), "type": kind, "accepts_response_payload": False, "payload": payload}


async def test_socket_mode_acknowledges_every_envelope_and_refuses_the_malformed(fixture_settings, fake):
    settings = slack_settings(fixture_settings, fake, SLACK_BOT_TOKEN="xoxb-sock", SLACK_APP_TOKEN="xapp-sock")
    stop = asyncio.Event()
    running = asyncio.create_task(run_slack(settings, None, stop=stop))
    await asyncio.wait_for(fake.connected.wait(), 10)
    odd = [
        envelope([1, 2]),  # a list where an object belongs
        envelope({"type": "event_callback", "event_id": "E1", "event": "x"}),  # an event that is a string
        envelope({"type": "event_callback", "event_id": "E2", "event": {"type": "reaction_added"}}),  # unhandled
        envelope({"type": "view_submission", "user": {"id": "U1"}, "view": {"callback_id": "x"}}, "interactive"),
    ]
    for sent in odd:
        await fake.send_envelope(sent)
        ack = await asyncio.wait_for(fake.socket_acks.get(), 5)
        assert ack == {"envelope_id": sent["envelope_id"]}
    mention = {"type": "app_mention", "user": "U1", "text": "<@UBOT> aws efs", "channel": "C1", "ts": "1.1"}
    await fake.send_envelope(envelope({"type": "event_callback", "team_id": "T1", "event_id": "E3", "event": mention}))
    await asyncio.wait_for(fake.socket_acks.get(), 5)
    await until(lambda: fake.ephemerals)
    [card] = fake.ephemerals
    assert card["user"] == "U1" and card["blocks"][0]["text"]["text"].startswith("Amazon EFS")
    assert fake.channel_messages() == [] and fake.responses == []
    stop.set()
    assert await asyncio.wait_for(running, 10) == 0
