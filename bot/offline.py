"""The commands that run no bot: content check and cues, lookup, the Slack manifest.

Each takes its settings and an output stream and returns the exit status; bot/cli.py parses the
arguments and calls them.
"""

from __future__ import annotations

import json
import sys
from typing import TextIO

from bot.config import Settings
from bot.core.content import check_bank, locate_questions
from bot.core.cues import MUCH_LONGER, longest_is_answer
from bot.core.models import LANGS, Lang


def content_check(settings: Settings, out: TextIO, *, as_json: bool) -> int:
    bank, faults = check_bank(settings.content_path)
    for fault in faults:
        print(fault, file=sys.stderr if as_json else out)
    if as_json:
        print(json.dumps({"ok": not faults, "faults": len(faults), **bank.stats()}, ensure_ascii=False), file=out)
    elif not faults:
        stats = bank.stats()
        print(f"ok: {stats['topics']} topics, {stats['questions']} questions", file=out)
    return 1 if faults else 0


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
