"""The daily question through the router: answers, scoring, reveal, refusals."""

from __future__ import annotations

import asyncio
from datetime import date

from bot.core.choices import choice_options, encode_choice
from bot.core.models import ChannelRef, Post, Question
from tests.conftest import Channel, member


async def post_today(channel: Channel) -> tuple[Post, Question]:
    reply = await channel.say("/studybot post-now")
    assert reply.kind != "error", reply.body
    settings = await channel.core.store.get_channel(channel.ref)
    assert settings is not None and settings.id is not None
    post = await channel.core.store.post_on(settings.id, date(2026, 11, 23))
    assert post is not None
    return post, channel.core.library.bank.questions[post.question_id]


def right(question: Question) -> str:
    return encode_choice(question.answer)


def wrong(question: Question) -> str:
    return next(encode_choice(o) for o in choice_options(question) if o != question.answer)


async def test_post_now_posts_one_question_with_a_button_per_choice(channel, platform):
    post, question = await post_today(channel)
    [sent] = platform.posts("question")
    assert len(sent.reply.buttons) == len(choice_options(question))
    assert all(b.value.startswith(f"{post.id}:") for b in sent.reply.buttons)
    assert question.prompt.ko in sent.reply.body  # the channel speaks Korean by default
    again = await channel.say("/studybot post-now")
    assert "already" in again.body
    assert len(platform.posts("question")) == 1


async def test_first_click_counts_and_a_second_is_told_so(channel, clock):
    post, question = await post_today(channel)
    first = await channel.click("answer", f"{post.id}:{right(question)}", member(1))
    assert first.kind == "result"
    assert "+13 points" in first.title  # 10 for correct, +3 for the first correct answer
    assert question.explanation.en in first.body
    second = await channel.click("answer", f"{post.id}:{wrong(question)}", member(1))
    assert second.kind == "error" and "already answered" in second.body
    answers = await channel.core.store.answers_to(post.id)
    assert [(a[0], a[3], a[4]) for a in answers] == [("U1", True, 13)]


async def test_points_follow_the_order_of_correct_answers(channel):
    post, question = await post_today(channel)
    titles = []
    for n, pick in enumerate([right, wrong, right, right, right], start=1):
        reply = await channel.click("answer", f"{post.id}:{pick(question)}", member(n))
        titles.append(reply.title)
    assert "+13" in titles[0] and "Not quite" in titles[1]
    assert "+12" in titles[2] and "+11" in titles[3] and "+10" in titles[4]
    points = {a[0]: a[4] for a in await channel.core.store.answers_to(post.id)}
    assert points == {"U1": 13, "U2": 0, "U3": 12, "U4": 11, "U5": 10}


async def test_reveal_shows_answer_spread_and_fastest(channel, platform):
    post, question = await post_today(channel)
    await channel.click("answer", f"{post.id}:{right(question)}", member(1))
    await channel.click("answer", f"{post.id}:{wrong(question)}", member(2))
    await channel.click("answer", f"{post.id}:{right(question)}", member(3))
    reply = await channel.say("/studybot close-now")
    assert "Revealed" in reply.body
    [reveal] = platform.edits("reveal")
    assert reveal.message_id == post.message_id
    spread = reveal.reply.fields[0].value
    assert "2명 (67%) ✅" in spread and "1명 (33%)" in spread
    assert reveal.reply.fields[1].value == "Member 1, Member 3"
    [explanation] = platform.threads("explanation")
    assert explanation.parent == post.message_id and question.explanation.ko in explanation.reply.body
    late = await channel.click("answer", f"{post.id}:{right(question)}", member(4))
    assert late.kind == "error" and "closed" in late.body
    assert len(await channel.core.store.answers_to(post.id)) == 3


async def test_answered_count_is_edited_onto_the_post(channel, platform, core):
    post, question = await post_today(channel)
    for n in range(1, 4):
        await channel.click("answer", f"{post.id}:{right(question)}", member(n))
    await core.daily.refresher.flush()
    counts = [e.reply.footer for e in platform.edits("question")]
    assert counts and counts[-1].endswith("3명 응답")


async def test_200_simultaneous_clicks_from_50_members_record_50_answers(channel):
    post, question = await post_today(channel)
    options = [encode_choice(o) for o in choice_options(question)]
    clicks = [
        channel.click("answer", f"{post.id}:{options[(n + k) % len(options)]}", member(n))
        for k in range(4)
        for n in range(50)
    ]
    replies = await asyncio.gather(*clicks)
    answers = await channel.core.store.answers_to(post.id)
    assert len(answers) == 50
    assert sum(1 for r in replies if r.kind == "result") == 50
    assert sum(1 for r in replies if "already answered" in r.body) == 150
    ranks = sorted(a[4] for a in answers if a[3])
    bonus_points = [p for p in ranks if p > 10]
    assert sorted(bonus_points) == [11, 12, 13][: len(bonus_points)]


async def test_bad_button_values_are_refused_and_store_nothing(channel, core):
    post, _question = await post_today(channel)
    for value in (f"{post.id}:9", f"{post.id}:", f"{post.id}:x", "999:0", "abc", f"{post.id}:0+0", "1" * 300):
        reply = await channel.click("answer", value, member(1))
        assert reply.kind == "error", value
    assert await core.store.answers_to(post.id) == []
    unknown = await channel.click("explode", "1", member(1))
    assert unknown.kind == "error"


async def test_another_channels_post_id_is_refused(channel, core):
    post, question = await post_today(channel)
    other = Channel(core, ChannelRef("test", "team1", "C2"))
    await other.say("/studybot setup")
    reply = await other.click("answer", f"{post.id}:{right(question)}", member(1))
    assert reply.kind == "error"
    assert await core.store.answers_to(post.id) == []


async def test_a_member_who_is_not_admin_is_refused_admin_commands(channel, core, platform):
    for command in ("/studybot post-now", "/studybot close-now", "/studybot time 10:00", "/studybot setup"):
        reply = await channel.say(command, member(5))
        assert reply.kind == "error" and "admins only" in reply.body, command
    assert platform.sent == []
    assert await core.store.get_channel(channel.ref) is None
    status = await channel.say("/studybot status", member(5))
    assert status.kind == "status"


async def test_practice_question_and_answer(channel, core):
    reply = await channel.say("/quiz efs", member(1))
    assert reply.kind == "question" and reply.buttons
    qid = reply.buttons[0].value.split(":")[0]
    assert qid.startswith("efs-")
    question = core.library.bank.questions[qid]
    result = await channel.click("practice", f"{qid}:{right(question)}", member(1))
    assert result.kind == "result" and "Correct" in result.title
    tallies = await core.store.member_tallies((await core.store.get_channel(channel.ref)).id, "U1")
    assert [(t.question_id, t.source, t.answered, t.correct) for t in tallies] == [(qid, "practice", 1, 1)]
    category = await channel.say("/quiz networking", member(1))
    assert category.buttons[0].value.startswith("security-groups-")
    nothing = await channel.say("/quiz zzzzqqqq", member(1))
    assert nothing.kind in ("error", "suggestions")


async def test_post_now_in_a_channel_not_set_up_sets_it_up_so_the_post_gets_revealed(channel, core):
    reply = await channel.say("/studybot post-now", lang="en")
    assert "now gets the daily question" in reply.body
    settings = await core.store.get_channel(channel.ref)
    assert settings.active  # the scheduler will reveal it at close time, and post daily from now on
    again = await channel.say("/studybot post-now", lang="en")
    assert "now gets" not in again.body and "already" in again.body
