"""Reply -> Slack Block Kit, split to fit Slack's limits.

Limits (docs.slack.dev/reference/block-kit): section text 3000 characters, 10 section fields of
2000, header 150, button text 75, button value 2000, 25 elements per actions block, 10 context
elements, 50 blocks per message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from bot.core.models import Button, Field, Reply

SECTION_TEXT = 3000
FIELD_TEXT = 2000
FIELDS_PER_SECTION = 10
HEADER_TEXT = 150
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
ACTION_ID = 255
BUTTONS_PER_BLOCK = 25
CONTEXT_ELEMENTS = 10
BLOCKS_PER_MESSAGE = 50
FALLBACK_TEXT = 3000  # the notification text; Slack allows more, but nobody reads more
ELLIPSIS = "…"

Block = dict[str, Any]

_BOLD = re.compile(r"\*\*(.+?)\*\*", re.DOTALL)
_ACTION_SUFFIX = re.compile(r":\d+$")


@dataclass(frozen=True, slots=True)
class SlackMessage:
    """One Slack message: the notification text and its blocks."""

    text: str
    blocks: tuple[Block, ...]


def escape(text: str) -> str:
    """Slack's three control characters; also keeps <!channel> and <@U..> in user input inert."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mrkdwn(text: str) -> str:
    """The core's light markdown (**bold**, `code`, bullets) as escaped Slack mrkdwn."""
    return _BOLD.sub(r"*\1*", escape(text))


def plain(text: str) -> str:
    return _BOLD.sub(r"\1", text)


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS


def split_text(text: str, limit: int) -> list[str]:
    """Raw text cut into pieces whose mrkdwn fits `limit`, at line ends, else spaces, else anywhere."""
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        candidate = f"{current}\n{line}" if current else line
        if len(mrkdwn(candidate)) <= limit:
            current = candidate
            continue
        if current:
            pieces.append(current)
        current = ""
        for part in _split_line(line, limit):
            if current:
                pieces.append(current)
            current = part
    if current.strip():
        pieces.append(current)
    return [piece for piece in pieces if piece.strip()]


def _split_line(line: str, limit: int) -> list[str]:
    parts: list[str] = []
    rest = line
    while len(mrkdwn(rest)) > limit:
        cut = _fitting_prefix(rest, limit)
        space = rest.rfind(" ", 0, cut)
        if space > cut // 2:
            cut = space
        parts.append(rest[:cut])
        rest = rest[cut:].lstrip(" ")
    parts.append(rest)
    return parts


def _fitting_prefix(text: str, limit: int) -> int:
    """The longest prefix length whose mrkdwn fits; escaping may lengthen it."""
    size = 0
    for index, char in enumerate(text):
        size += len(escape(char))
        if size > limit:
            return max(index, 1)
    return len(text)


def section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": mrkdwn(text)}}


def header(title: str) -> Block:
    if len(title) <= HEADER_TEXT:
        return {"type": "header", "text": {"type": "plain_text", "text": plain(title), "emoji": True}}
    return section(f"**{plain(title)}**")


def _field_blocks(fields: tuple[Field, ...]) -> list[Block]:
    blocks: list[Block] = []
    inline: list[Block] = []

    def flush() -> None:
        for start in range(0, len(inline), FIELDS_PER_SECTION):
            blocks.append({"type": "section", "fields": inline[start : start + FIELDS_PER_SECTION]})
        inline.clear()

    for field in fields:
        text = f"**{field.name}**\n{field.value}"
        if field.inline and len(mrkdwn(text)) <= FIELD_TEXT:
            inline.append({"type": "mrkdwn", "text": mrkdwn(text)})
            continue
        flush()
        blocks.extend(section(piece) for piece in split_text(text, SECTION_TEXT))
    flush()
    return blocks


def action_id(button: Button, index: int) -> str:
    """Unique within the message, as Slack requires within a block: `answer:0`, `answer:1`, ..."""
    return clip(f"{button.action}:{index}", ACTION_ID)


def action_name(action_id: str) -> str:
    """The router's action for a clicked action_id: `answer:2` -> `answer`; a bare `answer` stays."""
    return _ACTION_SUFFIX.sub("", action_id)


def button(button: Button, index: int) -> Block:
    element: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": clip(plain(button.label).strip() or "?", BUTTON_TEXT), "emoji": True},
        "action_id": action_id(button, index),
        "value": button.value[:BUTTON_VALUE],
    }
    if button.style in ("primary", "success"):
        element["style"] = "primary"
    elif button.style == "danger":
        element["style"] = "danger"
    return element


def _button_blocks(buttons: tuple[Button, ...]) -> list[Block]:
    elements = [button(b, i) for i, b in enumerate(buttons)]
    groups = [elements[start : start + BUTTONS_PER_BLOCK] for start in range(0, len(elements), BUTTONS_PER_BLOCK)]
    return [{"type": "actions", "block_id": f"studybot-actions-{n}", "elements": g} for n, g in enumerate(groups)]


def context_block(footer: str) -> Block:
    pieces = split_text(footer, SECTION_TEXT)[:CONTEXT_ELEMENTS]
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": mrkdwn(p)} for p in pieces]}


def blocks_of(reply: Reply) -> list[Block]:
    """Every block of a reply, in reading order, before splitting into messages."""
    blocks: list[Block] = []
    if reply.title:
        blocks.append(header(reply.title))
    blocks.extend(section(piece) for piece in split_text(reply.body, SECTION_TEXT))
    blocks.extend(_field_blocks(reply.fields))
    if reply.buttons:
        blocks.extend(_button_blocks(reply.buttons))
    if reply.footer and reply.footer.strip():
        blocks.append(context_block(reply.footer))
    return blocks


def fallback_text(reply: Reply) -> str:
    """The message's `text`: what notifications and screen readers show."""
    parts = [reply.title or "", reply.body]
    text = "\n".join(plain(p) for p in parts if p and p.strip()) or (reply.footer or " ")
    return clip(escape(text), FALLBACK_TEXT)


def render(reply: Reply) -> list[SlackMessage]:
    """A reply as one or more messages of at most 50 blocks each (the rest continue in order)."""
    return list(_rendered(reply))


# A burst of clicks on one post gets the same few replies (right or wrong, the points): each is rendered
# once. The blocks are shared between calls, so nothing may change them after rendering; the callers only
# serialize them.
@lru_cache(maxsize=256)
def _rendered(reply: Reply) -> tuple[SlackMessage, ...]:
    blocks = blocks_of(reply) or [section(ELLIPSIS)]
    text = fallback_text(reply)
    return tuple(
        SlackMessage(text if start == 0 else ELLIPSIS, tuple(blocks[start : start + BLOCKS_PER_MESSAGE]))
        for start in range(0, len(blocks), BLOCKS_PER_MESSAGE)
    )


def render_one(reply: Reply) -> SlackMessage:
    """A reply in a single message (an edit replaces one message): blocks past the limit are cut."""
    blocks = blocks_of(reply) or [section(ELLIPSIS)]
    if len(blocks) > BLOCKS_PER_MESSAGE:
        cut = {"type": "context", "elements": [{"type": "mrkdwn", "text": ELLIPSIS}]}
        blocks = [*blocks[: BLOCKS_PER_MESSAGE - 1], cut]
    return SlackMessage(fallback_text(reply), tuple(blocks))
