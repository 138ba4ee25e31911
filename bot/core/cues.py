"""Giveaway cues in the bank: figures a test-taker could exploit without knowing AWS.

- **longest**: in a `single` question, the correct choice is strictly longer (in characters) than
  every other choice. Chance is about 1 in the number of choices; a bank where it happens more
  often teaches "pick the longest". Counted per language, overall and per category.
- **positions**: how often each choice position holds the answer of a `single` question, beside the
  share chance gives (1/k for a question of k choices).
- **true share**: how many `truefalse` questions are True.
- **multi positions**: how the answers of `multi` questions spread over choice positions.

The figures are checked once there are enough questions for a share to mean something
(MIN_SINGLE overall, MIN_CATEGORY in a category); a small bank (tests, a new category) is reported
but never failed on its figures.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.core.models import LANGS, Lang, Question

LONGEST_LIMIT = 0.30  # share of single questions whose answer is the longest choice, per language
LONGEST_CATEGORY_LIMIT = 0.40
POSITION_TOLERANCE = 0.07  # how far a position's share may stray from chance
MULTI_POSITION_TOLERANCE = 0.10
TRUE_SHARE = (0.40, 0.60)
MIN_SINGLE = 100
MIN_CATEGORY = 20
MIN_TRUEFALSE = 20
MIN_MULTI = 20
MUCH_LONGER = 1.2  # "much longer": more than 20% longer than every distractor


def is_true(question: Question) -> bool:
    return question.choices[next(iter(question.answer))].en.strip().casefold() == "true"


def longest_is_answer(question: Question, lang: Lang, factor: float = 1.0) -> bool:
    """The answer is strictly longer than every other choice (by `factor` times, when given)."""
    (answer,) = question.answer
    lengths = [len(c.get(lang)) for c in question.choices]
    others = [n for i, n in enumerate(lengths) if i != answer]
    return bool(others) and lengths[answer] > factor * max(others)


def _share(part: int, whole: int) -> float:
    return round(part / whole, 3) if whole else 0.0


@dataclass(frozen=True)
class Limit:
    """A figure past its limit; `where` names the slice ("en", "storage/ko", "positions")."""

    where: str
    message: str


def _longest(singles: list[Question], category_of: Mapping[str, str]) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    for lang in LANGS:
        hits = [q for q in singles if longest_is_answer(q, lang)]
        by_category: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for q in singles:
            tally = by_category[category_of.get(q.topic, "?")]
            tally[1] += 1
            tally[0] += longest_is_answer(q, lang)
        worst = Counter(category_of.get(q.topic, "?") + "/" + q.topic for q in hits)
        figures[lang] = {
            "share": _share(len(hits), len(singles)),
            "much_longer_share": _share(sum(longest_is_answer(q, lang, MUCH_LONGER) for q in singles), len(singles)),
            "by_category": {c: {"share": _share(h, n), "questions": n} for c, (h, n) in sorted(by_category.items())},
            "worst_topics": [f"{topic} ({n})" for topic, n in worst.most_common(5)],
        }
    return figures


def _positions(questions: list[Question]) -> dict[str, Any]:
    """Answer positions beside chance: a question of k choices adds 1/k of chance to each of its k positions."""
    seen: Counter[int] = Counter()
    chance: defaultdict[int, float] = defaultdict(float)
    answers = 0
    for q in questions:
        for position in q.answer:
            seen[position] += 1
        answers += len(q.answer)
        for position in range(len(q.choices)):
            chance[position] += len(q.answer) / len(q.choices)
    return {
        str(p): {"share": _share(seen[p], answers), "chance": _share(round(chance[p]), answers)} for p in sorted(chance)
    }


def cue_figures(questions: Iterable[Question], category_of: Mapping[str, str]) -> dict[str, Any]:
    """Every cue figure of the bank, for `content check --json`."""
    qs = [q for q in questions if q.answer and all(0 <= i < len(q.choices) for i in q.answer)]  # faults aside
    singles = [q for q in qs if q.kind == "single" and len(q.answer) == 1]
    truefalse = [q for q in qs if q.kind == "truefalse" and len(q.answer) == 1]
    multi = [q for q in qs if q.kind == "multi"]
    trues = sum(is_true(q) for q in truefalse)
    return {
        "single_questions": len(singles),
        "longest_is_answer": _longest(singles, category_of),
        "positions": _positions(singles),
        "truefalse": {"questions": len(truefalse), "true_share": _share(trues, len(truefalse))},
        "multi": {"questions": len(multi), "positions": _positions(multi)},
    }


def _position_limits(figures: Mapping[str, Any], tolerance: float, what: str) -> list[Limit]:
    found = []
    for position, figure in figures.items():
        if abs(figure["share"] - figure["chance"]) > tolerance:
            found.append(
                Limit(
                    f"{what}/{position}",
                    f"choice {position} holds {figure['share']:.0%} of the {what} answers against "
                    f"{figure['chance']:.0%} by chance (allowed: within {tolerance:.0%}); move some answers",
                )
            )
    return found


def cue_limits(figures: Mapping[str, Any]) -> list[Limit]:
    """The figures past their limits (only where the bank is large enough for them to mean something)."""
    found: list[Limit] = []
    if figures["single_questions"] >= MIN_SINGLE:
        for lang, figure in figures["longest_is_answer"].items():
            if figure["share"] > LONGEST_LIMIT:
                found.append(
                    Limit(
                        lang,
                        f"the correct choice is the longest in {figure['share']:.0%} of single questions ({lang}); "
                        f"the limit is {LONGEST_LIMIT:.0%}. Worst: {', '.join(figure['worst_topics'])}",
                    )
                )
            for category, part in figure["by_category"].items():
                if part["questions"] >= MIN_CATEGORY and part["share"] > LONGEST_CATEGORY_LIMIT:
                    found.append(
                        Limit(
                            f"{category}/{lang}",
                            f"in {category}, the correct choice is the longest in {part['share']:.0%} of "
                            f"{part['questions']} single questions ({lang}); the limit is {LONGEST_CATEGORY_LIMIT:.0%}",
                        )
                    )
        found += _position_limits(figures["positions"], POSITION_TOLERANCE, "single")
    truefalse = figures["truefalse"]
    low, high = TRUE_SHARE
    if truefalse["questions"] >= MIN_TRUEFALSE and not low <= truefalse["true_share"] <= high:
        found.append(
            Limit(
                "truefalse",
                f"{truefalse['true_share']:.0%} of true/false questions are True; keep it between {low:.0%} and "
                f"{high:.0%}",
            )
        )
    if figures["multi"]["questions"] >= MIN_MULTI:
        found += _position_limits(figures["multi"]["positions"], MULTI_POSITION_TOLERANCE, "multi")
    return found
