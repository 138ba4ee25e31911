"""Reply building for reports on questions: the report form, the thanks, the admins' list."""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from bot.core.commands import REPORT
from bot.core.models import Form, FormChoice, FormField, Lang, Question, Reply, Report, ReportOutcome
from bot.core.study_views import clip
from bot.core.views import Views

REASONS = ("wrong", "unclear", "outdated", "typo")
PROMPT_PREVIEW = 180  # characters of the question shown on the form
NOTE_PREVIEW = 160  # characters of a note shown in the admins' list


class ReportViews:
    def __init__(self, views: Views) -> None:
        self.views = views

    def t(self, lang: Lang, key: str, **values: object) -> str:
        return self.views.t(lang, key, **values)

    def error(self, lang: Lang, key: str, *, invalid: str | None = None, **values: object) -> Reply:
        return Reply(body=self.t(lang, key, **values), kind="error", invalid=invalid)

    def reason(self, reason: str, lang: Lang) -> str:
        return self.t(lang, f"report.reasons.{reason}")

    def reason_list(self, lang: Lang) -> str:
        return ", ".join(f"{r} ({self.reason(r, lang)})" for r in REASONS)

    # --- the member's side --------------------------------------------------------------------

    def form(self, question: Question, note_limit: int, lang: Lang) -> Reply:
        intro = self.t(
            lang, "report.intro", question=question.id, prompt=clip(question.prompt.get(lang), PROMPT_PREVIEW)
        )
        form = Form(
            action=REPORT,
            value=question.id,
            title=self.t(lang, "report.title"),
            fields=(
                FormField(
                    "reason",
                    self.t(lang, "report.reason"),
                    "choice",
                    tuple(FormChoice(r, self.reason(r, lang)) for r in REASONS),
                    required=True,
                    placeholder=self.t(lang, "report.reason_placeholder"),
                ),
                FormField(
                    "note",
                    self.t(lang, "report.note", limit=note_limit),
                    "text",
                    max_length=note_limit,
                    placeholder=self.t(lang, "report.note_placeholder"),
                ),
            ),
            submit=self.t(lang, "report.submit"),
            intro=intro,
            late=self.t(lang, "report.late"),
        )
        return Reply(title=form.title, body=intro, form=form, kind="form")

    def recorded(self, outcome: ReportOutcome, question: Question, lang: Lang) -> Reply:
        report = outcome.report
        assert report is not None
        key = "report.updated" if outcome.updated else "report.recorded"
        return Reply(
            body=self.t(lang, key, id=report.id, question=question.id, reason=self.reason(report.reason, lang)),
            kind="info",
        )

    # --- the admins' side ---------------------------------------------------------------------

    def listing(self, reports: Sequence[Report], more: bool, timezone: str, lang: Lang) -> Reply:
        title = self.t(lang, "report.list_title", count=f"{len(reports)}+" if more else len(reports))
        if not reports:
            return Reply(title=title, body=self.t(lang, "report.list_empty"), kind="info")
        zone = ZoneInfo(timezone)
        lines = []
        for report in reports:
            lines.append(
                self.t(
                    lang,
                    "report.list_line",
                    id=report.id,
                    question=report.question_id,
                    reason=self.reason(report.reason, lang),
                    name=report.user_name or report.user_id,
                    when=f"{report.created_at.astimezone(zone):%Y-%m-%d %H:%M}",
                )
            )
            if report.note:
                lines.append(self.t(lang, "report.list_note", note=clip(report.note, NOTE_PREVIEW)))
        footer = self.t(lang, "report.list_footer", timezone=timezone)
        if more:
            footer = f"{self.t(lang, 'report.list_more', shown=len(reports))} {footer}"
        return Reply(title=title, body="\n".join(lines), footer=footer, kind="info")

    def closed(self, report: Report, lang: Lang) -> Reply:
        return Reply(body=self.t(lang, "report.closed", id=report.id, question=report.question_id), kind="info")
