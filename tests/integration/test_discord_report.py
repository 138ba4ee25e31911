"""Reporting a question on Discord (the real discord.py client, the fake Discord): the button answers with
a modal, its submission is stored and thanked privately, forged values are refused, admins list and close."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from bot.app import Library
from bot.config import Settings
from bot.core.reports import NOTE_LIMIT
from tests.fakes.clock import FixedClock
from tests.fakes.discord import FakeDiscord
from tests.fakes.discord_payloads import CHANNEL, GUILD, custom_ids, ephemeral
from tests.integration.discord_harness import RunningBot, discord_settings, running_bot
from tests.integration.test_discord_daily import right

MESSAGE, DEFERRED, MODAL = 4, 5, 9


async def reveal(bot: RunningBot) -> tuple[dict, str]:
    """Today's question posted, answered and revealed: the channel message and the question's id."""
    await bot.interact(bot.say.slash("studybot", sub="setup", admin=True))
    await bot.interact(bot.say.slash("studybot", sub="post-now", admin=True))
    post = await bot.core.store.post_on(await bot.channel_id_key(CHANNEL), date(2026, 11, 23))
    assert post is not None and post.message_id is not None
    question = bot.core.library.bank.questions[post.question_id]
    await bot.interact(bot.say.click(bot.fake.messages[post.message_id], right(post, question), who=1))
    await bot.interact(bot.say.slash("studybot", sub="close-now", admin=True))
    return bot.fake.messages[post.message_id], question.id


async def test_the_reveal_button_opens_a_modal_whose_submission_is_stored(discord_bot: RunningBot):
    message, question_id = await reveal(discord_bot)
    assert custom_ids(message) == [f"report:{question_id}"]
    call = await discord_bot.interact(discord_bot.say.click(message, f"report:{question_id}", who=2))
    assert call.body["type"] == MODAL
    modal = call.body["data"]
    assert modal["custom_id"] == f"report:{question_id}" and modal["title"] == "문제 신고"
    intro, reason, note = modal["components"]
    assert intro["type"] == 10 and question_id in intro["content"]
    assert (reason["type"], reason["label"], reason["component"]["custom_id"]) == (18, "무엇이 문제인가요?", "reason")
    assert [o["value"] for o in reason["component"]["options"]] == ["wrong", "unclear", "outdated", "typo"]
    assert reason["component"]["required"] is True
    assert note["component"]["custom_id"] == "note" and note["component"]["type"] == 4
    assert note["component"]["max_length"] == NOTE_LIMIT and note["component"]["required"] is False

    submitted = discord_bot.say.modal_submit(modal, who=2, reason="wrong", note="정답은 B입니다")
    thanks = await discord_bot.interact(submitted)
    assert thanks.body["type"] == MESSAGE and ephemeral(thanks.body)
    assert "신고 #1" in thanks.body["data"]["content"]
    [stored] = await discord_bot.core.store.reports()
    assert (stored.user_id, stored.user_name, stored.reason, stored.note) == (
        "1002",
        "Member 2",
        "wrong",
        "정답은 B입니다",
    )
    assert (stored.platform, stored.team_id, stored.channel_id) == ("discord", GUILD, CHANNEL)

    again = await discord_bot.interact(discord_bot.say.modal_submit(modal, who=2, reason="typo"))
    assert "#1" in again.body["data"]["content"] and len(await discord_bot.core.store.reports()) == 1


async def test_forged_submissions_are_refused_and_nothing_is_stored(english_discord_bot: RunningBot):
    bot = english_discord_bot
    asked = await bot.interact(bot.say.slash("quiz", {"subject": "efs"}, who=3))
    question = bot.fake.original(bot.fake.interactions[asked.path.split("/")[2]].payload)
    answered = await bot.interact(bot.say.click(question, custom_ids(question)[0], who=3))
    result = bot.fake.original(bot.fake.interactions[answered.path.split("/")[2]].payload)
    [report] = [i for i in custom_ids(result) if i.startswith("report:")]
    modal = (await bot.interact(bot.say.click(result, report, who=3))).body["data"]

    for entered, says in (
        ({"reason": "spam"}, "'spam' is not a reason"),
        ({"reason": None}, "Pick a reason"),
        ({"reason": "typo", "note": "x" * (NOTE_LIMIT + 1)}, f"keep it to {NOTE_LIMIT}"),
    ):
        call = await bot.interact(bot.say.modal_submit(modal, who=3, **entered))
        assert call.body["type"] == MESSAGE and ephemeral(call.body)
        assert says in call.body["data"]["content"], entered
    gone = await bot.interact(bot.say.modal_submit({**modal, "custom_id": "report:gone-001"}, who=3, reason="typo"))
    assert "no longer in the bank" in gone.body["data"]["content"]
    for custom_id in ("garbage", "x" * 100):
        call = await bot.interact(bot.say.modal_submit({**modal, "custom_id": custom_id}, who=3, reason="typo"))
        assert ephemeral(call.body) and "form is no longer valid" in call.body["data"]["content"]
    assert await bot.core.store.reports(None) == []


async def test_a_modal_cannot_follow_a_deferral_so_the_member_is_told_to_press_again(english_discord_bot: RunningBot):
    bot = english_discord_bot
    message, question_id = await reveal(bot)
    bot.client.responder.defer_after = 0.01
    release = bot.held("reports", "press_report")
    payload = bot.say.click(message, f"report:{question_id}", who=4)
    call = await bot.interact(payload)
    assert call.body["type"] == DEFERRED
    release.set()
    edit = rf"/webhooks/\d+/{payload['token']}/messages/@original"
    await bot.fake.wait_for(lambda: bool(bot.fake.calls_to("PATCH", edit)))
    assert "could not open in time. Press the button again" in bot.fake.original(payload)["content"]


async def test_a_modal_sent_before_a_restart_is_still_taken(
    fake_discord: FakeDiscord, fixture_settings: Settings, library: Library, clock: FixedClock, tmp_path: Path
):
    settings = discord_settings(fixture_settings, fake_discord, tmp_path / "bot.db", language="en")
    async with running_bot(fake_discord, settings, library, clock) as first:
        message, question_id = await reveal(first)
        modal = (await first.interact(first.say.click(message, f"report:{question_id}", who=5))).body["data"]
    async with running_bot(fake_discord, settings, library, clock) as second:
        thanks = await second.interact(second.say.modal_submit(modal, who=5, reason="outdated"))
        assert "Report #1" in thanks.body["data"]["content"]
        [stored] = await second.core.store.reports()
        assert (stored.question_id, stored.reason) == (question_id, "outdated")


async def test_admins_list_and_close_reports_with_slash_commands(english_discord_bot: RunningBot):
    bot = english_discord_bot
    message, question_id = await reveal(bot)
    modal = (await bot.interact(bot.say.click(message, f"report:{question_id}", who=2))).body["data"]
    await bot.interact(bot.say.modal_submit(modal, who=2, reason="unclear", note="two answers fit"))

    listing = await bot.interact(bot.say.slash("studybot", sub="reports", admin=True))
    embed = listing.body["data"]["embeds"][0]
    assert embed["title"] == "⚑ Open reports (1)" and ephemeral(listing.body)
    assert f"`{question_id}` · Unclear · Member 2" in embed["description"] and "two answers fit" in embed["description"]
    refused = await bot.interact(bot.say.slash("studybot", {"action": "close", "number": "1"}, sub="reports", who=3))
    assert "for admins only" in refused.body["data"]["content"]
    closed = await bot.interact(
        bot.say.slash("studybot", {"action": "close", "number": "1"}, sub="reports", admin=True)
    )
    assert closed.body["data"]["content"] == f"✅ Report #1 ({question_id}) closed."
    assert await bot.core.store.reports() == []
    reports = next(o for o in bot.fake.commands["global"][-1]["options"] if o["name"] == "reports")
    assert [(o["name"], [c["value"] for c in o.get("choices", [])]) for o in reports["options"]] == [
        ("action", ["list", "close"]),
        ("number", []),
    ]


async def test_the_reveal_of_a_deleted_post_is_posted_anew_with_its_report_button(english_discord_bot: RunningBot):
    bot = english_discord_bot
    await bot.interact(bot.say.slash("studybot", sub="post-now", admin=True))
    post = await bot.core.store.post_on(await bot.channel_id_key(CHANNEL), date(2026, 11, 23))
    assert post is not None and post.message_id is not None
    del bot.fake.messages[post.message_id]  # someone deleted the post
    await bot.interact(bot.say.slash("studybot", sub="close-now", admin=True))
    [anew] = [m for m in bot.fake.channel_messages(CHANNEL) if m["embeds"][0]["title"].startswith("📣")]
    assert custom_ids(anew) == [f"report:{post.question_id}"]
