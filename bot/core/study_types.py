"""What the study features compute and the study views show: tallies, a member's stats, a review
deck, exam tracks and results, the weakest domain. Plain values, so views and features never import
each other in a circle."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from bot.core.models import Question, ReviewCard, Topic

# The review deck's rule for a member's miss (platform, user_id, question_id): the card after it,
# from the card before; the store applies it in the answer's own commit.
MissRules = Callable[[str, str, str], Callable[[ReviewCard | None], ReviewCard]]


@dataclass
class Tally:
    answered: int = 0
    correct: int = 0

    def add(self, correct: bool) -> None:
        self.answered += 1
        self.correct += correct

    @property
    def missed(self) -> int:
        return self.answered - self.correct

    @property
    def accuracy(self) -> float:
        return self.correct / self.answered if self.answered else 0.0


@dataclass
class MemberStats:
    name: str
    total: Tally = field(default_factory=Tally)
    by_source: dict[str, int] = field(default_factory=lambda: {"daily": 0, "practice": 0, "exam": 0})
    by_domain: dict[str, Tally] = field(default_factory=dict)  # SAA-C03 domains, in DOMAINS order
    by_clf_domain: dict[str, Tally] = field(default_factory=dict)
    by_category: dict[str, Tally] = field(default_factory=dict)
    weakest: list[tuple[Topic, Tally]] = field(default_factory=list)
    current_streak: int = 0
    longest_streak: int = 0
    reviews_due: int = 0
    reviews_total: int = 0
    leeches: int = 0


@dataclass(frozen=True, slots=True)
class Deck:
    due: list[ReviewCard]  # servable now, soonest first
    leeches: list[ReviewCard]
    next_due: datetime | None  # the soonest card that is not due yet (leeches aside)
    total: int


@dataclass(frozen=True)
class Track:
    key: str
    code: str
    domain_attr: str  # the Question attribute holding this exam's domain
    shares: Mapping[str, int]  # percent per domain, in display order
    pass_mark: int

    def domain_of(self, question: Question) -> str | None:
        value = getattr(question, self.domain_attr)
        return value if value in self.shares else None


@dataclass(frozen=True)
class ExamResult:
    track: Track
    total: int
    correct: int
    scaled: int
    passed: bool
    by_domain: dict[str, Tally]
    missed: list[tuple[int, Question, frozenset[int]]]  # (position, question, picked)


@dataclass(frozen=True)
class WeakDomain:
    kind: str  # "domain" | "clf_domain": the catalog section of its name
    key: str
    tally: Tally
    topic: Topic
