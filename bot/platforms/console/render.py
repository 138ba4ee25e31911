"""A Reply as plain terminal text: markdown marks dropped, buttons numbered from 1."""

from __future__ import annotations

import re

from bot.core.models import Reply

_MARKS = re.compile(r"\*\*|`")


def plain(text: str) -> str:
    return _MARKS.sub("", text)


def render_text(reply: Reply, number: int | None = None) -> str:
    """The reply's text; `number` (the message's number) is shown beside its buttons."""
    lines: list[str] = []
    if reply.title:
        lines.append(f"== {plain(reply.title)} ==")
    if reply.body:
        lines.append(plain(reply.body))
    for field in reply.fields:
        lines.append(f"-- {plain(field.name)}")
        lines.append(plain(field.value))
    if reply.buttons:
        buttons = "  ".join(f"[{i}] {b.label}" for i, b in enumerate(reply.buttons, start=1))
        lines.append(f"{buttons}   (#{number})" if number is not None else buttons)
    if reply.footer:
        lines.append(f"({plain(reply.footer)})")
    return "\n".join(lines)
