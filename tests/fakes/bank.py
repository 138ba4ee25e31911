"""A made-up question bank with as many questions per exam domain as a test needs."""

from __future__ import annotations

from collections.abc import Mapping

from bot.app import Library
from bot.core.content import QuestionBank
from bot.core.i18n import Catalog
from bot.core.lookup import LookupIndex
from bot.core.models import Question, Text, Topic
from bot.core.study_views import StudyViews

CLF_OF = {"secure": "security", "resilient": "technology", "performant": "technology", "cost": "billing"}


def _text(value: str) -> Text:
    return Text(value, value)


def synthetic_bank(per_domain: Mapping[str, int], *, clf: bool = False) -> QuestionBank:
    """`per_domain` SAA-C03 questions per domain, one topic per domain; answer A is always right."""
    topics: dict[str, Topic] = {}
    questions: dict[str, Question] = {}
    exams = ("SAA-C03", "CLF-C02") if clf else ("SAA-C03",)
    for domain, count in per_domain.items():
        topic_id = f"topic-{domain}"
        ids = tuple(f"{domain}-{i:03d}" for i in range(count))
        for qid in ids:
            questions[qid] = Question(
                id=qid,
                topic=topic_id,
                kind="single",
                domain=domain,
                level=1,
                prompt=_text(f"Prompt of {qid}?"),
                choices=(_text(f"right {qid}"), _text(f"wrong one {qid}"), _text(f"wrong two {qid}")),
                answer=frozenset({0}),
                explanation=_text(f"Why {qid} is A."),
                topics=(topic_id,),
                exams=exams,
                clf_domain=CLF_OF[domain] if clf else None,
            )
        topics[topic_id] = Topic(
            id=topic_id,
            name=f"Topic {domain}",
            full_name=f"Topic {domain}",
            aliases=(),
            category="storage",
            exams=exams,
            summary=_text(f"About {domain}."),
            points=(_text("A point."),),
            compare=(),
            related=(),
            question_ids=ids,
        )
    return QuestionBank(topics, questions)


def library_of(bank: QuestionBank) -> Library:
    catalog = Catalog.load()
    return Library(bank, LookupIndex(bank.topics.values()), catalog, StudyViews(catalog, bank))
