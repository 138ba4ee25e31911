"""The rules of one topic file: its keys, its texts in both languages, its questions and their choices.

`FileChecker` turns one parsed file into a Topic and its Questions, collecting every fault with its line;
rules across files (ids, aliases, prompts asked twice) are in `bot.core.content`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.core.models import (
    CATEGORIES,
    CLF_DOMAINS,
    DOMAINS,
    EXAMS,
    KINDS,
    LEVELS,
    Compare,
    Question,
    Text,
    Topic,
)
from bot.core.yaml_lines import line_of as _line_of

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


class FileChecker:
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
                norm = normalize(text)
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


def normalize(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    return re.sub(r"[\W_]+", "", text)
