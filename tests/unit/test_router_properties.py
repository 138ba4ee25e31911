"""Property tests: whatever members type or whatever a button carries, the router answers sanely.

The commands and buttons are drawn from the registry (bot/core/commands.py: COMMANDS with every
subcommand, and BUTTONS), so a command added there is covered here without a change. Arguments and
button values mix the words a command expects (its subcommands, choices, usage, ids that exist) with
text that is hard to read: digits of other scripts (`²`, `١`, `５`), lone surrogates, right-to-left and
zero-width marks, 10,000 characters, 5,000 digits. "Something went wrong" is for bugs only: it must
never be the answer, and nothing may be logged as an ERROR.
"""

from __future__ import annotations

import asyncio
import logging

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.app import Core, build_core
from bot.core.commands import BUTTONS, Command, walk
from bot.core.models import Invocation, Member, Press, Reply, Submission
from bot.platforms.console.platform import ConsolePlatform
from bot.platforms.console.session import ConsoleSession
from tests.conftest import ADMIN, CHANNEL, Channel

# The tightest limits among the platforms (Slack sections 3,000; Discord embeds 6,000 in all).
MAX_BODY, MAX_TITLE, MAX_BUTTONS, MAX_LABEL, MAX_VALUE = 6000, 256, 25, 80, 90
BUG_KEYS = ("router.failed", "router.store_error")

names = st.one_of(st.sampled_from(["aws", "quiz", "leaderboard", "studybot", "AWS", "/aws"]), st.text(max_size=50))
args = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=0, max_size=20_000),
    st.sampled_from(["efs", "보안그룹", "post-now", "time 25:00", "timezone Mars/Olympus", "days", "week"]),
)
actions = st.one_of(st.sampled_from(["answer", "practice", "share", "card", "quiz", "report"]), st.text(max_size=20))
values = st.one_of(
    st.text(max_size=200),
    st.builds(lambda p, c: f"{p}:{c}", st.integers(-5, 10**20), st.text(max_size=10)),
    st.sampled_from(["efs", "efs-001:0", "efs-001:9", "s3-001:0+1", "1:0", "1:", ":", "../../etc"]),
)

# Text that has broken parsers before: digits int() reads or refuses though isdigit() says yes,
# surrogates, direction and zero-width marks, controls, and the very long.
NASTY = (
    "²", "١", "١٢", "５", "𝟗", "߁", "Ⅻ", "½", "⁰", "٣:٠", "0²", "-1", "+1", "1e9", "0x10", "1_000", " 1 ",
    "\ud800", "\udfff", "a\ud83dz", "\u200b", "\u200d", "\u200f", "\u202e", "\u2066", "\ufeff", "\x00", "\x1b[31m",
    "\u0301", "ﬁ", "İ", "：", "＋", "\n", "\t", "", " ", "9" * 5000, "0" * 5000, "x" * 10_000, "가" * 10_000,
)  # fmt: skip
odd_chars = st.one_of(
    st.characters(exclude_categories=[]),  # anything, surrogates included
    st.characters(categories=["Nd", "No", "Nl"]),  # digits and numbers of every script
    st.characters(categories=["Cf", "Cc", "Zs", "Mn"]),  # format marks, controls, spaces, combining marks
)
junk = st.one_of(
    st.sampled_from(NASTY),
    st.text(odd_chars, max_size=12),
    st.integers(-(10**30), 10**30).map(str),
    st.text(odd_chars, min_size=300, max_size=10_000),
)
SEPARATORS = st.sampled_from([" ", ":", "+", "", "  ", ",", "-", "\u3000"])


def phrase(vocabulary: list[str]):  # type: ignore[no-untyped-def]
    """Words a command or button expects mixed with junk, joined by what members and forgers use."""
    word = st.one_of(st.sampled_from(vocabulary), junk) if vocabulary else junk
    return st.tuples(st.lists(word, max_size=4), SEPARATORS).map(lambda parts: parts[1].join(parts[0]))


def vocabulary(command: Command) -> list[str]:
    words = [command.name, *command.usage.split()]
    for option in command.options:
        words += list(option.choices)
    words += [sub.name for sub in command.subcommands]
    return [*words, "efs", "s3", "saa", "clf", "all", "20", "65", "0", "resume", "abandon", "U1", "<@U1>", "09:00"]


# (name typed, first words of the arguments, the command) for every command and subcommand.
ENTRIES = [
    (group.name, f"{command.name} ", command) if group else (command.name, "", command) for group, command in walk()
]


def assert_fits(reply: Reply) -> None:
    assert isinstance(reply, Reply)
    assert len(reply.body) <= MAX_BODY
    assert reply.title is None or len(reply.title) <= MAX_TITLE
    assert len(reply.buttons) <= MAX_BUTTONS
    assert all(len(b.label) <= MAX_LABEL and len(f"{b.action}:{b.value}") <= MAX_VALUE for b in reply.buttons)


