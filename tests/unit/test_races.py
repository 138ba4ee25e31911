"""Races a busy channel meets: a send that times out after arriving, a click that meets the reveal."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.app import start_scheduler
from bot.core.choices import encode_choice
from bot.core.models import ChannelRef, MessageRef, Reply
from tests.conftest import CHANNEL, Channel, member
from tests.fakes.platform import RecordingPlatform


class ArrivesThenTimesOut(RecordingPlatform):
    """The first daily post reaches the channel, but its response times out (as a slow API does)."""

    def __init__(self) -> None:
        super().__init__()
        self.timed_out = False

    async def post(self, channel: ChannelRef, reply: Reply) -> MessageRef:
        ref = await super().post(channel, reply)
        if reply.kind == "question" and not self.timed_out:
            self.timed_out = True
            raise TimeoutError
        return ref


async def no_sleep(_: float) -> None:
    return None


async def test_a_retried_post_repeats_the_same_question_so_every_copy_scores_right(fixture_settings, library, clock):
    from bot.app import build_core

    platform = ArrivesThenTimesOut()
    clock.set(datetime(2026, 11, 22, 23, 0, tzinfo=UTC))  # Monday 08:00 in Seoul
    core = await build_core(
        fixture_settings, platform, library=library, clock=clock, refresh_seconds=0.0, sleep=no_sleep
    )
    channel = Channel(core)
    try:
        await channel.say("/studybot setup")
        scheduler = await start_scheduler(core, live=False)
        clock.set(datetime(2026, 11, 23, 0, 0, tzinfo=UTC))  # 09:00
        await scheduler.run_job("post", CHANNEL)
        copies = platform.posts("question")
        assert len(copies) == 2  # the first arrived although its send timed out; the retry sent it again
        assert copies[0].reply.body == copies[1].reply.body
        assert [b.value for b in copies[0].reply.buttons] == [b.value for b in copies[1].reply.buttons]
        settings = await core.store.get_channel(CHANNEL)
        post = await core.store.latest_post(settings.id)
        question = library.bank.questions[post.question_id]
        right = next(b.value for b in copies[0].reply.buttons if b.value.endswith(encode_choice(question.answer)))
        reply = await channel.click("answer", right, member(1))
        assert reply.kind == "result" and "Correct" in reply.title
    finally:
        await core.close()


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
    assert await core.store.board(settings.id, None, None, 10) == []


async def test_post_ids_are_never_reused_after_a_release(core, channel):
    await channel.say("/studybot setup")
    settings = await core.store.get_channel(CHANNEL)
    day = datetime(2026, 11, 23).date()
    first = await core.store.claim_post(settings.id, day, "efs-001", core.clock.now())
    await core.store.release_post(first.id)
    second = await core.store.claim_post(settings.id, day, "efs-002", core.clock.now())
    assert second.id != first.id  # a stale button carrying the first id must not reach the second question
