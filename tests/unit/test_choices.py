"""How a pick travels in a button value: only a question's own options, in their one spelling."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.choices import choice_options, decode_choice, encode_choice
from bot.core.content import QuestionBank


def spellings(bank: QuestionBank) -> st.SearchStrategy[tuple[str, str]]:
    """(question id, text): a real option's spelling, or digits and pluses as anyone may send them."""
    ids = st.sampled_from(sorted(bank.questions))
    noise = st.text(alphabet="0123456789+-x ", max_size=8)
    return st.tuples(ids, noise | st.integers(0, 9).map(str) | st.lists(st.integers(0, 7), max_size=4).map(
        lambda parts: "+".join(map(str, parts))
    ))  # fmt: skip


def test_every_option_round_trips_and_nothing_else_is_taken(library):
    for question in library.bank.questions.values():
        options = choice_options(question)
        for option in options:
            assert decode_choice(encode_choice(option), question) == option
        assert question.answer in options


def test_a_value_is_a_pick_only_when_it_is_the_spelling_of_one_of_the_questions_options(library):
    bank = library.bank

    @settings(max_examples=600, deadline=None)
    @given(spellings(bank))
    def check(case: tuple[str, str]) -> None:
        question = bank.questions[case[0]]
        expected = {encode_choice(o): o for o in choice_options(question)}.get(case[1])
        assert decode_choice(case[1], question) == expected

    check()
