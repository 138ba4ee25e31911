"""The daily question: choosing and claiming it, answers and scoring, the answered count, the close.

Sending is the outbox's (bot/core/delivery.py): claiming a post also claims its send, and closing a
post claims its reveal and explanation; `Delivery` brings each to the platform exactly once.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import Enum
from zoneinfo import ZoneInfo

from bot.core.choices import choice_options, decode_choice
from bot.core.content import QuestionBank
from bot.core.context import Context
from bot.core.delivery import Delivery, Outcome, reveal_window
from bot.core.models import ChannelSettings, Lang, Member, MessageRef, OutboxRecord, Post, Question, Reply
from bot.core.numbers import parse_id
from bot.core.periods import periods_of
from bot.core.ports import AnswerRules, ChatPlatform, Clock, NewAnswer, Store
from bot.core.selection import choose_daily, topic_miss_rates
from bot.core.study_types import MissRules
from bot.core.views import Views

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Scoring:
    correct: int = 10
    bonuses: tuple[int, ...] = (3, 2, 1)

    def points_for(self, rank: int | None) -> int:
        """A correct first answer's points: the base, plus the bonus of its place among the correct ones."""
        if rank is None:
            return 0
        return self.correct + (self.bonuses[rank - 1] if rank <= len(self.bonuses) else 0)


class PostResult(Enum):
    POSTED = "posted"
    ALREADY = "already"  # this channel already has today's post, and it reached the channel
    NOT_SENT = "not_sent"  # claimed, but the platform has not confirmed it (yet)


def local_date(moment: datetime, timezone: str) -> date:
    return moment.astimezone(ZoneInfo(timezone)).date()


