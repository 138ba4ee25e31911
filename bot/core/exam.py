"""`/exam saa|clf [N]`: a private mock exam, drawn in the real exam's domain proportions.

Rules (also in the README):
- N questions (default 20, at most 65) of the track, none twice. Each domain gets its share of N by
  largest-remainder rounding (ties to the larger share), so the counts sum to N and each is within
  one of the exact share. When the bank holds fewer questions of a domain than its count, the
  missing ones go, one at a time, to the domain furthest below its exact share that has questions left.
- One question at a time, no feedback until the end; the exam is stored after every answer, so
  `/exam` again offers to resume or abandon it. One unfinished exam per member.
- Score: correct answers out of N, and an estimated scaled score 1000 × correct ÷ N against the
  exam's pass mark (720 for SAA-C03, 700 for CLF-C02). AWS scales its own scores differently: this is
  only an estimate. Missed questions of a finished exam become /review cards.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Mapping, Sequence
from dataclasses import replace

from bot.core.choices import choice_options, decode_choice
from bot.core.content import QuestionBank
from bot.core.context import Context, saved_channel
from bot.core.models import Exam, ExamAnswer, Lang, Question, Reply
from bot.core.numbers import parse_count, parse_id
from bot.core.ports import Clock, Store
from bot.core.study_types import ExamResult, MissRules, Tally, Track
from bot.core.study_views import StudyViews

log = logging.getLogger(__name__)

DEFAULT_COUNT = 20
MAX_COUNT = 65
MISSED_PER_PAGE = 4


TRACKS: dict[str, Track] = {
    "saa": Track("saa", "SAA-C03", "domain", {"secure": 30, "resilient": 26, "performant": 24, "cost": 20}, 720),
    "clf": Track(
        "clf", "CLF-C02", "clf_domain", {"concepts": 24, "security": 30, "technology": 34, "billing": 12}, 700
    ),
}
TRACK_NAMES = {"saa": "saa", "saa-c03": "saa", "saac03": "saa", "clf": "clf", "clf-c02": "clf", "clfc02": "clf"}
RESUME_WORDS = ("resume", "continue", "이어하기", "재개")
ABANDON_WORDS = ("abandon", "quit", "stop", "포기", "중단")


def quotas(shares: Mapping[str, int], n: int) -> dict[str, int]:
    """Largest-remainder split of n by percent shares."""
    total = sum(shares.values())
    counts = {d: share * n // total for d, share in shares.items()}
    order = list(shares)
    by_remainder = sorted(order, key=lambda d: (-(shares[d] * n % total), -shares[d], order.index(d)))
    for d in by_remainder[: n - sum(counts.values())]:
        counts[d] += 1
    return counts


def plan(shares: Mapping[str, int], available: Mapping[str, int], n: int) -> dict[str, int]:
    """Quotas capped by what the bank holds; a shortfall moves to the domain furthest below its share."""
    if sum(available.get(d, 0) for d in shares) < n:
        raise ValueError("not enough questions")
    total = sum(shares.values())
    counts = {d: min(q, available.get(d, 0)) for d, q in quotas(shares, n).items()}
    order = list(shares)
    while sum(counts.values()) < n:
        open_domains = [d for d in order if counts[d] < available.get(d, 0)]
        best = max(open_domains, key=lambda d: (shares[d] * n / total - counts[d], -order.index(d)))
        counts[best] += 1
    return counts


def track_pool(bank: QuestionBank, track: Track) -> dict[str, list[Question]]:
    pool: dict[str, list[Question]] = {d: [] for d in track.shares}
    for question in sorted(bank.questions_for_exam(track.key), key=lambda q: q.id):
        domain = track.domain_of(question)
        if domain is not None:
            pool[domain].append(question)
    return pool


def draw(bank: QuestionBank, track: Track, n: int, rng: random.Random) -> list[Question]:
    pool = track_pool(bank, track)
    counts = plan(track.shares, {d: len(qs) for d, qs in pool.items()}, n)
    chosen = [q for d, qs in pool.items() for q in rng.sample(qs, counts[d])]
    rng.shuffle(chosen)
    return chosen


def scaled_score(correct: int, total: int) -> int:
    return round(1000 * correct / total) if total else 0


def score(exam: Exam, answers: Sequence[ExamAnswer], bank: QuestionBank) -> ExamResult:
    """Only questions still in the bank count (a question removed mid-exam is left out)."""
    track = TRACKS[exam.track]
    by_domain: dict[str, Tally] = {d: Tally() for d in track.shares}
    missed = []
    for answer in answers:
        question = bank.questions.get(answer.question_id)
        if question is None:
            continue
        by_domain.setdefault(track.domain_of(question) or "?", Tally()).add(answer.correct)
        if not answer.correct:
            missed.append((answer.position, question, answer.picked))
    total = sum(t.answered for t in by_domain.values())
    correct = sum(t.correct for t in by_domain.values())
    scaled = scaled_score(correct, total)
    kept = {d: t for d, t in by_domain.items() if t.answered}
    return ExamResult(track, total, correct, scaled, scaled >= track.pass_mark, kept, missed)


class Exams:
    def __init__(
        self,
        *,
        bank: QuestionBank,
        store: Store,
        clock: Clock,
        views: StudyViews,
        misses: MissRules,
        rng: random.Random,
    ) -> None:
        self.bank = bank
        self.store = store
        self.clock = clock
        self.views = views
        self.misses = misses
        self.rng = rng

    # --- /exam --------------------------------------------------------------------------------

    async def command(self, ctx: Context, args: str) -> Reply:
        words = args.lower().split()
        current = await self.store.open_exam(ctx.channel.platform, ctx.member.user_id)
        head = words[0] if words else ""
        if head in RESUME_WORDS or head in ABANDON_WORDS:
            if current is None:
                return self.views.error(ctx.lang, "exam.none_open")
            if head in RESUME_WORDS:
                return await self.current(current, ctx.lang)
            return await self.abandon(current, ctx.lang)
        if current is not None:
            answered = len(await self.store.exam_answers(current.id))
            return self.views.exam_open(current, answered, ctx.channel.timezone, ctx.lang)
        if not words:
            return self.views.info(ctx.lang, "exam.usage", default=DEFAULT_COUNT, max=MAX_COUNT)
        track = TRACKS.get(TRACK_NAMES.get(head, ""))
        if track is None or len(words) > 2:
            return self.views.error(ctx.lang, "exam.usage", default=DEFAULT_COUNT, max=MAX_COUNT)
        count = DEFAULT_COUNT
        if len(words) == 2:
            parsed = parse_count(words[1], 1, MAX_COUNT)
            if parsed is None:
                return self.views.error(ctx.lang, "exam.bad_count", value=words[1][:20], max=MAX_COUNT)
            count = parsed
        return await self.start(ctx, track, count)

    async def start(self, ctx: Context, track: Track, count: int) -> Reply:
        available = sum(len(qs) for qs in track_pool(self.bank, track).values())
        if available < count:
            return self.views.error(ctx.lang, "exam.too_few", available=available, exam=track.code, track=track.key)
        questions = draw(self.bank, track, count, self.rng)
        channel = await saved_channel(self.store, ctx)
        assert channel.id is not None
        exam = await self.store.create_exam(
            ctx.channel.platform, ctx.member.user_id, channel.id, track.key, [q.id for q in questions], self.clock.now()
        )
        if exam is None:  # another click started one a moment ago
            return await self.command(ctx, "")
        return await self.current(exam, ctx.lang)

    async def current(self, exam: Exam, lang: Lang, notice: str | None = None) -> Reply:
        """The first unanswered question; the result when none is left."""
        answers = await self.store.exam_answers(exam.id)
        position = len(answers)
        # A question removed from the bank since the exam began is skipped (stored with no pick).
        while position < len(exam.question_ids) and exam.question_ids[position] not in self.bank.questions:
            await self.store.record_exam_answer(
                exam.id, position, exam.question_ids[position], frozenset(), False, self.clock.now()
            )
            position += 1
        if position >= len(exam.question_ids):
            return await self.finish(exam, lang)
        question = self.bank.questions[exam.question_ids[position]]
        track = TRACKS[exam.track]
        counts = None
        if position == 0:
            counts = {d: 0 for d in track.shares}
            for qid in exam.question_ids:
                domain = track.domain_of(self.bank.questions[qid]) if qid in self.bank.questions else None
                if domain:
                    counts[domain] += 1
        return self.views.exam_question(exam, track.code, track.domain_attr, question, position, counts, notice, lang)

    async def abandon(self, exam: Exam, lang: Lang) -> Reply:
        await self.store.end_exam(exam.id, "abandoned", self.clock.now())
        return self.views.info(lang, "exam.abandoned")

    async def finish(self, exam: Exam, lang: Lang) -> Reply:
        # The commit that finishes it also files its misses as review cards: only once, whoever clicks.
        await self.store.end_exam(
            exam.id, "finished", self.clock.now(), lambda qid: self.misses(exam.platform, exam.user_id, qid)
        )
        result = score(exam, await self.store.exam_answers(exam.id), self.bank)
        return self.views.exam_result(result, replace(exam, status="finished"), 0, MISSED_PER_PAGE, lang)

    # --- buttons ------------------------------------------------------------------------------

    async def _own(self, ctx: Context, exam_text: str) -> Exam | None:
        exam_id = parse_id(exam_text)
        if exam_id is None:
            return None
        exam = await self.store.get_exam(exam_id)
        if exam is None or (exam.platform, exam.user_id) != (ctx.channel.platform, ctx.member.user_id):
            return None
        return exam

    async def press_answer(self, ctx: Context, value: str) -> Reply:
        exam_text, _, rest = value.partition(":")
        position_text, _, choice = rest.partition(":")
        exam = await self._own(ctx, exam_text)
        position = parse_count(position_text, 0, MAX_COUNT)
        if exam is None or position is None:
            return self.views.error(ctx.lang, "router.unknown_button")
        if exam.status != "open":
            return self.views.error(ctx.lang, "exam.over")
        answered = len(await self.store.exam_answers(exam.id))
        question_id = exam.question_ids[position] if position < len(exam.question_ids) else ""
        question = self.bank.questions.get(question_id)
        if position != answered or question is None:
            return await self.current(exam, ctx.lang, self.views.t(ctx.lang, "exam.not_current"))
        picked = decode_choice(choice, question)
        if picked is None:
            return self.views.error(ctx.lang, "quiz.bad_choice", choices=len(choice_options(question)))
        now = self.clock.now()
        recorded = await self.store.record_exam_answer(
            exam.id, position, question.id, picked, question.is_correct(picked), now
        )
        if not recorded:
            return await self.current(exam, ctx.lang, self.views.t(ctx.lang, "exam.not_current"))
        return await self.current(exam, ctx.lang)

    async def press_resume(self, ctx: Context, value: str) -> Reply:
        exam = await self._own(ctx, value)
        if exam is None:
            return self.views.error(ctx.lang, "router.unknown_button")
        if exam.status != "open":
            return self.views.error(ctx.lang, "exam.over")
        return await self.current(exam, ctx.lang)

    async def press_abandon(self, ctx: Context, value: str) -> Reply:
        exam = await self._own(ctx, value)
        if exam is None:
            return self.views.error(ctx.lang, "router.unknown_button")
        if exam.status != "open":
            return self.views.error(ctx.lang, "exam.over")
        return await self.abandon(exam, ctx.lang)

    async def press_missed(self, ctx: Context, value: str) -> Reply:
        exam_text, _, page_text = value.partition(":")
        exam = await self._own(ctx, exam_text)
        page = parse_count(page_text, 0, MAX_COUNT)
        if exam is None or exam.status != "finished" or page is None:
            return self.views.error(ctx.lang, "router.unknown_button")
        result = score(exam, await self.store.exam_answers(exam.id), self.bank)
        return self.views.exam_missed_page(result, exam, page, MISSED_PER_PAGE, ctx.lang)
