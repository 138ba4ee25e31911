"""Quiz rules: the daily post, answers and scoring, the reveal, practice questions."""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from zoneinfo import ZoneInfo

from bot.core.choices import choice_options, decode_choice
from bot.core.content import QuestionBank
from bot.core.models import ChannelSettings, Lang, Member, MessageRef, Post, Question, Reply
from bot.core.ports import ChatPlatform, Clock, Store
from bot.core.views import Views

log = logging.getLogger(__name__)

ANSWER = "answer"  # button action of the daily post
PRACTICE = "practice"  # button action of a practice question


@dataclass(frozen=True, slots=True)
class Scoring:
    correct: int = 10
    bonuses: tuple[int, ...] = (3, 2, 1)


class PostResult(Enum):
    POSTED = "posted"
    ALREADY = "already"  # this channel already has today's post


def local_date(moment: datetime, timezone: str) -> date:
    return moment.astimezone(ZoneInfo(timezone)).date()


def choose_question(bank: QuestionBank, exam: str, used: set[str], rng: random.Random) -> Question:
    """An unused question of the track; when every one was used, the cycle starts again."""
    pool = sorted(bank.questions_for_exam(exam) or bank.questions.values(), key=lambda q: q.id)
    unused = [q for q in pool if q.id not in used]
    return rng.choice(unused or pool)


class PostRefresher:
    """Edits a daily post's answered-count at most once per `interval` seconds per post.

    One edit per post at a time: an answer that lands while an edit is on its way asks for another
    edit after it, so a slow or rate-limited edit never overwrites a newer count.
    """

    def __init__(self, interval: float, quiz: Quiz) -> None:
        self._interval = interval
        self._quiz = quiz
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._again: set[int] = set()

    def touch(self, settings: ChannelSettings, post: Post) -> None:
        if post.id in self._tasks:
            self._again.add(post.id)
        else:
            self._tasks[post.id] = asyncio.create_task(self._refresh_later(settings, post.id))

    async def _refresh_later(self, settings: ChannelSettings, post_id: int) -> None:
        try:
            while True:
                await asyncio.sleep(self._interval)
                self._again.discard(post_id)
                try:
                    await self._quiz.refresh_post(settings, post_id)
                except Exception:
                    log.exception(
                        "could not update the answered count of post %s in %s", post_id, settings.channel_id
                    )
                if post_id not in self._again:
                    return
        finally:
            self._tasks.pop(post_id, None)
            self._again.discard(post_id)

    async def wait(self, post_id: int) -> None:
        """Wait until no edit of this post is pending or on its way (before the reveal edits it)."""
        task = self._tasks.get(post_id)
        if task is not None:
            await asyncio.gather(task, return_exceptions=True)

    async def flush(self) -> None:
        """Wait for every pending edit (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks.values()), return_exceptions=True)


class Quiz:
    def __init__(
        self,
        *,
        bank: QuestionBank,
        store: Store,
        clock: Clock,
        platform: ChatPlatform,
        views: Views,
        scoring: Scoring,
        refresh_seconds: float,
        rng: random.Random | None = None,
    ) -> None:
        self.bank = bank
        self.store = store
        self.clock = clock
        self.platform = platform
        self.views = views
        self.scoring = scoring
        self.rng = rng or random.Random()
        self.refresher = PostRefresher(refresh_seconds, self)

    # --- the daily post ---------------------------------------------------------------------

    async def post_daily(self, settings: ChannelSettings, on: date | None = None) -> PostResult:
        """Claim and post the day's question; never twice for one channel and local date."""
        assert settings.id is not None, "the channel must be saved before it gets posts"
        now = self.clock.now()
        day = on or local_date(now, settings.timezone)
        if await self.store.post_on(settings.id, day):
            return PostResult.ALREADY
        used = await self.store.used_question_ids(settings.id)
        question = choose_question(self.bank, settings.exam, used, self.rng)
        post = await self.store.claim_post(settings.id, day, question.id, now)
        if post is None:
            return PostResult.ALREADY
        try:
            message = await self.platform.post(
                settings.ref, self.views.daily_post(question, post, 0, settings.language)
            )
        except BaseException:
            await self.store.release_post(post.id)
            raise
        await self.store.mark_posted(post.id, message.message_id, self.clock.now())
        return PostResult.POSTED

    async def refresh_post(self, settings: ChannelSettings, post_id: int) -> None:
        post = await self.store.get_post(post_id)
        if post is None or post.message_id is None or post.closed_at is not None:
            return
        question = self.bank.questions.get(post.question_id)
        if question is None:
            return
        count = await self.store.answer_count(post.id)
        reply = self.views.daily_post(question, post, count, settings.language)
        await self.platform.edit(MessageRef(settings.ref, post.message_id), reply)

    async def close(self, settings: ChannelSettings, post: Post) -> bool:
        """Reveal a post's answer; False when it was already closed."""
        if not await self.store.claim_close(post.id, self.clock.now()):
            return False
        await self.refresher.wait(post.id)  # an answered-count edit in flight must not land after the reveal
        question = self.bank.questions.get(post.question_id)
        if question is None or post.message_id is None:
            log.warning(
                "post %s in %s cannot be revealed: question or message missing", post.id, settings.channel_id
            )
            return True
        answers = await self.store.answers_to(post.id)
        reply = self.views.reveal(question, post, answers, settings.language)
        try:
            await self.platform.edit(MessageRef(settings.ref, post.message_id), reply)
        except BaseException:
            await self.store.reopen_post(post.id)
            raise
        return True

    async def close_open_posts(self, settings: ChannelSettings) -> int:
        assert settings.id is not None
        closed = 0
        for post in await self.store.open_posts(settings.id):
            closed += await self.close(settings, post)
        return closed

    # --- answers ----------------------------------------------------------------------------

    async def answer_daily(
        self, settings: ChannelSettings, member: Member, post_id: int, choice: str, lang: Lang
    ) -> Reply:
        post = await self.store.get_post(post_id)
        if post is None or post.channel_key != settings.id or post.message_id is None:
            return self.views.error(lang, "quiz.unknown_post")
        question = self.bank.questions.get(post.question_id)
        if question is None:
            return self.views.error(lang, "quiz.question_gone")
        if post.closed_at is not None:
            return self.views.error(lang, "quiz.closed")
        picked = decode_choice(choice, question)
        if picked is None:
            return self.views.error(lang, "quiz.bad_choice", choices=len(choice_options(question)))
        outcome = await self.store.record_answer(
            post,
            member.user_id,
            picked,
            question.is_correct(picked),
            self.scoring.correct,
            self.scoring.bonuses,
            self.clock.now(),
        )
        if not outcome.recorded:
            return self.views.already_answered(question, outcome, lang)
        self.refresher.touch(settings, post)
        return self.views.daily_result(question, outcome, lang)

    def practice_question(self, pool: list[Question], lang: Lang) -> Reply:
        question = self.rng.choice(sorted(pool, key=lambda q: q.id))
        return self.views.practice_question(question, lang)

    async def answer_practice(
        self, settings: ChannelSettings, member: Member, question_id: str, choice: str, lang: Lang
    ) -> Reply:
        question = self.bank.questions.get(question_id)
        if question is None:
            return self.views.error(lang, "quiz.question_gone")
        picked = decode_choice(choice, question)
        if picked is None:
            return self.views.error(lang, "quiz.bad_choice", choices=len(choice_options(question)))
        correct = question.is_correct(picked)
        assert settings.id is not None
        await self.store.record_practice(
            settings.id, member.user_id, question.id, picked, correct, self.clock.now()
        )
        return self.views.practice_result(question, picked, correct, lang)
