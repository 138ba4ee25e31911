"""A real `studybot run discord` process on the fake Discord, stopped with SIGTERM at awkward moments.

- While Discord holds the daily post's request (before it made the message, or after): the process
  finishes the post before it lets go of Discord (or, past its drain bound, leaves it "sending" for the
  next start to adopt); after a restart the channel has exactly one question, and its buttons answer.
- In the middle of a burst of clicks: every click that was told "correct" or "wrong" is in the database
  file and every answer in the file was told; a click that came while the bot was stopping got the clear
  refusal ("studybot is restarting ... Nothing was recorded.") or nothing at all, and was not stored.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.core.i18n import Catalog
from tests.fakes.discord import FakeDiscord, Interaction
from tests.fakes.discord_payloads import CHANNEL, custom_ids, ephemeral
from tests.integration.crash_harness import Studybot, records, stored_answers, until
from tests.integration.test_crash_discord import World, set_up, target

CATALOG = Catalog.load()
# What a member is told about a daily answer (the channel speaks Korean), and the refusal while stopping
# (in the member's own language, en-US: the channel is not looked up while stopping).
RESULTS = (CATALOG.t("ko", "quiz.correct_points", points=0).split("+")[0], CATALOG.t("ko", "quiz.wrong_daily"))
STOPPING = CATALOG.t("en", "router.stopping")
POSTED = CATALOG.t("ko", "admin.posted")


@pytest.fixture
async def world(fake_discord: FakeDiscord, tmp_path: Path) -> World:
    fake_discord.nonces_forgotten = True  # a restart must find a message itself, not lean on the nonce
    return World(fake_discord, tmp_path)


def bodies(fake: FakeDiscord, payload: dict[str, Any]) -> list[str]:
    """Everything the bot sent in answer to one interaction: the callback, the edit of a deferred
    response, follow-ups (as JSON text)."""
    token = payload["token"]
    paths = (f"/interactions/{payload['id']}/{token}/callback", f"/webhooks/{fake.application_id}/{token}")
    return [
        json.dumps(call.body, ensure_ascii=False)
        for call in fake.calls
        if call.method in ("POST", "PATCH") and call.status < 300 and call.path.startswith(paths)
    ]


def told(fake: FakeDiscord, payload: dict[str, Any]) -> str:
    """ "result" (told correct or wrong), "stopping" (the refusal), "deferred" (only "thinking...") or ""."""
    sent = bodies(fake, payload)
    if any(marker in body for body in sent for marker in RESULTS):
        return "result"
    if any(STOPPING in body for body in sent):
        return "stopping"
    return "deferred" if sent else ""


async def restart_and_check_one_post(world: World) -> Studybot:
    """Restart; once the reconciler settled everything: one question in the channel, and a click on it
    is answered."""
    bot = await world.start()
    await until(lambda: all(state in ("sent", "missed", "failed") for state, _ in records(world.db).values()), 40)
    assert {state for key, (state, _) in records(world.db).items() if key.startswith("post:")} == {"sent"}
    [post] = world.daily_posts()
    payload = world.say.click(post, custom_ids(post)[0], who=7)
    click = await world.fake.interact(payload)
    assert ephemeral(click.body) and told(world.fake, payload) == "result"
    again = await world.admin("post-now")  # the day's question exists: not a second one
    assert again["data"]["content"] == CATALOG.t("ko", "admin.already_posted")
    assert len(world.daily_posts()) == 1
    return bot


async def post_held_then_sigterm(world: World, bot: Studybot, step: str, trigger: str) -> tuple[Studybot, Any]:
    """Arm the hold, make the post go out (by `post-now`, or by the schedule's catch-up on a restart),
    and SIGTERM the process while Discord holds the request."""
    method, path = target("post")
    hold = world.fake.hold_before(method, path) if step == "before" else world.fake.hold_after(method, path)
    acting = None
    if trigger == "post-now":
        acting = asyncio.ensure_future(world.admin("post-now"))
    else:
        now = datetime.now(UTC)
        due = max(now - timedelta(minutes=1), now.replace(hour=0, minute=0))  # today, a minute ago
        await world.admin(f"time {due:%H:%M}")  # due a minute ago: the next start posts it at once
        assert await bot.stop() == 0
        bot = await world.start()
    await asyncio.wait_for(world.fake.arrived.wait(), 30)
    bot.terminate()
    return bot, (hold, acting)


@pytest.mark.parametrize("trigger", ["post-now", "schedule"])
@pytest.mark.parametrize("step", ["before", "made"])
async def test_sigterm_while_discord_holds_the_post_finishes_it_then_stops(world: World, step: str, trigger: str):
    bot = await world.start()
    try:
        await set_up(world, bot)
        bot, (hold, acting) = await post_held_then_sigterm(world, bot, step, trigger)
        await asyncio.sleep(0.5)
        assert bot.process is not None and bot.process.returncode is None  # stopping waits for the post...
        hold.set()  # ...and Discord answers within the drain bound
        assert await bot.wait() == 0
        [(state, message_id)] = [r for key, r in records(world.db).items() if key.startswith("post:")]
        assert state == "sent"
        [post] = world.daily_posts()
        assert post["id"] == message_id
        if acting is not None:  # the admin was told it was posted
            await acting
            admin = [i.payload for i in world.fake.interactions.values() if i.payload["data"].get("name")][-1]
            assert any(POSTED in body for body in bodies(world.fake, admin))
        bot = await restart_and_check_one_post(world)
    finally:
        await bot.stop()
        print(bot.output()[-3000:])


async def test_sigterm_while_discord_holds_the_post_past_the_drain_bound(world: World):
    """Discord made the message but never answers before the drain bound (10 s) runs out (the case of
    issue 11: the session closed under the send, the claim released, a second question after the
    restart): the process still ends, the post left "sending", and the next start adopts the message.
    (A post whose request died before Discord made anything: test_crash_discord's "before" step.)"""
    bot = await world.start()
    try:
        await set_up(world, bot)
        bot, (hold, acting) = await post_held_then_sigterm(world, bot, "made", "post-now")
        assert await bot.wait(timeout=30) == 0
        hold.set()  # Discord's answer goes nowhere: the process is gone
        assert acting is not None
        await asyncio.gather(acting, return_exceptions=True)
        assert records(world.db)["post:1"][0] == "sending"  # its outcome unknown to the store, not released
        assert len(world.daily_posts()) == 1
        bot = await restart_and_check_one_post(world)
    finally:
        await bot.stop()
        print(bot.output()[-3000:])


async def test_sigterm_in_a_burst_of_clicks_stores_exactly_the_answers_it_confirmed(world: World):
    bot = await world.start()
    try:
        await set_up(world, bot)
        await world.admin("post-now")
        [post] = world.daily_posts()
        choices = custom_ids(post)
        clicks = [world.say.click(post, choices[n % len(choices)], who=100 + n) for n in range(60)]

        async def dispatch(payload: dict[str, Any]) -> None:
            world.fake.interactions[payload["id"]] = Interaction(payload)
            await world.fake.dispatch("INTERACTION_CREATE", payload)

        # Discord is slow with the answered-count edit, so stopping takes a moment: clicks keep coming.
        edit = world.fake.hold_before("PATCH", rf"/channels/{CHANNEL}/messages/{post['id']}")
        for payload in clicks[:20]:  # a burst...
            await dispatch(payload)
        bot.terminate()  # ...SIGTERM in its middle...
        for payload in clicks[20:40]:  # ...and more clicks, as members do not know
            await dispatch(payload)
            await asyncio.sleep(0.01)
        await until(lambda: "stopping: finishing what is under way" in bot.output(), 20)
        for payload in clicks[40:50]:  # while the bot is stopping
            await dispatch(payload)
        await until(lambda: all(told(world.fake, p) in ("result", "stopping") for p in clicks[40:50]), 20)
        edit.set()
        assert await bot.wait() == 0
        for payload in clicks[50:]:  # after it stopped: nobody hears them
            await dispatch(payload)

        outcomes = {str(1100 + n): told(world.fake, p) for n, p in enumerate(clicks)}
        answers = stored_answers(world.db)
        confirmed = {user for user, outcome in outcomes.items() if outcome == "result"}
        assert set(answers) == confirmed  # every confirmed click stored, every stored click confirmed
        assert set(answers.values()) <= {int(choices[0].split(":")[1])}  # all on the one post
        refused = {user for user, outcome in outcomes.items() if outcome == "stopping"}
        assert {outcome for outcome in outcomes.values()} <= {"result", "stopping", ""}  # none left "thinking"
        assert {str(1140 + n) for n in range(10)} <= refused  # clicks during the stop: the clear refusal
        assert not refused & set(answers)
        assert confirmed, "no click was answered before the stop"
        assert {outcomes[str(1150 + n)] for n in range(10)} == {""}
        print(f"confirmed {len(confirmed)}, refused {len(refused)}, unanswered {list(outcomes.values()).count('')}")
        bot = await world.start()  # and after a restart the answers are all there, counted once
        assert stored_answers(world.db) == answers
    finally:
        await bot.stop()
        print(bot.output()[-3000:])
