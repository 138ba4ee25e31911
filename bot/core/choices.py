"""What a member can pick on a question, and how a pick travels in a button value."""

from __future__ import annotations

from itertools import combinations

from bot.core.models import Question

LETTERS = "ABCDEFGH"


def choice_options(question: Question) -> list[frozenset[int]]:
    """One choice each, or for `multi` every set of the answer's size ("choose two")."""
    n = len(question.choices)
    if question.kind == "multi":
        return [frozenset(c) for c in combinations(range(n), len(question.answer))]
    return [frozenset({i}) for i in range(n)]


def encode_choice(picked: frozenset[int]) -> str:
    if len(picked) == 1:  # most questions: one choice
        for only in picked:
            return str(only)
    return "+".join(str(i) for i in sorted(picked))


def decode_choice(text: str, question: Question) -> frozenset[int] | None:
    """The picked set if `text` is one of the question's options, else None."""
    try:
        picked = frozenset(int(part) for part in text.split("+"))
    except ValueError:
        return None
    if encode_choice(picked) != text:  # only the canonical spelling a button carries: "0+3", not "3+0+0"
        return None
    # One of choice_options(question), without building them: the right size, every choice on the question.
    size = len(question.answer) if question.kind == "multi" else 1
    in_range = all(0 <= i < len(question.choices) for i in picked)
    return picked if len(picked) == size and in_range else None


def letters(picked: frozenset[int]) -> str:
    return "+".join(LETTERS[i] for i in sorted(picked))
