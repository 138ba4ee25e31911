"""A cache of the checked question bank, keyed by a digest of every content file's bytes.

Reading and checking the bank's 3.3 MB of YAML costs about a quarter of a second; a bank whose exact
bytes already passed the check is read back from JSON instead. Any change to any content file, or to the
checker's code, changes the digest, so the check runs again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from pathlib import Path
from types import MappingProxyType, ModuleType
from typing import Any

from bot.core import content as content_module
from bot.core import content_rules, cues, models, yaml_lines
from bot.core.content import QuestionBank, load_bank
from bot.core.models import Compare, Question, Text, Topic

log = logging.getLogger(__name__)
FORMAT = 1
# Every module whose code decides what a checked bank is (a test finds them from content.py's imports).
CHECKER: tuple[ModuleType, ...] = (content_module, content_rules, cues, models, yaml_lines)


def content_digest(root: Path) -> str:
    """Covers the content's bytes and the checker's own code: a new rule means a new check."""
    digest = hashlib.sha256(f"studybot-bank-v{FORMAT}".encode())
    for module in CHECKER:
        digest.update(Path(module.__file__ or "").read_bytes())
    for path in sorted(p for p in root.rglob("*") if p.suffix in (".yaml", ".yml")):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "studybot"


def _text(t: Text) -> list[str]:
    return [t.ko, t.en]


def _dump(bank: QuestionBank) -> dict[str, Any]:
    topics = [
        [t.id, t.name, t.full_name, list(t.aliases), t.category, list(t.exams), _text(t.summary),
         [_text(p) for p in t.points], [[c.other, *_text(c.text)] for c in t.compare], list(t.related),
         list(t.question_ids)]
        for t in bank.topics.values()
    ]  # fmt: skip
    questions = [
        [q.id, q.topic, q.kind, q.domain, q.level, _text(q.prompt), [_text(c) for c in q.choices],
         sorted(q.answer), _text(q.explanation), list(q.topics), list(q.exams), q.clf_domain]
        for q in bank.questions.values()
    ]  # fmt: skip
    return {"format": FORMAT, "topics": topics, "questions": questions}


def _load(data: dict[str, Any]) -> QuestionBank:
    topics = {}
    for tid, name, full, aliases, category, exams, summary, points, compare, related, qids in data["topics"]:
        topics[tid] = Topic(
            tid, name, full, tuple(aliases), category, tuple(exams), Text(*summary),
            tuple(Text(*p) for p in points), tuple(Compare(c[0], Text(c[1], c[2])) for c in compare),
            tuple(related), tuple(qids),
        )  # fmt: skip
    questions = {}
    for qid, topic, kind, domain, level, prompt, choices, answer, expl, refs, exams, clf in data["questions"]:
        questions[qid] = Question(
            qid, topic, kind, domain, level, Text(*prompt), tuple(Text(*c) for c in choices),
            frozenset(answer), Text(*expl), tuple(refs), tuple(exams), clf,
        )  # fmt: skip
    return QuestionBank(MappingProxyType(topics), MappingProxyType(questions))


def load_bank_cached(root: Path, cache_dir: Path | None) -> QuestionBank:
    """The checked bank; from the cache when these exact files were checked before."""
    if cache_dir is None:
        return load_bank(root)
    cache_file = cache_dir / f"bank-{content_digest(root)}.json"
    try:
        data = json.loads(cache_file.read_text(encoding="utf-8"))
        if data.get("format") == FORMAT:
            return _load(data)
    except (OSError, ValueError, TypeError, KeyError):
        pass  # no cache yet, or an unreadable one: check the files
    bank = load_bank(root)
    _write_atomically(cache_dir, cache_file, json.dumps(_dump(bank), ensure_ascii=False))
    return bank


def _write_atomically(folder: Path, target: Path, text: str) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("bank-*.json"):
            old.unlink(missing_ok=True)
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=folder, delete=False, suffix=".tmp") as handle:
            handle.write(text)
        os.replace(handle.name, target)
    except OSError as exc:  # a read-only home is fine: the bank is simply checked every start
        log.info("could not write the bank cache in %s: %s", folder, exc)
