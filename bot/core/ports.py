"""The interfaces the core needs from the outside world: a chat platform, a store and a clock."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Protocol

from bot.core.models import (
    AnswerOutcome,
    BoardRow,
    ChannelRef,
    ChannelSettings,
    Exam,
    ExamAnswer,
    MessageRef,
    Post,
    Reply,
    ReviewCard,
)


class Clock(Protocol):
    def now(self) -> datetime:
        """An aware datetime in UTC."""
        ...


class ChatPlatform(Protocol):
    """What the core asks of Discord, Slack or the console."""

    async def post(self, channel: ChannelRef, reply: Reply) -> MessageRef:
        """Post `reply` in the channel, and its `thread` replies under it."""
        ...

    async def edit(self, message: MessageRef, reply: Reply) -> None:
        """Replace a posted message with `reply`; post its `thread` replies under it."""
        ...

    async def send_private(self, channel: ChannelRef, user_id: str, reply: Reply) -> None: ...


class StoreError(Exception):
    """The store could not do what was asked; the message is safe to show an operator."""


class Store(Protocol):
    # channels and members
    async def get_channel(self, ref: ChannelRef) -> ChannelSettings | None: ...

    async def save_channel(self, settings: ChannelSettings) -> ChannelSettings: ...

    async def active_channels(self) -> list[ChannelSettings]: ...

    async def remember_member(self, platform: str, user_id: str, name: str) -> None: ...

    # daily posts
    async def claim_post(self, channel_key: int, local_date: date, question_id: str, now: datetime) -> Post | None:
        """Insert the day's post; None when this channel already has one for that date."""
        ...

    async def mark_posted(self, post_id: int, message_id: str, now: datetime) -> None: ...

    async def release_post(self, post_id: int) -> None:
        """Forget a claimed post that could not be sent, so a later attempt can make it."""
        ...

    async def get_post(self, post_id: int) -> Post | None: ...

    async def post_on(self, channel_key: int, local_date: date) -> Post | None: ...

    async def open_posts(self, channel_key: int) -> list[Post]: ...

    async def claim_close(self, post_id: int, now: datetime) -> bool:
        """Mark a post closed; False when it already was (someone else reveals it)."""
        ...

    async def reopen_post(self, post_id: int) -> None:
        """Undo claim_close when the reveal could not be sent."""
        ...

    async def latest_post(self, channel_key: int) -> Post | None: ...

    # weekly boards (week_start: the Monday, in the channel's zone, of the week the board covers)
    async def claim_board(self, channel_key: int, week_start: date, now: datetime) -> bool:
        """True for the one caller that gets to post this week's board."""
        ...

    async def mark_board_posted(self, channel_key: int, week_start: date, message_id: str, now: datetime) -> None: ...

    async def release_board(self, channel_key: int, week_start: date) -> None:
        """Forget a claimed board that could not be sent, so a later attempt can post it."""
        ...

    async def board_posted(self, channel_key: int, week_start: date) -> datetime | None:
        """When this week's board was posted; None if never (or only claimed)."""
        ...

    # answers
    async def record_answer(
        self,
        post: Post,
        user_id: str,
        picked: frozenset[int],
        correct: bool,
        base_points: int,
        bonuses: Sequence[int],
        now: datetime,
    ) -> AnswerOutcome:
        """The first answer of a user to a post counts; the rank bonus is decided in the same write."""
        ...

    async def answers_to(self, post_id: int) -> list[tuple[str, str, frozenset[int], bool, int, datetime]]:
        """(user_id, name, picked, correct, points, answered_at) in answer order."""
        ...

    async def answer_count(self, post_id: int) -> int: ...

    async def record_practice(
        self,
        channel_key: int,
        user_id: str,
        question_id: str,
        picked: frozenset[int],
        correct: bool,
        now: datetime,
    ) -> None: ...

    # boards
    async def board(
        self, channel_key: int, start: datetime | None, end: datetime | None, limit: int
    ) -> list[BoardRow]: ...

    async def correct_dates(self, channel_key: int, user_id: str) -> list[date]:
        """Local dates of the channel's posts this user answered correctly."""
        ...

    async def post_dates(self, channel_key: int) -> list[date]: ...

    async def history(self, channel_key: int, user_id: str) -> list[tuple[str, bool, datetime, str]]:
        """(question_id, correct, answered_at, "daily" | "practice"), oldest first."""
        ...

    async def find_member(self, platform: str, text: str) -> tuple[str, str] | None: ...

    # study: question choice, review cards, mock exams
    async def question_use_counts(self, channel_key: int) -> dict[str, int]:
        """How many daily posts of the channel used each question."""
        ...

    async def channel_answers(
        self, channel_key: int, start: datetime | None, end: datetime | None
    ) -> list[tuple[str, str, bool, int]]:
        """(user_id, question_id, correct, points) of every daily answer in the channel in [start, end)."""
        ...

    async def get_review_card(self, platform: str, user_id: str, question_id: str) -> ReviewCard | None: ...

    async def save_review_card(self, card: ReviewCard, now: datetime, previous: ReviewCard | None) -> bool:
        """Insert (previous None) or update a card only if it still is `previous`; False if it was not."""
        ...

    async def review_cards(self, platform: str, user_id: str) -> list[ReviewCard]:
        """Every card of the member, soonest due first."""
        ...

    async def create_exam(
        self, platform: str, user_id: str, channel_key: int, track: str, question_ids: Sequence[str], now: datetime
    ) -> Exam | None:
        """A new open exam; None when the member already has one open."""
        ...

    async def open_exam(self, platform: str, user_id: str) -> Exam | None: ...

    async def get_exam(self, exam_id: int) -> Exam | None: ...

    async def record_exam_answer(
        self, exam_id: int, position: int, question_id: str, picked: frozenset[int], correct: bool, now: datetime
    ) -> bool:
        """False when that position was already answered."""
        ...

    async def exam_answers(self, exam_id: int) -> list[ExamAnswer]: ...

    async def end_exam(self, exam_id: int, status: str, now: datetime) -> bool:
        """Mark an open exam finished or abandoned; False when it was not open."""
        ...

    async def exam_history(self, channel_key: int, user_id: str) -> list[tuple[str, bool, datetime]]:
        """(question_id, correct, answered_at) of the member's finished exams started in the channel."""
        ...
