"""Clicks nobody should be able to score with: forged post ids, another channel's post, wrong types."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import socket
import time
from urllib.parse import urlsplit

from bot.core.choices import encode_choice
from bot.platforms.slack.server import SHUTDOWN_SECONDS, serve_http
from tests.integration.slack_harness import ADMIN, CHANNEL, SECRET, SlackWorld, until


def listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


async def test_forged_foreign_and_mistyped_clicks_are_refused_and_store_nothing(slack: SlackWorld):
    await slack.run("/studybot post-now", ADMIN, key="post")
    post, question = await slack.todays_post()
    [message] = slack.fake.channel_messages()
    right = f"{post.id}:{encode_choice(question.answer)}"

    def click(key: str, **change: object) -> dict:
        payload = slack.driver.click_payload(message, "answer:0", "U1", key=key)
        action = payload["actions"][0]
        for field, value in change.items():
            if field == "channel":
                payload["channel"] = {"id": value, "name": "other"}
                payload["container"]["channel_id"] = value
            else:
                action[field] = value
        return payload

    cases = {
        "forged": click("forged", value=f"{post.id + 1000}:0"),
        "negative": click("negative", value="-1:0"),
        "huge": click("huge", value="9" * 500 + ":0"),
        "foreign": click("foreign", value=right, channel="C2"),
        "number": click("number", value=12345),
        "list": click("list", value=["1", "0"]),
        "no-choice": click("no-choice", value=f"{post.id}:"),
        "bad-choice": click("bad-choice", value=f"{post.id}:7"),
    }
    for key, payload in cases.items():
        sent = await slack.driver.send_payload(payload)
        assert sent.status == 200, key
    await slack.settle()
    for key in cases:
        replies = slack.fake.responses_to(key) + [e for e in slack.fake.ephemerals if e.get("key") == key]
        assert replies, f"{key}: no reply"
        assert "✅" not in str(replies), key
    assert await slack.core.store.answers_to(post.id) == []  # nothing scored
    [still] = await slack.click(message, "answer:0", "U2", key="real")  # and a real click still works
    assert still["response_type"] == "ephemeral"
    assert len(await slack.core.store.answers_to(post.id)) == 1


# --- requests that are not Slack's at all: malformed headers and bodies --------------------------


async def raw_post(url: str, head: list[tuple[str, str]], body: bytes) -> int:
    """An HTTP POST written byte for byte (headers as latin-1, the body as given): no client library
    to tidy up what it sends. Returns the status code."""
    parts = urlsplit(url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    lines = [
        f"POST {parts.path} HTTP/1.1",
        f"Host: {parts.netloc}",
        f"Content-Length: {len(body)}",
        "Connection: close",
    ]
    lines += [f"{name}: {value}" for name, value in head]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
    await writer.drain()
    status_line = await reader.readline()
    writer.close()
    await writer.wait_closed()
    return int(status_line.split()[1])


def signature(secret: str, timestamp: str, body: bytes) -> str:
    base = b"v0:" + timestamp.encode("latin-1") + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


FORM = "application/x-www-form-urlencoded"


async def test_malformed_signature_headers_get_401_and_no_error_in_the_log(slack: SlackWorld, caplog):
    body = slack.driver.command_body("/studybot post-now", ADMIN).encode()
    now = str(int(time.time()))
    good = signature(SECRET, now, body)
    timestamps = {
        "not a number": "yesterday",
        "superscript digit": now[:-1] + "²",  # str.isdigit() says yes, int() says no
        "negative": "-" + now,
        "float": now + ".5",
        "exponent": "1.7e9",
        "huge": "9" * 40,
        "padded": " " + now,
        "empty": "",
    }
    statuses: dict[str, int] = {}
    for name, ts in timestamps.items():  # each signed over its own timestamp: only the header is wrong
        head = [
            ("Content-Type", FORM),
            ("X-Slack-Request-Timestamp", ts),
            ("X-Slack-Signature", signature(SECRET, ts, body)),
        ]
        statuses[f"timestamp {name}"] = await raw_post(slack.driver.url, head, body)
    signatures = {
        "not hex": "v0=" + "zz" * 32,
        "other version": "v1=" + good[3:],
        "no prefix": good[3:],
        "truncated": good[:-1],
        "latin-1": good[:-1] + "é",
        "empty": "",
        "twice": f"{good},{good}",
    }
    for name, sig in signatures.items():
        head = [("Content-Type", FORM), ("X-Slack-Request-Timestamp", now), ("X-Slack-Signature", sig)]
        statuses[f"signature {name}"] = await raw_post(slack.driver.url, head, body)
    statuses["no timestamp"] = await raw_post(
        slack.driver.url, [("Content-Type", FORM), ("X-Slack-Signature", good)], body
    )
    statuses["no signature"] = await raw_post(
        slack.driver.url, [("Content-Type", FORM), ("X-Slack-Request-Timestamp", now)], body
    )
    statuses["no headers"] = await raw_post(slack.driver.url, [("Content-Type", FORM)], body)
    await slack.settle()
    assert statuses == dict.fromkeys(statuses, 401)
    assert slack.fake.calls == [] and slack.fake.responses == []
    assert await slack.core.store.get_channel(CHANNEL) is None  # nothing was done
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    ok = await raw_post(
        slack.driver.url,
        [("Content-Type", FORM), ("X-Slack-Request-Timestamp", now), ("X-Slack-Signature", good)],
        body,
    )
    assert ok == 200  # the same request, well signed, is taken


async def test_bodies_that_are_not_utf8_or_not_json_get_400_or_401_and_no_error_in_the_log(slack: SlackWorld, caplog):
    now = str(int(time.time()))
    bodies: dict[str, tuple[str, bytes]] = {
        "latin-1 form": (FORM, "command=/aws&text=caf\xe9&user_id=U1&channel_id=C1".encode("latin-1")),
        "invalid bytes": (FORM, b"\xff\xfe\x00payload=\x80\x81"),
        "latin-1 json": ("application/json", '{"type": "event_callback", "x": "\xe9"}'.encode("latin-1")),
        "payload not json": (FORM, b"payload=%7Bnot-json"),
        "payload a list": (FORM, b"payload=%5B1%2C2%5D"),
        "payload a string": (FORM, b"payload=%22block_actions%22"),
        "payload null": (FORM, b"payload=null"),
        "payload percent-escaped bytes": (FORM, b"payload=%FF%FE%7B%7D"),
        "payload with a lone surrogate": (
            FORM,
            b"payload=%7B%22type%22%3A%22block_actions%22%2C%22user%22%3A%22%5Cud800%22%7D",
        ),
        "json truncated": ("application/json", b'{"type": "event_callback", "event": {'),
        "json a number": ("application/json", b"12345"),
        "json nested wrongly": ("application/json", b'{"type": "block_actions", "user": "U1", "channel": []}'),
    }
    signed: dict[str, int] = {}
    unsigned: dict[str, int] = {}
    for name, (kind, body) in bodies.items():
        good = [
            ("Content-Type", kind),
            ("X-Slack-Request-Timestamp", now),
            ("X-Slack-Signature", signature(SECRET, now, body)),
        ]
        signed[name] = await raw_post(slack.driver.url, good, body)
        forged = [("Content-Type", kind), ("X-Slack-Request-Timestamp", now), ("X-Slack-Signature", "v0=" + "0" * 64)]
        unsigned[name] = await raw_post(slack.driver.url, forged, body)
    await slack.settle()
    assert unsigned == dict.fromkeys(bodies, 401)
    assert signed == dict.fromkeys(bodies, 400), signed
    assert slack.fake.calls == [] and slack.fake.responses == []
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    [card] = await slack.run("/aws efs", "U1", key="after")  # and the bot carries on
    assert card["blocks"][0]["text"]["text"].startswith("Amazon EFS")


async def test_a_request_that_never_finishes_cannot_hold_the_stop(slack: SlackWorld):
    """A client that sends its headers and half its body (or a connection caught as the listener closes)
    keeps a request open: stopping waits for it only briefly, not aiohttp's default minute."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    stop = asyncio.Event()
    serving = asyncio.create_task(serve_http(slack.bot.app, SECRET, "127.0.0.1", port, stop))
    await until(lambda: serving.done() or listening(port), 10)
    _, writer = await asyncio.open_connection("127.0.0.1", port)
    head = f"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: {FORM}\r\nContent-Length: 100\r\n\r\n"
    writer.write(head.encode() + b"payload=")  # ...and the other 92 bytes never come
    await writer.drain()
    await asyncio.sleep(0.1)
    stop.set()
    await asyncio.wait_for(serving, SHUTDOWN_SECONDS + 5)  # a bound, not a timing assert
    writer.close()
