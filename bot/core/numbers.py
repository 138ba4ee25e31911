"""Numbers as members and buttons type them: ASCII digits only, of a sane length.

`str.isdigit()` is True for "²" and "٣", which `int()` then refuses or reads; a button value or a
command argument is a number only when this module says so.
"""

from __future__ import annotations

import re

_DIGITS = re.compile(r"[0-9]{1,18}")


def parse_id(text: str) -> int | None:
    """A stored id (a post, an exam): 1 to 18 ASCII digits, else None."""
    return int(text) if _DIGITS.fullmatch(text) else None


def parse_count(text: str, low: int, high: int) -> int | None:
    """A count in [low, high] typed as ASCII digits, else None."""
    value = parse_id(text.strip())
    return value if value is not None and low <= value <= high else None
