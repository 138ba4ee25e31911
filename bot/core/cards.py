"""`/aws <query>`: the study card of a service or concept, and its buttons (open, share to the channel)."""

from __future__ import annotations

from dataclasses import replace

from bot.core.content import QuestionBank
from bot.core.context import Context, clean_text
from bot.core.lookup import MAX_QUERY_CHARS, LookupIndex
from bot.core.models import Reply
from bot.core.views import Views


class Cards:
    def __init__(self, *, bank: QuestionBank, lookup: LookupIndex, views: Views) -> None:
        self.bank = bank
        self.lookup = lookup
        self.views = views

    def complete(self, text: str, limit: int) -> list[tuple[str, str]]:
        """(label, topic id) suggestions for what is being typed (Discord's autocomplete)."""
        return self.lookup.complete(text[:MAX_QUERY_CHARS], limit=limit)

    async def command(self, ctx: Context, query: str) -> Reply:
        if not query:
            return self.views.info(ctx.lang, "lookup.help", example="/aws efs")
        result = self.lookup.find(query)
        if result.topic is None:
            return self.views.not_found(query, result.suggestions, ctx.lang)
        return self.views.card(result.topic, ctx.lang)

    async def press_card(self, ctx: Context, topic_id: str) -> Reply:
        topic = self.bank.topics.get(topic_id)
        if topic is None:
            return self.views.error(ctx.lang, "router.unknown_button")
        return self.views.card(topic, ctx.lang)

    async def press_share(self, ctx: Context, topic_id: str) -> Reply:
        """The card posted to the channel for everyone, without the share button."""
        topic = self.bank.topics.get(topic_id)
        if topic is None:
            return self.views.error(ctx.lang, "router.unknown_button")
        card = self.views.card(topic, ctx.lang)
        shared_by = self.views.t(ctx.lang, "card.shared_by", name=clean_text(ctx.member.name)[:80])
        return replace(card, visibility="channel", footer=f"{card.footer} · {shared_by}", buttons=card.buttons[1:])