def close_moment(settings: ChannelSettings, day: date) -> datetime:
    """When a day's post closes: its close time that day, in the channel's zone."""
    return datetime.combine(day, settings.close_time, tzinfo=ZoneInfo(settings.timezone))


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
        self._editing: set[int] = set()  # posts whose edit is on its way to the platform

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
                self._editing.add(post_id)
                try:
                    await self._daily.refresh_post(settings, post_id)
                except Exception:
                    log.exception("could not update the answered count of post %s in %s", post_id, settings.channel_id)
                finally:
                    self._editing.discard(post_id)
                if post_id not in self._dirty:
                    return
        finally:
            self._tasks.pop(post_id, None)
            self._dirty.discard(post_id)

    async def settle(self, post_id: int) -> None:
        """For a post just closed, whose reveal replaces its count: wait for the edit on its way, if any, and
        let none follow it. An edit still waiting for its time is dropped, so the reveal does not wait for
        it (up to `interval` seconds after the last answer)."""
        task = self._tasks.get(post_id)
        if task is None:
            return
        self._dirty.discard(post_id)
        if post_id not in self._editing:
            task.cancel()
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
        delivery: Delivery,
        rng: random.Random | None = None,
        misses: MissRules | None = None,
    ) -> None:
        self.bank = bank
        self.store = store
        self.clock = clock
        self.platform = platform
        self.views = views
        self.scoring = scoring
        self.delivery = delivery
        self.rng = rng or random.Random()
        self.misses = misses
        self.refresher = PostRefresher(refresh_seconds, self)
        self._closing: set[int] = set()  # posts this process is closing: it reveals them after their edits

    # --- the daily post ---------------------------------------------------------------------

    async def choose(self, settings: ChannelSettings) -> Question:
        assert settings.id is not None
        tallies = await self.store.channel_tallies(settings.id)
        uses = {t.question_id: t.posted for t in tallies}
        results = [(t.question_id, t.answered, t.correct) for t in tallies]
        return choose_question(self.bank, settings.exam, uses, topic_miss_rates(results, self.bank), self.rng)

    async def claim_daily(self, settings: ChannelSettings, day: date) -> Post | None:
        """Claim the day's post (and its send) with a chosen question; None when the channel has that day's."""
        assert settings.id is not None, "the channel must be saved before it gets posts"
        if await self.store.post_on(settings.id, day):
            return None
        question = await self.choose(settings)
        return await self.store.claim_post(settings.id, day, question.id, self.clock.now(), self.window(settings, day))

    def window(self, settings: ChannelSettings, day: date) -> datetime:
        """A post is worth sending until its close time; one posted by hand after it, for an hour."""
        now = self.clock.now()
        closes = close_moment(settings, day)
        return closes if closes > now else now + timedelta(hours=1)

    async def send(self, settings: ChannelSettings, post: Post, record: OutboxRecord | None = None) -> Outcome:
        """Deliver the post's outbox record (adopting a message an earlier attempt may have made); `record`
        when the caller has just read it."""
        record = record or await self.store.outbox_get(f"post:{post.id}")
        if record is None or record.done:
            return Outcome(record.state if record else "gone", record.message_id if record else None)
        return await self.delivery.deliver(record, settings)

    async def post_daily(self, settings: ChannelSettings, day: date | None = None) -> PostResult:
        """Today's post, claimed once and sent once; an earlier claim not yet confirmed is finished now."""
        assert settings.id is not None
        day = day or local_date(self.clock.now(), settings.timezone)
        post = await self.claim_daily(settings, day) or await self.store.post_on(settings.id, day)
        record = await self.store.outbox_get(f"post:{post.id}") if post else None
        if post is None or record is None or record.state == "sent":
            return PostResult.ALREADY
        if record.done:  # missed or refused earlier: an admin asking again is worth another try
            await self.store.outbox_reopen(record.id, self.clock.now(), self.window(settings, day))
            record = None  # reopened: read again
        outcome = await self.send(settings, post, record)
        return PostResult.POSTED if outcome.state in ("sent", "adopted") else PostResult.NOT_SENT

    async def refresh_post(self, settings: ChannelSettings, post_id: int) -> None:
        post = await self.store.get_post(post_id)
        if post is None or post.message_id is None or post.closed_at is not None:
            return
        question = self.bank.questions.get(post.question_id)
        if question is None:
            return
        # Another process may have closed the post (this one's cached post is still open): its reveal is
        # claimed in the same commit as the close, and that record is read from the store itself.
        if await self.store.outbox_get(f"reveal:{post.id}") is not None:
            return
        count = await self.store.answer_count(post.id)
        message = MessageRef(settings.ref, post.message_id)
        await self.platform.edit(message, self.views.daily_post(question, post, count, settings.language))
        if post.id not in self._closing and await self.store.outbox_get(f"reveal:{post.id}") is not None:
            # Closed while this edit was on its way, elsewhere: it may have landed over the reveal another
            # process made. A reveal is an edit, safe to apply again, and the same from whichever process.
            answers = await self.store.answers_to(post.id)
            await self.platform.edit(message, self.views.reveal(question, post, answers, settings.language))

    async def close(self, settings: ChannelSettings, post: Post) -> bool:
        """Close a post to answers and reveal it; False when it was already closed."""
        self._closing.add(post.id)
        try:
            if not await self.store.close_post(post.id, self.clock.now(), reveal_window(self.clock.now())):
                return False
            # Closed in the store: no new count edit starts; one in flight must land before the reveal.
            await self.refresher.settle(post.id)
        finally:
            self._closing.discard(post.id)
        await self.deliver_reveal(settings, post.id)
        return True

    async def deliver_reveal(self, settings: ChannelSettings, post_id: int) -> None:
        for kind in ("reveal", "explain"):
            record = await self.store.outbox_get(f"{kind}:{post_id}")
            if record is not None and not record.done:
                outcome = await self.delivery.deliver(record, settings)
                log.debug("the %s of post %s: %s", kind, post_id, outcome.state)

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
        # A post whose send is not confirmed yet still takes answers: a click proves its message exists.
        post = await self.store.get_post(post_id)
        if post is None or post.channel_key != settings.id:
            return self.views.error(lang, "quiz.unknown_post")
        question = self.bank.questions.get(post.question_id)
        if question is None:
            return self.views.error(lang, "quiz.question_gone")
        if post.closed_at is not None:
            return self.views.error(lang, "quiz.closed")
        picked = decode_choice(choice, question)
        if picked is None:
            return self.views.error(lang, "quiz.bad_choice", choices=len(choice_options(question)))
        correct = question.is_correct(picked)
        answer = NewAnswer(
            settings.platform,
            member.user_id,
            question.id,
            picked,
            correct,
            self.clock.now(),
            periods_of(post.local_date),
        )
        on_miss = self.misses(settings.platform, member.user_id, question.id) if self.misses and not correct else None
        outcome = await self.store.record_answer(post, answer, AnswerRules(self.scoring.points_for, on_miss))
        if outcome.closed:
            return self.views.error(lang, "quiz.closed")
        if not outcome.recorded:
            return self.views.already_answered(question, outcome, lang)
        self.refresher.touch(settings, post)
        return self.views.daily_result(question, outcome, lang)
