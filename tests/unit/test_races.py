"""Races a busy channel meets: a send that times out after arriving, a click that meets the reveal."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from bot.app import Core, Library, build_core, start_scheduler
from bot.config import Settings
from bot.core.choices import encode_choice
from bot.core.delivery import Sleep
from bot.schedule import Scheduler
from tests.conftest import CHANNEL, Channel, member
from tests.fakes.clock import FixedClock
from tests.fakes.platform import RecordingPlatform


class ArrivesThenTimesOut(RecordingPlatform):
    """The first daily post reaches the channel, but its response times out (as a slow API does)."""

    def __init__(self) -> None:
        super().__init__()
        self.lose_next_confirmations = 1


async def no_sleep(_: float) -> None:
    return None


@asynccontextmanager
async def set_up_at_eight(
    fixture_settings: Settings, library: Library, clock: FixedClock, platform: RecordingPlatform, sleep: Sleep
) -> AsyncIterator[tuple[Core, Channel, Scheduler]]:
    """A channel set up at 08:00 in Seoul on `platform` (retries waiting with `sleep`), and its scheduler;
    the clock then reads 09:00, the post's time."""
    clock.set(datetime(2026, 11, 22, 23, 0, tzinfo=UTC))  # Monday 08:00 in Seoul
    core = await build_core(fixture_settings, platform, library=library, clock=clock, refresh_seconds=0.0, sleep=sleep)
    channel = Channel(core)
    try:
        await channel.say("/studybot setup")
        scheduler = await start_scheduler(core, live=False)
        clock.set(datetime(2026, 11, 23, 0, 0, tzinfo=UTC))  # 09:00
        yield core, channel, scheduler
    finally:
        await core.close()


async def test_a_post_whose_answer_was_lost_is_adopted_not_sent_again(fixture_settings, library, clock):
    platform = ArrivesThenTimesOut()
    async with set_up_at_eight(fixture_settings, library, clock, platform, no_sleep) as (core, channel, scheduler):
        await scheduler.run_job("post", CHANNEL)
        # The first send arrived although its answer was lost: the retry found it and adopted it.
        [copy] = platform.posts("question")
        settings = await core.store.get_channel(CHANNEL)
        record = await core.store.outbox_get(f"post:{(await core.store.latest_post(settings.id)).id}")
        assert (record.state, record.message_id, record.attempts) == ("sent", copy.message_id, 2)
        copies = [copy]
        post = await core.store.latest_post(settings.id)
        question = library.bank.questions[post.question_id]
        right = next(b.value for b in copies[0].reply.buttons if b.value.endswith(encode_choice(question.answer)))
        reply = await channel.click("answer", right, member(1))
        assert reply.kind == "result" and "Correct" in reply.title


async def test_a_click_that_meets_the_reveal_is_refused_not_counted_behind_its_back(core, channel):
    await channel.say("/studybot setup")
    await channel.say("/studybot post-now")
    settings = await core.store.get_channel(CHANNEL)
    post = await core.store.latest_post(settings.id)
    question = core.library.bank.questions[post.question_id]
    real_get_post = core.store.get_post

    async def get_post_then_close(post_id: int):  # the reveal lands between the click's read and its write
        found = await real_get_post(post_id)
        core.store.get_post = real_get_post
        await core.daily.close(settings, found)
        return found

    core.store.get_post = get_post_then_close
    reply = await channel.click("answer", f"{post.id}:{encode_choice(question.answer)}", member(1))
    assert reply.kind == "error" and "closed" in reply.body
    assert await core.store.answers_to(post.id) == []
    assert await core.store.board(settings.id, "all", None, 10) == []


class ArrivesUnseen(ArrivesThenTimesOut):
    """The first post arrives and times out, and the platform's search cannot see it either."""

    async def find(self, channel, key, reply, *, parent=None):  # type: ignore[no-untyped-def]
        return None


async def test_a_post_sent_again_after_members_answered_the_first_copy_shows_their_answers(
    fixture_settings, library, clock
):  # type: ignore[no-untyped-def]
    """Only the first try of a post can skip reading its answer count (no message exists before it); a
    later try counts the answers members gave on a copy that arrived unseen."""
    platform = ArrivesUnseen()
    clicked: list[str] = []

    async def a_member_answers_the_first_copy_meanwhile(_: float) -> None:
        if not clicked:
            [first] = platform.posts("question")
            clicked.append(first.reply.buttons[0].value)
            await channel.click("answer", clicked[0], member(1))

    meanwhile = a_member_answers_the_first_copy_meanwhile
    async with set_up_at_eight(fixture_settings, library, clock, platform, meanwhile) as (_, channel, scheduler):
        await scheduler.run_job("post", CHANNEL)
        first, again = platform.posts("question")
        assert clicked and first.reply.footer.endswith("0명 응답")
        assert again.reply.footer.endswith("1명 응답")
