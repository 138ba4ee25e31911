"""Property tests: whatever members type or whatever a button carries, the router answers sanely."""

from __future__ import annotations

import asyncio

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.models import Invocation, Member, Press, Reply, Submission
from tests.conftest import CHANNEL

# The tightest limits among the platforms (Slack sections 3,000; Discord embeds 6,000 in all).
MAX_BODY, MAX_TITLE, MAX_BUTTONS, MAX_LABEL, MAX_VALUE = 6000, 256, 25, 80, 90

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


def assert_fits(reply: Reply) -> None:
    assert isinstance(reply, Reply)
    assert len(reply.body) <= MAX_BODY
    assert reply.title is None or len(reply.title) <= MAX_TITLE
    assert len(reply.buttons) <= MAX_BUTTONS
    assert all(len(b.label) <= MAX_LABEL and len(f"{b.action}:{b.value}") <= MAX_VALUE for b in reply.buttons)


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
