"""Which question to ask: no repeats until a track is used up, weak topics more often.

Rules (also in the README):
- Daily post: among the questions of the channel's track, only those posted the fewest times in
  this channel are candidates, so no question repeats before every question of the track has been
  used, and each new cycle is again a full pass.
- Among the candidates, a question's weight is 1 + 2 × (the channel's miss rate on its topic), the
  miss rate being the share of wrong daily answers in this channel to questions of that topic
  (0 when nobody answered one yet). A topic the team always misses is three times as likely.
- Practice `/quiz` with no subject: the same weight with the member's own miss rate (daily,
  practice and exam answers in this channel); questions may repeat.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

from bot.core.content import QuestionBank
from bot.core.models import Question

WEAK_BONUS = 2.0


def topic_miss_rates(tallies: Iterable[tuple[str, int, int]], bank: QuestionBank) -> dict[str, float]:
    """The share of wrong answers per topic (a question's main topic), from (question_id, answered, correct)."""
    answered: Counter[str] = Counter()
    missed: Counter[str] = Counter()
    for question_id, count, correct in tallies:
        question = bank.questions.get(question_id)
        if question is None or not count:
            continue
        answered[question.topic] += count
        missed[question.topic] += count - correct
    return {topic: missed[topic] / count for topic, count in answered.items()}


def weight(question: Question, miss_rates: Mapping[str, float]) -> float:
    return 1.0 + WEAK_BONUS * miss_rates.get(question.topic, 0.0)


def weighted_pick(pool: Sequence[Question], miss_rates: Mapping[str, float], rng: random.Random) -> Question:
    ordered = sorted(pool, key=lambda q: q.id)  # the rng alone decides, not the bank's load order
    return rng.choices(ordered, weights=[weight(q, miss_rates) for q in ordered], k=1)[0]


def least_used(pool: Sequence[Question], uses: Mapping[str, int]) -> list[Question]:
    fewest = min(uses.get(q.id, 0) for q in pool)
    return [q for q in pool if uses.get(q.id, 0) == fewest]


def choose_daily(
    pool: Sequence[Question], uses: Mapping[str, int], miss_rates: Mapping[str, float], rng: random.Random
) -> Question:
    return weighted_pick(least_used(pool, uses), miss_rates, rng)
