"""The daily question: choosing and posting it, answers and scoring, the answered count, the reveal."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from zoneinfo import ZoneInfo

from bot.core.choices import choice_options, decode_choice
from bot.core.content import QuestionBank
from bot.core.context import Context
from bot.core.models import ChannelSettings, Lang, Member, MessageRef, Post, Question, Reply
from bot.core.numbers import parse_id
from bot.core.ports import ChatPlatform, Clock, Store
from bot.core.selection import choose_daily, topic_miss_rates
from bot.core.study_types import MissListener
from bot.core.views import Views

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Scoring:
    correct: int = 10
    bonuses: tuple[int, ...] = (3, 2, 1)


class PostResult(Enum):
    POSTED = "posted"
    ALREADY = "already"  # this channel already has today's post


def local_date(moment: datetime, timezone: str) -> date:
    return moment.astimezone(ZoneInfo(timezone)).date()


def choose_question(
    bank: QuestionBank, exam: str, uses: Mapping[str, int], miss_rates: Mapping[str, float], rng: random.Random
) -> Question:
    """A least-used question of the track, weak topics more likely (rules in bot/core/selection.py)."""
    pool = list(bank.questions_for_exam(exam) or bank.questions.values())
    return choose_daily(pool, uses, miss_rates, rng)


class PostRefresher:
    """Edits a daily post's answered-count at most once per `interval` seconds per post.

    One task per post: answers that arrive while it waits are covered by the edit that follows; an
    answer that arrives while an edit is in flight gets one more edit, so the last edit to land always
    has the latest count (two overlapping edits could otherwise land in the wrong order).
    """

    def __init__(self, interval: float, daily: Daily) -> None:
        self._interval = interval
        self._daily = daily
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._dirty: set[int] = set()

    def touch(self, settings: ChannelSettings, post: Post) -> None:
        if post.id in self._tasks:
            self._dirty.add(post.id)
        else:
            self._tasks[post.id] = asyncio.create_task(self._refresh_later(settings, post.id))

    async def _refresh_later(self, settings: ChannelSettings, post_id: int) -> None:
        try:
            while True:
                await asyncio.sleep(self._interval)
                self._dirty.discard(post_id)
                try:
                    await self._daily.refresh_post(settings, post_id)
                except Exception:
                    log.exception("could not update the answered count of post %s in %s", post_id, settings.channel_id)
                if post_id not in self._dirty:
                    return
        finally:
            self._tasks.pop(post_id, None)
            self._dirty.discard(post_id)

    async def settle(self, post_id: int) -> None:
        """Wait until no answered-count edit of this post is pending or in flight."""
        task = self._tasks.get(post_id)
        if task is not None:
            await asyncio.gather(task, return_exceptions=True)

    async def flush(self) -> None:
        """Wait for every pending edit (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks.values()), return_exceptions=True)


class Daily:
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
        missed: MissListener | None = None,
    ) -> None:
        self.bank = bank
        self.store = store
        self.clock = clock
        self.platform = platform
        self.views = views
        self.scoring = scoring
        self.rng = rng or random.Random()
        self.refresher = PostRefresher(refresh_seconds, self)
        self._missed = missed

    async def missed(self, platform: str, user_id: str, question_id: str) -> None:
        """Tell the review deck; the answer itself is already saved, so a failure here is only logged."""
        if self._missed is None:
            return
        try:
            await self._missed(platform, user_id, question_id)
        except Exception:
            log.exception("could not file the miss of %s on %s for review", user_id, question_id)

    # --- the daily post ---------------------------------------------------------------------

    async def claim_daily(self, settings: ChannelSettings, on: date | None = None) -> tuple[Post, Question] | None:
        """Claim the day's post and choose its question; None when this channel already has that day's post."""
        assert settings.id is not None, "the channel must be saved before it gets posts"
        now = self.clock.now()
        day = on or local_date(now, settings.timezone)
        if await self.store.post_on(settings.id, day):
            return None
        uses = await self.store.question_use_counts(settings.id)
        answers = await self.store.channel_answers(settings.id, None, None)
        rates = topic_miss_rates(((qid, ok) for _, qid, ok, _ in answers), self.bank)
        question = choose_question(self.bank, settings.exam, uses, rates, self.rng)
        post = await self.store.claim_post(settings.id, day, question.id, now)
        return None if post is None else (post, question)

    async def send_daily(self, settings: ChannelSettings, post: Post, question: Question) -> MessageRef:
        """Send a claimed post. Retrying this after a timeout sends the same post id and question, so even
        a message that did arrive the first time has buttons that score against the right question."""
        message = await self.platform.post(settings.ref, self.views.daily_post(question, post, 0, settings.language))
        await self.store.mark_posted(post.id, message.message_id, self.clock.now())
        return message

    async def release_daily(self, post: Post) -> None:
        """Give up a claimed post that could not be sent, so a later attempt can make the day's post."""
        await self.store.release_post(post.id)

    async def post_daily(self, settings: ChannelSettings, on: date | None = None) -> PostResult:
        """Claim and post the day's question once; never twice for one channel and local date."""
        claimed = await self.claim_daily(settings, on)
        if claimed is None:
            return PostResult.ALREADY
        post, question = claimed
        try:
            await self.send_daily(settings, post, question)
        except BaseException:
            await self.release_daily(post)
            raise
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
        # Closed in the store: no new count edit starts; one in flight must land before the reveal.
        await self.refresher.settle(post.id)
        question = self.bank.questions.get(post.question_id)
        if question is None or post.message_id is None:
            log.warning("post %s in %s cannot be revealed: question or message missing", post.id, settings.channel_id)
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

    async def press_answer(self, ctx: Context, value: str) -> Reply:
        """A click on a daily post's button: "<post id>:<choice>"."""
        post_text, _, choice = value.partition(":")
        post_id = parse_id(post_text)
        if post_id is None or not choice or ctx.channel.id is None:
            return self.views.error(ctx.lang, "quiz.unknown_post")
        return await self.answer_daily(ctx.channel, ctx.member, post_id, choice, ctx.lang)

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
        if outcome.closed:
            return self.views.error(lang, "quiz.closed")
        if not outcome.recorded:
            return self.views.already_answered(question, outcome, lang)
        self.refresher.touch(settings, post)
        if not outcome.correct:
            await self.missed(settings.platform, member.user_id, question.id)
        return self.views.daily_result(question, outcome, lang)
