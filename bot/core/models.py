"""Platform-neutral value types shared by the core, the store and the adapters.

Standard library only: every other layer imports these.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Literal

Lang = Literal["ko", "en"]
LANGS: tuple[Lang, ...] = ("ko", "en")

Kind = Literal["single", "multi", "truefalse"]
KINDS: tuple[str, ...] = ("single", "multi", "truefalse")

# SAA-C03 domains: every question names one.
DOMAINS: tuple[str, ...] = ("secure", "resilient", "performant", "cost")
# CLF-C02 domains: required on questions that belong to the CLF-C02 track.
CLF_DOMAINS: tuple[str, ...] = ("concepts", "security", "technology", "billing")
EXAMS: tuple[str, ...] = ("SAA-C03", "CLF-C02")
EXAM_CODES: dict[str, str] = {"saa": "SAA-C03", "clf": "CLF-C02"}  # a channel's exam track -> the exam
# Each exam's domains (the Question attribute that holds them) and their weights in the exam guide, in percent.
EXAM_DOMAIN_WEIGHTS: dict[str, tuple[str, dict[str, int]]] = {
    "SAA-C03": ("domain", {"secure": 30, "resilient": 26, "performant": 24, "cost": 20}),
    "CLF-C02": ("clf_domain", {"concepts": 24, "security": 30, "technology": 34, "billing": 12}),
}
CATEGORIES: tuple[str, ...] = (
    "storage",
    "compute",
    "database",
    "networking",
    "security",
    "integration",
    "analytics",
    "management",
    "ml",
    "concepts",
)
LEVELS: tuple[int, ...] = (1, 2, 3)


@dataclass(frozen=True, slots=True)
class Text:
    """A text in both languages."""

    ko: str
    en: str

    def get(self, lang: Lang) -> str:
        return self.ko if lang == "ko" else self.en


@dataclass(frozen=True, slots=True)
class Compare:
    other: str  # topic id
    text: Text


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    topic: str  # the topic file that holds it
    kind: Kind
    domain: str
    level: int
    prompt: Text
    choices: tuple[Text, ...]
    answer: frozenset[int]
    explanation: Text
    topics: tuple[str, ...]
    exams: tuple[str, ...]
    clf_domain: str | None = None

    def is_correct(self, picked: frozenset[int]) -> bool:
        return picked == self.answer


@dataclass(frozen=True, slots=True)
class Topic:
    id: str
    name: str
    full_name: str
    aliases: tuple[str, ...]
    category: str
    exams: tuple[str, ...]
    summary: Text
    points: tuple[Text, ...]
    compare: tuple[Compare, ...]
    related: tuple[str, ...]
    question_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ChannelRef:
    """Where a message lives on a platform."""

    platform: str
    team_id: str
    channel_id: str


@dataclass(frozen=True, slots=True)
class MessageRef:
    channel: ChannelRef
    message_id: str


@dataclass(frozen=True, slots=True)
class ChannelSettings:
    platform: str
    team_id: str
    channel_id: str
    timezone: str = "Asia/Seoul"
    post_time: time = time(9, 0)
    close_time: time = time(18, 0)
    days: tuple[int, ...] = (0, 1, 2, 3, 4)  # Monday == 0
    board_day: int = 0
    board_time: time = time(9, 0)
    language: Lang = "ko"
    exam: str = "all"  # "saa" | "clf" | "all"
    active: bool = False  # True once an admin ran /studybot setup
    paused: bool = False
    id: int | None = None  # the store's key

    @property
    def ref(self) -> ChannelRef:
        return ChannelRef(self.platform, self.team_id, self.channel_id)


@dataclass(frozen=True, slots=True)
class Post:
    """One daily question in one channel on one local date."""

    id: int
    channel_key: int
    local_date: date
    question_id: str
    posted_at: datetime | None
    message_id: str | None
    closed_at: datetime | None


@dataclass(frozen=True, slots=True)
class AnswerOutcome:
    """What the store says about a click on a daily post."""

    recorded: bool  # False: this user had already answered
    correct: bool
    points: int
    rank: int | None  # 1-based among correct answers, None when wrong
    picked: frozenset[int]
    closed: bool = False  # refused: the post was closed before this answer could be written


@dataclass(frozen=True, slots=True)
class BoardRow:
    user_id: str
    name: str
    points: int
    correct: int
    answered: int


@dataclass(frozen=True, slots=True)
class Member:
    """Who is acting, as the adapter saw them."""

    user_id: str
    name: str
    is_admin: bool = False


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    action: str  # "answer" | "practice" | "share" | "quiz-topic" | ...
    value: str
    style: Literal["primary", "secondary", "success", "danger"] = "secondary"


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    value: str
    inline: bool = False


@dataclass(frozen=True, slots=True)
class FormChoice:
    value: str
    label: str


@dataclass(frozen=True, slots=True)
class FormField:
    """One input of a form: a choice among fixed options, or one line of text."""

    name: str
    label: str
    kind: Literal["choice", "text"]
    choices: tuple[FormChoice, ...] = ()
    required: bool = False
    max_length: int = 0  # text: the most characters the member may type (0: no limit of ours)
    placeholder: str = ""


@dataclass(frozen=True, slots=True)
class Form:
    """A form a member fills in (a Slack or Discord modal, prompts in the console). `action` names the FORMS
    entry that takes the submission; `value` (what it is about) comes back with it, as a button's does;
    `late` is shown instead where the platform can no longer open it (3 s after the click)."""

    action: str
    value: str
    title: str
    fields: tuple[FormField, ...]
    submit: str
    intro: str = ""
    late: str = ""


Visibility = Literal["private", "channel"]


@dataclass(frozen=True, slots=True)
class Reply:
    """What a handler returns; each adapter decides how it looks.

    `body` is plain text with light markdown (**bold**, `code`, bullet lines).
    """

    body: str
    title: str | None = None
    fields: tuple[Field, ...] = ()
    buttons: tuple[Button, ...] = ()
    footer: str | None = None
    visibility: Visibility = "private"
    kind: str = "info"  # "card" | "question" | "result" | "board" | "error" | "help" | "form" | ...
    thread: tuple[Reply, ...] = field(default=())  # follow-ups posted under a channel message
    form: Form | None = None  # a form to open for the member (private); `body` says what it is about
    invalid: str | None = None  # an error about one field of a submitted form: that field's name


@dataclass(frozen=True, slots=True)
class Invocation:
    """A slash command as typed by a member in a channel."""

    channel: ChannelRef
    member: Member
    name: str  # "aws", "quiz", ...
    args: str = ""
    lang: Lang | None = None  # the caller's language, if the platform knows it


@dataclass(frozen=True, slots=True)
class Press:
    """A button click."""

    channel: ChannelRef
    member: Member
    action: str
    value: str
    lang: Lang | None = None


@dataclass(frozen=True, slots=True)
class Submission:
    """A filled-in form: the form's action and value, and what the member entered in each field
    (a choice's value, a line of text; "" for a field left empty)."""

    channel: ChannelRef
    member: Member
    action: str
    value: str
    values: Mapping[str, str] = field(default_factory=dict)
    lang: Lang | None = None


# --- study: spaced review and mock exams ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReviewCard:
    """A question a member missed, scheduled for review (per member of a platform, across channels)."""

    platform: str
    user_id: str
    question_id: str
    fsrs: str  # JSON of fsrs.Card.to_dict(): the scheduler's state
    due: datetime
    misses: int = 0
    reviews: int = 0
    leech: bool = False


@dataclass(frozen=True, slots=True)
class Exam:
    """A mock exam of one member: its questions in the order they are asked."""

    id: int
    platform: str
    user_id: str
    channel_key: int
    track: str  # "saa" | "clf"
    question_ids: tuple[str, ...]
    status: str  # "open" | "finished" | "abandoned"
    started_at: datetime
    finished_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ExamAnswer:
    position: int
    question_id: str
    picked: frozenset[int]
    correct: bool


# --- what the store keeps for the schedule, the boards and the study features ------------------


@dataclass(frozen=True, slots=True)
class OutboxRecord:
    """Something the bot sends on its own (a daily post, a reveal, its explanation, a weekly board).

    claimed -> sending (leased to one process until `lease_until`) -> sent (with the platform's message
    id) | missed (past its window) | failed (the platform refused it for good). Each step is committed
    before the next platform call.
    """

    id: int
    key: str  # unique: "post:<post id>", "reveal:<post id>", "explain:<post id>", "board:<channel>:<monday>"
    kind: str  # "post" | "reveal" | "explain" | "board"
    channel_key: int
    post_id: int | None
    week_start: date | None
    state: str  # "claimed" | "sending" | "sent" | "missed" | "failed"
    attempts: int
    lease_owner: str | None
    lease_until: datetime | None
    message_id: str | None
    created_at: datetime
    due_at: datetime
    expires_at: datetime
    last_error: str | None = None

    @property
    def done(self) -> bool:
        return self.state in ("sent", "missed", "failed")


@dataclass(frozen=True, slots=True)
class Periods:
    """The board periods an answer counts in: the Monday and the 1st of its post's local date."""

    week_start: date
    month_start: date


@dataclass(frozen=True, slots=True)
class QuestionTally:
    """A member's (or a channel's) answers to one question: how many, how many right."""

    question_id: str
    source: str  # "daily" | "practice" | "exam" ("daily" for a channel's own tallies)
    answered: int
    correct: int
    posted: int = 0  # a channel's tallies only: how many daily posts used the question


@dataclass(frozen=True, slots=True)
class Report:
    """A member's report that a question is wrong, unclear, outdated or has a typo."""

    id: int
    platform: str
    channel_key: int
    user_id: str
    question_id: str
    reason: str  # "wrong" | "unclear" | "outdated" | "typo"
    note: str
    status: str  # "open" | "closed"
    created_at: datetime
    team_id: str = ""  # of the channel it was made in
    channel_id: str = ""
    user_name: str = ""  # the member's name as last seen ("" if never seen)


@dataclass(frozen=True, slots=True)
class ReportOutcome:
    report: Report | None  # None: refused, the member already has the most open reports allowed
    updated: bool = False  # the member's open report on this question was updated instead of a new one
