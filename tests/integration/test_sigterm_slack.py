"""A real `studybot run slack --http` process on the fake Slack, stopped with SIGTERM at awkward moments.

- While Slack holds the daily post's chat.postMessage (before it made the message, or after): the
  process finishes the post before it stops (or, past its drain bound, leaves it "sending" for the
  next start to find by its metadata); after a restart the channel has exactly one question, and its
  buttons answer.
- In the middle of a burst of clicks: every click that was told "correct" or "wrong" (through its
  response_url or chat.postEphemeral) is in the database file and every answer in the file was told;
  every click Slack saw acknowledged was answered; a click that came after the listener closed got no
  reply (Slack shows its own "didn't respond") and was not stored.
"""

from __future__ import annotations

import asyncio
import json
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest

from bot.core.i18n import Catalog
from tests.fakes.slack import FakeSlack
from tests.integration.crash_harness import Studybot, records, stored_answers, until
from tests.integration.test_crash_slack import World, arm

CATALOG = Catalog.load()
RESULTS = (CATALOG.t("ko", "quiz.correct_points", points=0).split("+")[0], CATALOG.t("ko", "quiz.wrong_daily"))
POSTED = CATALOG.t("ko", "admin.posted")


@pytest.fixture
async def world(tmp_path: Path):  # type: ignore[no-untyped-def]
    fake = await FakeSlack().start()
    yield World(fake, tmp_path)
    await fake.close()


def replies(world: World, key: str, user: str) -> list[str]:
    """Everything the bot told one click: its response_url posts and any chat.postEphemeral to the user."""
    sent = world.fake.responses_to(key) + [e for e in world.fake.ephemerals if e.get("user") == user]
    return [json.dumps(body, ensure_ascii=False) for body in sent]


def told(world: World, key: str, user: str) -> str:
    sent = replies(world, key, user)
    if any(marker in body for body in sent for marker in RESULTS):
        return "result"
    return "other" if sent else ""


async def set_up(world: World) -> None:
    now = datetime.now(UTC)
    assert now.hour < 23 or now.minute < 58, "too close to midnight UTC for this test"
    for command in ("setup", "timezone UTC", "days mon-sun", "close 23:59", "time 00:00"):
        await world.admin(command)


async def restart_and_check_one_post(world: World) -> Studybot:
    bot = await world.start()
    await until(lambda: all(state in ("sent", "missed", "failed") for state, _ in records(world.db).values()), 40)
    assert {state for key, (state, _) in records(world.db).items() if key.startswith("post:")} == {"sent"}
    [post] = world.posts()
    assert (await world.driver.click(post, "answer:0", "U2", key="after")).status == 200
    await until(lambda: told(world, "after", "U2") == "result", 20)  # its buttons work
    before = len(world.fake.responses)
    await world.admin("post-now")  # the day's question exists: not a second one
    [already] = [json.dumps(r.body, ensure_ascii=False) for r in world.fake.responses[before:]]
    assert CATALOG.t("ko", "admin.already_posted") in already
    assert len(world.posts()) == 1
    return bot


async def post_held_then_sigterm(world: World, bot: Studybot, step: str, trigger: str) -> Studybot:
    if trigger == "post-now":
        arm(world, "post", step)
        assert (await world.driver.command("/studybot post-now", "U0", key="post-now")).status == 200
    else:
        now = datetime.now(UTC)
        due = max(now - timedelta(minutes=1), now.replace(hour=0, minute=0))  # today, a minute ago
        await world.admin(f"time {due:%H:%M}")  # due a minute ago: the next start posts it at once
        assert await bot.stop() == 0
        arm(world, "post", step)
        bot = await world.start()
    await asyncio.wait_for(world.fake.arrived["chat.postMessage"].wait(), 30)
    bot.terminate()
    return bot


