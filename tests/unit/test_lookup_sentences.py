"""`/aws` with a sentence that names no topic, on the real bank: the cards' own words find it."""

from __future__ import annotations

import pytest

from bot.config import DEFAULT_CONTENT
from bot.core.content import load_bank
from bot.core.lookup import LookupIndex


@pytest.fixture(scope="module")
def index() -> LookupIndex:
    return LookupIndex(load_bank(DEFAULT_CONTENT).topics.values())


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("which database stores documents like mongodb", "documentdb"),
        ("detect objects in images", "rekognition"),
        ("archive storage cheap long term retrieval hours", "s3-glacier"),
        ("음성을 텍스트로 변환", "transcribe"),
        ("api 호출 기록 감사", "cloudtrail"),
    ],
)
def test_a_sentence_that_names_no_topic_finds_the_card_that_says_it(
    index: LookupIndex, query: str, expected: str
) -> None:
    result = index.find(query)
    assert result.topic is not None and result.topic.id == expected
    assert expected not in [t.id for t in result.suggestions]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("record api calls for auditing", "cloudtrail"),  # X-Ray's card also records calls
        ("stream real time data records shards", "kinesis-data-streams"),
        ("encryption keys management", "kms"),
    ],
)
def test_a_sentence_without_a_clear_winner_suggests_the_likely_card_first(
    index: LookupIndex, query: str, expected: str
) -> None:
    result = index.find(query)
    assert result.topic is None
    assert result.suggestions[0].id == expected


def test_a_sentence_of_words_no_card_uses_chooses_nothing(index: LookupIndex) -> None:
    assert index.find("throw random words xyz qwe").topic is None
    assert index.find("pizza pasta espresso tiramisu").topic is None