class Judge:
    """Asserts a reply is not the answer kept for bugs, and nothing was logged as an ERROR meanwhile."""

    def __init__(self, core: Core, caplog: pytest.LogCaptureFixture) -> None:
        self.bugs = {core.library.catalog.t(lang, key) for lang in ("ko", "en") for key in BUG_KEYS}
        self.caplog = caplog

    def mark(self) -> int:
        return len(self.caplog.records)

    def check(self, reply: Reply, since: int, what: object) -> None:
        assert_fits(reply)
        assert reply.body not in self.bugs, f"{what!r} got {reply.body!r}"
        errors = [r.getMessage() for r in self.caplog.records[since:] if r.levelno >= logging.ERROR]
        assert errors == [], f"{what!r} logged {errors}"


async def _with_ids(core: Core) -> list[str]:
    """A channel set up with a daily post, a practice question and a mock exam: ids that exist."""
    channel = Channel(core)
    await channel.say("/studybot setup")
    await channel.say("/studybot post-now")
    settings = await core.store.get_channel(CHANNEL)
    assert settings is not None and settings.id is not None
    post = await core.store.latest_post(settings.id)
    assert post is not None
    ids = {str(post.id), post.question_id}
    for text in ("/quiz efs", "/exam saa 3", "/review", "/aws s3", "/stats"):
        for who in (ADMIN, Member("U9", "someone")):
            reply = await channel.say(text, who)
            for button in reply.buttons:
                ids.update(part for part in button.value.replace("+", ":").split(":") if part)
    return [*sorted(ids), "0", "1", "2", "0+1"]


@pytest.fixture
def judge(core: Core, caplog: pytest.LogCaptureFixture) -> Judge:
    caplog.set_level(logging.WARNING)
    return Judge(core, caplog)


async def test_any_command_text_gets_a_reply_that_fits(core):
    loop = asyncio.get_running_loop()

    @settings(max_examples=150, deadline=None)
    @given(name=names, text=args, admin=st.booleans())
    def check(name: str, text: str, admin: bool) -> None:
        invocation = Invocation(CHANNEL, Member("U9", "someone", is_admin=admin), name, text, "en")
        assert_fits(asyncio.run_coroutine_threadsafe(core.router.handle(invocation), loop).result(timeout=30))

    await asyncio.to_thread(check)  # hypothesis drives from a thread; the router runs on the test's loop


async def test_any_button_value_gets_a_reply_that_fits(core):
    loop = asyncio.get_running_loop()

    @settings(max_examples=150, deadline=None)
    @given(action=actions, value=values)
    def check(action: str, value: str) -> None:
        press = Press(CHANNEL, Member("U8", "x"), action, value, "ko")
        assert_fits(asyncio.run_coroutine_threadsafe(core.router.press(press), loop).result(timeout=30))

    await asyncio.to_thread(check)


async def test_any_form_submission_gets_a_reply_that_fits_and_stores_only_a_valid_report(core):
    loop = asyncio.get_running_loop()
    fields = st.dictionaries(
        st.one_of(st.sampled_from(["reason", "note"]), st.text(max_size=50)),
        st.one_of(st.sampled_from(["wrong", "typo", "WRONG", ""]), st.text(max_size=400)),
        max_size=12,
    )

    questions = st.one_of(st.sampled_from(["efs-001", "s3-001", "ebs-001"]), values)

    @settings(max_examples=150, deadline=None)
    @given(action=st.one_of(st.just("report"), st.text(max_size=20)), value=questions, entered=fields)
    def check(action: str, value: str, entered: dict[str, str]) -> None:
        submission = Submission(CHANNEL, Member("U7", "y"), action, value, entered, "en")
        before = asyncio.run_coroutine_threadsafe(core.store.reports(), loop).result(timeout=30)
        reply = asyncio.run_coroutine_threadsafe(core.router.submit(submission), loop).result(timeout=30)
        assert_fits(reply)
        after = asyncio.run_coroutine_threadsafe(core.store.reports(), loop).result(timeout=30)
        if reply.kind == "error":
            assert after == before
        else:
            assert reply.body.startswith("🙏") and value in {r.question_id for r in after}

    await asyncio.to_thread(check)


async def test_no_command_of_the_registry_answers_something_went_wrong(core: Core, judge: Judge):
    await _with_ids(core)
    loop = asyncio.get_running_loop()
    entries = st.sampled_from(ENTRIES).flatmap(lambda e: st.tuples(st.just(e), phrase(vocabulary(e[2]))))

    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(entry=entries, admin=st.booleans(), lang=st.sampled_from(["ko", "en"]))
    def check(entry: tuple[tuple[str, str, Command], str], admin: bool, lang: str) -> None:
        (name, head, _), text = entry
        since = judge.mark()
        invocation = Invocation(CHANNEL, Member("U9", "someone", is_admin=admin), name, head + text, lang)  # type: ignore[arg-type]
        reply = asyncio.run_coroutine_threadsafe(core.router.handle(invocation), loop).result(timeout=30)
        judge.check(reply, since, f"/{name} {head}{text}")

    await asyncio.to_thread(check)


