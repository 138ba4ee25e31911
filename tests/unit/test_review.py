"""/review: misses become FSRS cards, right answers push them out, six misses make a leech."""

from __future__ import annotations

from datetime import timedelta

from bot.core.models import ChannelRef
from bot.core.review import LEECH_MISSES
from tests.conftest import Channel, member
from tests.unit.test_daily import post_today, right, wrong


async def cards_of(core, who) -> list:
    return await core.store.review_cards("test", who.user_id)


async def test_a_wrong_daily_answer_creates_a_due_card_and_a_right_review_moves_it_out(channel, core, clock):
    post, question = await post_today(channel)
    await channel.click("answer", f"{post.id}:{wrong(question)}", member(1))
    await channel.click("answer", f"{post.id}:{right(question)}", member(2))
    [card] = await cards_of(core, member(1))
    assert card.question_id == question.id and card.misses == 1 and card.due <= clock.now()
    assert await cards_of(core, member(2)) == []  # a right answer makes no card

    served = await channel.say("/review", member(1))
    assert served.kind == "question" and "1 due" in served.title
    assert question.prompt.en in served.body
    assert all(b.action == "review" and b.value.startswith(f"{question.id}:") for b in served.buttons)

    result = await channel.click("review", f"{question.id}:{right(question)}", member(1))
    assert result.kind == "result" and "Correct" in result.title
    [after] = await cards_of(core, member(1))
    assert after.due > clock.now() and after.reviews == 1 and after.misses == 1
    assert "Next review of this card" in result.body
    assert "last due card" in result.footer and [b.action for b in result.buttons] == ["report"]

    nothing = await channel.say("/review", member(1))
    assert "Nothing to review" in nothing.body and "Asia/Seoul" in nothing.body

    clock.set(after.due + timedelta(minutes=1))  # the FSRS learning step has passed
    await channel.click("review", f"{question.id}:{right(question)}", member(1))
    [graduated] = await cards_of(core, member(1))
    assert graduated.due - clock.now() >= timedelta(days=1)  # out of learning: days, not minutes


async def test_six_misses_make_a_leech_that_is_not_served_and_the_topic_card_is_shown(channel, core, clock):
    await channel.say("/studybot setup")
    question = core.library.bank.questions["efs-002"]
    await channel.click("practice", f"{question.id}:{wrong(question)}", member(1))  # miss 1: the card
    reply = None
    for miss in range(2, LEECH_MISSES + 1):
        clock.advance(days=1)
        served = await channel.say("/review", member(1))
        assert served.kind == "question", miss
        reply = await channel.click("review", f"{question.id}:{wrong(question)}", member(1))
        assert reply.kind == "result"
    [card] = await cards_of(core, member(1))
    assert card.leech and card.misses == LEECH_MISSES and card.reviews == LEECH_MISSES - 1
    assert "missed this question 6 times" in reply.body and "stops repeating" in reply.body
    assert reply.fields[0].name.startswith("Amazon EFS")  # the topic's /aws card
    assert reply.fields[0].value == core.library.bank.topics["efs"].summary.en
    assert any(b.action == "share" and b.value == "efs" for b in reply.buttons)

    clock.advance(days=30)
    after = await channel.say("/review", member(1))
    assert after.kind == "info" and "leech" in after.body and "Amazon EFS" in after.body
    again = await channel.click("review", f"{question.id}:{right(question)}", member(1))
    assert "leech" in again.body and again.fields  # pointed at the card, nothing rated
    [still] = await cards_of(core, member(1))
    assert still.reviews == card.reviews


async def test_a_second_click_on_an_answered_card_is_told_so_and_rates_nothing(channel, core, clock):
    post, question = await post_today(channel)
    await channel.click("answer", f"{post.id}:{wrong(question)}", member(1))
    await channel.say("/review", member(1))
    await channel.click("review", f"{question.id}:{wrong(question)}", member(1))
    [card] = await cards_of(core, member(1))
    second = await channel.click("review", f"{question.id}:{right(question)}", member(1))
    assert second.kind == "error" and "already answered" in second.body
    assert await cards_of(core, member(1)) == [card]


async def test_next_serves_the_following_due_card(channel, core):
    await channel.say("/studybot setup")
    bank = core.library.bank
    for qid in ("efs-001", "s3-001"):
        await channel.click("practice", f"{qid}:{wrong(bank.questions[qid])}", member(1))
    first = await channel.say("/review", member(1))
    assert "2 due" in first.title
    qid = first.buttons[0].value.split(":")[0]
    result = await channel.click("review", f"{qid}:{right(bank.questions[qid])}", member(1))
    [next_button] = [b for b in result.buttons if b.action == "review-next"]
    assert "1 due" in next_button.label
    second = await channel.click("review-next", next_button.value, member(1))
    assert second.kind == "question" and second.buttons[0].value.split(":")[0] != qid


async def test_review_buttons_of_someone_else_or_nonsense_are_refused(channel, core):
    post, question = await post_today(channel)
    await channel.click("answer", f"{post.id}:{wrong(question)}", member(1))
    other = await channel.click("review", f"{question.id}:{right(question)}", member(2))
    assert other.kind == "error"
    for value in ("nope:0", f"{question.id}:9", f"{question.id}:", ""):
        reply = await channel.click("review", value, member(1))
        assert reply.kind == "error", value
    [card] = await cards_of(core, member(1))
    assert card.reviews == 0


async def test_cards_follow_the_member_into_another_channel(channel, core):
    post, question = await post_today(channel)
    await channel.click("answer", f"{post.id}:{wrong(question)}", member(1))
    elsewhere = Channel(core, ChannelRef("test", "team1", "C9"))
    served = await elsewhere.say("/review", member(1))
    assert served.kind == "question" and question.prompt.en in served.body


async def test_no_cards_yet_says_how_cards_are_made(channel):
    reply = await channel.say("/review", member(3))
    assert reply.kind == "info" and "no review cards yet" in reply.body
    ko = await channel.say("/review", member(3), lang="ko")
    assert "복습 카드가 없습니다" in ko.body
