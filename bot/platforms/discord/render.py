"""Reply -> Discord messages: embeds or plain content, split to fit Discord's limits, and buttons.

Pure translation: no network, no state. Buttons become `custom_id`s of the form `<action>:<value>`
(`answer:<post_id>:<choice>`), which the client parses back from any click, before or after a restart.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

import discord

from bot.core.models import Button, Reply

log = logging.getLogger(__name__)

# Discord's limits (https://discord.com/developers/docs/resources/message, .../interactions/message-components)
MESSAGE_CONTENT = 2000
EMBED_TITLE = 256
EMBED_DESCRIPTION = 4096
EMBED_FIELDS = 25
FIELD_NAME = 256
FIELD_VALUE = 1024
EMBED_FOOTER = 2048
EMBED_TOTAL = 6000  # every embed of one message together
EMBEDS_PER_MESSAGE = 10
BUTTONS_PER_ROW = 5
BUTTON_ROWS = 5
MAX_BUTTONS = BUTTONS_PER_ROW * BUTTON_ROWS
BUTTON_LABEL = 80
CUSTOM_ID = 100
THREAD_NAME = 100
CHOICE_NAME = 100  # autocomplete and option choices
CHOICE_VALUE = 100

ELLIPSIS = "…"
BLANK = "\u200b"  # a zero-width space: Discord refuses empty field names and values

CUSTOM_ID_PATTERN = r"(?P<action>[a-z][a-z0-9_-]{0,31}):(?P<value>[^\n]{0,98})"
CUSTOM_ID_RE = re.compile(CUSTOM_ID_PATTERN)

COLOURS: dict[str, int] = {
    "card": 0x2B6CB0,
    "question": 0xDD6B20,
    "result": 0x38A169,
    "reveal": 0x805AD5,
    "explanation": 0x805AD5,
    "board": 0xD69E2E,
    "status": 0x4A5568,
    "error": 0xE53E3E,
}
STYLES: dict[str, discord.ButtonStyle] = {
    "primary": discord.ButtonStyle.primary,
    "secondary": discord.ButtonStyle.secondary,
    "success": discord.ButtonStyle.success,
    "danger": discord.ButtonStyle.danger,
}


@dataclass(frozen=True)
class Page:
    """One Discord message: plain content or embeds (never both empty)."""

    content: str | None = None
    embeds: tuple[discord.Embed, ...] = ()

    def kwargs(self) -> dict[str, Any]:
        """Keyword arguments for an edit: replaces both content and embeds."""
        return {"content": self.content, "embeds": list(self.embeds)}

    def send_kwargs(self, view: discord.ui.View | None = None) -> dict[str, Any]:
        """Keyword arguments for a send: only what the message has."""
        kwargs: dict[str, Any] = {}
        if self.content is not None:
            kwargs["content"] = self.content
        if self.embeds:
            kwargs["embeds"] = list(self.embeds)
        if view is not None:
            kwargs["view"] = view
        return kwargs


@dataclass(frozen=True)
class ButtonSpec:
    action: str
    value: str
    label: str
    style: discord.ButtonStyle

    @property
    def custom_id(self) -> str:
        return f"{self.action}:{self.value}"


# --- text ------------------------------------------------------------------------------------


def truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - len(ELLIPSIS)].rstrip() + ELLIPSIS


def _cut(window: str) -> int:
    """Where to end a chunk: the last paragraph, line or word break in its second half, else hard."""
    for separator in ("\n\n", "\n", " "):
        at = window.rfind(separator)
        if at >= len(window) // 2:
            return at
    return len(window)


def split_text(text: str, limit: int) -> list[str]:
    """Chunks of at most `limit` characters, cut at paragraph, line or word ends where possible."""
    chunks: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        cut = _cut(rest[:limit])
        chunks.append(rest[:cut].rstrip())
        rest = rest[cut:].strip()
    if rest:
        chunks.append(rest)
    return chunks


def thread_name(reply: Reply) -> str:
    title = next((r.title for r in reply.thread if r.title), None) or reply.title or ELLIPSIS
    return truncate(title.replace("\n", " "), THREAD_NAME)


# --- pages -----------------------------------------------------------------------------------


def _plain(reply: Reply) -> bool:
    """A short answer without a title or fields reads best as an ordinary message."""
    return reply.title is None and not reply.fields


def _plain_text(reply: Reply) -> str:
    text = reply.body.strip()
    if reply.footer:
        text = f"{text}\n-# {reply.footer}" if text else reply.footer
    return text or ELLIPSIS


def _new_embed(reply: Reply, title: str | None = None) -> discord.Embed:
    return discord.Embed(title=title, colour=COLOURS.get(reply.kind, 0x718096))


def _field_parts(reply: Reply) -> list[tuple[str, str, bool]]:
    parts: list[tuple[str, str, bool]] = []
    for field in reply.fields:
        name = truncate(field.name.strip() or BLANK, FIELD_NAME)
        for i, chunk in enumerate(split_text(field.value, FIELD_VALUE) or [BLANK]):
            parts.append((name if i == 0 else BLANK, chunk, field.inline))
    return parts


def _embeds(reply: Reply) -> list[discord.Embed]:
    footer = truncate(reply.footer, EMBED_FOOTER) if reply.footer else None
    budget = EMBED_TOTAL - len(footer or "")
    current = _new_embed(reply, truncate(reply.title, EMBED_TITLE) if reply.title else None)
    embeds = [current]
    for chunk in split_text(reply.body, EMBED_DESCRIPTION):
        if current.description:
            current = _new_embed(reply)
            embeds.append(current)
        current.description = chunk
    for name, value, inline in _field_parts(reply):
        if len(current.fields) >= EMBED_FIELDS or len(current) + len(name) + len(value) > budget:
            current = _new_embed(reply)
            embeds.append(current)
        current.add_field(name=name, value=value, inline=inline)
    if footer:
        current.set_footer(text=footer)
    return embeds


def _pack(embeds: list[discord.Embed]) -> list[Page]:
    pages: list[list[discord.Embed]] = [[]]
    for embed in embeds:
        page = pages[-1]
        if page and (len(page) >= EMBEDS_PER_MESSAGE or sum(map(len, page)) + len(embed) > EMBED_TOTAL):
            pages.append([embed])
        else:
            page.append(embed)
    return [Page(embeds=tuple(page)) for page in pages]


def render_pages(reply: Reply) -> list[Page]:
    """The reply as one or more messages, each within Discord's limits; buttons go on the first."""
    if _plain(reply):
        return [Page(content=chunk) for chunk in split_text(_plain_text(reply), MESSAGE_CONTENT)]
    return _pack(_embeds(reply))


