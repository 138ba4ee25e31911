"""What members type and what comes back: lookup, bad input, boards, settings."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.core.periods import board_period, streaks
from tests.conftest import ADMIN, member


async def test_aws_finds_cards_however_they_are_typed(channel):
    for query, name in [
        ("efs", "Amazon EFS"),
        ("elastic file system", "Amazon EFS"),
        ("일래스틱 파일 시스템", "Amazon EFS"),
        ("보안그룹", "Security groups"),
        ("보안 그룹", "Security groups"),
        ("elastc file sytem", "Amazon EFS"),
        ("Amazon Elastic Block Store", "Amazon EBS"),
    ]:
        reply = await channel.say(f"/aws {query}")
        assert reply.kind == "card", query
        assert reply.title.startswith(name), query
        assert reply.buttons[0].action == "share"


async def test_aws_without_a_match_offers_suggestions_or_says_nothing_matched(channel):
    reply = await channel.say("/aws instanse stor ebs")
    assert reply.kind in ("card", "suggestions")
    nothing = await channel.say("/aws kubernetes pizza oven")
    assert nothing.kind in ("error", "suggestions")
    if nothing.kind == "suggestions":
        assert all(b.action == "card" for b in nothing.buttons)


async def test_empty_aws_query_gets_help(channel):
    reply = await channel.say("/aws")
    assert reply.kind == "info" and "/aws efs" in reply.body


async def test_share_button_posts_the_card_to_the_channel(channel):
    reply = await channel.click("share", "efs", member(2))
    assert reply.visibility == "channel" and reply.kind == "card"
    assert "Member 2" in reply.footer


async def test_bad_input_gets_a_clear_reply_and_stores_nothing(channel, core):
    unknown = await channel.say("/frobnicate now")
    assert unknown.kind == "error" and "/frobnicate" in unknown.body and "/aws" in unknown.body
    huge = await channel.say("/aws " + "a" * 10_000)
    assert huge.kind == "error" and "too long" in huge.body
    control = await channel.say("/aws \x00\x07e\x1bfs\u202e")
    assert control.kind in ("card", "suggestions", "error")
    assert await core.store.get_channel(channel.ref) is None


async def test_settings_changes_are_checked_and_bad_values_change_nothing(channel, core):
    await channel.say("/studybot setup")
    for command, accepted in [
        ("/studybot time 25:00", "HH:MM"),
        ("/studybot timezone Mars/Olympus", "Asia/Seoul"),
        ("/studybot timezone ../../etc/passwd", "Asia/Seoul"),
        ("/studybot days ", "Usage"),
        ("/studybot days funday", "mon"),
        ("/studybot language fr", "ko or en"),
        ("/studybot exam dva", "saa, clf or all"),
    ]:
        reply = await channel.say(command)
        assert reply.kind == "error" and accepted in reply.body, command
    settings = await core.store.get_channel(channel.ref)
    assert (settings.post_time.hour, settings.timezone, settings.days) == (9, "Asia/Seoul", (0, 1, 2, 3, 4))
    ok = await channel.say("/studybot time 10:30")
    assert ok.kind == "status"
    ok = await channel.say("/studybot days mon,wed,fri")
    settings = await core.store.get_channel(channel.ref)
    assert (settings.post_time.hour, settings.post_time.minute, settings.days) == (10, 30, (0, 2, 4))


async def test_a_time_zone_is_found_whatever_the_case_it_is_typed_in(channel, core):
    await channel.say("/studybot setup")
    for typed, stored in [("utc", "UTC"), ("  europe/LONDON ", "Europe/London"), ("asia/seoul", "Asia/Seoul")]:
        reply = await channel.say(f"/studybot timezone {typed}")
        assert reply.kind == "status", typed
        assert (await core.store.get_channel(channel.ref)).timezone == stored


async def test_week_boundaries_follow_the_channel_time_zone(channel, core, clock):
    await channel.say("/studybot setup")
    # Sunday 2026-11-29 23:59 in Seoul is 14:59 UTC; Monday 00:00 Seoul is 15:00 UTC.
    clock.set(datetime(2026, 11, 29, 14, 59, tzinfo=UTC))
    await channel.say("/studybot post-now")
    first = await answer_latest_correctly(channel, core, member(1))
    clock.set(datetime(2026, 11, 29, 15, 0, tzinfo=UTC))
    await channel.say("/studybot post-now")
    second = await answer_latest_correctly(channel, core, member(2))
    assert first and second
    last_week, _ = board_period("week", datetime(2026, 11, 29, 14, 59, tzinfo=UTC), "Asia/Seoul")
    this_week, _ = board_period("week", datetime(2026, 11, 29, 15, 0, tzinfo=UTC), "Asia/Seoul")
    assert (last_week, this_week) == (date(2026, 11, 23), date(2026, 11, 30))
    key = (await core.store.get_channel(channel.ref)).id
    assert [r.user_id for r in await core.store.board(key, "week", last_week, 10)] == ["U1"]
    assert [r.user_id for r in await core.store.board(key, "week", this_week, 10)] == ["U2"]
    board = await channel.say("/leaderboard week", member(2))
    assert "Member 2" in board.body and "Member 1" not in board.body
    everyone = await channel.say("/leaderboard all", member(1))
    assert "Member 1" in everyone.body and "Member 2" in everyone.body and "#" in everyone.footer
    bad = await channel.say("/leaderboard fortnight")
    assert bad.kind == "error" and "week, month or all" in bad.body


async def answer_latest_correctly(channel, core, who) -> bool:
    key = (await core.store.get_channel(channel.ref)).id
    post = await core.store.latest_post(key)
    question = core.library.bank.questions[post.question_id]
    value = "+".join(str(i) for i in sorted(question.answer))
    reply = await channel.click("answer", f"{post.id}:{value}", who)
    return reply.kind == "result"


def test_streaks_count_posted_days_only():
    posts = [date(2026, 11, d) for d in (16, 17, 18, 19, 20, 23, 24)]  # Mon-Fri, then Mon-Tue
    correct = [date(2026, 11, d) for d in (17, 18, 19, 20, 23)]
    assert streaks(posts, correct, today=date(2026, 11, 24)) == (5, 5)  # today's post still open
    assert streaks(posts, correct, today=date(2026, 11, 25)) == (0, 5)
    assert streaks([], [], today=date(2026, 11, 25)) == (0, 0)


async def test_help_lists_commands_in_both_languages(channel):
    ko = await channel.say("/studybot help", ADMIN, lang="ko")
    en = await channel.say("/studybot help", ADMIN, lang="en")
    assert "/aws" in ko.body and "/aws" in en.body and ko.body != en.body
