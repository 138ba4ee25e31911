"""`/review`: spaced repetition (FSRS) over the questions a member missed.

Rules (also in the README):
- Cards belong to a member of a platform, not to a channel: a miss in any channel, in the daily
  question, a practice question or a mock exam, lands in one deck that `/review` serves anywhere.
- The first miss of a question creates its card, due at once. A later miss outside /review rates
  the card Again. In /review a right answer rates it Good, a wrong one Again; the `fsrs` scheduler
  (default parameters, 90% desired retention, no fuzz) decides when it is due next.
- Every wrong answer counts as a miss. At LEECH_MISSES misses the card is a leech: it is no longer
  served, and the member is pointed to the topic's /aws card instead.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from fsrs import Card, Rating, Scheduler

from bot.core.choices import choice_options, decode_choice
from bot.core.content import QuestionBank
from bot.core.context import Context
from bot.core.models import Reply, ReviewCard
from bot.core.ports import Clock, ReviewRule, Store
from bot.core.study_types import Deck
from bot.core.study_views import StudyViews

LEECH_MISSES = 6


def new_scheduler() -> Scheduler:
    # No fuzz: the same history always gives the same due date, which members and tests can rely on.
    return Scheduler(enable_fuzzing=False)


class Review:
    def __init__(
        self,
        *,
        bank: QuestionBank,
        store: Store,
        clock: Clock,
        views: StudyViews,
        scheduler: Scheduler | None = None,
    ) -> None:
        self.bank = bank
        self.store = store
        self.clock = clock
        self.views = views
        self.scheduler = scheduler or new_scheduler()

    def _now(self) -> datetime:
        return self.clock.now().astimezone(UTC)  # fsrs insists on UTC

    # --- the rules ----------------------------------------------------------------------------

    def _fresh(self, platform: str, user_id: str, question_id: str, now: datetime) -> ReviewCard:
        card = Card(card_id=int(now.timestamp() * 1000), due=now)
        return ReviewCard(platform, user_id, question_id, card.to_json(), now, misses=1)

    def rate(self, card: ReviewCard, correct: bool, now: datetime, *, in_review: bool) -> ReviewCard:
        """The card after one answer: FSRS moves it; a miss counts toward the leech limit."""
        misses = card.misses + (not correct)
        leech = card.leech or misses >= LEECH_MISSES
        fsrs_json = card.fsrs
        due = card.due
        if not card.leech:
            rating = Rating.Good if correct else Rating.Again
            scheduled, _ = self.scheduler.review_card(Card.from_json(card.fsrs), rating, now)
            fsrs_json, due = scheduled.to_json(), scheduled.due
        return replace(card, fsrs=fsrs_json, due=due, misses=misses, leech=leech, reviews=card.reviews + in_review)

    def miss_rule(self, platform: str, user_id: str, question_id: str) -> ReviewRule:
        """A wrong answer outside /review: the card is created, or rated Again. The store applies this to
        the card as it is inside the answer's own transaction."""
        now = self._now()

        def after_miss(previous: ReviewCard | None) -> ReviewCard:
            if previous is None:
                return self._fresh(platform, user_id, question_id, now)
            return self.rate(previous, False, now, in_review=False)

        return after_miss

    async def deck(self, platform: str, user_id: str) -> Deck:
        now = self._now()
        cards = [c for c in await self.store.review_cards(platform, user_id) if c.question_id in self.bank.questions]
        due = [c for c in cards if not c.leech and c.due <= now]
        later = [c.due for c in cards if not c.leech and c.due > now]
        return Deck(due, [c for c in cards if c.leech], min(later, default=None), len(cards))

    def _leech_topics(self, deck: Deck) -> list[str]:
        names = {self.bank.topics[self.bank.questions[c.question_id].topic].name for c in deck.leeches}
        return sorted(names)

    # --- handlers -----------------------------------------------------------------------------

    async def command(self, ctx: Context, args: str) -> Reply:
        return await self.serve(ctx)

    async def press_next(self, ctx: Context, value: str) -> Reply:
        return await self.serve(ctx)

    async def serve(self, ctx: Context) -> Reply:
        deck = await self.deck(ctx.channel.platform, ctx.member.user_id)
        if not deck.due:
            return self.views.review_nothing(deck, self._leech_topics(deck), ctx.channel.timezone, ctx.lang)
        card = deck.due[0]
        return self.views.review_question(self.bank.questions[card.question_id], card, len(deck.due), ctx.lang)

    async def press_answer(self, ctx: Context, value: str) -> Reply:
        question_id, _, choice = value.partition(":")
        question = self.bank.questions.get(question_id)
        platform, user_id, lang = ctx.channel.platform, ctx.member.user_id, ctx.lang
        card = await self.store.get_review_card(platform, user_id, question_id) if question else None
        if question is None or card is None:
            return self.views.error(lang, "router.unknown_button")
        if card.leech:
            return self.views.review_is_leech(question, lang)
        now = self._now()
        if card.due > now:
            return await self._stale(ctx, card)
        picked = decode_choice(choice, question)
        if picked is None:
            return self.views.error(lang, "quiz.bad_choice", choices=len(choice_options(question)))
        correct = question.is_correct(picked)
        rated = self.rate(card, correct, now, in_review=True)
        if not await self.store.save_review_card(rated, now, card):
            return await self._stale(ctx, card)
        deck = await self.deck(platform, user_id)
        return self.views.review_result(question, picked, correct, rated, deck, ctx.channel.timezone, lang)

    async def _stale(self, ctx: Context, card: ReviewCard) -> Reply:
        """The card was answered already (a second click, another device): say when it is due."""
        latest = await self.store.get_review_card(card.platform, card.user_id, card.question_id) or card
        deck = await self.deck(ctx.channel.platform, ctx.member.user_id)
        return self.views.review_stale(latest, deck, ctx.channel.timezone, ctx.lang)