def render_single(reply: Reply) -> Page:
    """The reply squeezed into one message (for edits, which replace exactly one message)."""
    if _plain(reply):
        return Page(content=truncate(_plain_text(reply), MESSAGE_CONTENT))
    embed = _new_embed(reply, truncate(reply.title, EMBED_TITLE) if reply.title else None)
    if reply.body.strip():
        embed.description = truncate(reply.body.strip(), EMBED_DESCRIPTION)
    footer = truncate(reply.footer, EMBED_FOOTER) if reply.footer else None
    budget = EMBED_TOTAL - len(footer or "")
    for field in reply.fields[:EMBED_FIELDS]:
        name = truncate(field.name.strip() or BLANK, FIELD_NAME)
        value = truncate(field.value.strip() or BLANK, FIELD_VALUE)
        room = budget - len(embed) - len(name)
        if room < len(ELLIPSIS) + 1:
            break
        embed.add_field(name=name, value=truncate(value, room), inline=field.inline)
    if len(embed) > budget and embed.description:
        embed.description = truncate(embed.description, max(1, len(embed.description) - (len(embed) - budget)))
    if footer:
        embed.set_footer(text=footer)
    return Page(embeds=(embed,))


# --- buttons ---------------------------------------------------------------------------------


def button_specs(buttons: tuple[Button, ...]) -> list[ButtonSpec]:
    """The buttons Discord can show: unique custom_ids of at most 100 characters, 25 at most."""
    specs: list[ButtonSpec] = []
    seen: set[str] = set()
    for button in buttons:
        spec = ButtonSpec(
            button.action,
            button.value,
            truncate(button.label.strip() or ELLIPSIS, BUTTON_LABEL),
            STYLES.get(button.style, discord.ButtonStyle.secondary),
        )
        if spec.custom_id in seen or len(spec.custom_id) > CUSTOM_ID or not CUSTOM_ID_RE.fullmatch(spec.custom_id):
            log.warning("a %r button cannot be shown on Discord (id too long or repeated)", button.action)
            continue
        if len(specs) == MAX_BUTTONS:
            log.warning("a reply has more than %d buttons; the rest are left out", MAX_BUTTONS)
            break
        seen.add(spec.custom_id)
        specs.append(spec)
    return specs