@pytest.mark.parametrize("trigger", ["post-now", "schedule"])
@pytest.mark.parametrize("step", ["before", "made"])
async def test_sigterm_while_slack_holds_the_post_finishes_it_then_stops(world: World, step: str, trigger: str):
    bot = await world.start()
    try:
        await set_up(world)
        bot = await post_held_then_sigterm(world, bot, step, trigger)
        await asyncio.sleep(0.5)
        assert bot.process is not None and bot.process.returncode is None  # stopping waits for the post...
        world.release.set()  # ...and Slack answers within the drain bound
        assert await bot.wait() == 0
        [(state, ts)] = [r for key, r in records(world.db).items() if key.startswith("post:")]
        [post] = world.posts()
        assert state == "sent" and post.ts == ts
        if trigger == "post-now":  # the admin was told
            assert any(POSTED in body for body in replies(world, "post-now", "U0"))
        bot = await restart_and_check_one_post(world)
    finally:
        await bot.stop()
        print(bot.output()[-3000:])


async def test_sigterm_while_slack_holds_the_post_past_the_drain_bound(world: World):
    """Slack made the message but never answers before the drain bound (10 s) runs out: the process still
    ends, the post left "sending", and the next start finds the message by its metadata and adopts it.
    (A post whose request died before Slack made anything: test_crash_slack's "before" step.)"""
    bot = await world.start()
    try:
        await set_up(world)
        bot = await post_held_then_sigterm(world, bot, "made", "post-now")
        assert await bot.wait(timeout=30) == 0
        world.release.set()  # Slack's answer goes nowhere: the process is gone
        assert records(world.db)["post:1"][0] == "sending"  # its outcome unknown to the store, not released
        assert len(world.posts()) == 1
        bot = await restart_and_check_one_post(world)
    finally:
        await bot.stop()
        print(bot.output()[-3000:])


def listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


async def test_sigterm_in_a_burst_of_clicks_stores_exactly_the_answers_it_confirmed(world: World):
    bot = await world.start()
    try:
        await set_up(world)
        await world.admin("post-now")
        [post] = world.posts()
        choices = [e["action_id"] for b in post.blocks for e in b.get("elements", []) if e.get("type") == "button"]
        users = [f"U{100 + n}" for n in range(50)]
        for user in users:
            world.fake.add_user(user, f"Member {user}")
        statuses: dict[str, int | str] = {}

        async def click(n: int) -> None:
            try:
                sent = await world.driver.click(post, choices[n % len(choices)], users[n], key=f"c{n}")
                statuses[users[n]] = sent.status
            except aiohttp.ClientError as exc:  # the bot no longer listens
                statuses[users[n]] = type(exc).__name__

        # Slack is slow with the answered-count edit, so stopping takes a moment: clicks keep coming.
        edit = world.fake.hold("chat.update")
        burst = [asyncio.ensure_future(click(n)) for n in range(30)]  # thirty members at once...
        await until(lambda: list(statuses.values()).count(200) >= 5, 20)
        bot.terminate()  # ...SIGTERM once the first few were acknowledged, their answers under way...
        for n in range(30, 40):  # ...and more clicks, as members do not know
            burst.append(asyncio.ensure_future(click(n)))
            await asyncio.sleep(0.01)
        await until(lambda: not listening(world.port), 20)  # the listener closes first
        await asyncio.gather(*(click(n) for n in range(40, 50)))  # clicks after that are refused
        edit.set()
        assert await bot.wait() == 0
        await asyncio.gather(*burst)  # a connection caught as the listener closed ends with the process

        answers = stored_answers(world.db)
        outcomes = {users[n]: told(world, f"c{n}", users[n]) for n in range(50)}
        confirmed = {user for user, outcome in outcomes.items() if outcome == "result"}
        assert set(answers) == confirmed  # every confirmed click stored, every stored click confirmed
        acknowledged = {user for user, status in statuses.items() if status == 200}
        assert acknowledged == confirmed  # nothing Slack saw acknowledged was left unanswered
        assert all(outcomes[u] == "" and statuses[u] != 200 for u in users[40:])  # refused: no reply
        assert confirmed, "no click was answered before the stop"
        print(f"confirmed {len(confirmed)}, unanswered {len(users) - len(confirmed)}")
        bot = await world.start()  # after a restart the answers are all there, counted once
        assert stored_answers(world.db) == answers
    finally:
        await bot.stop()
        print(bot.output()[-3000:])
