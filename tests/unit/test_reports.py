"""Reporting a question through the router: the button, the form, what is stored or refused, the admins' list."""

from __future__ import annotations

from bot.core.models import ChannelRef, Member, Reply, Submission
from bot.core.reports import LIST_LIMIT, NOTE_LIMIT, OPEN_LIMIT
from tests.conftest import Channel, member
from tests.unit.test_daily import post_today, right, wrong

QUESTION = "efs-001"


async def report(
    channel: Channel, who: Member, question: str = QUESTION, lang: str = "en", action: str = "report", **values: str
) -> Reply:
    submission = Submission(channel.ref, who, action, question, values, lang)  # type: ignore[arg-type]
    return await channel.core.router.submit(submission)


async def test_the_report_button_opens_a_private_form_with_four_reasons_and_an_optional_note(channel, core):
    reply = await channel.click("report", QUESTION, member(1))
    form = reply.form
    assert form is not None and reply.visibility == "private" and reply.kind == "form"
    assert (form.action, form.value, form.title, form.submit) == (
        "report",
        QUESTION,
        "Report this question",
        "Send report",
    )
    reason, note = form.fields
    assert (reason.name, reason.kind, reason.required) == ("reason", "choice", True)
    assert [(c.value, c.label) for c in reason.choices] == [
        ("wrong", "Wrong answer"),
        ("unclear", "Unclear"),
        ("outdated", "Outdated"),
        ("typo", "Typo"),
    ]
    assert (note.name, note.kind, note.required, note.max_length) == ("note", "text", False, NOTE_LIMIT)
    assert QUESTION in form.intro and core.library.bank.questions[QUESTION].prompt.en[:40] in form.intro
    assert form.late and reply.body == form.intro
    korean = await channel.click("report", QUESTION, member(1), lang="ko")
    assert korean.form.title == "문제 신고" and korean.form.fields[0].choices[0].label == "정답이 틀림"
    gone = await channel.click("report", "no-such-question", member(1))
    assert gone.kind == "error" and gone.form is None and "no longer in the bank" in gone.body


async def test_a_report_is_stored_and_thanked_privately_and_a_repeat_updates_it(channel, core, clock):
    thanks = await report(channel, member(1), reason="wrong", note="  The answer should be B.  ")
    assert thanks.kind == "info" and thanks.visibility == "private"
    assert thanks.body.startswith("🙏 Thanks! Report #1 on efs-001 is recorded (Wrong answer)")
    [stored] = await core.store.reports()
    assert (stored.user_id, stored.user_name, stored.question_id, stored.reason, stored.note) == (
        "U1",
        "Member 1",
        QUESTION,
        "wrong",
        "The answer should be B.",
    )
    assert (stored.platform, stored.team_id, stored.channel_id, stored.created_at) == (
        "test",
        "team1",
        "C1",
        clock.now(),
    )

    clock.advance(minutes=3)
    again = await report(channel, member(1), reason="TYPO", note="")
    assert again.body == "🙏 Your report #1 on efs-001 is updated (Typo)."
    [updated] = await core.store.reports()
    assert (updated.id, updated.reason, updated.note) == (1, "typo", "")
    other = await report(channel, member(2), reason="unclear")
    assert "#2" in other.body and len(await core.store.reports()) == 2


async def test_bad_reports_are_refused_clearly_and_nothing_is_stored(channel, core):
    bad = await report(channel, member(1), reason="spam", note="")
    assert bad.kind == "error" and bad.invalid == "reason"
    assert "'spam' is not a reason" in bad.body and "wrong (Wrong answer)" in bad.body
    empty = await report(channel, member(1), note="hello")
    assert empty.kind == "error" and empty.invalid == "reason" and empty.body.startswith("Pick a reason")
    long = await report(channel, member(1), reason="wrong", note="x" * (NOTE_LIMIT + 1))
    assert long.invalid == "note" and f"{NOTE_LIMIT + 1} characters long; keep it to {NOTE_LIMIT}" in long.body
    exactly = "y" * NOTE_LIMIT  # the limit itself is fine, so is a huge one the platform should have stopped
    gone = await report(channel, member(1), question="gone-001", reason="wrong")
    assert gone.kind == "error" and gone.invalid is None and "no longer in the bank" in gone.body
    forged = await report(channel, member(1), action="delete-everything", reason="wrong")
    assert forged.kind == "error" and "form is no longer valid" in forged.body
    huge = await report(channel, member(1), reason="wrong", note="z" * 100_000)
    assert huge.kind == "error" and "too long" in huge.body
    assert await core.store.reports(None) == []
    assert (await report(channel, member(1), reason="wrong", note=exactly)).kind == "info"


async def test_a_member_with_too_many_open_reports_is_refused_new_ones(channel, core):
    questions = list(core.library.bank.questions)
    assert len(questions) < OPEN_LIMIT  # the small bank: fill up through the store, as earlier reports would
    settings = await core.store.save_channel((await core.router.context(channel.ref, member(1), "en")).channel)
    for n in range(OPEN_LIMIT):
        await core.store.add_report("test", settings.id, "U1", f"old-{n:03}", "typo", "", core.clock.now())
    refused = await report(channel, member(1), reason="wrong")
    assert refused.kind == "error" and f"already have {OPEN_LIMIT} open reports" in refused.body
    assert len(await core.store.reports()) == OPEN_LIMIT
    assert (await report(channel, member(2), reason="wrong")).kind == "info"  # someone else may


