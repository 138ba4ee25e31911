"""Reporting a question on Slack (the real slack-bolt app, the fake Slack): the button opens a modal
(views.open), its submission is stored and thanked privately, a refused field is shown under it."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace

from bot.app import run_slack
from bot.core.choices import encode_choice
from bot.core.reports import NOTE_LIMIT
from tests.fakes.slack import FakeSlack, Message
from tests.fakes.slack_driver import buttons, text_of
from tests.fakes.slack_modals import envelope, metadata, submission
from tests.integration.slack_harness import ADMIN, SlackWorld, until


async def revealed(slack: SlackWorld) -> tuple[Message, str]:
    """Today's post, answered and revealed: the channel message and its question's id."""
    await slack.run("/studybot post-now", ADMIN, key="post")
    post, question = await slack.todays_post()
    [message] = slack.fake.channel_messages()
    right = next(
        b["action_id"] for b in buttons(message.blocks) if b["value"] == f"{post.id}:{encode_choice(question.answer)}"
    )
    await slack.click(message, right, "U1", key="answer")
    await slack.run("/studybot close-now", ADMIN, key="close")
    return message, question.id


async def submit(slack: SlackWorld, payload: dict) -> dict:
    sent = await slack.driver.send_payload(payload)
    assert sent.status == 200, sent.text
    await slack.settle()
    return sent.json()


async def test_the_reveal_button_opens_a_modal_and_the_submission_is_stored_and_thanked(slack: SlackWorld):
    message, question_id = await revealed(slack)
    [report_button] = buttons(message.blocks)
    assert report_button["text"]["text"] == "⚑ 신고" and report_button["value"] == question_id
    assert await slack.click(message, report_button["action_id"], "U2", key="report") == []  # a modal, not a message
    [view] = slack.fake.views
    [call] = slack.fake.calls_to("views.open")
    assert call.args["trigger_id"].endswith(".trigger")  # the click's own trigger
    assert view["callback_id"] == f"report:{question_id}" and view["title"]["text"] == "문제 신고"
    assert metadata(view) == {"channel": "C1", "response_url": slack.fake.response_url("report")}
    context, reason, note = view["blocks"]
    assert question_id in context["elements"][0]["text"]
    assert (reason["block_id"], reason["optional"], reason["element"]["type"]) == ("reason", False, "static_select")
    assert [o["value"] for o in reason["element"]["options"]] == ["wrong", "unclear", "outdated", "typo"]
    assert reason["element"]["options"][0]["text"]["text"] == "정답이 틀림"
    assert (note["block_id"], note["optional"], note["element"]["type"]) == ("note", True, "plain_text_input")
    assert note["element"]["max_length"] == NOTE_LIMIT

    ack = await submit(slack, submission(slack.fake, view, "U2", reason="wrong", note="정답은 B입니다"))
    assert ack == {}  # the modal closes
    [thanks] = slack.fake.responses_to("report")  # privately, through the click's response_url
    assert thanks["response_type"] == "ephemeral" and "신고 #1" in text_of(thanks["blocks"])
    [stored] = await slack.core.store.reports()
    assert (stored.user_id, stored.user_name, stored.reason, stored.note) == ("U2", "Minseo", "wrong", "정답은 B입니다")
    assert (stored.platform, stored.team_id, stored.channel_id, stored.question_id) == (
        "slack",
        "T1",
        "C1",
        question_id,
    )

    [listing] = await slack.run("/studybot reports", ADMIN, key="list")
    assert "#1" in text_of(listing["blocks"]) and "Minseo" in text_of(listing["blocks"])
    [refused] = await slack.run("/studybot reports close 1", "U2", key="refused")
    assert slack.t("admin.not_admin", command="/studybot reports") in text_of(refused["blocks"])
    [closed] = await slack.run("/studybot reports close 1", ADMIN, key="closed")
    assert slack.t("report.closed", id=1, question=question_id) in text_of(closed["blocks"])


async def test_a_refused_field_is_shown_under_it_and_nothing_is_stored(slack: SlackWorld):
    [practice] = await slack.run("/quiz efs", "U3", key="quiz")
    question_id = buttons(practice["blocks"])[0]["value"].partition(":")[0]
    await slack.click(Message("C1", "0.0", "", practice["blocks"]), buttons(practice["blocks"])[0]["action_id"], "U3")
    [result] = slack.fake.responses_to("click")
    result_message = Message("C1", "0.0", "", result["blocks"])
    report_id = next(b["action_id"] for b in buttons(result["blocks"]) if b["action_id"].startswith("report:"))
    await slack.click(result_message, report_id, "U3", key="report")
    [view] = slack.fake.views

    forged = await submit(slack, submission(slack.fake, view, "U3", reason="spam"))
    assert forged["response_action"] == "errors" and "'spam'" in forged["errors"]["reason"]
    long = await submit(slack, submission(slack.fake, view, "U3", reason="typo", note="x" * (NOTE_LIMIT + 1)))
    assert set(long["errors"]) == {"note"} and str(NOTE_LIMIT) in long["errors"]["note"]
    assert await slack.core.store.reports(None) == []
    assert slack.fake.responses_to("report") == []  # the modal stayed open: nothing else was said

    gone = dict(view, callback_id="report:no-such-question")
    ack = await submit(slack, submission(slack.fake, gone, "U3", reason="typo"))
    assert ack == {}  # not about a field: the modal closes, the reason follows privately
    [notice] = slack.fake.responses_to("report")
    assert slack.t("report.unknown_question") in text_of(notice["blocks"])

    broken = submission(slack.fake, view, "U3", reason="typo")
    broken["view"]["private_metadata"] = "not json"
    assert await submit(slack, broken) == {}
    assert await slack.core.store.reports(None) == []
    assert (await submit(slack, submission(slack.fake, view, "U3", reason="typo"))) == {}
    [stored] = await slack.core.store.reports()
    assert stored.question_id == question_id and stored.reason == "typo"


async def test_a_modal_that_cannot_open_in_time_says_to_press_again(slack: SlackWorld):
    message, _ = await revealed(slack)
    slack.fake.fail("views.open", "expired_trigger_id")
    [notice] = await slack.click(message, buttons(message.blocks)[0]["action_id"], "U4", key="late")
    assert slack.t("report.late") in text_of(notice["blocks"]) and notice["response_type"] == "ephemeral"
    assert slack.fake.views == []


async def test_socket_mode_acks_a_submission_with_its_verdict(fixture_settings, fake: FakeSlack):
    settings = replace(
        fixture_settings,
        secrets={"SLACK_BOT_TOKEN": "xoxb-sock", "SLACK_APP_TOKEN": "xapp-sock"},
        slack={"api_url": fake.api_url, "http_host": "127.0.0.1", "admins": []},
    )
    stop = asyncio.Event()
    running = asyncio.create_task(run_slack(settings, None, stop=stop))
    await asyncio.wait_for(fake.connected.wait(), 10)
    view = {
        "type": "modal",
        "callback_id": "report:efs-001",
        "private_metadata": json.dumps({"channel": "C1", "response_url": fake.response_url("sock")}),
        "title": {"type": "plain_text", "text": "Report"},
        "blocks": [
            {"type": "input", "block_id": "reason", "label": {"type": "plain_text", "text": "Reason"},
             "element": {"type": "static_select", "action_id": "reason",
                         "options": [{"text": {"type": "plain_text", "text": "Typo"}, "value": "typo"}]}},
            {"type": "input", "block_id": "note", "label": {"type": "plain_text", "text": "Note"},
             "element": {"type": "plain_text_input", "action_id": "note"}},
        ],
    }  # fmt: skip

    bad = envelope(submission(fake, view, "U1", reason="nonsense"))
    await fake.send_envelope(bad)
    ack = await asyncio.wait_for(fake.socket_acks.get(), 10)
    assert ack["envelope_id"] == bad["envelope_id"] and ack["payload"]["response_action"] == "errors"
    assert "'nonsense'" in ack["payload"]["errors"]["reason"]

    good = envelope(submission(fake, view, "U1", reason="typo", note="'recieve' in B"))
    await fake.send_envelope(good)
    ack = await asyncio.wait_for(fake.socket_acks.get(), 10)
    assert ack["envelope_id"] == good["envelope_id"] and "response_action" not in (ack.get("payload") or {})
    await until(lambda: fake.responses_to("sock"))
    [thanks] = fake.responses_to("sock")
    assert "#1" in text_of(thanks["blocks"]) and thanks["response_type"] == "ephemeral"
    stop.set()
    assert await asyncio.wait_for(running, 10) == 0
