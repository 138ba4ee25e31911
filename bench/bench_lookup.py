"""`/aws` lookups as members type them: exact keys, typos, and free text (English and Korean sentences).

Ours: `LookupIndex.find` on the real bank, for each kind of query; the share of free-text queries that
found the topic meant is reported beside the time (a fast lookup that answers the wrong card is no use).
Reference: a dict lookup of the normalized exact key (the floor any index pays), same run.
"""

from __future__ import annotations

import random
import time

from bench.common import emit, median, percentile
from bot.app import Library
from bot.core.lookup import normalize

# (what a member types, the topic they mean)
FREE_TEXT = [
    ("which service stores files for many ec2", "efs"),
    ("shared file system many ec2 instances mount at once", "efs"),
    ("object storage for images and backups", "s3"),
    ("managed relational database", "rds"),
    ("run code without servers", "lambda"),
    ("content delivery network cache at edge", "cloudfront"),
    ("dns service domain names", "route53"),
    ("message queue to decouple services", "sqs"),
    ("publish subscribe notifications", "sns"),
    ("nosql key value database single digit millisecond", "dynamodb"),
    ("data warehouse for analytics", "redshift"),
    ("query s3 with sql", "athena"),
    ("monitor metrics and alarms", "cloudwatch"),
    ("infrastructure as code templates", "cloudformation"),
    ("in memory cache redis", "elasticache"),
    ("여러 EC2에서 동시에 마운트하는 파일 시스템", "efs"),
    ("공유 파일 시스템", "efs"),
    ("서버 없이 코드 실행", "lambda"),
    ("관계형 데이터베이스 관리형 서비스", "rds"),
    ("메시지 대기열", "sqs"),
    ("데이터 웨어하우스", "redshift"),
    ("콘텐츠 전송 네트워크", "cloudfront"),
    ("도메인 이름 시스템", "route53"),
    ("컨테이너를 서버 관리 없이 실행", "fargate"),
    ("비용 예산 알림", "budgets"),
]


def _typo(text: str, rng: random.Random) -> str:
    if len(text) < 4:
        return text
    i = rng.randrange(1, len(text) - 2)
    return text[:i] + text[i + 1] + text[i] + text[i + 2 :]


def _time(library: Library, queries: list[str], repeat: int) -> list[float]:
    find = library.lookup.find
    samples = []
    for _ in range(repeat):
        for query in queries:
            started = time.perf_counter()
            find(query)
            samples.append((time.perf_counter() - started) * 1000)
    return samples


def run(library: Library, quick: bool) -> None:
    rng = random.Random(3)
    keys = []
    for topic in library.bank.topics.values():
        keys += [topic.id, topic.name, *topic.aliases]
    exact = rng.sample(keys, min(len(keys), 1000))
    typos = [_typo(k, rng) for k in rng.sample(keys, min(len(keys), 1000))]
    free = [q for q, _ in FREE_TEXT]
    repeat = 3 if quick else 20
    table = {normalize(k): k for k in keys}
    started = time.perf_counter()
    for _ in range(repeat):
        for query in exact:
            table.get(normalize(query))
    reference = (time.perf_counter() - started) / (repeat * len(exact)) * 1000
    found = [library.lookup.find(q) for q, _ in FREE_TEXT]
    hits = sum(r.topic is not None and r.topic.id == want for r, (_, want) in zip(found, FREE_TEXT, strict=True))
    suggested = sum(
        (r.topic is not None and r.topic.id == want) or any(t.id == want for t in r.suggestions)
        for r, (_, want) in zip(found, FREE_TEXT, strict=True)
    )
    missing = [q for r, (q, want) in zip(found, FREE_TEXT, strict=True) if not (r.topic and r.topic.id == want)]
    for name, queries, reps in (
        ("exact_keys", exact, repeat),
        ("typos", typos, repeat),
        ("free_text", free, repeat * 20),
    ):
        samples = _time(library, queries, reps)
        p99 = percentile(samples, 99)
        extra: dict[str, object] = {}
        if name == "free_text":
            extra = {
                "found_meant_topic": f"{hits}/{len(FREE_TEXT)}",
                "meant_topic_found_or_suggested": f"{suggested}/{len(FREE_TEXT)}",
                "not_found": missing,
            }
        emit(
            "lookup",
            f"{name}_p99",
            p99,
            "ms",
            "<= 1 ms",
            p99 <= 1.0,
            reference=reference,
            reference_is="dict lookup of the normalized exact key (ms)",
            ratio=p99 / reference if reference else None,
            p50_ms=median(samples),
            queries=len(queries),
            **extra,
        )
