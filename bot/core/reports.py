"""Reporting a question: members flag a question as wrong, unclear, outdated or mistyped; admins see
and close the reports.

Rules (also in the README):
- A "⚑ Report" button sits under every revealed daily post and every private answer to a daily,
  practice or review question; a mock exam's result has one per missed question shown ("⚑ Q7").
  It opens a form: a reason (wrong, unclear, outdated, typo) and, if the member likes, one line of at
  most NOTE_LIMIT characters. An unknown reason, a longer note or a question no longer in the bank is
  refused with a clear reply, and nothing is stored.
- One open report per member and question: reporting it again updates the reason and the note. A
  member with OPEN_LIMIT open reports is refused new ones until admins have gone through some.
- `/studybot reports` (admins) lists the team's open reports, newest first (at most LIST_LIMIT);
  `/studybot reports close N` closes report #N. `studybot content reports` prints every open report
  with its question's file and line.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.core.content import QuestionBank
from bot.core.context import Context, saved_channel
from bot.core.models import Reply
from bot.core.numbers import parse_id
from bot.core.ports import Clock, Store
from bot.core.report_views import REASONS, ReportViews

NOTE_LIMIT = 300  # characters of a report's note
OPEN_LIMIT = 20  # open reports one member may have at once
LIST_LIMIT = 15  # reports shown by /studybot reports


class Reports:
    def __init__(self, *, bank: QuestionBank, store: Store, clock: Clock, views: ReportViews) -> None:
        self.bank = bank
        self.store = store
        self.clock = clock
        self.views = views

    # --- members ------------------------------------------------------------------------------

    async def press_report(self, ctx: Context, value: str) -> Reply:
        """The report button: the form for the question "<question id>"."""
        question = self.bank.questions.get(value)
        if question is None:
            return self.views.error(ctx.lang, "report.unknown_question")
        return self.views.form(question, NOTE_LIMIT, ctx.lang)

    async def submit(self, ctx: Context, value: str, values: Mapping[str, str]) -> Reply:
        """The filled-in form: checked, then stored (one open report per member and question)."""
        lang = ctx.lang
        question = self.bank.questions.get(value)
        if question is None:
            return self.views.error(lang, "report.unknown_question")
        reason = values.get("reason", "").strip().lower()
        if reason not in REASONS:
            if not reason:
                return self.views.error(
                    lang, "report.no_reason", invalid="reason", reasons=self.views.reason_list(lang)
                )
            shown = reason[:40]
            return self.views.error(
                lang, "report.bad_reason", invalid="reason", value=shown, reasons=self.views.reason_list(lang)
            )
        note = values.get("note", "").strip()
        if len(note) > NOTE_LIMIT:
            return self.views.error(lang, "report.too_long", invalid="note", length=len(note), limit=NOTE_LIMIT)
        channel = await saved_channel(self.store, ctx)
        assert channel.id is not None
        outcome = await self.store.add_report(
            channel.platform,
            channel.id,
            ctx.member.user_id,
            question.id,
            reason,
            note,
            self.clock.now(),
            open_limit=OPEN_LIMIT,
        )
        if outcome.report is None:
            return self.views.error(lang, "report.too_many", limit=OPEN_LIMIT)
        return self.views.recorded(outcome, question, lang)

    # --- admins (the router checked) ---------------------------------------------------------

    async def command(self, ctx: Context, args: str) -> Reply:
        """`/studybot reports [list]` or `/studybot reports close N`."""
        words = args.lower().split()
        if not words or words == ["list"]:
            return await self.listing(ctx)
        if words[0] == "close" and len(words) == 2:
            return await self.close(ctx, words[1])
        return self.views.error(ctx.lang, "report.usage")

    async def listing(self, ctx: Context) -> Reply:
        channel = ctx.channel
        found = await self.store.reports("open", LIST_LIMIT + 1, platform=channel.platform, team_id=channel.team_id)
        return self.views.listing(found[:LIST_LIMIT], len(found) > LIST_LIMIT, channel.timezone, ctx.lang)

    async def close(self, ctx: Context, number: str) -> Reply:
        report_id = parse_id(number.removeprefix("#"))
        if report_id is None:
            return self.views.error(ctx.lang, "report.bad_number", value=number[:20])
        channel = ctx.channel
        report = await self.store.get_report(report_id, platform=channel.platform, team_id=channel.team_id)
        if report is None:
            return self.views.error(ctx.lang, "report.not_found", id=report_id)
        if report.status != "open" or not await self.store.close_report(report.id, self.clock.now()):
            return self.views.error(ctx.lang, "report.already_closed", id=report.id)
        return self.views.closed(report, ctx.lang)
