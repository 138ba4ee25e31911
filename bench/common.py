"""Shared helpers for the benchmarks: result lines, progress, percentiles, clocks and in-process platforms."""

from __future__ import annotations

import itertools
import json
import math
import os
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.core.models import ChannelRef, MessageRef, Reply
from bot.platforms.slack.render import render

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_STARTED = time.monotonic()


def progress(message: str) -> None:
    """A line on stderr, only when it is a terminal (quiet when piped)."""
    if sys.stderr.isatty():
        print(f"[{time.monotonic() - _STARTED:7.1f}s] {message}", file=sys.stderr, flush=True)


def emit(
    bench: str,
    metric: str,
    value: float,
    unit: str,
    target: str,
    ok: bool | None,
    *,
    reference: float | None = None,
    reference_is: str | None = None,
    ratio: float | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """One figure, one JSON line: value, target, reference (what it is), ratio, ok. `ok` None: no target."""
    row: dict[str, Any] = {
        "bench": bench,
        "metric": metric,
        "value": _round(value),
        "unit": unit,
        "target": target,
        "reference": _round(reference) if reference is not None else None,
        "reference_is": reference_is,
        "ratio": _round(ratio) if ratio is not None else None,
        "ok": ok,
    }
    row.update({k: _round(v) if isinstance(v, float) else v for k, v in extra.items()})
    print(json.dumps(row, ensure_ascii=False), flush=True)
    progress(f"{bench}.{metric} = {row['value']} {unit} (target {target}; ok={ok})")
    return row


def _round(value: float) -> float:
    if value == 0 or not math.isfinite(value):
        return value
    digits = max(0, 3 - math.floor(math.log10(abs(value))))
    return round(value, digits)


def percentile(samples: list[float], q: float) -> float:
    """The q-th percentile by the nearest-rank method (p99 of 100 samples is the 99th smallest)."""
    ordered = sorted(samples)
    if not ordered:
        return 0.0
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def median(samples: list[float]) -> float:
    return statistics.median(samples) if samples else 0.0


def rss_mb(pid: int | None = None) -> float:
    """Resident memory now (VmRSS). Not ru_maxrss: that survives exec and reports the parent's peak."""
    with open(f"/proc/{pid or 'self'}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class FixedClock:
    """A clock the bench moves by hand."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment.astimezone(UTC)

    def now(self) -> datetime:
        return self.moment


@dataclass
class Counts:
    posts: int = 0
    edits: int = 0
    threads: int = 0
    private: int = 0


class RenderingPlatform:
    """Accepts every send at once, after rendering it for Slack as the real adapter would: our path, no network."""

    def __init__(self) -> None:
        self._ids = itertools.count(1)
        self.counts = Counts()

    async def post(self, channel: ChannelRef, reply: Reply, *, key: str | None = None) -> MessageRef:
        render(reply)
        self.counts.posts += 1
        return MessageRef(channel, f"m{next(self._ids)}")

    async def post_in_thread(self, parent: MessageRef, reply: Reply, *, key: str) -> MessageRef:
        render(reply)
        self.counts.threads += 1
        return MessageRef(parent.channel, f"m{next(self._ids)}")

    async def edit(self, message: MessageRef, reply: Reply) -> None:
        render(reply)
        self.counts.edits += 1

    async def find(
        self, channel: ChannelRef, key: str, reply: Reply, *, parent: MessageRef | None = None
    ) -> str | None:
        return None

    async def send_private(self, channel: ChannelRef, user_id: str, reply: Reply) -> None:
        render(reply)
        self.counts.private += 1

    async def can_post(self, channel: ChannelRef) -> str | None:
        return None