async def test_the_report_button_is_under_answers_the_reveal_and_missed_exam_questions(channel, core, platform):
    practice = await channel.say("/quiz efs", member(1))
    question_id = practice.buttons[0].value.partition(":")[0]
    result = await channel.click("practice", practice.buttons[0].value, member(1))
    assert [(b.label, b.action, b.value) for b in result.buttons][-1] == ("⚑ Report", "report", question_id)

    post, question = await post_today(channel)
    daily = await channel.click("answer", f"{post.id}:{wrong(question)}", member(2))
    assert [(b.action, b.value) for b in daily.buttons] == [("report", question.id)]
    await channel.click("answer", f"{post.id}:{right(question)}", member(3))
    await channel.say("/studybot close-now")
    [reveal] = platform.edits("reveal")
    assert [(b.action, b.value) for b in reveal.reply.buttons] == [("report", question.id)]

    review = await channel.say("/review", member(2))
    answered = await channel.click("review", review.buttons[0].value, member(2))
    assert [b.action for b in answered.buttons][-1] == "report" and answered.buttons[-1].value == question.id

    reply = await channel.say("/exam saa 7", member(4))
    exam = await core.store.open_exam("test", "U4")
    for position in range(7):
        missed = core.library.bank.questions[exam.question_ids[position]]
        pick = next(b.value for b in reply.buttons if b.value.split(":")[2] != right(missed))
        reply = await channel.click("exam", pick, member(4))
    reports = [b for b in reply.buttons if b.action == "report"]
    assert [(b.label, b.value) for b in reports] == [(f"⚑ Report Q{n}", exam.question_ids[n - 1]) for n in (1, 2, 3, 4)]
    assert reply.buttons[0].action == "exam-missed"  # the pages come first, as before
    page = await channel.click("exam-missed", f"{exam.id}:1", member(4))
    assert [b.label for b in page.buttons if b.action == "report"] == ["⚑ Report Q5", "⚑ Report Q6", "⚑ Report Q7"]
    form = await channel.click("report", reports[2].value, member(4))
    assert form.form is not None and form.form.value == exam.question_ids[2]


async def test_admins_list_the_open_reports_newest_first_and_close_them(channel, core, clock):
    await report(channel, member(1), reason="wrong", note="B is right: EFS is regional")
    clock.advance(hours=1)
    await report(channel, member(2), question="ebs-001", reason="typo")
    listing = await channel.say("/studybot reports")
    assert listing.title == "⚑ Open reports (2)"
    assert listing.body.splitlines() == [
        "**#2** · `ebs-001` · Typo · Member 2 · 2026-11-23 11:00",
        "**#1** · `efs-001` · Wrong answer · Member 1 · 2026-11-23 10:00",
        "    “B is right: EFS is regional”",
    ]
    assert "Asia/Seoul" in listing.footer and "/studybot reports close N" in listing.footer
    assert (await channel.say("/studybot reports list")).body == listing.body

    closed = await channel.say("/studybot reports close 1")
    assert closed.kind == "info" and closed.body == "✅ Report #1 (efs-001) closed."
    again = await channel.say("/studybot reports close #1")
    assert again.kind == "error" and again.body == "Report #1 is already closed."
    assert (await channel.say("/studybot reports close 99")).body == "There is no report #99 here. Nothing was changed."
    for typed in ("１", "²", "-1", "two", "1.0"):
        bad = await channel.say(f"/studybot reports close {typed}")
        assert bad.kind == "error" and "is not a report number" in bad.body, typed
    usage = await channel.say("/studybot reports close")
    assert usage.kind == "error" and usage.body.startswith("Usage: /studybot reports")
    assert [r.id for r in await core.store.reports()] == [2]
    assert (await channel.say("/studybot reports close 2")).kind == "info"
    assert (await channel.say("/studybot reports")).body == "No open reports. 🎉"


async def test_members_who_are_not_admins_can_neither_list_nor_close(channel, core):
    await report(channel, member(1), reason="wrong")
    for command in ("/studybot reports", "/studybot reports close 1"):
        refused = await channel.say(command, member(1))
        assert refused.kind == "error" and "for admins only" in refused.body
    assert len(await core.store.reports()) == 1
    help_text = (await channel.say("/studybot help", member(1))).body
    assert "/studybot reports [list|close] [number]" in help_text.split("**For admins**")[1]


async def test_the_list_is_bounded_and_another_teams_reports_stay_theirs(channel, core):
    for n in range(LIST_LIMIT + 2):
        await report(channel, member(n + 1), reason="unclear")
    listing = await channel.say("/studybot reports")
    assert listing.title == f"⚑ Open reports ({LIST_LIMIT}+)"
    assert len(listing.body.splitlines()) == LIST_LIMIT and listing.body.startswith(f"**#{LIST_LIMIT + 2}**")
    assert "studybot content reports" in listing.footer

    elsewhere = Channel(core, ChannelRef("test", "team2", "C9"))
    assert (await elsewhere.say("/studybot reports")).body == "No open reports. 🎉"
    refused = await elsewhere.say("/studybot reports close 1")
    assert refused.body == "There is no report #1 here. Nothing was changed."
    assert len(await core.store.reports()) == LIST_LIMIT + 2
