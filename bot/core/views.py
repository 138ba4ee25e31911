"""Reply building: turns quiz, lookup and board data into platform-neutral Replies.

Every text a member reads comes from the catalog; the rules modules never format messages.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime

from bot.core.choices import LETTERS, choice_options, encode_choice, letters
from bot.core.commands import ANSWER, CARD, PRACTICE, QUIZ_TOPIC, REPORT, SHARE, Command
from bot.core.content import QuestionBank
from bot.core.i18n import Catalog
from bot.core.models import CATEGORIES, AnswerOutcome, BoardRow, Button, Field, Lang, Post, Question, Reply, Topic

TOP_FASTEST = 3
RESULTS_KEPT = 1024  # daily results built once per question, outcome and language (a burst shares a few)


class Views:
    def __init__(self, catalog: Catalog, bank: QuestionBank) -> None:
        self.catalog = catalog
        self.bank = bank
        self._results: dict[tuple[str, bool, int, int | None, Lang], tuple[Question, Reply]] = {}

    def t(self, lang: Lang, key: str, **values: object) -> str:
        return self.catalog.t(lang, key, **values)

    def error(self, lang: Lang, key: str, **values: object) -> Reply:
        return Reply(body=self.t(lang, key, **values), kind="error")

    def info(self, lang: Lang, key: str, **values: object) -> Reply:
        return Reply(body=self.t(lang, key, **values), kind="info")

    # --- help -------------------------------------------------------------------------------

    def usage(self, command: Command, parent: Command | None = None) -> str:
        """`/aws <query>`, `/quiz [subject]`, `/studybot time <value>` (choices written out)."""
        words = [f"/{parent.name} {command.name}" if parent else f"/{command.name}"]
        for option in command.options:
            name = "|".join(option.choices) if option.choices else option.name
            words.append(f"<{name}>" if option.required else f"[{name}]")
        return " ".join(words)

    def help(self, commands: Sequence[Command], lang: Lang) -> Reply:
        """Every command from the command table: members' first, then the admins' subcommands."""
        lines = [self.t(lang, "help.title")]
        admin: list[str] = []
        for command in commands:
            if not command.is_group:
                about = self.t(lang, f"{command.key()}.about")
                lines.append(self.t(lang, "help.line", usage=self.usage(command), about=about))
                continue
            for sub in command.subcommands:
                line = self.t(
                    lang, "help.line", usage=self.usage(sub, command), about=self.t(lang, f"{sub.key(command)}.about")
                )
                (admin if sub.admin else lines).append(line)
        lines += ["", self.t(lang, "help.admins"), *admin]
        return Reply(
            body="\n".join(lines), footer=self.t(lang, "help.footer", categories=", ".join(CATEGORIES)), kind="help"
        )

    # --- questions --------------------------------------------------------------------------

    def _question_body(self, question: Question, lang: Lang) -> str:
        lines = [question.prompt.get(lang), ""]
        if question.kind != "truefalse":
            lines += [f"**{LETTERS[i]}.** {choice.get(lang)}" for i, choice in enumerate(question.choices)]
        return "\n".join(lines).rstrip()

    def _buttons(self, question: Question, lang: Lang, action: str, prefix: str) -> tuple[Button, ...]:
        buttons = []
        for picked in choice_options(question):
            label = question.choices[next(iter(picked))].get(lang) if question.kind == "truefalse" else letters(picked)
            buttons.append(
                Button(label=label, action=action, value=f"{prefix}:{encode_choice(picked)}", style="primary")
            )
        return tuple(buttons)

    def _domain(self, question: Question, lang: Lang) -> str:
        """The exam domain the question belongs to: a CLF-C02-only question shows its CLF-C02 domain."""
        if question.clf_domain and "SAA-C03" not in question.exams:
            return self.t(lang, f"clf_domain.{question.clf_domain}")
        return self.t(lang, f"domain.{question.domain}")

    def _meta(self, question: Question, lang: Lang) -> str:
        topic = self.bank.topics.get(question.topic)
        return self.t(
            lang,
            "quiz.meta",
            topic=topic.name if topic else question.topic,
            domain=self._domain(question, lang),
            level=question.level,
            exams=", ".join(question.exams),
        )

    def report_button(self, question: Question, lang: Lang, label: str = "report.button", **values: object) -> Button:
        """Opens the form to report the question (wrong answer, unclear, outdated, typo)."""
        return Button(self.t(lang, label, **values), REPORT, question.id)

    def daily_post(self, question: Question, post: Post, answered: int, lang: Lang) -> Reply:
        return Reply(
            title=self.t(lang, "daily.title", date=post.local_date.isoformat()),
            body=self._question_body(question, lang),
            buttons=self._buttons(question, lang, ANSWER, str(post.id)),
            footer=f"{self._meta(question, lang)} · {self.t(lang, 'daily.answered', count=answered)}",
            visibility="channel",
            kind="question",
        )

    def practice_question(self, question: Question, lang: Lang) -> Reply:
        return Reply(
            title=self.t(lang, "practice.title"),
            body=self._question_body(question, lang),
            buttons=self._buttons(question, lang, PRACTICE, question.id),
            footer=self._meta(question, lang),
            kind="question",
        )

    def _answer_line(self, question: Question, lang: Lang) -> str:
        return self.t(lang, "quiz.answer_is", answer=self._choice_text(question, question.answer, lang))

    def _choice_text(self, question: Question, picked: frozenset[int], lang: Lang) -> str:
        if question.kind == "truefalse":
            return question.choices[next(iter(picked))].get(lang)
        return ", ".join(f"{LETTERS[i]}. {question.choices[i].get(lang)}" for i in sorted(picked))

    def daily_result(self, question: Question, outcome: AnswerOutcome, lang: Lang) -> Reply:
        shown_rank = outcome.rank if outcome.rank is not None and outcome.rank <= TOP_FASTEST else None
        key = (question.id, outcome.correct, outcome.points, shown_rank, lang)
        kept = self._results.get(key)
        if kept is not None and kept[0] is question:
            return kept[1]
        if len(self._results) >= RESULTS_KEPT:
            self._results.clear()
        reply = self._daily_result(question, outcome, lang)
        self._results[key] = (question, reply)
        return reply

    def _daily_result(self, question: Question, outcome: AnswerOutcome, lang: Lang) -> Reply:
        if outcome.correct:
            headline = self.t(lang, "quiz.correct_points", points=outcome.points)
            if outcome.rank is not None and outcome.rank <= TOP_FASTEST:
                headline += " " + self.t(lang, "quiz.rank", rank=outcome.rank)
        else:
            headline = self.t(lang, "quiz.wrong_daily")
        return Reply(
            title=headline,
            body=f"{self._answer_line(question, lang)}\n\n{question.explanation.get(lang)}",
            buttons=(self.report_button(question, lang),),
            kind="result",
        )

    def already_answered(self, question: Question, outcome: AnswerOutcome, lang: Lang) -> Reply:
        return Reply(
            body=self.t(lang, "quiz.already", picked=self._choice_text(question, outcome.picked, lang)),
            kind="error",
        )

    def practice_result(self, question: Question, picked: frozenset[int], correct: bool, lang: Lang) -> Reply:
        headline = self.t(lang, "quiz.correct") if correct else self.t(lang, "quiz.wrong")
        topic = self.bank.topics.get(question.topic)
        buttons = (
            Button(self.t(lang, "practice.another"), QUIZ_TOPIC, question.topic),
            Button(
                self.t(lang, "card.open", name=topic.name if topic else question.topic),
                CARD,
                question.topic,
            ),
            self.report_button(question, lang),
        )
        return Reply(
            title=headline,
            body=f"{self._answer_line(question, lang)}\n\n{question.explanation.get(lang)}",
            footer=self.t(lang, "practice.no_points"),
            buttons=buttons,
            kind="result",
        )

    def reveal(
        self,
        question: Question,
        post: Post,
        answers: Sequence[tuple[str, str, frozenset[int], bool, int, datetime]],
        lang: Lang,
    ) -> Reply:
        spread = Counter(picked for _, _, picked, _, _, _ in answers)
        total = len(answers)
        lines = []
        for option in choice_options(question):
            count = spread.get(option, 0)
            share = round(100 * count / total) if total else 0
            mark = " ✅" if option == question.answer else ""
            label = question.choices[next(iter(option))].get(lang) if question.kind == "truefalse" else letters(option)
            lines.append(self.t(lang, "reveal.spread_line", label=label, count=count, share=share) + mark)
        fastest = [name for _, name, _, correct, _, _ in answers if correct][:TOP_FASTEST]
        fields = [Field(self.t(lang, "reveal.spread"), "\n".join(lines))]
        if fastest:
            fields.append(Field(self.t(lang, "reveal.fastest"), ", ".join(fastest)))
        correct_count = sum(1 for a in answers if a[3])
        return Reply(
            title=self.t(lang, "reveal.title", date=post.local_date.isoformat()),
            body=f"{self._question_body(question, lang)}\n\n{self._answer_line(question, lang)}",
            fields=tuple(fields),
            buttons=(self.report_button(question, lang),),
            footer=self.t(lang, "reveal.summary", total=total, correct=correct_count),
            visibility="channel",
            kind="reveal",
        )

    def explanation(self, question: Question, lang: Lang) -> Reply:
        """Posted under the revealed post (a thread where the platform has them)."""
        return Reply(
            title=self.t(lang, "reveal.explanation"),
            body=f"{self._answer_line(question, lang)}\n\n{question.explanation.get(lang)}",
            visibility="channel",
            kind="explanation",
        )

    # --- lookup -----------------------------------------------------------------------------

    def card(self, topic: Topic, lang: Lang) -> Reply:
        fields = [Field(self.t(lang, "card.points"), "\n".join(f"• {p.get(lang)}" for p in topic.points))]
        for compare in topic.compare:
            other = self.bank.topics.get(compare.other)
            name = other.name if other else compare.other
            fields.append(Field(self.t(lang, "card.versus", name=name), compare.text.get(lang)))
        related = [self.bank.topics[r].name for r in topic.related if r in self.bank.topics]
        if related:
            fields.append(Field(self.t(lang, "card.related"), ", ".join(related), inline=True))
        buttons = [Button(self.t(lang, "card.share"), SHARE, topic.id)]
        if topic.question_ids:
            buttons.append(Button(self.t(lang, "card.practice"), QUIZ_TOPIC, topic.id, style="primary"))
        title = topic.name if topic.full_name in ("", topic.name) else f"{topic.name} — {topic.full_name}"
        return Reply(
            title=title,
            body=topic.summary.get(lang),
            fields=tuple(fields),
            buttons=tuple(buttons),
            footer=self.t(lang, "card.footer", exams=", ".join(topic.exams), questions=len(topic.question_ids)),
            kind="card",
        )

    def not_found(self, query: str, suggestions: Sequence[Topic], lang: Lang) -> Reply:
        if not suggestions:
            return self.error(lang, "lookup.nothing", query=query)
        return Reply(
            body=self.t(lang, "lookup.did_you_mean", query=query),
            buttons=tuple(Button(t.name, CARD, t.id) for t in suggestions),
            kind="suggestions",
        )

    # --- boards -----------------------------------------------------------------------------

    def board(
        self, period: str, label: str, rows: Sequence[BoardRow], mine: tuple[int, BoardRow] | None, lang: Lang
    ) -> Reply:
        if not rows:
            body = self.t(lang, "board.empty")
        else:
            medals = {1: "🥇", 2: "🥈", 3: "🥉"}
            body = "\n".join(
                self.t(
                    lang,
                    "board.line",
                    rank=medals.get(i, f"{i}."),
                    name=row.name,
                    points=row.points,
                    correct=row.correct,
                    answered=row.answered,
                )
                for i, row in enumerate(rows, start=1)
            )
        footer = None
        if mine is not None:
            rank, row = mine
            footer = self.t(lang, "board.mine", rank=rank, points=row.points)
        return Reply(
            title=self.t(lang, f"board.title_{period}", label=label),
            body=body,
            footer=footer,
            visibility="channel",
            kind="board",
        )
