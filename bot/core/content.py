"""Load content/ (one YAML file per topic) into an immutable QuestionBank, checking every rule.

A fault names the file and line so that a content author can fix it at once. A bot never starts on
a bank with faults: `load_bank` raises `ContentError` carrying them all.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from bot.core.content_rules import Fault, FileChecker, normalize
from bot.core.cues import cue_figures, cue_limits
from bot.core.models import CATEGORIES, EXAM_CODES, EXAM_DOMAIN_WEIGHTS, Question, Topic
from bot.core.yaml_lines import FAST_LOADER, LineLoader, line_of, read_documents

__all__ = ["ContentError", "Fault", "QuestionBank", "check_bank", "load_bank", "locate_questions"]


class ContentError(Exception):
    def __init__(self, faults: list[Fault]) -> None:
        self.faults = faults
        super().__init__("\n".join(str(f) for f in faults[:20]))


@dataclass(frozen=True)
class QuestionBank:
    topics: Mapping[str, Topic]
    questions: Mapping[str, Question]

    def questions_for_exam(self, exam: str) -> tuple[Question, ...]:
        """`exam` is "saa", "clf" or "all"."""
        wanted = EXAM_CODES.get(exam)
        return tuple(q for q in self.questions.values() if wanted is None or wanted in q.exams)

    def questions_about(self, topic_id: str) -> tuple[Question, ...]:
        return tuple(q for q in self.questions.values() if topic_id in q.topics)

    def category_of(self) -> dict[str, str]:
        return {t.id: t.category for t in self.topics.values()}

    def stats(self) -> dict[str, Any]:
        qs = list(self.questions.values())
        category_of = self.category_of()
        topics_in = Counter(t.category for t in self.topics.values())
        questions_in = Counter(category_of.get(q.topic, "?") for q in qs)
        return {
            "topics": len(self.topics),
            "questions": len(qs),
            "by_kind": dict(Counter(q.kind for q in qs)),
            "by_domain": dict(Counter(q.domain for q in qs)),
            "by_clf_domain": dict(Counter(q.clf_domain for q in qs if q.clf_domain)),
            "by_level": {str(k): v for k, v in sorted(Counter(q.level for q in qs).items())},
            "scenario_share": round(sum(q.level == 3 for q in qs) / len(qs), 3) if qs else 0.0,
            "by_exam": exam_figures(qs),
            "by_category": {
                c: {"topics": topics_in[c], "questions": questions_in[c]} for c in CATEGORIES if topics_in[c]
            },
            "cues": cue_figures(qs, category_of),
        }


def exam_figures(questions: list[Question]) -> dict[str, Any]:
    """Per exam: its questions and the share of each of its domains beside the exam guide's weight."""
    figures: dict[str, Any] = {}
    for code, (attr, weights) in EXAM_DOMAIN_WEIGHTS.items():
        mine = [q for q in questions if code in q.exams]
        counts = Counter(getattr(q, attr) for q in mine)
        figures[code] = {
            "questions": len(mine),
            "domains": {
                d: {"questions": counts[d], "share": round(counts[d] / len(mine), 3) if mine else 0.0, "target": w}
                for d, w in weights.items()
            },
        }
    return figures


# --- the whole bank ---------------------------------------------------------------------------


def check_bank(root: Path, *, track_lines: bool = False) -> tuple[QuestionBank, list[Fault]]:
    """Read every topic file under `root`; return the bank and every fault found.

    The first pass parses with libyaml's own constructor (fast, no line numbers); only when it finds
    a fault is the bank read again with a loader that tracks lines, so every fault names its line.
    """
    if not track_lines:
        bank, faults = _check(root, FAST_LOADER)
        if not faults:
            return bank, faults
    return _check(root, LineLoader)


