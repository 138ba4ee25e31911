"""Who is asking, where, and in which language: what every handler receives with the member's text."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from bot.core.models import ChannelSettings, Lang, Member
from bot.core.ports import Store


@dataclass(frozen=True, slots=True)
class Context:
    channel: ChannelSettings  # id is None until the channel is first saved
    member: Member
    lang: Lang


def clean_text(text: str) -> str:
    """NFC, control and format characters and lone surrogates turned into spaces, white space folded."""
    if text.isascii() and text.isprintable():  # the common case: only spaces to fold
        return " ".join(text.split())
    if text.isascii():
        return " ".join("".join(" " if ch < " " or ch == "\x7f" else ch for ch in text).split())
    text = unicodedata.normalize("NFC", without_surrogates(text))
    text = "".join(" " if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch for ch in text)
    return " ".join(text.split())


def without_surrogates(text: str) -> str:
    """A lone surrogate (a broken UTF-16 pair) cannot be stored or sent: it becomes U+FFFD."""
    return "".join("\ufffd" if "\ud800" <= ch <= "\udfff" else ch for ch in text)


async def saved_channel(store: Store, ctx: Context) -> ChannelSettings:
    """The channel as stored, saving it (inactive) the first time something needs its key."""
    if ctx.channel.id is not None:
        return ctx.channel
    return await store.save_channel(ctx.channel)
