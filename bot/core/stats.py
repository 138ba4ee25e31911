"""`/stats [member]`: a member's record in this channel.

Counted: the member's daily answers, practice answers and finished mock-exam answers in the channel.
Streaks are about daily posts only (bot/core/periods.streaks). Domains and categories are those
of each question (its SAA-C03 domain, its CLF-C02 domain, its main topic's category); the weakest
topics are the main topics with at least one miss, lowest accuracy first.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence

from bot.core.content import QuestionBank
from bot.core.context import Context
from bot.core.daily import local_date
from bot.core.models import CATEGORIES, CLF_DOMAINS, DOMAINS, QuestionTally, Reply
from bot.core.periods import streaks
from bot.core.ports import Clock, Store
from bot.core.review import Review
from bot.core.study_types import MemberStats, Tally
from bot.core.study_views import StudyViews

WEAKEST = 3


def _ordered(tallies: dict[str, Tally], order: Sequence[str]) -> dict[str, Tally]:
    return {key: tallies[key] for key in order if key in tallies}


def _add(tallies: dict[str, Tally], key: str, answered: int, correct: int) -> None:
    tally = tallies.get(key)
    if tally is None:
        tally = tallies[key] = Tally()
    tally.answered += answered
    tally.correct += correct


def summarize(name: str, tallies: Iterable[QuestionTally], bank: QuestionBank) -> MemberStats:
    """From the member's tallies per question and source; questions no longer in the bank count in totals only.
    The sources of a question are summed first, so the bank is consulted once per question."""
    stats = MemberStats(name)
    per_question: dict[str, list[int]] = {}
    for t in tallies:
        stats.by_source[t.source] = stats.by_source.get(t.source, 0) + t.answered
        sums = per_question.get(t.question_id)
        if sums is None:
            per_question[t.question_id] = [t.answered, t.correct]
        else:
            sums[0] += t.answered
            sums[1] += t.correct
    domains: dict[str, Tally] = {}
    clf: dict[str, Tally] = {}
    categories: dict[str, Tally] = {}
    topics: dict[str, Tally] = {}
    for question_id, (answered, correct) in per_question.items():
        stats.total.answered += answered
        stats.total.correct += correct
        question = bank.questions.get(question_id)
        if question is None:
            continue
        _add(domains, question.domain, answered, correct)
        if question.clf_domain:
            _add(clf, question.clf_domain, answered, correct)
        topic = bank.topics.get(question.topic)
        if topic is not None:
            _add(categories, topic.category, answered, correct)
            _add(topics, topic.id, answered, correct)
    stats.by_domain = _ordered(domains, DOMAINS)
    stats.by_clf_domain = _ordered(clf, CLF_DOMAINS)
    stats.by_category = _ordered(categories, CATEGORIES)
    weak = [(bank.topics[t], tally) for t, tally in topics.items() if tally.missed]
    weak.sort(key=lambda item: (item[1].accuracy, -item[1].missed, item[0].name))
    stats.weakest = weak[:WEAKEST]
    return stats


class Stats:
    def __init__(self, *, bank: QuestionBank, store: Store, clock: Clock, views: StudyViews, review: Review) -> None:
        self.bank = bank
        self.store = store
        self.clock = clock
        self.views = views
        self.review = review

    async def command(self, ctx: Context, args: str) -> Reply:
        user_id, name = ctx.member.user_id, ctx.member.name
        if args:
            found = await self.find(ctx.channel.platform, args)
            if found is None:
                return self.views.error(ctx.lang, "stats.unknown_member", name=args[:80])
            user_id, name = found
        stats = await self.collect(ctx, user_id, name)
        return self.views.stats(stats, ctx.channel.exam, ctx.lang)

    async def find(self, platform: str, text: str) -> tuple[str, str] | None:
        """By user id or display name; the adapters turn their platform's mentions into user ids."""
        return await self.store.find_member(platform, text.strip().removeprefix("@").strip())

    async def collect(self, ctx: Context, user_id: str, name: str) -> MemberStats:
        channel_key = ctx.channel.id
        deck_read = self.review.deck(ctx.channel.platform, user_id)
        if channel_key is None:
            stats = summarize(name, [], self.bank)
            deck = await deck_read
        else:
            # Four reads that need nothing of each other: on PostgreSQL they run at once, on the pool's
            # connections, so a member waits for the slowest instead of the sum.
            tallies, posted, correct, deck = await asyncio.gather(
                self.store.member_tallies(channel_key, user_id),
                self.store.post_dates(channel_key),
                self.store.correct_dates(channel_key, user_id),
                deck_read,
            )
            stats = summarize(name, tallies, self.bank)
            today = local_date(self.clock.now(), ctx.channel.timezone)
            stats.current_streak, stats.longest_streak = streaks(posted, correct, today)
        stats.reviews_due, stats.reviews_total, stats.leeches = len(deck.due), deck.total, len(deck.leeches)
        return stats
