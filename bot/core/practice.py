"""`/quiz [topic or category]`: a practice question now, answered privately; it never changes the board."""

from __future__ import annotations

import random

from bot.core.choices import choice_options, decode_choice
from bot.core.content import QuestionBank
from bot.core.context import Context, saved_channel
from bot.core.lookup import LookupIndex
from bot.core.models import CATEGORIES, Lang, Question, Reply
from bot.core.periods import local_today as local_date
from bot.core.periods import periods_of
from bot.core.ports import Clock, NewAnswer, Store
from bot.core.selection import topic_miss_rates, weighted_pick
from bot.core.study_types import MissRules
from bot.core.views import Views


class Practice:
    def __init__(
        self,
        *,
        bank: QuestionBank,
        lookup: LookupIndex,
        store: Store,
        clock: Clock,
        views: Views,
        rng: random.Random,
        misses: MissRules,
    ) -> None:
        self.bank = bank
        self.lookup = lookup
        self.store = store
        self.clock = clock
        self.views = views
        self.rng = rng
        self.misses = misses

    def _pool(self, ctx: Context, subject: str) -> list[Question] | Reply:
        if not subject:
            return list(self.bank.questions_for_exam(ctx.channel.exam)) or list(self.bank.questions.values())
        category = subject.lower()
        if category in CATEGORIES:
            return [q for q in self.bank.questions.values() if self.bank.topics[q.topic].category == category]
        result = self.lookup.find(subject)
        if result.topic is None:
            return self.views.not_found(subject, result.suggestions, ctx.lang)
        pool = list(self.bank.questions_about(result.topic.id))
        if not pool:
            return self.views.error(ctx.lang, "quiz.no_questions", name=result.topic.name)
        return pool

    async def command(self, ctx: Context, subject: str) -> Reply:
        pool = self._pool(ctx, subject)
        if isinstance(pool, Reply):
            return pool
        if not pool:
            return self.views.error(ctx.lang, "quiz.no_questions", name=subject)
        if not subject and ctx.channel.id is not None:
            return await self._for_member(ctx.channel.id, ctx.member.user_id, pool, ctx.lang)
        return self.question(pool, ctx.lang)

    def question(self, pool: list[Question], lang: Lang) -> Reply:
        question = self.rng.choice(sorted(pool, key=lambda q: q.id))
        return self.views.practice_question(question, lang)

    async def _for_member(self, channel_key: int, user_id: str, pool: list[Question], lang: Lang) -> Reply:
        """A practice question that prefers the member's weak topics in this channel."""
        tallies = await self.store.member_tallies(channel_key, user_id)
        results = [(t.question_id, t.answered, t.correct) for t in tallies]
        question = weighted_pick(pool, topic_miss_rates(results, self.bank), self.rng)
        return self.views.practice_question(question, lang)

    async def press_topic(self, ctx: Context, topic_id: str) -> Reply:
        pool = list(self.bank.questions_about(topic_id)) if topic_id in self.bank.topics else []
        if not pool:
            return self.views.error(ctx.lang, "router.unknown_button")
        return self.question(pool, ctx.lang)

    async def press_answer(self, ctx: Context, value: str) -> Reply:
        """ "<question id>:<choice>"."""
        question_id, _, choice = value.partition(":")
        question = self.bank.questions.get(question_id)
        if question is None or not choice:
            return self.views.error(ctx.lang, "router.unknown_button")
        picked = decode_choice(choice, question)
        if picked is None:
            return self.views.error(ctx.lang, "quiz.bad_choice", choices=len(choice_options(question)))
        channel = await saved_channel(self.store, ctx)
        assert channel.id is not None
        correct = question.is_correct(picked)
        # Practice counts toward the member's own tallies, never the board: no periods of its own.
        periods = periods_of(local_date(self.clock.now(), channel.timezone))
        answer = NewAnswer(
            channel.platform, ctx.member.user_id, question.id, picked, correct, self.clock.now(), periods
        )
        on_miss = None if correct else self.misses(channel.platform, ctx.member.user_id, question.id)
        await self.store.record_practice(channel.id, answer, on_miss)
        return self.views.practice_result(question, picked, correct, ctx.lang)