async def test_no_button_of_the_registry_answers_something_went_wrong(core: Core, judge: Judge):
    ids = await _with_ids(core)
    loop = asyncio.get_running_loop()

    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(action=st.sampled_from(sorted(BUTTONS)), value=phrase(ids), who=st.sampled_from(["U9", "U0"]))
    def check(action: str, value: str, who: str) -> None:
        since = judge.mark()
        press = Press(CHANNEL, Member(who, "someone", is_admin=who == "U0"), action, value, "en")
        reply = asyncio.run_coroutine_threadsafe(core.router.press(press), loop).result(timeout=30)
        judge.check(reply, since, f"{action}:{value}")

    await asyncio.to_thread(check)


async def test_every_command_and_button_with_each_hard_text(core: Core, judge: Judge):
    """Not left to chance: every entry of the registry meets every text of NASTY, as the whole argument
    and after a word it expects (`/exam saa ²`), as admin and not; every button action meets each as its
    value, alone, as the id (`²:0`) and as the choice (`<post id>:²`)."""
    ids = await _with_ids(core)
    real = ids[0]
    for name, head, command in ENTRIES:
        first = vocabulary(command)[1:2]
        for text in NASTY:
            for tail in (text, *(f"{w} {text}" for w in first)):
                for admin in (False, True):
                    since = judge.mark()
                    who = Member("U9", "someone", is_admin=admin)
                    reply = await core.router.handle(Invocation(CHANNEL, who, name, head + tail, "en"))
                    judge.check(reply, since, f"/{name} {head}{tail}")
    for action in BUTTONS:
        for text in NASTY:
            for value in (text, f"{text}:0", f"{real}:{text}", f"{real}:{text}:0", f"{real}:0:{text}"):
                since = judge.mark()
                reply = await core.router.press(Press(CHANNEL, Member("U9", "x"), action, value, "en"))
                judge.check(reply, since, f"{action}:{value}")


async def test_the_inputs_of_issue_11_get_clear_answers(core: Core, judge: Judge):
    await _with_ids(core)
    member = Member("U9", "someone")
    cases = [
        Invocation(CHANNEL, member, "exam", "saa ²", "en"),
        Invocation(CHANNEL, member, "exam", "saa ١٠", "en"),
        Invocation(CHANNEL, member, "stats", "\ud800", "en"),
        Invocation(CHANNEL, member, "stats", "<@\udc00>", "en"),
        Invocation(CHANNEL, ADMIN, "studybot", "time ²:٠٠", "en"),
    ]
    for invocation in cases:
        since = judge.mark()
        judge.check(await core.router.handle(invocation), since, invocation)
    for action in BUTTONS:
        since = judge.mark()
        judge.check(await core.router.press(Press(CHANNEL, member, action, "²:0", "en")), since, f"{action}:²:0")


async def test_the_console_answers_any_answer_line_without_crashing(fixture_settings, library, clock, caplog):
    """`/answer ²` and `/answer` with 5,000 digits once crashed the console (isdigit() then int())."""
    caplog.set_level(logging.WARNING)
    shown: list[str] = []
    platform = ConsolePlatform(shown.append, lambda key, **values: library.catalog.t("en", key, **values))
    core = await build_core(fixture_settings, platform, library=library, clock=clock, refresh_seconds=0.0)
    judge = Judge(core, caplog)
    session = ConsoleSession(core.router, platform, Member("me", "me", is_admin=True), "en")
    usage = f"({library.catalog.t('en', 'console.only_you')}) {library.catalog.t('en', 'console.usage_answer')}"
    loop = asyncio.get_running_loop()
    try:
        await session.line("/studybot post-now")
        assert platform.latest is not None  # the daily post and its buttons are on screen
        for line in ("/answer ²", "/answer " + "9" * 5000, "/answer #² 1", "/answer ١", "/answer 1²", "/answer \ud800"):
            shown.clear()
            since = judge.mark()
            assert await session.line(line) is True
            assert shown == [usage], (line, shown)
            judge.check(Reply(body=shown[0]), since, line)

        @settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
        @given(text=phrase(["/answer", "#1", "1", "2", "/quiz", "/exam", "/stats", "/aws", "/answer 1"]))
        def check(text: str) -> None:
            shown.clear()
            since = judge.mark()
            assert asyncio.run_coroutine_threadsafe(session.line(text), loop).result(timeout=30) in (True, False)
            assert not any(bug in line for line in shown for bug in judge.bugs), (text, shown)
            judge.check(Reply(body=""), since, text)

        await asyncio.to_thread(check)
    finally:
        await core.close()
