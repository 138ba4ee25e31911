"""The answered-count edits: one at a time per post, the newest count last, never after the reveal."""

from __future__ import annotations

import asyncio

from bot.app import build_core
from bot.core.choices import encode_choice
from bot.core.models import MessageRef, Reply
from tests.conftest import Channel, member
from tests.unit.test_daily import post_today


class SlowEdits:
    """Holds every edit of the platform until released, counting those on their way."""

    def __init__(self, platform) -> None:  # type: ignore[no-untyped-def]
        self.platform = platform
        self.release = asyncio.Event()
        self.in_flight = 0
        self.most_in_flight = 0
        self._edit = platform.edit
        platform.edit = self.edit

    def __enter__(self) -> SlowEdits:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()  # never leave an edit hanging, even when an assert failed

    async def edit(self, message: MessageRef, reply: Reply) -> None:
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await self.release.wait()
            await self._edit(message, reply)
        finally:
            self.in_flight -= 1


async def settle(channel: Channel) -> None:
    """Let other tasks run their store reads: the store's one worker serves requests in order."""
    for _ in range(10):
        await channel.core.store.answer_count(0)
        await asyncio.sleep(0)


async def test_answers_during_a_slow_edit_end_with_the_newest_count(channel: Channel, platform):
    with SlowEdits(platform) as slow:
        await answers_during_a_slow_edit(channel, platform, slow)


async def answers_during_a_slow_edit(channel: Channel, platform, slow: SlowEdits) -> None:  # type: ignore[no-untyped-def]
    post, question = await post_today(channel)
    right = f"{post.id}:{encode_choice(question.answer)}"
    await channel.click("answer", right, member(1))
    await settle(channel)
    assert slow.in_flight == 1  # the first count is on its way and hangs
    await channel.click("answer", right, member(2))
    await channel.click("answer", right, member(3))
    await settle(channel)
    assert slow.in_flight == 1  # no second edit races the first
    slow.release.set()
    await channel.core.daily.refresher.flush()
    await settle(channel)
    counts = [e.reply.footer for e in platform.edits("question")]
    assert len(counts) == 2 and counts[-1].endswith("3명 응답")
    assert slow.most_in_flight == 1


async def test_the_reveal_waits_for_an_edit_on_its_way(channel: Channel, platform):
    with SlowEdits(platform) as slow:
        await reveal_during_a_slow_edit(channel, platform, slow)


async def reveal_during_a_slow_edit(channel: Channel, platform, slow: SlowEdits) -> None:  # type: ignore[no-untyped-def]
    post, question = await post_today(channel)
    await channel.click("answer", f"{post.id}:{encode_choice(question.answer)}", member(1))
    await settle(channel)
    closing = asyncio.create_task(channel.say("/studybot close-now"))
    await settle(channel)
    assert platform.edits("reveal") == [] and slow.in_flight == 1
    slow.release.set()
    await closing
    assert [e.reply.kind for e in platform.edits()] == ["question", "reveal"]


async def test_close_now_reveals_at_once_without_the_count_edit_still_waiting_for_its_time(
    fixture_settings, library, clock, platform
):  # type: ignore[no-untyped-def]
    """Count edits wait `refresh_seconds` after a click so that a burst shares one; the admin's close-now
    right after a click reveals at once, and the count edit never comes after it."""
    core = await build_core(fixture_settings, platform, library=library, clock=clock, refresh_seconds=60.0)
    try:
        channel = Channel(core)
        post, question = await post_today(channel)
        await channel.click("answer", f"{post.id}:{encode_choice(question.answer)}", member(1))
        reply = await asyncio.wait_for(channel.say("/studybot close-now"), 5)
        assert reply.kind != "error", reply.body
        await asyncio.wait_for(core.daily.refresher.flush(), 5)
        assert [e.reply.kind for e in platform.edits()] == ["reveal"]
    finally:
        await core.close()
