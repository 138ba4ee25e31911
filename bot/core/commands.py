"""Every chat command and every button action, declared once.

A command's declaration says everything a platform needs to offer it and the router needs to run it:
its name, its options (kind, fixed choices, where suggestions come from), who may run it, where the
reply goes, and its handler, named "feature.method" (the features are the objects `app.py` builds).
Descriptions come from the catalogs: `command.<name>.about` and `command.<name>.<option>`
(subcommands: `command.<group>.<sub>.about`); fixed choices may have a label `choice.<value>`.
The router dispatches from this table; Discord's command tree, the Slack manifest, the help text
and the console are derived from it, and tests hold each of them equal to it. A button's reply may
open a form (a Reply with `form`); its submission goes to the handler FORMS names for the form's action.

Adding a command: one declaration here, one handler method, its catalog lines in both languages.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

OptionKind = Literal["text", "member", "choice"]
Audience = Literal["caller", "channel"]
# Where an option's suggestions come from, as the adapters know them (Discord autocomplete).
Suggestions = Literal["topics", "subjects", "timezones"]


@dataclass(frozen=True, slots=True)
class Option:
    name: str
    kind: OptionKind = "text"
    required: bool = False
    choices: tuple[str, ...] = ()
    suggest: Suggestions | None = None


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    handler: str = ""  # "feature.method"; empty for a group, whose subcommands have theirs
    options: tuple[Option, ...] = ()
    reply: Audience = "caller"
    admin: bool = False
    subcommands: tuple[Command, ...] = ()
    usage: str = ""  # the arguments as members type them (Slack's usage hint); derived from the options if empty

    @property
    def is_group(self) -> bool:
        return bool(self.subcommands)

    def sub(self, name: str) -> Command | None:
        return next((s for s in self.subcommands if s.name == name), None)

    def key(self, parent: Command | None = None) -> str:
        """The catalog prefix: `<key>.about` describes the command, `<key>.<option>` each option."""
        return f"command.{parent.name}.{self.name}" if parent else f"command.{self.name}"


# --- button actions: the part before the first ':' of every button's id -----------------------

ANSWER = "answer"  # the daily post: "<post_id>:<choice>"
PRACTICE = "practice"  # a practice question: "<question_id>:<choice>"
SHARE = "share"  # share a card to the channel: "<topic_id>"
CARD = "card"  # open a card: "<topic_id>"
QUIZ_TOPIC = "quiz"  # a practice question on a topic: "<topic_id>"
REVIEW = "review"  # answer a review card: "<question_id>:<choice>"
REVIEW_NEXT = "review-next"
EXAM = "exam"  # "<exam_id>:<position>:<choice>"
EXAM_RESUME = "exam-resume"  # "<exam_id>"
EXAM_ABANDON = "exam-abandon"  # "<exam_id>"
EXAM_MISSED = "exam-missed"  # "<exam_id>:<page>"
REPORT = "report"  # report a question: "<question_id>"; opens the report form

BUTTONS: dict[str, str] = {
    ANSWER: "daily.press_answer",
    PRACTICE: "practice.press_answer",
    QUIZ_TOPIC: "practice.press_topic",
    SHARE: "cards.press_share",
    CARD: "cards.press_card",
    REVIEW: "review.press_answer",
    REVIEW_NEXT: "review.press_next",
    EXAM: "exams.press_answer",
    EXAM_RESUME: "exams.press_resume",
    EXAM_ABANDON: "exams.press_abandon",
    EXAM_MISSED: "exams.press_missed",
    REPORT: "reports.press_report",
}

# --- forms: a button's reply may open a form; its submission goes to the form action's handler ---
# (a handler of (ctx, value, values): the form's value and what was entered in each field)

FORMS: dict[str, str] = {
    REPORT: "reports.submit",  # value: "<question_id>"; fields: reason, note
}

# --- chat commands ------------------------------------------------------------------------------

PERIODS = ("week", "month", "all")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _setting(name: str, option: Option) -> Command:
    return Command(name, f"admin.set_{name}", (option,), admin=True)


STUDYBOT = Command(
    "studybot",
    subcommands=(
        Command("help", "admin.help"),
        Command("status", "admin.status"),
        Command("setup", "admin.setup", admin=True),
        _setting("time", Option("value", required=True)),
        _setting("close", Option("value", required=True)),
        _setting("timezone", Option("value", required=True, suggest="timezones")),
        _setting("days", Option("value", required=True)),
        Command(
            "board",
            "admin.set_board",
            (Option("day", "choice", required=True, choices=WEEKDAYS), Option("time", required=True)),
            admin=True,
        ),
        _setting("language", Option("value", "choice", required=True, choices=("ko", "en"))),
        _setting("exam", Option("value", "choice", required=True, choices=("saa", "clf", "all"))),
        Command("pause", "admin.pause", admin=True),
        Command("resume", "admin.resume", admin=True),
        Command("post-now", "admin.post_now", admin=True),
        Command("close-now", "admin.close_now", admin=True),
        Command(
            "reports",
            "reports.command",
            (Option("action", "choice", choices=("list", "close")), Option("number")),
            admin=True,
        ),
    ),
)

COMMANDS: tuple[Command, ...] = (
    Command(
        "aws",
        "cards.command",
        (Option("query", required=True, suggest="topics"),),
        usage="efs | 일래스틱 파일 시스템 | s3 glacier",
    ),
    Command("quiz", "practice.command", (Option("subject", suggest="subjects"),), usage="[topic or category]"),
    Command("leaderboard", "boards.command", (Option("period", "choice", choices=PERIODS),), reply="channel"),
    Command("stats", "stats.command", (Option("member", "member"),)),
    Command("review", "review.command"),
    Command("exam", "exams.command", (Option("options"),), usage="saa | clf [N] | resume | abandon"),
    STUDYBOT,
)


def find(name: str) -> Command | None:
    return next((c for c in COMMANDS if c.name == name), None)


def walk() -> Iterator[tuple[Command | None, Command]]:
    """(group or None, command) for every command and subcommand, in declaration order."""
    for command in COMMANDS:
        yield None, command
        for sub in command.subcommands:
            yield command, sub


def handler_names() -> list[str]:
    """Every handler the table names: commands, subcommands, buttons and forms."""
    named = [c.handler for _, c in walk() if c.handler]
    return named + list(BUTTONS.values()) + list(FORMS.values())
