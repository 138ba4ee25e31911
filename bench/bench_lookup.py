"""10,000 mixed /aws queries (ids, aliases, Korean, typos) against the real bank.

Reference: a plain dict lookup of the exact normalized key (the floor any index pays).
"""

from __future__ import annotations

import random
import time

from bench.common import emit, percentile
from bot.app import Library
from bot.core.lookup import normalize


def _typo(text: str, rng: random.Random) -> str:
    if len(text) < 4:
        return text
    i = rng.randrange(1, len(text) - 1)
    return text[:i] + text[i + 1] + text[i] + text[i + 2 :]


def queries(library: Library, count: int, rng: random.Random) -> list[str]:
    keys = []
    for topic in library.bank.topics.values():
        keys += [topic.id, topic.name, *topic.aliases]
    mixed = []
    for _ in range(count):
        key = rng.choice(keys)
        mixed.append(_typo(key, rng) if rng.random() < 0.3 else key)
    return mixed


def run(library: Library, quick: bool) -> None:
    rng = random.Random(3)
    mixed = queries(library, 10_000, rng)
    index = library.lookup
    latencies = []
    for query in mixed:
        t = time.perf_counter()
        index.find(query)
        latencies.append((time.perf_counter() - t) * 1000)
    exact = {normalize(k): k for k in mixed}
    t = time.perf_counter()
    for query in mixed:
        exact.get(normalize(query))
    reference_us = (time.perf_counter() - t) / len(mixed) * 1e6
    p99 = percentile(latencies, 99)
    emit("lookup", "p99", p99, "ms", "<= 1", p99 <= 1.0, p50_ms=round(percentile(latencies, 50), 4),
         queries=len(mixed), reference_us=round(reference_us, 2))  # fmt: skip
