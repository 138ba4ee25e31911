"""Topic lookup: exact keys, aliases, Korean spacing and jamo typos, English typos, autocomplete."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.lookup import LookupIndex, LookupResult, normalize
from bot.core.models import Text, Topic
from bot.platforms.discord.commands import choices


def _topic(tid: str, name: str, full_name: str, aliases: list[str], category: str = "storage") -> Topic:
    return Topic(
        id=tid,
        name=name,
        full_name=full_name,
        aliases=tuple(aliases),
        category=category,
        exams=("SAA-C03",),
        summary=Text("요약", "summary"),
        points=(),
        compare=(),
        related=(),
        question_ids=(),
    )


TOPICS = (
    _topic(
        "efs",
        "Amazon EFS",
        "Amazon Elastic File System",
        [
            "elastic file system",
            "일래스틱 파일 시스템",
            "이에프에스",
            "nfs 공유 스토리지",
            "공유 파일 시스템",
        ],
    ),
    _topic(
        "ebs",
        "Amazon EBS",
        "Amazon Elastic Block Store",
        ["elastic block store", "일래스틱 블록 스토어", "블록 스토리지", "ebs 볼륨"],
    ),
    _topic(
        "s3",
        "Amazon S3",
        "Amazon Simple Storage Service",
        ["simple storage service", "심플 스토리지 서비스", "객체 스토리지", "버킷"],
    ),
    _topic(
        "s3-glacier",
        "Amazon S3 Glacier",
        "Amazon S3 Glacier storage classes",
        ["glacier", "글래시어", "s3 glacier deep archive", "아카이브 스토리지"],
    ),
    _topic(
        "s3-transfer-acceleration",
        "S3 Transfer Acceleration",
        "Amazon S3 Transfer Acceleration",
        ["전송 가속", "s3 전송 가속화"],
    ),
    _topic(
        "security-groups",
        "Security Groups",
        "Amazon VPC security groups",
        ["security group", "sg", "보안그룹", "보안 그룹"],
        "networking",
    ),
    _topic(
        "nacl",
        "Network ACLs",
        "Amazon VPC network access control lists",
        ["network acl", "nacl", "네트워크 acl", "네트워크 액세스 제어 목록"],
        "networking",
    ),
    _topic(
        "dynamodb",
        "Amazon DynamoDB",
        "Amazon DynamoDB",
        ["dynamo", "다이나모디비", "nosql 데이터베이스"],
        "database",
    ),
    _topic(
        "dax",
        "DAX",
        "Amazon DynamoDB Accelerator (DAX)",
        ["dynamodb 캐시", "다이나모디비 가속기"],
        "database",
    ),
    _topic(
        "cloudfront",
        "Amazon CloudFront",
        "Amazon CloudFront",
        ["cdn", "클라우드프론트", "콘텐츠 전송 네트워크"],
        "networking",
    ),
    _topic(
        "elb",
        "Elastic Load Balancing",
        "Elastic Load Balancing (ELB)",
        ["load balancer", "로드밸런서", "로드 밸런서"],
        "networking",
    ),
    _topic(
        "alb",
        "Application Load Balancer",
        "Elastic Load Balancing Application Load Balancer",
        ["alb", "애플리케이션 로드 밸런서", "l7 로드밸런서"],
        "networking",
    ),
    _topic(
        "nlb",
        "Network Load Balancer",
        "Elastic Load Balancing Network Load Balancer",
        ["nlb", "네트워크 로드 밸런서", "l4 로드밸런서"],
        "networking",
    ),
    _topic("route-53", "Amazon Route 53", "Amazon Route 53", ["route53", "dns", "라우트 53"], "networking"),
    _topic(
        "kinesis-data-streams",
        "Amazon Kinesis Data Streams",
        "Amazon Kinesis Data Streams",
        ["kds", "kinesis streams", "키네시스 데이터 스트림"],
        "analytics",
    ),
)


@pytest.fixture(scope="module")
def index() -> LookupIndex:
    return LookupIndex(TOPICS)


def _found(index: LookupIndex, query: str) -> str | None:
    result = index.find(query)
    return result.topic.id if result.topic else None


# --- find: exact keys ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("efs", "efs"),  # id
        ("security-groups", "security-groups"),  # id with a hyphen
        ("Amazon EFS", "efs"),  # name
        ("Amazon Elastic File System", "efs"),  # multi-word full name
        ("Application Load Balancer", "alb"),
        ("kinesis data streams", "kinesis-data-streams"),
        ("elastic file system", "efs"),  # alias
        ("cdn", "cloudfront"),
        ("일래스틱 파일 시스템", "efs"),  # Korean alias
        ("보안그룹", "security-groups"),
        ("보안 그룹", "security-groups"),
        ("보 안 그 룹", "security-groups"),  # Korean spacing variant
        ("로드 밸런서", "elb"),
        ("로드밸런서", "elb"),
        ("aws efs", "efs"),  # prefixes
        ("amazon s3", "s3"),
        ("AmazonDynamoDB", "dynamodb"),
        ("아마존 cloudfront", "cloudfront"),
        ("Amazon Web Services Route 53", "route-53"),
        ("EFS", "efs"),  # case and spacing
        ("cLoUdFrOnT", "cloudfront"),
        ("cloud front", "cloudfront"),
        ("  route   53 ", "route-53"),
        ("ＥＦＳ", "efs"),  # full-width
        ("dynamodb accelerator", "dax"),  # full name without its parenthesized part
        ("load balancer", "elb"),  # an alias beats the same words inside other names
    ],
)
def test_exact_keys_find_their_topic_with_score_100(index: LookupIndex, query: str, expected: str) -> None:
    result = index.find(query)
    assert result.topic is not None
    assert result.topic.id == expected
    assert result.score == 100.0


def test_a_match_lists_runners_up_but_not_itself(index: LookupIndex) -> None:
    result = index.find("Application Load Balancer")
    ids = [t.id for t in result.suggestions]
    assert "alb" not in ids
    assert "nlb" in ids
    assert len(ids) == len(set(ids)) <= 5


# --- find: typos --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("elastc file sytem", "efs"),
        ("dynamdb", "dynamodb"),
        ("cloudfornt", "cloudfront"),
        ("applicaton load balancer", "alb"),
        ("netwrk acl", "nacl"),
        ("rout 53", "route-53"),
        ("dynamodb acelerator", "dax"),
    ],
)
def test_english_typos_still_find_the_topic(index: LookupIndex, query: str, expected: str) -> None:
    result = index.find(query)
    assert _found(index, query) == expected
    assert 85.0 <= result.score < 100.0


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Amazn EFS", "efs"),
        ("amazonn cloudfront", "cloudfront"),
        ("aw dynamodb", "dynamodb"),
        ("아미존 cdn", "cloudfront"),
    ],
)
def test_a_mistyped_prefix_word_is_dropped(index: LookupIndex, query: str, expected: str) -> None:
    assert _found(index, query) == expected


def test_a_word_near_a_prefix_is_kept_when_it_is_the_whole_query(index: LookupIndex) -> None:
    assert normalize("amazn") == "amazn"
    assert normalize("Amazon Web Services Route 53") == "route53"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("보안거룹", "security-groups"),  # ㅡ -> ㅓ in one syllable
        ("보인그룹", "security-groups"),  # ㅏ -> ㅣ
        ("로드벨런서", "elb"),  # ㅐ -> ㅔ, although ALB and NLB have "로드밸런서" inside their aliases
        ("글레시어", "s3-glacier"),
        ("버컷", "s3"),  # two syllables: one wrong vowel of five jamo is exactly the threshold
        ("클라우드프런트", "cloudfront"),
    ],
)
def test_korean_typo_of_one_vowel_finds_the_topic(index: LookupIndex, query: str, expected: str) -> None:
    assert _found(index, query) == expected


def test_jamo_make_one_wrong_vowel_a_small_edit() -> None:
    assert normalize("보안그룹") == normalize("보안 그룹")
    assert len(normalize("보안그룹")) == 10  # ㅂㅗ ㅇㅏㄴ ㄱㅡ ㄹㅜㅂ
    wrong = sum(a != b for a, b in zip(normalize("보안그룹"), normalize("보안거룹"), strict=True))
    assert wrong == 1


def test_korean_as_typed_on_a_keyboard_normalizes_alike() -> None:
    assert normalize("아마존") == "\u110b\u1161\u1106\u1161\u110c\u1169\u1102"  # the prefix constant
    assert normalize("ㄱ") == normalize("가")[:1]  # a lone compatibility jamo
    assert normalize("보안글").startswith(normalize("보안그")) and normalize("보안그룹").startswith(
        normalize("보안글")
    )  # a final consonant that becomes the next initial
    assert normalize("과") == normalize("고") + normalize("아")[1:]  # a compound vowel as two vowels


# --- find: unsure, empty, hostile ---------------------------------------------------------------


def test_nonsense_gives_no_topic(index: LookupIndex) -> None:
    result = index.find("kubernetes pizza")
    assert result.topic is None
    assert isinstance(result.suggestions, tuple)
    assert len(result.suggestions) <= 5


def test_ambiguous_prefix_gives_suggestions_including_the_intended_topic(index: LookupIndex) -> None:
    result = index.find("s3 g")
    assert result.topic is None
    ids = [t.id for t in result.suggestions]
    assert ids[:2] in (["s3-glacier", "s3"], ["s3", "s3-glacier"])
    assert 0.0 < result.score < 100.0


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kinesis", "kinesis-data-streams"),  # the start of one topic's keys only
        ("cloudfr", "cloudfront"),
        ("보안그룹은", "security-groups"),  # a key followed by a short Korean particle
    ],
)
def test_an_unambiguous_start_finds_the_topic(index: LookupIndex, query: str, expected: str) -> None:
    assert _found(index, query) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("ef", "efs"),  # too short to accept
        ("s3 gl", "s3-glacier"),  # the start of a key, but not half of it
        ("s3 bucket", "s3"),  # a key inside the query
        ("efs가 뭐야", "efs"),  # a key followed by Korean words
        ("보안그룹이란", "security-groups"),
        ("dynamodb pizza", "dynamodb"),  # a key and a word that names nothing
        ("group", "security-groups"),  # a later word of a key
        ("file system", "efs"),
    ],
)
def test_unsure_queries_suggest_the_likely_topic(index: LookupIndex, query: str, expected: str) -> None:
    result = index.find(query)
    assert result.topic is None
    assert result.suggestions
    assert result.suggestions[0].id == expected


def test_ambiguous_word_suggests_every_candidate(index: LookupIndex) -> None:
    result = index.find("balancer")
    assert result.topic is None
    assert {"elb", "alb", "nlb"} <= {t.id for t in result.suggestions}


@pytest.mark.parametrize("query", ["", "   ", "\t\n", "🚀🔥", "\x00\x01\x1f", "!!!", "aws", "amazon"])
def test_empty_or_meaningless_query_gives_nothing(index: LookupIndex, query: str) -> None:
    result = index.find(query)
    assert result.topic is None
    if not normalize(query):
        assert result == LookupResult(None, 0.0, ())


@pytest.mark.parametrize(
    "query",
    [
        "x" * 10_000,
        "efs " * 2_500,
        "보안그룹" * 3_000,
        "\x00\x07\x1b[31mefs\x7f",
        "\ud800efs",  # a lone surrogate
        "ﷺ" * 200,  # expands 18-fold under NFKD
        "🚀efs🔥",
    ],
)
def test_hostile_queries_do_not_raise(index: LookupIndex, query: str) -> None:
    result = index.find(query)
    assert isinstance(result, LookupResult)
    assert 0.0 <= result.score <= 100.0
    assert len(result.suggestions) <= 5
    assert len(index.complete(query)) <= 25


def test_control_characters_and_emoji_are_ignored(index: LookupIndex) -> None:
    assert _found(index, "\x00\x07efs\x7f") == "efs"
    assert _found(index, "🚀 efs 🔥") == "efs"


def test_a_key_shared_by_two_topics_finds_neither() -> None:
    a = _topic("a", "Alpha", "Alpha Service", ["shared"])
    b = _topic("b", "Beta", "Beta Service", ["shared"])
    result = LookupIndex([a, b]).find("shared")
    assert result.topic is None
    assert {t.id for t in result.suggestions} == {"a", "b"}


def test_a_name_beats_the_same_text_as_another_topics_alias() -> None:
    a = _topic("a", "Glacier", "Alpha Glacier", [])
    b = _topic("b", "Beta", "Beta Service", ["glacier"])
    assert _found(LookupIndex([a, b]), "glacier") == "a"


def test_an_empty_index_finds_nothing() -> None:
    index = LookupIndex([])
    assert index.find("efs") == LookupResult(None, 0.0, ())
    assert index.complete("efs") == []
    assert index.complete("") == []


# --- complete -----------------------------------------------------------------------------------


def test_complete_puts_the_prefix_match_first(index: LookupIndex) -> None:
    assert index.complete("ef")[0] == ("Amazon EFS", "efs")


def test_complete_korean_prefix_names_the_matched_alias(index: LookupIndex) -> None:
    label, topic_id = index.complete("보안")[0]
    assert topic_id == "security-groups"
    assert label == "Security Groups (보안그룹)"


def test_complete_follows_a_syllable_being_typed(index: LookupIndex) -> None:
    assert index.complete("보안글")[0][1] == "security-groups"
    assert index.complete("ㄹ")  # a lone jamo already matches
    assert index.complete("로드")[0][1] == "elb"


def test_complete_lists_related_starts(index: LookupIndex) -> None:
    ids = [topic_id for _, topic_id in index.complete("s3")]
    assert ids[:2] == ["s3", "s3-glacier"]
    assert "s3-transfer-acceleration" in ids


def test_complete_tolerates_typos(index: LookupIndex) -> None:
    assert index.complete("dynamdb")[0][1] == "dynamodb"


def test_complete_empty_text_lists_topics_alphabetically(index: LookupIndex) -> None:
    choices = index.complete("", limit=4)
    expected = sorted(TOPICS, key=lambda t: t.name.casefold())[:4]
    assert choices == [(t.name, t.id) for t in expected]
    assert len(index.complete("   ")) == len(TOPICS)


@pytest.mark.parametrize("limit", [0, 1, 2, 3])
def test_complete_honours_the_limit(index: LookupIndex, limit: int) -> None:
    assert len(index.complete("", limit=limit)) == limit
    assert len(index.complete("e", limit=limit)) <= limit
    assert len(index.complete("a", limit=limit)) <= limit


def test_complete_returns_distinct_topics(index: LookupIndex) -> None:
    ids = [topic_id for _, topic_id in index.complete("e", limit=25)]
    assert len(ids) == len(set(ids))


def test_long_suggestions_are_cut_to_discords_limit_by_the_discord_adapter() -> None:
    long_alias = "엄청나게 긴 별칭 " * 20
    topic = _topic("long", "A" * 120, "Long Service", [long_alias])
    index = LookupIndex([topic])
    for text in ("", "a", "엄청나게", "long"):
        found = index.complete(text)
        assert found and all(topic_id == "long" for _, topic_id in found)
        assert all(len(c.name) <= 100 and c.value == "long" for c in choices(found))


# --- properties ---------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_find_never_raises(index: LookupIndex, query: str) -> None:
    result = index.find(query)
    assert isinstance(result, LookupResult)
    assert result.topic is None or result.topic in TOPICS
    assert 0.0 <= result.score <= 100.0
    assert len(result.suggestions) <= 5
    assert result.topic not in result.suggestions


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=120), st.integers(min_value=0, max_value=30))
def test_complete_never_raises_and_honours_limit(index: LookupIndex, text: str, limit: int) -> None:
    choices = index.complete(text, limit)
    assert len(choices) <= limit
    assert all(label for label, _ in choices)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(TOPICS), st.sampled_from(["", "Amazon ", "AWS ", "아마존 "]), st.booleans())
def test_every_name_finds_itself_with_prefix_and_case(
    index: LookupIndex, topic: Topic, prefix: str, upper: bool
) -> None:
    for key in (topic.id, topic.name, topic.full_name):
        query = prefix + (key.upper() if upper else key)
        assert _found(index, query) == topic.id


def test_a_sentence_sharing_one_word_with_a_card_chooses_nothing(index: LookupIndex) -> None:
    result = index.find("which database stores documents like mongodb")  # "store" is in EBS's name only
    assert result.topic is None
