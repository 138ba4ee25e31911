"""The real slack-bolt app in HTTP mode against the fake Slack: what members see, what is stored."""

from __future__ import annotations

from bot.core.choices import choice_options, encode_choice
from bot.core.models import Question
from bot.platforms.slack.render import mrkdwn
from tests.fakes.slack import Message
from tests.fakes.slack_driver import as_message, buttons, text_of
from tests.integration.slack_harness import ADMIN, BOT_TOKEN, CHANNEL, CONFIG_ADMIN, SlackWorld


def button_for(message: Message, value: str) -> str:
    """The action_id of the button carrying `value`."""
    [match] = [b["action_id"] for b in buttons(message.blocks) if b["value"] == value]
    return match


def wrong_choice(question: Question) -> str:
    return next(encode_choice(o) for o in choice_options(question) if o != question.answer)


async def test_aws_card_is_private_and_its_button_shares_it_to_the_channel(slack: SlackWorld):
    sent = await slack.driver.command("/aws efs", "U1", key="aws")
    assert sent.status == 200 and sent.text == ""  # the ack: nothing shown until the card comes
    await slack.settle()
    [card] = slack.fake.responses_to("aws")
    assert card["response_type"] == "ephemeral" and card["replace_original"] is False
    assert card["blocks"][0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Amazon EFS — Amazon Elastic File System", "emoji": True},
    }
    efs = slack.core.library.bank.topics["efs"]
    assert mrkdwn(efs.summary.ko) in text_of(card["blocks"])
    assert slack.fake.channel_messages() == []  # nothing in the channel yet

    share = as_message(card)
    assert [b["action_id"] for b in buttons(share.blocks)] == ["share:0", "quiz:1"]
    await slack.click(share, "share:0", "U1", key="share")
    [posted] = slack.fake.channel_messages()
    assert posted.blocks[0]["text"]["text"].startswith("Amazon EFS")
    assert slack.t("card.shared_by", name="Jiwoo") in text_of(posted.blocks)  # users.info display name
    assert all(b["action_id"] != "share:0" for b in buttons(posted.blocks))
    assert all(c.token == BOT_TOKEN for c in slack.fake.calls)


async def test_aws_with_a_typo_finds_the_card_or_offers_the_likely_topics(slack: SlackWorld):
    [direct] = await slack.run("/aws elastik fille systm", "U2", key="typo")
    assert direct["blocks"][0]["text"]["text"].startswith("Amazon EFS")

    [reply] = await slack.run("/aws efz", "U2", key="unsure")
    assert slack.t("lookup.did_you_mean", query="efz") in text_of(reply["blocks"])
    suggestions = as_message(reply)
    labels = {b["text"]["text"]: b["action_id"] for b in buttons(suggestions.blocks)}
    assert labels == {"Amazon EFS": "card:0"}
    [card] = await slack.click(suggestions, "card:0", "U2", key="open")
    assert card["blocks"][0]["text"]["text"].startswith("Amazon EFS")


async def test_quiz_then_a_button_click_answers_privately(slack: SlackWorld):
    [question_reply] = await slack.run("/quiz efs", "U3", key="quiz")
    message = as_message(question_reply)
    choices = buttons(message.blocks)
    assert choices and all(b["action_id"].startswith("practice:") for b in choices)
    question_id = choices[0]["value"].partition(":")[0]
    question = slack.core.library.bank.questions[question_id]
    right = button_for(message, f"{question_id}:{encode_choice(question.answer)}")
    [result] = await slack.click(message, right, "U3", key="answer")
    assert result["response_type"] == "ephemeral"
    assert result["blocks"][0]["text"]["text"] == slack.t("quiz.correct")
    assert mrkdwn(question.explanation.ko) in text_of(result["blocks"])
    assert slack.fake.channel_messages() == []  # practice stays private


