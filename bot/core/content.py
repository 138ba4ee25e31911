"""Load content/ (one YAML file per topic) into an immutable QuestionBank, checking every rule.

A fault names the file and line so that a content author can fix it at once. A bot never starts on
a bank with faults: `load_bank` raises `ContentError` carrying them all.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from bot.core.cues import cue_figures, cue_limits
from bot.core.models import (
    CATEGORIES,
    CLF_DOMAINS,
    DOMAINS,
    EXAM_CODES,
    EXAM_DOMAIN_WEIGHTS,
    EXAMS,
    KINDS,
    LEVELS,
    Compare,
    Question,
    Text,
    Topic,
)

ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
TOPIC_KEYS = {
    "id",
    "name",
    "full_name",
    "aliases",
    "category",
    "exams",
    "summary",
    "points",
    "compare",
    "related",
    "questions",
}
QUESTION_KEYS = {
    "id",
    "kind",
    "domain",
    "clf_domain",
    "level",
    "prompt",
    "choices",
    "answer",
    "explanation",
    "topics",
    "exams",
}
BANNED_CHOICES = ("all of the above", "none of the above", "모두 정답", "모두 해당", "정답 없음")


@dataclass(frozen=True, slots=True)
class Fault:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        if self.line <= 0:  # a figure of the whole bank, not of one line
            return f"{self.file}: {self.message}"
        return f"{self.file}:{self.line}: {self.message}"


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


# --- YAML with line numbers -------------------------------------------------------------------


class _LineDict(dict):  # type: ignore[type-arg,unused-ignore]
    line: int = 0
    key_lines: dict[str, int]


class _LineList(list):  # type: ignore[type-arg,unused-ignore]
    line: int = 0
    item_lines: list[int]


class _LineLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """A safe loader whose mappings and lists remember the lines they came from (1-based)."""


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> _LineDict:
    loader.flatten_mapping(node)
    result = _LineDict()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[str(key)] = key_node.start_mark.line + 1
    return result


def _construct_sequence(loader: yaml.SafeLoader, node: yaml.SequenceNode) -> _LineList:
    result = _LineList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    return result


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)
_FAST_LOADER: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _line_of(container: Any, key: str | int | None = None) -> int:
    if isinstance(container, _LineDict):
        if key is not None and str(key) in container.key_lines:
            return container.key_lines[str(key)]
        return container.line
    if isinstance(container, _LineList):
        if isinstance(key, int) and 0 <= key < len(container.item_lines):
            return container.item_lines[key]
        return container.line
    return 1


# --- checking one file ------------------------------------------------------------------------


class _FileChecker:
    """Turns one parsed topic file into a Topic and its Questions, collecting faults."""

    def __init__(self, path: Path, label: str) -> None:
        self.path = path
        self.label = label
        self.faults: list[Fault] = []
        self.refs: list[tuple[str, int]] = []  # (topic id referred to, line): checked once all are read

    def fault(self, line: int, message: str) -> None:
        self.faults.append(Fault(self.label, line, message))

    def text(self, parent: Any, key: str | int, what: str) -> Text:
        value = parent[key] if _has(parent, key) else None
        line = _line_of(parent, key)
        if not isinstance(value, dict):
            self.fault(line, f"{what} must be a mapping with 'ko' and 'en'")
            return Text("", "")
        for lang in ("ko", "en"):
            if not isinstance(value.get(lang), str) or not value[lang].strip():
                self.fault(_line_of(value, lang), f"{what} is missing its '{lang}' text")
        ko, en = value.get("ko"), value.get("en")
        return Text(ko.strip() if isinstance(ko, str) else "", en.strip() if isinstance(en, str) else "")

    def str_list(self, parent: dict[str, Any], key: str, *, required: bool = True) -> tuple[str, ...]:
        value = parent.get(key)
        if value is None and not required:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self.fault(_line_of(parent, key), f"'{key}' must be a list of non-empty strings")
            return ()
        return tuple(v.strip() for v in value)

    def unknown_keys(self, mapping: dict[str, Any], allowed: set[str], what: str) -> None:
        for key in mapping:
            if key not in allowed:
                self.fault(_line_of(mapping, key), f"unknown key '{key}' in {what}")

    def topic(self, data: Any) -> tuple[Topic | None, list[Question]]:
        if not isinstance(data, dict):
            self.fault(1, "a topic file must be a mapping")
            return None, []
        self.unknown_keys(data, TOPIC_KEYS, "topic")
        for key in ("id", "name", "full_name", "category"):
            if not isinstance(data.get(key), str) or not data[key].strip():
                self.fault(_line_of(data, key), f"'{key}' is required and must be a non-empty string")
        topic_id = str(data.get("id", "")).strip()
        if topic_id and not ID_PATTERN.match(topic_id):
            self.fault(_line_of(data, "id"), f"id '{topic_id}' is not kebab-case")
        if topic_id and self.path.stem != topic_id:
            self.fault(_line_of(data, "id"), f"id '{topic_id}' does not match the file name")
        category = str(data.get("category", ""))
        if category not in CATEGORIES:
            self.fault(_line_of(data, "category"), f"category '{category}' is not one of {', '.join(CATEGORIES)}")
        elif self.path.parent.name != category:
            self.fault(_line_of(data, "category"), f"category '{category}' does not match the folder")
        exams = self.exams(data, required=True)
        points = self.text_list(data, "points", "point", minimum=1)
        compare = self.compares(data)
        raw_questions = data.get("questions", [])
        if not isinstance(raw_questions, list):
            self.fault(_line_of(data, "questions"), "'questions' must be a list")
            raw_questions = []
        questions = [
            q
            for i, raw in enumerate(raw_questions)
            if (q := self.question(raw, raw_questions, i, topic_id, exams)) is not None
        ]
        topic = Topic(
            id=topic_id,
            name=str(data.get("name", "")).strip(),
            full_name=str(data.get("full_name", "")).strip(),
            aliases=self.str_list(data, "aliases"),
            category=category,
            exams=exams,
            summary=self.text(data, "summary", "summary"),
            points=points,
            compare=compare,
            related=self.refs_list(data, "related"),
            question_ids=tuple(q.id for q in questions),
        )
        return topic, questions

    def refs_list(self, data: dict[str, Any], key: str) -> tuple[str, ...]:
        values = self.str_list(data, key, required=False)
        self.refs.extend((v, _line_of(data, key)) for v in values)
        return values

    def exams(self, data: dict[str, Any], *, required: bool) -> tuple[str, ...]:
        exams = self.str_list(data, "exams", required=required)
        for exam in exams:
            if exam not in EXAMS:
                self.fault(_line_of(data, "exams"), f"exam '{exam}' is not one of {', '.join(EXAMS)}")
        if required and not exams:
            self.fault(_line_of(data, "exams"), "'exams' must name at least one exam")
        return tuple(e for e in exams if e in EXAMS)

    def text_list(self, data: dict[str, Any], key: str, what: str, *, minimum: int) -> tuple[Text, ...]:
        items = data.get(key)
        if not isinstance(items, list) or len(items) < minimum:
            self.fault(_line_of(data, key), f"'{key}' must be a list of at least {minimum} {what}(s)")
            return ()
        return tuple(self.text(items, i, what) for i in range(len(items)))

    def compares(self, data: dict[str, Any]) -> tuple[Compare, ...]:
        items = data.get("compare", [])
        if not isinstance(items, list):
            self.fault(_line_of(data, "compare"), "'compare' must be a list")
            return ()
        result = []
        for i, item in enumerate(items):
            other = item.get("with") if isinstance(item, dict) else None
            if not isinstance(other, str):
                self.fault(_line_of(items, i), "a compare entry needs 'with' (a topic id)")
                continue
            self.refs.append((other, _line_of(items, i)))
            result.append(Compare(other, self.text(items, i, "compare text")))
        return tuple(result)

    def question(
        self, raw: Any, parent: list[Any], index: int, topic_id: str, topic_exams: tuple[str, ...]
    ) -> Question | None:
        line = _line_of(parent, index)
        if not isinstance(raw, dict):
            self.fault(line, "a question must be a mapping")
            return None
        self.unknown_keys(raw, QUESTION_KEYS, "question")
        qid = raw.get("id")
        if not isinstance(qid, str) or not ID_PATTERN.match(qid):
            self.fault(_line_of(raw, "id"), f"question id {qid!r} must be kebab-case")
            qid = f"?{index}"
        kind = raw.get("kind")
        if kind not in KINDS:
            self.fault(_line_of(raw, "kind"), f"{qid}: kind {kind!r} is not one of {', '.join(KINDS)}")
        domain = raw.get("domain")
        if domain not in DOMAINS:
            self.fault(_line_of(raw, "domain"), f"{qid}: domain {domain!r} is not one of {', '.join(DOMAINS)}")
        level = raw.get("level")
        if level not in LEVELS:
            self.fault(_line_of(raw, "level"), f"{qid}: level {level!r} must be 1, 2 or 3")
        exams = self.exams(raw, required=False) or topic_exams
        clf_domain = raw.get("clf_domain")
        if "CLF-C02" in exams and clf_domain not in CLF_DOMAINS:
            self.fault(
                _line_of(raw, "clf_domain"),
                f"{qid}: a CLF-C02 question needs clf_domain, one of {', '.join(CLF_DOMAINS)}",
            )
        choices = self.text_list(raw, "choices", "choice", minimum=2)
        self.check_choices(raw, qid, kind, choices)
        answer = self.answer(raw, qid, kind, len(choices))
        topics = self.refs_list(raw, "topics")
        if topic_id and topics and topic_id not in topics:
            self.fault(_line_of(raw, "topics"), f"{qid}: topics must include this file's topic '{topic_id}'")
        return Question(
            id=qid,
            topic=topic_id,
            kind=kind if kind in KINDS else "single",
            domain=str(domain),
            level=level if isinstance(level, int) else 0,
            prompt=self.text(raw, "prompt", f"{qid}: prompt"),
            choices=choices,
            answer=answer,
            explanation=self.text(raw, "explanation", f"{qid}: explanation"),
            topics=topics or (topic_id,),
            exams=exams,
            clf_domain=clf_domain if isinstance(clf_domain, str) else None,
        )

    def check_choices(self, raw: dict[str, Any], qid: str, kind: Any, choices: tuple[Text, ...]) -> None:
        line = _line_of(raw, "choices")
        if kind == "truefalse" and len(choices) != 2:
            self.fault(line, f"{qid}: a truefalse question has exactly 2 choices")
        if kind in ("single", "multi") and not 3 <= len(choices) <= 6:
            self.fault(line, f"{qid}: a {kind} question has 3 to 6 choices")
        seen: dict[str, set[str]] = {"ko": set(), "en": set()}
        for choice in choices:
            for lang, text in (("ko", choice.ko), ("en", choice.en)):
                norm = _normalize(text)
                if any(b in text.casefold() for b in BANNED_CHOICES):
                    self.fault(line, f"{qid}: choice '{text}' is a catch-all; use a real AWS answer")
                if norm and norm in seen[lang]:
                    self.fault(line, f"{qid}: choice '{text}' appears twice")
                seen[lang].add(norm)

    def answer(self, raw: dict[str, Any], qid: str, kind: Any, n_choices: int) -> frozenset[int]:
        value = raw.get("answer")
        line = _line_of(raw, "answer")
        if not isinstance(value, list) or not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
            self.fault(line, f"{qid}: answer must be a list of choice indexes (0-based)")
            return frozenset()
        picked = frozenset(value)
        if len(picked) != len(value):
            self.fault(line, f"{qid}: answer repeats an index")
        for v in value:
            if not 0 <= v < n_choices:
                self.fault(line, f"{qid}: answer index {v} is out of range (0..{n_choices - 1})")
        if kind in ("single", "truefalse") and len(picked) != 1:
            self.fault(line, f"{qid}: a {kind} question has exactly one answer")
        if kind == "multi" and not 2 <= len(picked) < n_choices:
            self.fault(line, f"{qid}: a multi question has at least 2 answers and fewer than its choices")
        return picked


def _has(parent: Any, key: str | int) -> bool:
    if isinstance(parent, dict):
        return key in parent
    return isinstance(parent, list) and isinstance(key, int) and 0 <= key < len(parent)


def _normalize(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    return re.sub(r"[\W_]+", "", text)


# --- the whole bank ---------------------------------------------------------------------------


def check_bank(root: Path, *, track_lines: bool = False) -> tuple[QuestionBank, list[Fault]]:
    """Read every topic file under `root`; return the bank and every fault found.

    The first pass parses with libyaml's own constructor (fast, no line numbers); only when it finds
    a fault is the bank read again with a loader that tracks lines, so every fault names its line.
    """
    if not track_lines:
        bank, faults = _check(root, _FAST_LOADER)
        if not faults:
            return bank, faults
    return _check(root, _LineLoader)


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
    for path in files:
        label = _label(path, root)
        try:
            data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            mark = getattr(exc, "problem_mark", None)
            faults.append(Fault(label, mark.line + 1 if mark else 1, f"not valid YAML: {exc}"))
            continue
        checker = _FileChecker(path, label)
        topic, file_questions = checker.topic(data)
        faults.extend(checker.faults)
        refs.extend((label, ref, line) for ref, line in checker.refs)
        if topic is None or not topic.id:
            continue
        if topic.id in topics:
            faults.append(Fault(label, _line_of(data, "id"), f"topic id '{topic.id}' also in {topic_files[topic.id]}"))
            continue
        topics[topic.id] = topic
        topic_files[topic.id] = label
        alias_lines[topic.id] = _line_of(data, "aliases")
        for i, q in enumerate(file_questions):
            qline = _line_of(data.get("questions"), i)
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
            owner_of.setdefault(_normalize(name), topic.id)
    for topic in topics.values():
        label, line = topic_files[topic.id], alias_lines.get(topic.id, 1)
        for alias in topic.aliases:
            owner = owner_of.setdefault(_normalize(alias), topic.id)
            if owner != topic.id:
                faults.append(Fault(label, line, f"alias '{alias}' of '{topic.id}' is also a name of '{owner}'"))
    prompts: dict[str, str] = {}
    for q in questions.values():
        label, line = question_lines[q.id]
        for text in (q.prompt.ko, q.prompt.en):
            key = _normalize(text)
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
