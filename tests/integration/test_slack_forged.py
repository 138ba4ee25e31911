"""Clicks nobody should be able to score with: forged post ids, another channel's post, wrong types."""

from __future__ import annotations

from bot.core.choices import encode_choice
from tests.integration.slack_harness import ADMIN, SlackWorld


async def test_forged_foreign_and_mistyped_clicks_are_refused_and_store_nothing(slack: SlackWorld):
    await slack.run("/studybot post-now", ADMIN, key="post")
    post, question = await slack.todays_post()
    [message] = slack.fake.channel_messages()
    right = f"{post.id}:{encode_choice(question.answer)}"

    def click(key: str, **change: object) -> dict:
        payload = slack.driver.click_payload(message, "answer:0", "U1", key=key)
        action = payload["actions"][0]
        for field, value in change.items():
            if field == "channel":
                payload["channel"] = {"id": value, "name": "other"}
                payload["container"]["channel_id"] = value
            else:
                action[field] = value
        return payload

    cases = {
        "forged": click("forged", value=f"{post.id + 1000}:0"),
        "negative": click("negative", value="-1:0"),
        "huge": click("huge", value="9" * 500 + ":0"),
        "foreign": click("foreign", value=right, channel="C2"),
        "number": click("number", value=12345),
        "list": click("list", value=["1", "0"]),
        "no-choice": click("no-choice", value=f"{post.id}:"),
        "bad-choice": click("bad-choice", value=f"{post.id}:7"),
    }
    for key, payload in cases.items():
        sent = await slack.driver.send_payload(payload)
        assert sent.status == 200, key
    await slack.settle()
    for key in cases:
        replies = slack.fake.responses_to(key) + [e for e in slack.fake.ephemerals if e.get("key") == key]
        assert replies, f"{key}: no reply"
        assert "✅" not in str(replies), key
    assert await slack.core.store.answers_to(post.id) == []  # nothing scored
    [still] = await slack.click(message, "answer:0", "U2", key="real")  # and a real click still works
    assert still["response_type"] == "ephemeral"
    assert len(await slack.core.store.answers_to(post.id)) == 1
