"""The Slack adapter under the conditions a review found: no auth.test, odd response_url answers,
mentions of other members, payloads bolt cannot read, a slow users.info, and retries."""

from __future__ import annotations

from typing import Any

from bot.core.choices import encode_choice
from bot.core.models import Reply
from tests.fakes.slack_driver import as_message, buttons, text_of
from tests.integration.slack_harness import ADMIN, CHANNEL, SlackWorld, until

LONG = "\n".join(f"part {i} " + "x" * 2900 for i in range(60))  # 60 sections: two messages of <= 50 blocks


async def test_commands_run_without_auth_test_which_is_never_called_per_request(slack: SlackWorld):
    slack.fake.fail_always("auth.test", "unknown_method")  # a Slack (or a proxy) without auth.test
    [card] = await slack.run("/aws efs", "U1", key="one")
    [again] = await slack.run("/aws s3", "U2", key="two")
    assert card["blocks"][0]["text"]["text"].startswith("Amazon EFS")
    assert again["blocks"][0]["text"]["text"].startswith("Amazon S3")
    assert slack.fake.calls_to("auth.test", ok_only=False) == []


async def test_a_response_url_answering_204_is_taken_and_not_sent_again(slack: SlackWorld):
    slack.fake.respond_with("aws", 204)
    [card] = await slack.run("/aws efs", "U1", key="aws")
    assert card["blocks"][0]["text"]["text"].startswith("Amazon EFS")
    assert slack.fake.ephemerals == []  # no second copy by chat.postEphemeral


async def test_a_long_reply_falls_back_only_for_the_messages_the_response_url_did_not_take(slack: SlackWorld):
    async def long(ctx: Any, args: str) -> Reply:
        return Reply(body=LONG)

    slack.core.router.features["cards"].command = long  # /aws answers with a reply of 60 sections
    slack.fake.respond_with("aws", 201, 500)  # the first message taken, the second refused
    [first] = await slack.run("/aws long", "U1", key="aws")
    [rest] = slack.fake.ephemerals
    assert len(first["blocks"]) == 50 and "part 0 " in text_of(first["blocks"])
    assert rest["user"] == "U1" and len(rest["blocks"]) == 10 and "part 59 " in text_of(rest["blocks"])
    assert "part 0 " not in text_of(rest["blocks"])


async def test_a_mention_keeps_the_member_it_names(slack: SlackWorld):
    await slack.run("/aws efs", "U2", key="known")  # Minseo has used the bot
    event = {"type": "app_mention", "user": "U1", "text": "<@UBOT> stats <@U2>", "channel": "C1", "ts": "1.1"}
    assert (await slack.driver.event(event, "EvStats")).status == 200
    await slack.settle()
    [stats] = slack.fake.ephemerals
    assert stats["user"] == "U1"
    assert slack.t("stats.title", name="Minseo") in text_of(stats["blocks"])


async def test_a_view_submission_bolt_cannot_read_is_refused_cleanly(slack: SlackWorld):
    for payload in (
        {"type": "view_submission", "user": {"id": "U1"}, "view": {"id": "V1", "callback_id": "x"}},
        {"type": "workflow_step_edit", "user": {"id": "U1"}, "callback_id": "x"},
    ):
        sent = await slack.driver.send_payload(payload)
        assert sent.status in (200, 400), (payload["type"], sent.status)
    await slack.settle()
    assert slack.fake.calls == [] and slack.fake.responses == []
    assert await slack.run("/aws efs", "U1", key="after")  # the bot carries on


async def test_a_click_does_not_wait_for_users_info(slack: SlackWorld):
    await slack.run("/studybot post-now", ADMIN, key="post")
    post, question = await slack.todays_post()
    [message] = slack.fake.channel_messages()
    [right] = [b for b in buttons(message.blocks) if b["value"] == f"{post.id}:{encode_choice(question.answer)}"]
    release = slack.fake.hold("users.info")  # rate-limited: users.info answers late
    try:
        sent = await slack.driver.click(message, right["action_id"], "U1", key="first")
        assert sent.status == 200
        await until(lambda: slack.fake.responses_to("first"), seconds=5)  # answered while users.info waits
        [reply] = slack.fake.responses_to("first")
        assert slack.t("quiz.correct_points", points=13) in reply["blocks"][0]["text"]["text"]
    finally:
        release.set()
    await slack.settle()
    answers = await slack.core.store.answers_to(post.id)
    assert [(a[0], a[1]) for a in answers] == [("U1", "Jiwoo")]  # users.info's name, once it came


async def test_admin_commands_still_ask_users_info_for_admin_rights(slack: SlackWorld):
    [refused] = await slack.run("/studybot time 10:00", "U1", key="no")
    assert refused["text"] == slack.t("admin.not_admin", command="/studybot time")
    [done] = await slack.run("/studybot setup", ADMIN, key="yes")  # a workspace admin, known only from users.info
    assert done["text"] != slack.t("admin.not_admin", command="/studybot setup")
    assert await slack.core.store.get_channel(CHANNEL) is not None


async def test_only_events_are_remembered_for_retries(slack: SlackWorld):
    await slack.run("/aws efs", "U1", key="a")
    [card] = await slack.run("/aws s3", "U1", key="b")
    await slack.click(as_message(card), "share:0", "U1", key="share")
    assert len(slack.bot.recent) == 0  # commands and clicks: Slack does not retry them
    event = {"type": "app_mention", "user": "U1", "text": "<@UBOT> aws efs", "channel": "C1", "ts": "1.1"}
    await slack.driver.event(event, "EvOnce")
    await slack.settle()
    assert len(slack.bot.recent) == 1
