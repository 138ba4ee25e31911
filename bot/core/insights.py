"""Weekly insights for the board: the most improved member and the team's weakest domain.

- Most improved: among members who answered daily questions in both weeks, the largest rise in
  board points from the week before (ties: more points this week, then name). Nobody rose: no line.
- Weakest domain: the exam domain (SAA-C03, or CLF-C02 on a clf channel) with the lowest share of
  correct answers to the week's daily questions, among domains with at least one miss; its main topic
  with the most misses is the one to look up. No misses that week: no line.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from bot.core.content import QuestionBank
from bot.core.models import CLF_DOMAINS, DOMAINS, ChannelSettings, Field, Lang
from bot.core.ports import Store
from bot.core.study_types import Tally, WeakDomain
from bot.core.study_views import insight_fields
from bot.core.views import Views


def weakest_domain(tallies: Sequence[tuple[str, int, int]], bank: QuestionBank, exam: str) -> WeakDomain | None:
    """From (question_id, answered, correct) of the week's daily questions."""
    kind, order = ("clf_domain", CLF_DOMAINS) if exam == "clf" else ("domain", DOMAINS)
    domains: dict[str, Tally] = {}
    topics: dict[str, dict[str, Tally]] = {}
    for question_id, answered, correct in tallies:
        question = bank.questions.get(question_id)
        domain = getattr(question, kind) if question else None
        if question is None or domain not in order or not answered:
            continue
        for tally in (
            domains.setdefault(domain, Tally()),
            topics.setdefault(domain, {}).setdefault(question.topic, Tally()),
        ):
            tally.answered += answered
            tally.correct += correct
    missed = [d for d in order if d in domains and domains[d].missed]
    if not missed:
        return None
    domain = min(missed, key=lambda d: (domains[d].accuracy, -domains[d].answered, order.index(d)))
    in_domain = topics[domain]
    topic_id = min(
        (t for t in in_domain if in_domain[t].missed and t in bank.topics),
        key=lambda t: (-in_domain[t].missed, in_domain[t].accuracy, t),
    )
    return WeakDomain(kind, domain, domains[domain], bank.topics[topic_id])


async def weekly_insights(
    store: Store, views: Views, channel: ChannelSettings, monday: date, lang: Lang
) -> tuple[Field, ...]:
    """Fields to add to the board of the week of `monday`: most improved over the week before, the
    weakest domain of the week's questions."""
    if channel.id is None:
        return ()
    improved = await store.most_improved(channel.id, monday)
    posts = await store.week_posts(channel.id, monday, monday + timedelta(weeks=1))
    tallies = [(post.question_id, answered, correct) for post, answered, correct in posts]
    return insight_fields(views, improved, weakest_domain(tallies, views.bank, channel.exam), lang)
