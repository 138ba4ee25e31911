"""Shared helpers for the benchmarks: JSON result lines, percentiles, a platform that does nothing."""

from __future__ import annotations

import itertools
import json
import statistics
import sys
from typing import Any

from bot.core.models import ChannelRef, MessageRef, Reply


def emit(bench: str, metric: str, value: float, unit: str, target: str, ok: bool, **extra: Any) -> None:
    row = {"bench": bench, "metric": metric, "value": round(value, 4), "unit": unit, "target": target, "ok": ok}
    row.update(extra)
    print(json.dumps(row, ensure_ascii=False))
    sys.stdout.flush()


def rss_mb() -> float:
    """Resident memory now (VmRSS). Not ru_maxrss: that survives exec and reports the parent's peak."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def median(samples: list[float]) -> float:
    return statistics.median(samples) if samples else 0.0


class NullPlatform:
    """Accepts every post and edit at once: measures our path, not a network."""

    def __init__(self) -> None:
        self._ids = itertools.count(1)
        self.posts = 0
        self.edits = 0

    async def post(self, channel: ChannelRef, reply: Reply) -> MessageRef:
        self.posts += 1
        return MessageRef(channel, str(next(self._ids)))

    async def edit(self, message: MessageRef, reply: Reply) -> None:
        self.edits += 1

    async def send_private(self, channel: ChannelRef, user_id: str, reply: Reply) -> None:
        return None