async def test_daily_post_three_members_answer_and_the_reveal_edits_the_post(slack: SlackWorld):
    [posted_note] = await slack.run("/studybot post-now", ADMIN, key="post")
    assert posted_note["text"] == f"{slack.t('admin.posted')} {slack.t('admin.set_up_by_post')}"
    post, question = await slack.todays_post()
    [message] = slack.fake.channel_messages()
    assert post.message_id == message.ts
    choice_buttons = buttons(message.blocks)
    assert [b["action_id"] for b in choice_buttons] == [f"answer:{i}" for i in range(len(choice_options(question)))]
    assert all(b["value"].startswith(f"{post.id}:") for b in choice_buttons)
    assert mrkdwn(question.prompt.ko) in text_of(message.blocks)

    right = button_for(message, f"{post.id}:{encode_choice(question.answer)}")
    wrong = button_for(message, f"{post.id}:{wrong_choice(question)}")
    [first] = await slack.click(message, right, "U1", key="u1")
    [second] = await slack.click(message, wrong, "U2", key="u2")
    [third] = await slack.click(message, right, "U3", key="u3")
    assert first["response_type"] == second["response_type"] == "ephemeral"
    assert slack.t("quiz.correct_points", points=13) in first["blocks"][0]["text"]["text"]
    assert second["blocks"][0]["text"]["text"] == slack.t("quiz.wrong_daily")
    assert slack.t("quiz.correct_points", points=12) in third["blocks"][0]["text"]["text"]
    assert slack.t("daily.answered", count=3) in text_of(message.blocks)  # chat.update of the count
    assert all(c.args["ts"] == message.ts for c in slack.fake.calls_to("chat.update"))

    late = slack.driver.click_payload(message, right, "U4", key="late")  # a client still showing the buttons
    [closed] = await slack.run("/studybot close-now", ADMIN, key="close")
    assert closed["text"] == slack.t("admin.closed", count=1)
    revealed = text_of(message.blocks)
    assert [(b["action_id"], b["value"]) for b in buttons(message.blocks)] == [
        ("report:0", question.id)
    ]  # answers gone
    assert slack.t("reveal.fastest") in revealed and "Jiwoo, Hana" in revealed
    [explanation] = slack.fake.thread(message.ts)
    assert mrkdwn(question.explanation.ko) in text_of(explanation.blocks)
    answers = await slack.core.store.answers_to(post.id)
    assert [(a[0], a[1], a[3]) for a in answers] == [
        ("U1", "Jiwoo", True),
        ("U2", "Minseo", False),
        ("U3", "Hana", True),
    ]

    await slack.driver.send_payload(late)
    await slack.settle()
    assert slack.fake.responses_to("late")[0]["text"] == slack.t("quiz.closed")


async def test_leaderboard_is_posted_in_the_channel(slack: SlackWorld):
    await slack.run("/studybot post-now", ADMIN, key="post")
    post, question = await slack.todays_post()
    [message] = slack.fake.channel_messages()
    await slack.click(message, button_for(message, f"{post.id}:{encode_choice(question.answer)}"), "U4")
    replies = await slack.run("/leaderboard", "U1", key="board")
    assert replies == []  # not an ephemeral answer: a channel message
    board = slack.fake.channel_messages()[-1]
    assert board.ts != message.ts
    shown = text_of(board.blocks)
    assert "*Doyun*" in shown and "13" in shown


async def test_a_member_cannot_change_settings_but_a_workspace_or_config_admin_can(slack: SlackWorld):
    [refused] = await slack.run("/studybot time 10:00", "U1", key="no")
    assert refused["text"] == slack.t("admin.not_admin", command="/studybot time")
    assert await slack.core.store.get_channel(CHANNEL) is None  # nothing was saved, let alone changed

    await slack.run("/studybot setup", ADMIN, key="setup")
    [refused_again] = await slack.run("/studybot time 10:00", "U2", key="no2")
    assert refused_again["text"] == slack.t("admin.not_admin", command="/studybot time")
    settings = await slack.core.store.get_channel(CHANNEL)
    assert settings is not None and settings.post_time.strftime("%H:%M") == "09:00"

    await slack.run("/studybot time 10:00", CONFIG_ADMIN, key="yes")  # listed in [slack] admins
    settings = await slack.core.store.get_channel(CHANNEL)
    assert settings is not None and settings.post_time.strftime("%H:%M") == "10:00"


