"""The commands that run no bot: content check, cues and reports, lookup, the Slack manifest.

Each takes its settings and an output stream and returns the exit status; bot/cli.py parses the
arguments and calls them.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any, TextIO

from bot.config import Settings
from bot.core.content import QuestionBank, check_bank, locate_questions
from bot.core.cues import MUCH_LONGER, longest_is_answer
from bot.core.models import LANGS, Lang, Report
from bot.core.ports import StoreError
from bot.store import is_postgres, open_store

EVERY_REPORT = 1_000_000  # no team files that many; the store wants a bound


class NoDatabase(Exception):
    """The database named is not there (a SQLite file that does not exist): nothing was created."""


def _database_exists(url: str) -> bool:
    return is_postgres(url) or url == ":memory:" or Path(url).is_file()


def read_reports(url: str, status: str | None = "open") -> list[Report]:
    """Every report of that status (None: all) in the database at `url`, newest first; NoDatabase or
    StoreError when it cannot be read. A SQLite file that is not there is not made."""
    if not _database_exists(url):
        raise NoDatabase(f"no database at {url}")

    async def read() -> list[Report]:
        store = await open_store(url)
        try:
            return await store.reports(status, EVERY_REPORT)
        finally:
            await store.close()

    return asyncio.run(read())


def report_warnings(settings: Settings, bank: QuestionBank, *, db_given: bool) -> tuple[list[dict[str, Any]], str]:
    """The bank's questions with open reports, for `content check`: warnings, never faults. Read from the
    database given (`--db`), else from the configured one if it exists. (warnings, why none were read)."""
    try:
        reports = read_reports(settings.db_path)
    except NoDatabase as exc:
        return [], str(exc) if db_given else ""
    except (StoreError, OSError) as exc:
        return [], f"could not read reports from {settings.db_path}: {exc}"
    where = locate_questions(settings.content_path)
    by_question: dict[str, list[Report]] = defaultdict(list)
    for report in reports:
        by_question[report.question_id].append(report)
    warnings = []
    for question_id, found in by_question.items():
        file, line = where.get(question_id, ("?", 0)) if question_id in bank.questions else ("?", 0)
        reasons = sorted({r.reason for r in found})
        warnings.append({"file": file, "line": line, "question": question_id, "open": len(found), "reasons": reasons})
    warnings.sort(key=lambda w: (w["file"] == "?", w["file"], w["line"], w["question"]))
    return warnings, ""


def _warning_line(warning: dict[str, Any]) -> str:
    count = warning["open"]
    what = f"{count} open report{'s' if count > 1 else ''} ({', '.join(warning['reasons'])})"
    if warning["file"] == "?":
        return f"warning: {warning['question']}: {what}, but the question is not in the bank"
    return f"{warning['file']}:{warning['line']}: warning: {warning['question']}: {what}; `studybot content reports`"


def content_check(settings: Settings, out: TextIO, *, as_json: bool, db_given: bool = False) -> int:
    """Faults decide the exit status; open reports on questions are shown as warnings."""
    bank, faults = check_bank(settings.content_path)
    warnings, unread = report_warnings(settings, bank, db_given=db_given)
    if unread:
        print(f"studybot: {unread}", file=sys.stderr)
    for fault in faults:
        print(fault, file=sys.stderr if as_json else out)
    for warning in warnings:
        print(_warning_line(warning), file=sys.stderr if as_json else out)
    if as_json:
        found = {"ok": not faults, "faults": len(faults), "warnings": len(warnings), "reports": warnings}
        print(json.dumps({**found, **bank.stats()}, ensure_ascii=False), file=out)
    elif not faults:
        stats = bank.stats()
        reported = f"; {_count(len(warnings), 'question')} with open reports (warnings above)" if warnings else ""
        print(f"ok: {stats['topics']} topics, {stats['questions']} questions{reported}", file=out)
    return 1 if faults else 0


def content_reports(settings: Settings, out: TextIO, *, every: bool, as_json: bool) -> int:
    """Each open report (with `every`, closed ones too) as `file:line: ...` of its question, grouped by file."""
    try:
        reports = read_reports(settings.db_path, None if every else "open")
    except (NoDatabase, StoreError, OSError) as exc:
        print(f"studybot: {exc}", file=sys.stderr)
        return 2
    where = locate_questions(settings.content_path)
    reports.sort(key=lambda r: (*where.get(r.question_id, ("~", 0)), r.id))
    for report in reports:
        file, line = where.get(report.question_id, ("?", 0))
        if as_json:
            print(json.dumps(_report_json(report, file, line), ensure_ascii=False), file=out)
            continue
        place = f"{file}:{line}" if line else "?"
        status = "" if report.status == "open" else f" [{report.status}]"
        note = f': "{report.note}"' if report.note else ""
        who = f"by {report.user_name or report.user_id} ({report.platform})"
        when = f"{report.created_at:%Y-%m-%d %H:%M} UTC"
        print(
            f"{place}: {report.question_id}: report #{report.id}: {report.reason}{status}, {when}, {who}{note}",
            file=out,
        )
    questions = len({r.question_id for r in reports})
    kind = "report" if every else "open report"
    print(f"{_count(len(reports), kind)} on {_count(questions, 'question')}", file=sys.stderr)
    return 0


def _report_json(report: Report, file: str, line: int) -> dict[str, Any]:
    return {
        "id": report.id,
        "question": report.question_id,
        "file": file,
        "line": line,
        "reason": report.reason,
        "note": report.note,
        "status": report.status,
        "created_at": report.created_at.isoformat(),
        "platform": report.platform,
        "team": report.team_id,
        "channel": report.channel_id,
        "user_id": report.user_id,
        "user_name": report.user_name,
    }


def content_cues(settings: Settings, out: TextIO, lang: Lang | None) -> int:
    """Each single question whose answer is the longest choice, as `file:line: ...`, for authors to fix."""
    bank, _ = check_bank(settings.content_path)
    where = locate_questions(settings.content_path)
    langs = (lang,) if lang else LANGS
    count = 0
    for question in sorted(bank.questions.values(), key=lambda q: where.get(q.id, ("", 0))):
        if question.kind != "single" or len(question.answer) != 1:
            continue
        hits = [lang for lang in langs if longest_is_answer(question, lang)]
        if not hits:
            continue
        count += 1
        much = [lang for lang in hits if longest_is_answer(question, lang, MUCH_LONGER)]
        file, line = where.get(question.id, ("?", 0))
        note = f" (more than 20% longer in {', '.join(much)})" if much else ""
        print(f"{file}:{line}: {question.id}: the answer is the longest choice in {', '.join(hits)}{note}", file=out)
    print(f"{count} single questions have the answer as their longest choice", file=sys.stderr)
    return 0


def lookup(settings: Settings, query: str, out: TextIO, *, lang: Lang, as_json: bool) -> int:
    from bot.app import load_library
    from bot.platforms.console.render import render_text

    library = load_library(settings)
    result = library.lookup.find(query)
    if as_json:
        topic = result.topic
        found = {
            "id": topic.id if topic else None,
            "name": topic.name if topic else None,
            "score": round(result.score, 1),
            "suggestions": [{"id": t.id, "name": t.name} for t in result.suggestions],
        }
        print(json.dumps(found, ensure_ascii=False), file=out)
    elif result.topic is not None:
        print(render_text(library.views.card(result.topic, lang)), file=out)
    else:
        print(render_text(library.views.not_found(query, result.suggestions, lang)), file=out)
    return 0 if result.topic is not None else 1


def slack_manifest(out: TextIO) -> int:
    from bot.core.i18n import Catalog
    from bot.platforms.slack.manifest import manifest

    catalog = Catalog.load()
    out.write(manifest(lambda key: catalog.t("en", key)))
    return 0


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
