"""The one entry for every adapter: an Invocation or a Press in, a Reply out."""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace

from bot.core.content import QuestionBank
from bot.core.leaderboard import BOARD_SIZE, parse_period, window
from bot.core.lookup import LookupIndex
from bot.core.models import CATEGORIES, ChannelRef, ChannelSettings, Invocation, Lang, Member, Press, Question, Reply
from bot.core.ports import Clock, Store, StoreError
from bot.core.quiz import ANSWER, PRACTICE, Quiz
from bot.core.views import Views

log = logging.getLogger(__name__)

MAX_ARGS = 200  # characters; longer input is refused, not truncated

Handler = Callable[["Context", str], Awaitable[Reply]]
PressHandler = Callable[["Context", str], Awaitable[Reply]]


@dataclass(frozen=True, slots=True)
class Context:
    channel: ChannelSettings  # id is None until the channel is first saved
    member: Member
    lang: Lang


def clean_text(text: str) -> str:
    """NFC, control characters turned into spaces, runs of white space folded."""
    text = unicodedata.normalize("NFC", text)
    text = "".join(" " if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch for ch in text)
    return " ".join(text.split())


class Router:
    def __init__(
        self,
        *,
        bank: QuestionBank,
        lookup: LookupIndex,
        quiz: Quiz,
        store: Store,
        clock: Clock,
        views: Views,
        channel_template: Callable[[str, str, str], ChannelSettings],
    ) -> None:
        self.bank = bank
        self.lookup = lookup
        self.quiz = quiz
        self.store = store
        self.clock = clock
        self.views = views
        self._template = channel_template
        self._known_names: dict[tuple[str, str], str] = {}
        self.commands: dict[str, Handler] = {
            "aws": self._aws,
            "quiz": self._quiz,
            "leaderboard": self._leaderboard,
        }
        self.presses: dict[str, PressHandler] = {
            ANSWER: self._press_answer,
            PRACTICE: self._press_practice,
            "share": self._press_share,
            "card": self._press_card,
            "quiz": self._press_quiz,
        }

    def add_command(self, name: str, handler: Handler) -> None:
        self.commands[name] = handler

    def add_press(self, action: str, handler: PressHandler) -> None:
        self.presses[action] = handler

    def t(self, lang: Lang, key: str, **values: object) -> str:
        return self.views.t(lang, key, **values)

    # --- entry points -----------------------------------------------------------------------

    async def handle(self, invocation: Invocation) -> Reply:
        """Run a slash command. Never raises: a failure becomes a clear reply and is logged."""
        ctx: Context | None = None
        try:
            ctx = await self._context(invocation.channel, invocation.member, invocation.lang)
            name = clean_text(invocation.name).lstrip("/").lower()
            args = clean_text(invocation.args)
            handler = self.commands.get(name)
            if handler is None:
                return self.views.error(ctx.lang, "router.unknown_command", name=name[:40], commands=self._listing())
            if len(args) > MAX_ARGS:
                return self.views.error(ctx.lang, "router.too_long", limit=MAX_ARGS)
            return await handler(ctx, args)
        except StoreError as exc:
            log.error("store error on /%s in %s: %s", invocation.name[:40], invocation.channel.channel_id, exc)
            return self.views.error(ctx.lang if ctx else "ko", "router.store_error")
        except Exception:
            log.exception("/%s failed in %s", invocation.name[:40], invocation.channel.channel_id)
            return self.views.error(ctx.lang if ctx else "ko", "router.failed")

    async def press(self, press: Press) -> Reply:
        """Handle a button click. Never raises."""
        ctx: Context | None = None
        try:
            ctx = await self._context(press.channel, press.member, press.lang)
            handler = self.presses.get(press.action)
            if handler is None or len(press.value) > MAX_ARGS:
                return self.views.error(ctx.lang, "router.unknown_button")
            return await handler(ctx, press.value)
        except StoreError as exc:
            log.error("store error on a %r click in %s: %s", press.action[:40], press.channel.channel_id, exc)
            return self.views.error(ctx.lang if ctx else "ko", "router.store_error")
        except Exception:
            log.exception("a %r click failed in %s", press.action[:40], press.channel.channel_id)
            return self.views.error(ctx.lang if ctx else "ko", "router.failed")

    # --- context ----------------------------------------------------------------------------

    async def _context(self, channel_ref: ChannelRef, member: Member, lang: Lang | None) -> Context:
        settings = await self.store.get_channel(channel_ref)
        if settings is None:
            settings = self._template(channel_ref.platform, channel_ref.team_id, channel_ref.channel_id)
        await self.remember(channel_ref, member)
        return Context(settings, member, lang or settings.language)

    async def remember(self, channel_ref: ChannelRef, member: Member) -> None:
        """Keep the member's name for boards and reveals (adapters call it when they learn a better one)."""
        name = clean_text(member.name)[:80] or member.user_id
        if self._known_names.get((channel_ref.platform, member.user_id)) != name:
            try:
                await self.store.remember_member(channel_ref.platform, member.user_id, name)
                self._known_names[(channel_ref.platform, member.user_id)] = name
            except StoreError as exc:  # a name is a nicety: lookups must keep working on a full disk
                log.warning("could not remember member %s: %s", member.user_id, exc)

    async def saved_channel(self, ctx: Context) -> ChannelSettings:
        """The channel as stored, saving it (inactive) the first time it is needed."""
        if ctx.channel.id is not None:
            return ctx.channel
        return await self.store.save_channel(ctx.channel)

    def _listing(self) -> str:
        return ", ".join(f"/{name}" for name in self.commands)

    # --- /aws -------------------------------------------------------------------------------

    async def _aws(self, ctx: Context, query: str) -> Reply:
        if not query:
            return self.views.info(ctx.lang, "lookup.help", example="/aws efs")
        result = self.lookup.find(query)
        if result.topic is None:
            return self.views.not_found(query, result.suggestions, ctx.lang)
        return self.views.card(result.topic, ctx.lang)

    async def _press_card(self, ctx: Context, topic_id: str) -> Reply:
        topic = self.bank.topics.get(topic_id)
        if topic is None:
            return self.views.error(ctx.lang, "router.unknown_button")
        return self.views.card(topic, ctx.lang)

    async def _press_share(self, ctx: Context, topic_id: str) -> Reply:
        topic = self.bank.topics.get(topic_id)
        if topic is None:
            return self.views.error(ctx.lang, "router.unknown_button")
        card = self.views.card(topic, ctx.lang)
        shared_by = self.t(ctx.lang, "card.shared_by", name=clean_text(ctx.member.name)[:80])
        return replace(card, visibility="channel", footer=f"{card.footer} · {shared_by}", buttons=card.buttons[1:])

    # --- /quiz ------------------------------------------------------------------------------

    def _practice_pool(self, ctx: Context, subject: str) -> list[Question] | Reply:
        if not subject:
            return list(self.bank.questions_for_exam(ctx.channel.exam)) or list(self.bank.questions.values())
        category = subject.lower()
        if category in CATEGORIES:
            return [q for q in self.bank.questions.values() if self.bank.topics[q.topic].category == category]
        result = self.lookup.find(subject)
        if result.topic is None:
            return self.views.not_found(subject, result.suggestions, ctx.lang)
        pool = list(self.bank.questions_about(result.topic.id))
        if not pool:
            return self.views.error(ctx.lang, "quiz.no_questions", name=result.topic.name)
        return pool

    async def _quiz(self, ctx: Context, subject: str) -> Reply:
        pool = self._practice_pool(ctx, subject)
        if isinstance(pool, Reply):
            return pool
        if not pool:
            return self.views.error(ctx.lang, "quiz.no_questions", name=subject)
        if not subject and ctx.channel.id is not None:
            return await self.quiz.practice_for(ctx.channel.id, ctx.member.user_id, pool, ctx.lang)
        return self.quiz.practice_question(pool, ctx.lang)

    async def _press_quiz(self, ctx: Context, topic_id: str) -> Reply:
        pool = list(self.bank.questions_about(topic_id)) if topic_id in self.bank.topics else []
        if not pool:
            return self.views.error(ctx.lang, "router.unknown_button")
        return self.quiz.practice_question(pool, ctx.lang)

    async def _press_practice(self, ctx: Context, value: str) -> Reply:
        question_id, _, choice = value.partition(":")
        if question_id not in self.bank.questions or not choice:
            return self.views.error(ctx.lang, "router.unknown_button")
        channel = await self.saved_channel(ctx)
        return await self.quiz.answer_practice(channel, ctx.member, question_id, choice, ctx.lang)

    async def _press_answer(self, ctx: Context, value: str) -> Reply:
        post_text, _, choice = value.partition(":")
        if not post_text.isdigit() or not choice or len(post_text) > 18:
            return self.views.error(ctx.lang, "quiz.unknown_post")
        if ctx.channel.id is None:
            return self.views.error(ctx.lang, "quiz.unknown_post")
        return await self.quiz.answer_daily(ctx.channel, ctx.member, int(post_text), choice, ctx.lang)

    # --- /leaderboard -----------------------------------------------------------------------

    async def _leaderboard(self, ctx: Context, args: str) -> Reply:
        period = parse_period(args)
        if period is None:
            return self.views.error(ctx.lang, "board.bad_period", value=args[:40])
        start, end, label = window(period, self.clock.now(), ctx.channel.timezone)
        if ctx.channel.id is None:
            return self.views.board(period, label, [], None, ctx.lang)
        everyone = await self.store.board(ctx.channel.id, start, end, -1)
        mine = next(((n, row) for n, row in enumerate(everyone, start=1) if row.user_id == ctx.member.user_id), None)
        return self.views.board(period, label, everyone[:BOARD_SIZE], mine, ctx.lang)
