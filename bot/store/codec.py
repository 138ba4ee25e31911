"""How values are stored: times as UTC unix milliseconds, picks as the button spelling ("0+3")."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.core.choices import encode_choice as encode_picked

__all__ = ["at_ms", "decode_picked", "encode_picked", "from_ms", "to_ms"]


def to_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def at_ms(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def from_ms(ms: int | None) -> datetime | None:
    return None if ms is None else at_ms(ms)


def decode_picked(text: str) -> frozenset[int]:
    return frozenset(int(p) for p in text.split("+") if p)
