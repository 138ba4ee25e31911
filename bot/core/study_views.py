"""Reply building for study features: /review, /stats, /exam and the weekly insights."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.core.commands import CARD, EXAM, EXAM_ABANDON, EXAM_MISSED, EXAM_RESUME, REVIEW, REVIEW_NEXT
from bot.core.models import EXAM_CODES, BoardRow, Button, Exam, Field, Lang, Question, Reply, ReviewCard
from bot.core.study_types import Deck, ExamResult, MemberStats, Tally, WeakDomain
from bot.core.views import Views

PROMPT_PREVIEW = 300  # characters of a missed question's prompt shown in an exam's result


def percent(correct: int, total: int) -> int:
    return round(100 * correct / total) if total else 0


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def local_time(moment: datetime, timezone: str) -> str:
    return f"{moment.astimezone(ZoneInfo(timezone)):%Y-%m-%d %H:%M} ({timezone})"


def insight_fields(
    views: Views, improved: tuple[BoardRow, int] | None, weak: WeakDomain | None, lang: Lang
) -> tuple[Field, ...]:
    fields = []
    if improved is not None:
        row, delta = improved
        fields.append(
            Field(
                views.t(lang, "insights.improved"),
                views.t(lang, "insights.improved_value", name=row.name, points=row.points, delta=delta),
            )
        )
    if weak is not None:
        value = views.t(
            lang,
            "insights.weakest_value",
            domain=views.t(lang, f"{weak.kind}.{weak.key}"),
            correct=weak.tally.correct,
            total=weak.tally.answered,
            pct=percent(weak.tally.correct, weak.tally.answered),
            topic=weak.topic.name,
            query=weak.topic.id,
        )
        fields.append(Field(views.t(lang, "insights.weakest"), value))
    return tuple(fields)


class StudyViews(Views):
    # --- /review ------------------------------------------------------------------------------

    def review_question(self, question: Question, card: ReviewCard, due: int, lang: Lang) -> Reply:
        return Reply(
            title=self.t(lang, "review.title", due=due),
            body=self._question_body(question, lang),
            buttons=self._buttons(question, lang, REVIEW, question.id),
            footer=self.t(lang, "review.footer", meta=self._meta(question, lang), misses=card.misses),
            kind="question",
        )

    def _next_button(self, deck: Deck, lang: Lang) -> tuple[Button, ...]:
        if not deck.due:
            return ()
        return (Button(self.t(lang, "review.next", due=len(deck.due)), REVIEW_NEXT, "next", style="primary"),)

    def _deck_footer(self, deck: Deck, timezone: str, lang: Lang) -> str | None:
        if deck.due:
            return None
        if deck.next_due is None:
            return self.t(lang, "review.done_none")
        return self.t(lang, "review.done", when=local_time(deck.next_due, timezone))

    def review_nothing(self, deck: Deck, leech_topics: Sequence[str], timezone: str, lang: Lang) -> Reply:
        if deck.total == 0:
            body = self.t(lang, "review.nothing_yet")
        elif deck.next_due is None:
            body = self.t(lang, "review.all_leeches")
        else:
            body = self.t(lang, "review.nothing_due", when=local_time(deck.next_due, timezone))
        if leech_topics:
            body += "\n" + self.t(lang, "review.leeches", count=len(deck.leeches), topics=", ".join(leech_topics))
        return Reply(title=self.t(lang, "review.title", due=0), body=body, kind="info")

    def _topic_card(self, question: Question, lang: Lang) -> tuple[tuple[Field, ...], tuple[Button, ...]]:
        topic = self.bank.topics.get(question.topic)
        if topic is None:
            return (), ()
        card = self.card(topic, lang)
        return (Field(card.title or topic.name, card.body), *card.fields), card.buttons

    def review_result(
        self,
        question: Question,
        picked: frozenset[int],
        correct: bool,
        card: ReviewCard,
        deck: Deck,
        timezone: str,
        lang: Lang,
    ) -> Reply:
        lines = [self._answer_line(question, lang), "", question.explanation.get(lang), ""]
        fields: tuple[Field, ...] = ()
        buttons = (*self._next_button(deck, lang), self.report_button(question, lang))
        if card.leech:
            lines.append(self.t(lang, "review.leech", misses=card.misses))
            fields, card_buttons = self._topic_card(question, lang)
            buttons = card_buttons + buttons
        else:
            key = "review.next_at" if correct else "review.again_at"
            lines.append(self.t(lang, key, when=local_time(card.due, timezone)))
        return Reply(
            title=self.t(lang, "quiz.correct") if correct else self.t(lang, "quiz.wrong"),
            body="\n".join(lines),
            fields=fields,
            buttons=buttons,
            footer=self._deck_footer(deck, timezone, lang),
            kind="result",
        )

    def review_stale(self, card: ReviewCard, deck: Deck, timezone: str, lang: Lang) -> Reply:
        return Reply(
            body=self.t(lang, "review.stale", when=local_time(card.due, timezone)),
            buttons=self._next_button(deck, lang),
            footer=self._deck_footer(deck, timezone, lang),
            kind="error",
        )

    def review_is_leech(self, question: Question, lang: Lang) -> Reply:
        fields, buttons = self._topic_card(question, lang)
        return Reply(body=self.t(lang, "review.is_leech"), fields=fields, buttons=buttons, kind="info")

    # --- /stats -------------------------------------------------------------------------------

    def _tally_lines(self, section: str, tallies: dict[str, Tally], lang: Lang) -> str:
        return "\n".join(
            self.t(
                lang,
                "stats.line",
                name=self.t(lang, f"{section}.{key}"),
                correct=t.correct,
                total=t.answered,
                pct=percent(t.correct, t.answered),
            )
            for key, t in tallies.items()
        )

    def stats(self, stats: MemberStats, exam: str, lang: Lang) -> Reply:
        t = self.t
        reviews = Field(
            t(lang, "stats.reviews"),
            t(lang, "stats.reviews_value", due=stats.reviews_due, total=stats.reviews_total, leeches=stats.leeches),
            inline=True,
        )
        title = t(lang, "stats.title", name=stats.name)
        if not stats.total.answered:
            return Reply(title=title, body=t(lang, "stats.no_answers", name=stats.name), fields=(reviews,))
        total = stats.total
        source = stats.by_source
        fields = [
            Field(
                t(lang, "stats.answered"),
                t(
                    lang,
                    "stats.answered_value",
                    total=total.answered,
                    **{k: source.get(k, 0) for k in ("daily", "practice", "exam")},
                ),
                inline=True,
            ),
            Field(
                t(lang, "stats.accuracy"),
                t(
                    lang,
                    "stats.accuracy_value",
                    correct=total.correct,
                    total=total.answered,
                    pct=percent(total.correct, total.answered),
                ),
                inline=True,
            ),
            Field(
                t(lang, "stats.streak"),
                t(lang, "stats.streak_value", current=stats.current_streak, longest=stats.longest_streak),
                inline=True,
            ),
        ]
        if exam != "clf" and stats.by_domain:
            fields.append(Field(t(lang, "stats.by_domain"), self._tally_lines("domain", stats.by_domain, lang)))
        if exam != "saa" and stats.by_clf_domain:
            fields.append(
                Field(t(lang, "stats.by_clf_domain"), self._tally_lines("clf_domain", stats.by_clf_domain, lang))
            )
        if stats.by_category:
            fields.append(Field(t(lang, "stats.by_category"), self._tally_lines("category", stats.by_category, lang)))
        weak_lines = [
            t(
                lang,
                "stats.weak_line",
                name=topic.name,
                correct=w.correct,
                total=w.answered,
                pct=percent(w.correct, w.answered),
                query=topic.id,
            )
            for topic, w in stats.weakest
        ]
        fields.append(Field(t(lang, "stats.weakest"), "\n".join(weak_lines) or t(lang, "stats.no_weak")))
        fields.append(reviews)
        buttons = tuple(Button(t(lang, "card.open", name=topic.name), CARD, topic.id) for topic, _ in stats.weakest)
        return Reply(title=title, body="", fields=tuple(fields), buttons=buttons, kind="stats")

    # --- /exam --------------------------------------------------------------------------------

    def exam_open(self, exam: Exam, answered: int, timezone: str, lang: Lang) -> Reply:
        code = EXAM_CODES.get(exam.track, exam.track)
        return Reply(
            title=self.t(lang, "exam.open_title"),
            body=self.t(
                lang,
                "exam.open_body",
                exam=code,
                answered=answered,
                total=len(exam.question_ids),
                started=local_time(exam.started_at, timezone),
            ),
            buttons=(
                Button(self.t(lang, "exam.resume"), EXAM_RESUME, str(exam.id), style="primary"),
                Button(self.t(lang, "exam.abandon"), EXAM_ABANDON, str(exam.id), style="danger"),
            ),
            kind="info",
        )

    def exam_question(
        self,
        exam: Exam,
        code: str,
        section: str,
        question: Question,
        position: int,
        counts: dict[str, int] | None,
        notice: str | None,
        lang: Lang,
    ) -> Reply:
        body = self._question_body(question, lang)
        if notice:
            body = f"_{notice}_\n\n{body}"
        if counts:
            plan = " · ".join(f"{self.t(lang, f'{section}.{d}')} {n}" for d, n in counts.items() if n)
            body += "\n\n" + self.t(lang, "exam.plan", plan=plan)
        return Reply(
            title=self.t(lang, "exam.question_title", exam=code, number=position + 1, total=len(exam.question_ids)),
            body=body,
            buttons=self._buttons(question, lang, EXAM, f"{exam.id}:{position}"),
            footer=self.t(lang, "exam.question_footer"),
            kind="question",
        )

    def _missed_fields(self, result: ExamResult, page: int, per_page: int, lang: Lang) -> tuple[Field, ...]:
        fields = []
        for position, question, picked in result.missed[page * per_page : (page + 1) * per_page]:
            topic = self.bank.topics.get(question.topic)
            value = "\n".join(
                [
                    clip(question.prompt.get(lang), PROMPT_PREVIEW),
                    self.t(lang, "exam.your_answer", picked=self._choice_text(question, picked, lang) or "—"),
                    self._answer_line(question, lang),
                    question.explanation.get(lang),
                ]
            )
            name = self.t(lang, "exam.missed_name", number=position + 1, topic=topic.name if topic else question.topic)
            fields.append(Field(name, value))
        return tuple(fields)

    def _pages(self, result: ExamResult, per_page: int) -> int:
        return max(1, -(-len(result.missed) // per_page))

    def _report_buttons(self, result: ExamResult, page: int, per_page: int, lang: Lang) -> tuple[Button, ...]:
        """One per missed question on the page ("⚑ Q7"): the result shows only those, each with its answer and
        explanation, which is where a member finds a question to report."""
        shown = result.missed[page * per_page : (page + 1) * per_page]
        return tuple(self.report_button(q, lang, "report.button_exam", number=n + 1) for n, q, _ in shown)

    def _page_buttons(self, result: ExamResult, exam: Exam, page: int, per_page: int, lang: Lang) -> tuple[Button, ...]:
        pages = self._pages(result, per_page)
        buttons = []
        if page > 0:
            buttons.append(
                Button(self.t(lang, "exam.page", page=page, pages=pages), EXAM_MISSED, f"{exam.id}:{page - 1}")
            )
        if page + 1 < pages:
            buttons.append(
                Button(self.t(lang, "exam.page", page=page + 2, pages=pages), EXAM_MISSED, f"{exam.id}:{page + 1}")
            )
        return tuple(buttons)

    def exam_result(self, result: ExamResult, exam: Exam, page: int, per_page: int, lang: Lang) -> Reply:
        section = result.track.domain_attr
        verdict = self.t(lang, "exam.pass" if result.passed else "exam.fail")
        fields = [Field(self.t(lang, "exam.by_domain"), self._tally_lines(section, result.by_domain, lang))]
        fields += self._missed_fields(result, page, per_page, lang)
        buttons = self._page_buttons(result, exam, page, per_page, lang)
        if result.missed:
            buttons += (Button(self.t(lang, "review.start"), REVIEW_NEXT, "next", style="primary"),)
        buttons += self._report_buttons(result, page, per_page, lang)
        return Reply(
            title=self.t(lang, "exam.result_title", exam=result.track.code, correct=result.correct, total=result.total),
            body=self.t(lang, "exam.result_body", scaled=result.scaled, mark=result.track.pass_mark, verdict=verdict),
            fields=tuple(fields),
            buttons=buttons,
            footer=self.t(lang, "exam.missed_footer", count=len(result.missed))
            if result.missed
            else self.t(lang, "exam.no_missed"),
            kind="result",
        )

    def exam_missed_page(self, result: ExamResult, exam: Exam, page: int, per_page: int, lang: Lang) -> Reply:
        pages = self._pages(result, per_page)
        if not result.missed or page >= pages:
            return self.error(lang, "router.unknown_button")
        return Reply(
            title=self.t(lang, "exam.missed_title", exam=result.track.code, page=page + 1, pages=pages),
            body="",
            fields=self._missed_fields(result, page, per_page, lang),
            buttons=self._page_buttons(result, exam, page, per_page, lang)
            + self._report_buttons(result, page, per_page, lang),
            kind="result",
        )
