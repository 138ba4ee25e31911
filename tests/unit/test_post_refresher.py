"""The answered-count edits: one at a time per post, and the last one always sees the last answer."""

from __future__ import annotations

import asyncio
from datetime import date

from bot.core.daily import PostRefresher
from bot.core.models import ChannelSettings, MessageRef, Post, Reply
from tests.conftest import Channel, member

SETTINGS = ChannelSettings("test", "T", "C1", id=1)
POST = Post(1, 1, date(2026, 11, 23), "efs-001", None, "m1", None)


class SlowQuiz:
    """refresh_post reads the count, then waits until the test lets its edit land."""

    def __init__(self) -> None:
        self.answers = 0
        self.edits: list[int] = []
        self.started = asyncio.Event()
        self.release = asyncio.Event()
        self.in_flight = 0
        self.most_in_flight = 0

    async def refresh_post(self, settings: ChannelSettings, post_id: int) -> None:
        count = self.answers
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        self.started.set()
        await self.release.wait()
        self.edits.append(count)
        self.in_flight -= 1


async def test_an_answer_during_an_edit_gets_one_more_edit_after_it():
    quiz = SlowQuiz()
    refresher = PostRefresher(0.0, quiz)  # type: ignore[arg-type]
    quiz.answers = 1
    refresher.touch(SETTINGS, POST)
    await quiz.started.wait()  # the first edit read count 1 and is in flight
    quiz.answers = 2
    refresher.touch(SETTINGS, POST)
    quiz.answers = 3
    refresher.touch(SETTINGS, POST)
    for _ in range(5):  # give a second edit every chance to start while the first is in flight
        await asyncio.sleep(0)
    quiz.release.set()
    await refresher.flush()
    assert quiz.edits == [1, 3]
    assert quiz.most_in_flight == 1  # two edits in flight at once could land in either order


async def test_settle_waits_for_the_edit_in_flight_and_lets_none_follow_it():
    quiz = SlowQuiz()
    refresher = PostRefresher(0.0, quiz)  # type: ignore[arg-type]
    quiz.answers = 1
    refresher.touch(SETTINGS, POST)
    await quiz.started.wait()
    quiz.answers = 2
    refresher.touch(SETTINGS, POST)  # the last click before the close: the reveal will show it
    settled = asyncio.create_task(refresher.settle(POST.id))
    await asyncio.sleep(0)
    assert not settled.done()
    quiz.release.set()
    await settled
    await refresher.flush()
    assert quiz.edits == [1]


async def test_settle_drops_an_edit_still_waiting_for_its_time():
    """The close reveals the post at once: it does not wait out the interval of a count edit the reveal
    replaces anyway."""
    quiz = SlowQuiz()
    quiz.release.set()
    refresher = PostRefresher(60.0, quiz)  # type: ignore[arg-type]
    refresher.touch(SETTINGS, POST)
    await asyncio.wait_for(refresher.settle(POST.id), 1)
    await asyncio.wait_for(refresher.flush(), 1)
    assert quiz.edits == []


async def test_stopping_does_not_wait_forever_for_a_count_edit_the_platform_never_answers(core, caplog):
    """SIGTERM flushes the answered-counts, within the drain bound: a platform that never answers an edit
    (no timeout of its own) cannot keep the bot from stopping."""
    channel = Channel(core)
    await channel.say("/studybot post-now")
    settings = await core.store.get_channel(channel.ref)
    post = await core.store.latest_post(settings.id)
    never = asyncio.Event()
    edits: list[str] = []

    async def edit_never_answered(message: MessageRef, reply: Reply) -> None:
        edits.append(message.message_id)
        await never.wait()

    core.daily.platform.edit = edit_never_answered
    question = core.library.bank.questions[post.question_id]
    value = "+".join(str(i) for i in sorted(question.answer))
    assert (await channel.click("answer", f"{post.id}:{value}", member(1))).kind == "result"
    while not edits:  # the count edit is on its way, and will never come back
        await asyncio.sleep(0)
    await asyncio.wait_for(core.drain(timeout=0.2), 5)
    assert "answered-counts" in caplog.text
    assert await core.store.answer_count(post.id) == 1  # the answer itself was never in doubt