async def test_bad_signature_and_stale_timestamp_are_refused_with_nothing_done(slack: SlackWorld):
    body = slack.driver.command_body("/studybot post-now", ADMIN)
    form = "application/x-www-form-urlencoded"
    forged = await slack.driver.send(body, form, signature="v0=" + "0" * 64)
    stale = await slack.driver.send(body, form, timestamp=1_700_000_000)  # correctly signed, but long ago
    await slack.settle()
    assert (forged.status, stale.status) == (401, 401)
    assert slack.fake.calls == [] and slack.fake.responses == []
    assert await slack.core.store.get_channel(CHANNEL) is None


async def test_a_retried_click_is_acknowledged_and_counted_once(slack: SlackWorld):
    await slack.run("/studybot post-now", ADMIN, key="post")
    post, question = await slack.todays_post()
    [message] = slack.fake.channel_messages()
    payload = slack.driver.click_payload(message, button_for(message, f"{post.id}:{wrong_choice(question)}"), "U1")
    first = await slack.driver.send_payload(payload)
    retry = await slack.driver.send_payload(payload, headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "x"})
    await slack.settle()
    assert (first.status, retry.status) == (200, 200)
    assert len(slack.fake.responses_to(payload["response_url"].rsplit("/", 1)[1])) == 1
    assert len(await slack.core.store.answers_to(post.id)) == 1


async def test_a_retried_event_is_handled_once(slack: SlackWorld):
    event = {"type": "app_mention", "user": "U1", "text": "<@UBOT> aws efs", "channel": "C1", "ts": "1.1"}
    first = await slack.driver.event(event, "Ev1")
    retry = await slack.driver.event(event, "Ev1", headers={"X-Slack-Retry-Num": "1"})
    await slack.settle()
    assert (first.status, retry.status) == (200, 200)
    [card] = slack.fake.ephemerals  # a mention has no response_url: chat.postEphemeral to its author
    assert card["user"] == "U1" and card["blocks"][0]["text"]["text"].startswith("Amazon EFS")


async def test_a_double_click_counts_once_and_is_told_so(slack: SlackWorld):
    await slack.run("/studybot post-now", ADMIN, key="post")
    post, question = await slack.todays_post()
    [message] = slack.fake.channel_messages()
    right = button_for(message, f"{post.id}:{encode_choice(question.answer)}")
    [first] = await slack.click(message, right, "U1", key="one")
    [second] = await slack.click(message, right, "U1", key="two")
    assert slack.t("quiz.correct_points", points=13) in first["blocks"][0]["text"]["text"]
    assert second["text"].startswith(slack.t("quiz.already", picked="").split("(")[0])
    assert [(a[0], a[4]) for a in await slack.core.store.answers_to(post.id)] == [("U1", 13)]


async def test_a_rate_limited_post_waits_and_is_posted_exactly_once(slack: SlackWorld):
    slack.fake.rate_limit("chat.postMessage", retry_after=0)
    await slack.run("/studybot post-now", ADMIN, key="post")
    attempts = slack.fake.calls_to("chat.postMessage", ok_only=False)
    assert [c.status for c in attempts] == [429, 200]
    assert len(slack.fake.channel_messages()) == 1
    post, _ = await slack.todays_post()
    assert post.message_id == slack.fake.channel_messages()[0].ts


