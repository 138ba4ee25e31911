"""Weekly insights for the board: the most improved member and the team's weakest domain.

- Most improved: among members who answered daily questions in both weeks, the largest rise in
  board points from the week before (ties: more points this week, then name). Nobody rose: no line.
- Weakest domain: the exam domain (SAA-C03, or CLF-C02 on a clf channel) with the lowest share of
  correct daily answers in the week, among domains with at least one miss; its main topic with the
  most misses is the one to look up. No misses that week: no line.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from bot.core.content import QuestionBank
from bot.core.leaderboard import parse_period, week_window
from bot.core.models import CLF_DOMAINS, DOMAINS, BoardRow, ChannelSettings, Field, Lang, Reply, Topic
from bot.core.ports import Clock, Store
from bot.core.router import Context
from bot.core.stats import Tally
from bot.core.views import Views
from bot.core.views_study import insight_fields

Window = tuple[datetime, datetime]
Handler = Callable[[Context, str], Awaitable[Reply]]


@dataclass(frozen=True)
class WeakDomain:
    kind: str  # "domain" | "clf_domain": the catalog section of its name
    key: str
    tally: Tally
    topic: Topic


def most_improved(week: Sequence[BoardRow], previous: Sequence[BoardRow]) -> tuple[BoardRow, int] | None:
    before = {row.user_id: row.points for row in previous}
    risen = [(row, row.points - before[row.user_id]) for row in week if row.user_id in before]
    risen = [(row, delta) for row, delta in risen if delta > 0]
    risen.sort(key=lambda item: (-item[1], -item[0].points, item[0].name))
    return risen[0] if risen else None


def weakest_domain(answers: Sequence[tuple[str, str, bool, int]], bank: QuestionBank, exam: str) -> WeakDomain | None:
    kind, order = ("clf_domain", CLF_DOMAINS) if exam == "clf" else ("domain", DOMAINS)
    domains: dict[str, Tally] = {}
    topics: dict[str, dict[str, Tally]] = {}
    for _, question_id, correct, _ in answers:
        question = bank.questions.get(question_id)
        domain = getattr(question, kind) if question else None
        if question is None or domain not in order:
            continue
        domains.setdefault(domain, Tally()).add(correct)
        topics.setdefault(domain, {}).setdefault(question.topic, Tally()).add(correct)
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
    store: Store, views: Views, channel: ChannelSettings, week: Window, previous: Window, lang: Lang
) -> tuple[Field, ...]:
    """Fields to add to a weekly board: `week` is the week shown, `previous` the one before it."""
    if channel.id is None:
        return ()
    this_rows = await store.board(channel.id, week[0], week[1], -1)
    last_rows = await store.board(channel.id, previous[0], previous[1], -1)
    answers = await store.channel_answers(channel.id, week[0], week[1])
    return insight_fields(
        views, most_improved(this_rows, last_rows), weakest_domain(answers, views.bank, channel.exam), lang
    )


def with_insights(board: Handler, store: Store, views: Views, clock: Clock) -> Handler:
    """Wrap the /leaderboard handler: the week's board also gets the insights of this week so far."""

    async def leaderboard(ctx: Context, args: str) -> Reply:
        reply = await board(ctx, args)
        if reply.kind != "board" or parse_period(args) != "week":
            return reply
        now = clock.now()
        this_start, this_end, _ = week_window(now, ctx.channel.timezone)
        last_start, last_end, _ = week_window(now, ctx.channel.timezone, weeks_back=1)
        fields = await weekly_insights(
            store, views, ctx.channel, (this_start, this_end), (last_start, last_end), ctx.lang
        )
        return replace(reply, fields=reply.fields + fields)

    return leaderboard
