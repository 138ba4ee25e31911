"""The interfaces the core needs from the outside world: a chat platform, a store and a clock."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
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
    OutboxRecord,
    Periods,
    Post,
    QuestionTally,
    Reply,
    Report,
    ReportOutcome,
    ReviewCard,
)


class Clock(Protocol):
    def now(self) -> datetime:
        """An aware datetime in UTC."""
        ...


class PlatformRefused(Exception):
    """The platform refused a send for good (no access, channel gone): retrying cannot help.

    `reason` is one of "not_in_channel", "no_permission", "channel_not_found" or the platform's own code.
    """

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


class ChatPlatform(Protocol):
    """What the core asks of Discord, Slack or the console."""

    async def post(self, channel: ChannelRef, reply: Reply, *, key: str | None = None) -> MessageRef:
        """Post `reply` in the channel. With `key`, a repeat of the same key makes no second message
        where the platform allows it (Discord's nonce); `find` looks for the message a key made."""
        ...

    async def post_in_thread(self, parent: MessageRef, reply: Reply, *, key: str) -> MessageRef:
        """Post `reply` under `parent` (a thread, or a reply where threads are not possible)."""
        ...

    async def edit(self, message: MessageRef, reply: Reply) -> None:
        """Replace a posted message with `reply`; doing it twice is harmless."""
        ...

    async def find(
        self, channel: ChannelRef, key: str, reply: Reply, *, parent: MessageRef | None = None
    ) -> str | None:
        """The id of a message an earlier `post(..., key=key)` (or `post_in_thread`) made, if the platform
        still shows it among the channel's (or the thread's) recent messages; None if there is none."""
        ...

    async def send_private(self, channel: ChannelRef, user_id: str, reply: Reply) -> None: ...

    async def can_post(self, channel: ChannelRef) -> str | None:
        """None when the bot can post in the channel, else why not ("not_in_channel", "no_permission")."""
        ...


class StoreError(Exception):
    """The store could not do what was asked; the message is safe to show an operator."""


ReviewRule = Callable[[ReviewCard | None], ReviewCard]  # the card after a miss, from the card before (or none)


@dataclass(frozen=True, slots=True)
class NewAnswer:
    """A click on a daily post, as the core decided it."""

    platform: str
    user_id: str
    question_id: str
    picked: frozenset[int]
    correct: bool
    at: datetime
    periods: Periods


@dataclass(frozen=True, slots=True)
class AnswerRules:
    """The core's rules the store applies inside the answer's own transaction.

    `points_for(rank)`: the points of a first answer; `rank` is its 1-based place among the post's
    correct answers (None when wrong), which the store decides atomically. `on_miss`: the member's
    review card after this miss, written in the same commit as the answer.
    """

    points_for: Callable[[int | None], int]
    on_miss: ReviewRule | None = None


class Store(Protocol):
    # lifecycle
    async def close(self) -> None:
        """Finish the writes already accepted, then close; always returns."""
        ...

    async def schema_version(self) -> int: ...

    async def health(self) -> dict[str, object]:
        """For `studybot db check`: engine, schema version, integrity, rows per table."""
        ...

    # channels and members
    async def get_channel(self, ref: ChannelRef) -> ChannelSettings | None: ...

    async def save_channel(self, settings: ChannelSettings) -> ChannelSettings: ...

    async def active_channels(self) -> list[ChannelSettings]: ...

    async def channels_changed(self, since: int) -> tuple[list[ChannelSettings], int]:
        """Channels saved (by any process) after version `since`, and the newest version seen."""
        ...

    async def remember_member(self, platform: str, user_id: str, name: str) -> None: ...

    async def find_member(self, platform: str, text: str) -> tuple[str, str] | None:
        """(user_id, name) of a member known by that id or (case-insensitive) name."""
        ...

    # daily posts and their sends
    async def claim_post(
        self, channel_key: int, local_date: date, question_id: str, now: datetime, expires_at: datetime
    ) -> Post | None:
        """The day's post and its outbox record ("post:<id>"), or None when the channel has one that day."""
        ...

    async def get_post(self, post_id: int) -> Post | None: ...

    async def post_on(self, channel_key: int, local_date: date) -> Post | None: ...

    async def open_posts(self, channel_key: int) -> list[Post]:
        """Posts not yet closed whose send was at least attempted, oldest first."""
        ...

    async def latest_post(self, channel_key: int) -> Post | None:
        """The newest post that reached the channel."""
        ...

    async def close_post(self, post_id: int, now: datetime, expires_at: datetime) -> bool:
        """Close a post to answers and claim its reveal and explanation sends; False if it was closed."""
        ...

    async def post_dates(self, channel_key: int) -> list[date]:
        """Local dates of the channel's posts that reached it."""
        ...

    async def week_posts(self, channel_key: int, start: date, end: date) -> list[tuple[Post, int, int]]:
        """(post, answered, correct) of the posts dated in [start, end)."""
        ...

    async def claim_board(
        self, channel_key: int, week_start: date, now: datetime, expires_at: datetime
    ) -> OutboxRecord | None:
        """The week's board record ("board:<channel>:<monday>"), or None when it already exists."""
        ...

    # the outbox
    async def outbox_get(self, key: str) -> OutboxRecord | None: ...

    async def outbox_open(self) -> list[OutboxRecord]:
        """Every record not done (claimed or sending), oldest first."""
        ...

    async def outbox_lease(
        self, record_id: int, owner: str, now: datetime, until: datetime, *, dead: str | None = None
    ) -> OutboxRecord | None:
        """Take the record for sending until `until`: when it is claimed, sending under a lease that ran
        out or held by `dead` (a holder known to have died), or already `owner`'s. Returns it as it was
        before (its state tells whether an earlier attempt's outcome is unknown), or None when someone
        else holds it or it is done."""
        ...

    async def outbox_sent(self, record_id: int, owner: str, message_id: str, now: datetime) -> bool:
        """Done: the platform confirmed `message_id` (a daily post's message is recorded on the post)."""
        ...

    async def send_slot(self, name: str, now: datetime, rate: float, burst: int) -> datetime:
        """The moment the next send under `name` may start, shared by every process on the database: a
        token bucket of `rate` sends a second that lets `burst` go at once after a quiet spell."""
        ...

    async def outbox_unlease(
        self, record_id: int, owner: str, now: datetime, error: str, *, outcome_unknown: bool = False
    ) -> None:
        """Give the record back: claimed after a failure that certainly created nothing, or (outcome
        unknown) still sending with its lease ended, so the next attempt first looks for the message."""
        ...

    async def outbox_reopen(self, record_id: int, now: datetime, expires_at: datetime) -> bool:
        """A missed or failed record claimed again (an admin asked again), until `expires_at`."""
        ...

    async def outbox_end(self, record_id: int, state: str, now: datetime, reason: str) -> bool:
        """Close a record that will not be sent: "missed" (past its window) or "failed" (refused)."""
        ...

    # answers
    async def record_answer(self, post: Post, answer: NewAnswer, rules: AnswerRules) -> AnswerOutcome:
        """The first answer of a member to a post counts; its rank, points, the boards' totals, the
        tallies and (on a miss) the review card are written in one commit."""
        ...

    async def answers_to(self, post_id: int) -> list[tuple[str, str, frozenset[int], bool, int, datetime]]:
        """(user_id, name, picked, correct, points, answered_at) in answer order."""
        ...

    async def answer_count(self, post_id: int) -> int: ...

    async def record_practice(
        self,
        channel_key: int,
        answer: NewAnswer,
        on_miss: ReviewRule | None,
    ) -> None:
        """A practice answer, its tally and (on a miss) the review card, in one commit."""
        ...

    # boards and tallies
    async def board(self, channel_key: int, period: str, start: date | None, limit: int) -> list[BoardRow]:
        """The top of "week"/"month" (from `start`) or "all"; best first (points, correct, who began first)."""
        ...

    async def board_rank(
        self, channel_key: int, period: str, start: date | None, user_id: str
    ) -> tuple[int, BoardRow] | None: ...

    async def most_improved(self, channel_key: int, monday: date) -> tuple[BoardRow, int] | None:
        """The member of the week of `monday` with the largest rise in points over the week before (among
        members who answered in both), and the rise; ties: more points this week, then name. None if nobody rose."""
        ...

    async def correct_dates(self, channel_key: int, user_id: str) -> list[date]:
        """Local dates of the channel's posts this user answered correctly."""
        ...

    async def member_tallies(self, channel_key: int, user_id: str) -> list[QuestionTally]: ...

    async def channel_tallies(self, channel_key: int) -> list[QuestionTally]:
        """Per question: daily posts that used it, and the channel's answers to them."""
        ...

    # review cards, mock exams
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
        """False when that position was already answered or the exam is not open."""
        ...

    async def exam_answers(self, exam_id: int) -> list[ExamAnswer]: ...

    async def end_exam(
        self, exam_id: int, status: str, now: datetime, on_miss: Callable[[str], ReviewRule] | None = None
    ) -> bool:
        """Mark an open exam finished or abandoned; a finished exam's answers join the member's tallies and
        its misses become review cards in the same commit. False when it was not open."""
        ...

    # reports on questions
    async def add_report(
        self,
        platform: str,
        channel_key: int,
        user_id: str,
        question_id: str,
        reason: str,
        note: str,
        now: datetime,
        *,
        open_limit: int = 0,
    ) -> ReportOutcome:
        """A member's report on a question. The member's open report on the same question is updated
        instead (one open report per member and question); with `open_limit`, a new report is refused
        (`report` None) while the member has that many open."""
        ...

    async def reports(
        self,
        status: str | None = "open",
        limit: int = 100,
        *,
        platform: str | None = None,
        team_id: str | None = None,
    ) -> list[Report]:
        """Newest first; `status` None for every status; `platform` (and `team_id`) keep those made there."""
        ...

    async def get_report(
        self, report_id: int, *, platform: str | None = None, team_id: str | None = None
    ) -> Report | None: ...

    async def close_report(self, report_id: int, now: datetime) -> bool:
        """False when it was not open."""
        ...