async def test_the_ack_does_not_wait_for_slow_work(slack: SlackWorld):
    release = slack.fake.hold("users.info")  # Slack's users.info hangs
    sent = await slack.driver.command("/aws efs", "U1", key="slow")
    assert sent.status == 200 and slack.fake.responses == []  # acknowledged before any work was done
    release.set()
    await slack.settle()
    assert len(slack.fake.responses_to("slow")) == 1


async def test_incomplete_payloads_get_a_clear_refusal_and_nothing_breaks(slack: SlackWorld):
    body = "command=%2Faws&text=efs&team_id=T1&response_url=" + slack.fake.response_url("nouser")
    refused = await slack.driver.send(body, "application/x-www-form-urlencoded")
    assert refused.status == 200
    assert refused.json() == {
        "response_type": "ephemeral",
        "text": slack.t("slack.incomplete", missing="user_id, channel_id"),
    }

    payload = {
        "type": "block_actions",
        "user": {"id": "U1"},
        "actions": [],
        "response_url": slack.fake.response_url("x"),
    }
    no_action = await slack.driver.send_payload(payload)
    no_channel = await slack.driver.send_payload(
        {"type": "block_actions", "user": {"id": "U1"}, "actions": [{"action_id": "answer:0", "value": "1:0"}]}
    )
    await slack.settle()
    assert (no_action.status, no_channel.status) == (200, 200)
    [notice] = slack.fake.responses_to("x")
    assert notice["text"] == slack.t("slack.incomplete", missing="actions, channel.id")

    still = await slack.run("/aws efs", "U1", key="after")  # the bot carries on
    assert still and still[0]["blocks"][0]["text"]["text"].startswith("Amazon EFS")


async def test_any_command_reaches_the_router(slack: SlackWorld):
    [stats] = await slack.run("/stats", "U1", key="stats")
    assert stats["text"].startswith("📊")
    [unknown] = await slack.run("/frobnicate", "U1", key="frob")
    assert unknown["text"].startswith(slack.t("router.unknown_command", name="frobnicate", commands="").split(":")[0])


async def test_a_button_with_a_bare_action_id_also_works(slack: SlackWorld):
    """DESIGN's `answer` without the index suffix (as another client might send) is understood too."""
    await slack.run("/studybot post-now", ADMIN, key="post")
    post, question = await slack.todays_post()
    [message] = slack.fake.channel_messages()
    payload = slack.driver.click_payload(message, "answer:0", "U2", key="bare")
    payload["actions"][0]["action_id"] = "answer"
    payload["actions"][0]["value"] = f"{post.id}:{encode_choice(question.answer)}"
    await slack.driver.send_payload(payload)
    await slack.settle()
    [reply] = slack.fake.responses_to("bare")
    assert slack.t("quiz.correct_points", points=13) in reply["blocks"][0]["text"]["text"]


async def test_a_share_in_a_channel_without_the_bot_falls_back_to_the_response_url(slack: SlackWorld):
    [card] = await slack.run("/aws s3", "U1", key="card")
    slack.fake.fail("chat.postMessage", "not_in_channel")
    await slack.click(as_message(card), "share:0", "U1", key="share")
    [shared] = slack.fake.responses_to("share")
    assert shared["response_type"] == "in_channel" and shared["blocks"][0]["text"]["text"].startswith("Amazon S3")


async def test_unreadable_bodies_are_refused_without_a_server_error(slack: SlackWorld):
    form = "application/x-www-form-urlencoded"
    not_json = await slack.driver.send("payload=not-json", form)
    not_object = await slack.driver.send("[]", "application/json")
    odd_event = await slack.driver.send(
        '{"type": "event_callback", "event_id": "E1", "event": "x"}', "application/json"
    )
    unsigned = await slack.driver.send("payload=not-json", form, signature="v0=" + "1" * 64)
    assert [r.status for r in (not_json, not_object, odd_event, unsigned)] == [400, 400, 400, 401]
    await slack.settle()
    assert slack.fake.calls == []