def _check(root: Path, loader: type) -> tuple[QuestionBank, list[Fault]]:
    faults: list[Fault] = []
    topics: dict[str, Topic] = {}
    questions: dict[str, Question] = {}
    topic_files: dict[str, str] = {}
    question_lines: dict[str, tuple[str, int]] = {}
    refs: list[tuple[str, str, int]] = []  # (file, topic id, line)
    alias_lines: dict[str, int] = {}
    files = sorted(p for p in root.rglob("*") if p.suffix in (".yaml", ".yml"))
    if not files:
        faults.append(Fault(str(root), 0, "no topic files found"))
    for path, (data, error) in zip(files, read_documents(files, loader), strict=True):
        label = _label(path, root)
        if error is not None:
            mark = getattr(error, "problem_mark", None)
            faults.append(Fault(label, mark.line + 1 if mark else 1, f"not valid YAML: {error}"))
            continue
        checker = FileChecker(path, label)
        topic, file_questions = checker.topic(data)
        faults.extend(checker.faults)
        refs.extend((label, ref, line) for ref, line in checker.refs)
        if topic is None or not topic.id:
            continue
        if topic.id in topics:
            faults.append(Fault(label, line_of(data, "id"), f"topic id '{topic.id}' also in {topic_files[topic.id]}"))
            continue
        topics[topic.id] = topic
        topic_files[topic.id] = label
        alias_lines[topic.id] = line_of(data, "aliases")
        for i, q in enumerate(file_questions):
            qline = line_of(data.get("questions"), i)
            if q.id in questions:
                first = question_lines[q.id]
                faults.append(Fault(label, qline, f"question id '{q.id}' also at {first[0]}:{first[1]}"))
                continue
            questions[q.id] = q
            question_lines[q.id] = (label, qline)
    faults.extend(Fault(label, line, f"unknown topic '{ref}'") for label, ref, line in refs if ref not in topics)
    faults.extend(_cross_checks(topics, questions, topic_files, question_lines, alias_lines))
    bank = QuestionBank(MappingProxyType(topics), MappingProxyType(questions))
    figures = cue_figures(questions.values(), bank.category_of())
    faults.extend(Fault(root.name, 0, f"cue ({limit.where}): {limit.message}") for limit in cue_limits(figures))
    return bank, faults


def _cross_checks(
    topics: dict[str, Topic],
    questions: dict[str, Question],
    topic_files: dict[str, str],
    question_lines: dict[str, tuple[str, int]],
    alias_lines: dict[str, int],
) -> list[Fault]:
    """Rules across files: aliases that name two topics, prompts asked twice."""
    faults: list[Fault] = []
    # Ids and names are claimed first, so a clash is blamed on the alias, not on the topic it names.
    owner_of: dict[str, str] = {}
    for topic in topics.values():
        for name in (topic.id, topic.name):
            owner_of.setdefault(normalize(name), topic.id)
    for topic in topics.values():
        label, line = topic_files[topic.id], alias_lines.get(topic.id, 1)
        for alias in topic.aliases:
            owner = owner_of.setdefault(normalize(alias), topic.id)
            if owner != topic.id:
                faults.append(Fault(label, line, f"alias '{alias}' of '{topic.id}' is also a name of '{owner}'"))
    prompts: dict[str, str] = {}
    for q in questions.values():
        label, line = question_lines[q.id]
        for text in (q.prompt.ko, q.prompt.en):
            key = normalize(text)
            if key and key in prompts and prompts[key] != q.id:
                faults.append(Fault(label, line, f"{q.id}: same prompt as {prompts[key]}"))
            prompts.setdefault(key, q.id)
    return faults


def _label(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root.parent))
    except ValueError:
        return str(path)


def locate_questions(root: Path) -> dict[str, tuple[str, int]]:
    """question id -> (file, line) of its `id:` line, for messages about single questions."""
    found: dict[str, tuple[str, int]] = {}
    for path in sorted(p for p in root.rglob("*") if p.suffix in (".yaml", ".yml")):
        label = _label(path, root)
        for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            match = re.match(r"\s*-\s+id:\s*([a-z0-9-]+)\s*$", text)
            if match:
                found.setdefault(match[1], (label, number))
    return found


def load_bank(root: Path) -> QuestionBank:
    """The bank, or ContentError if anything is wrong with it."""
    bank, faults = check_bank(root)
    if faults:
        raise ContentError(faults)
    return bank
