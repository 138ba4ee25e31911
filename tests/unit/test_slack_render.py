"""Reply -> Block Kit within Slack's limits; payload parsing; the member cache."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk.errors import SlackApiError

from bot.core.models import Button, Field, Reply
from bot.platforms.slack.members import MemberDirectory
from bot.platforms.slack.render import action_name, blocks_of, fallback_text, render, render_one
from bot.platforms.slack.requests import (
    ActionRequest,
    CommandRequest,
    Incomplete,
    RecentRequests,
    event_key,
    parse_action,
    parse_command,
    parse_mention,
)


def sections(blocks: list[dict[str, Any]]) -> list[str]:
    return [b["text"]["text"] for b in blocks if b["type"] == "section" and "text" in b]


def test_a_long_body_is_split_into_sections_of_at_most_3000_characters():
    body = "\n".join(f"line {i} " + "x" * 90 for i in range(100))  # about 10,000 characters
    texts = sections(blocks_of(Reply(body=body)))
    assert len(texts) >= 4 and all(len(t) <= 3000 for t in texts)
    assert "\n".join(texts) == body


def test_a_line_without_breaks_is_cut_and_escaping_counts_towards_the_limit():
    texts = sections(blocks_of(Reply(body="&" * 4000)))  # each & becomes &amp; (5 characters)
    assert all(len(t) <= 3000 for t in texts)
    assert "".join(texts) == "&amp;" * 4000


def test_user_text_cannot_mention_everyone_and_bold_becomes_slack_bold():
    [text] = sections(blocks_of(Reply(body="**Hi** <!channel> & <@U1>")))
    assert text == "*Hi* &lt;!channel&gt; &amp; &lt;@U1&gt;"


def test_buttons_fit_slack_limits_with_unique_action_ids():
    long_label = "L" * 100
    buttons = tuple(Button(long_label if i == 0 else f"{i}", "answer", f"7:{i}", "primary") for i in range(30))
    actions = [b for b in blocks_of(Reply(body="q", buttons=buttons)) if b["type"] == "actions"]
    assert [len(a["elements"]) for a in actions] == [25, 5]
    ids = [e["action_id"] for a in actions for e in a["elements"]]
    assert ids == [f"answer:{i}" for i in range(30)] and len({a["block_id"] for a in actions}) == 2
    first = actions[0]["elements"][0]
    assert len(first["text"]["text"]) == 75 and first["style"] == "primary" and first["value"] == "7:0"


def test_secondary_buttons_have_no_style_and_an_empty_label_is_never_sent():
    [actions] = [b for b in blocks_of(Reply(body="q", buttons=(Button("", "share", "efs"),))) if b["type"] == "actions"]
    assert "style" not in actions["elements"][0] and actions["elements"][0]["text"]["text"]


@pytest.mark.parametrize(
    ("action_id", "action"), [("answer:3", "answer"), ("answer", "answer"), ("quiz-topic:12", "quiz-topic")]
)
def test_the_router_action_comes_from_the_action_id(action_id: str, action: str):
    assert action_name(action_id) == action


def test_a_long_title_is_not_cut_into_a_header():
    blocks = blocks_of(Reply(title="T" * 200, body="b"))
    assert blocks[0]["type"] == "section" and "T" * 200 in blocks[0]["text"]["text"]
    assert blocks_of(Reply(title="Short", body="b"))[0]["type"] == "header"


def test_fields_are_grouped_ten_to_a_section_and_long_ones_get_their_own():
    fields = (*(Field(f"n{i}", f"v{i}", inline=True) for i in range(12)), Field("big", "y" * 2500, inline=True))
    blocks = blocks_of(Reply(body="", fields=fields))
    grouped = [b for b in blocks if "fields" in b]
    assert [len(b["fields"]) for b in grouped] == [10, 2]
    assert all(len(f["text"]) <= 2000 for b in grouped for f in b["fields"])
    assert sections(blocks) == ["*big*\n" + "y" * 2500]


def test_more_than_fifty_blocks_become_several_messages_and_an_edit_is_cut_to_one():
    fields = tuple(Field(f"field {i}", "value") for i in range(70))
    reply = Reply(title="Many", body="b", fields=fields, footer="foot")
    messages = render(reply)
    assert [len(m.blocks) for m in messages] == [50, 23]
    assert messages[0].text.startswith("Many")
    assert len(render_one(reply).blocks) == 50


def test_an_empty_reply_still_has_a_block_and_the_text_is_bounded():
    assert render(Reply(body=""))[0].blocks
    assert len(fallback_text(Reply(body="z" * 10_000))) <= 3000


# --- payloads -----------------------------------------------------------------------------------


def test_a_slash_command_is_read_from_its_form_fields():
    body = {
        "command": "/aws",
        "text": "efs",
        "user_id": "U1",
        "user_name": "jiwoo",
        "channel_id": "C1",
        "team_id": "T1",
    }
    request = parse_command(body | {"response_url": "https://hooks.slack.com/commands/x"})
    assert isinstance(request, CommandRequest)
    assert (request.name, request.text, request.origin.team_id) == ("aws", "efs", "T1")
    missing = parse_command({"command": "/aws", "channel_id": 5})
    assert isinstance(missing, Incomplete) and missing.missing == ("user_id", "channel_id")


def test_a_click_takes_its_channel_from_the_container_when_channel_is_absent():
    body = {
        "type": "block_actions",
        "user": {"id": "U1", "username": "jiwoo", "team_id": "T9"},
        "container": {"channel_id": "C5", "message_ts": "1.2"},
        "actions": [{"action_id": "answer:1", "value": "4:1"}],
    }
    request = parse_action(body)
    assert isinstance(request, ActionRequest)
    assert (request.action, request.value, request.origin.channel_id, request.origin.team_id) == (
        "answer",
        "4:1",
        "C5",
        "T9",
    )
    assert isinstance(parse_action({"type": "block_actions", "actions": "no"}), Incomplete)


def test_a_mention_is_a_command():
    body = {"team_id": "T1", "event": {"type": "app_mention", "user": "U1", "channel": "C1", "text": "<@UBOT> quiz s3"}}
    request = parse_mention(body)
    assert isinstance(request, CommandRequest) and (request.name, request.text) == ("quiz", "s3")
    bare = parse_mention(body | {"event": body["event"] | {"text": "<@UBOT>"}})
    assert isinstance(bare, CommandRequest) and (bare.name, bare.text) == ("studybot", "help")


def test_a_mention_turns_other_mentions_into_user_ids_and_unescapes_the_text():
    def said(text: str) -> tuple[str, str]:
        event = {"type": "app_mention", "user": "U1", "channel": "C1", "text": text}
        request = parse_mention({"team_id": "T1", "event": event})
        assert isinstance(request, CommandRequest)
        return request.name, request.text

    assert said("<@UBOT> stats <@U2>") == ("stats", "U2")
    assert said("<@UBOT|studybot> stats <@U2|minseo>") == ("stats", "U2")
    assert said("<@UBOT> aws a &lt;b&gt; &amp;lt; c&amp;d") == ("aws", "a <b> &lt; c&d")


def test_recent_requests_remember_keys_for_a_while():
    now = [0.0]
    recent = RecentRequests(ttl=10, now=lambda: now[0])
    key = event_key({"event_id": "Ev1", "event": {"x": 1}})
    assert key is not None and key == event_key({"event_id": "Ev1", "event": {"x": 2}})  # a retry: the same event
    assert recent.first_time(key) and not recent.first_time(key)
    now[0] = 11
    assert recent.first_time(key)
    assert event_key({"command": "/aws", "text": "efs"}) is None  # commands and clicks have no key


# --- members ------------------------------------------------------------------------------------


class UsersInfo:
    def __init__(self) -> None:
        self.calls = 0
        self.users: dict[str, dict[str, Any]] = {
            "U1": {"id": "U1", "name": "jiwoo", "profile": {"display_name": "", "real_name": "Kim Jiwoo"}},
            "U2": {"id": "U2", "name": "boss", "is_owner": True, "profile": {"display_name": "Boss"}},
        }

    async def users_info(self, user: str) -> dict[str, Any]:
        self.calls += 1
        if user not in self.users:
            raise SlackApiError("user_not_found", {"ok": False, "error": "user_not_found"})
        return {"ok": True, "user": self.users[user]}


async def test_members_are_named_as_slack_shows_them_and_cached():
    now = [0.0]
    client = UsersInfo()
    directory = MemberDirectory(client, admins=["U3"], ttl=60, now=lambda: now[0])  # type: ignore[arg-type]
    first = await directory.member("U1", "jiwoo")
    assert (first.name, first.is_admin) == ("Kim Jiwoo", False)
    assert (await directory.member("U2")).is_admin  # a workspace owner
    await directory.member("U1")
    assert client.calls == 2
    now[0] = 61
    await directory.member("U1")
    assert client.calls == 3


async def test_without_users_info_only_config_admins_are_admins():
    directory = MemberDirectory(UsersInfo(), admins=["U3"])  # type: ignore[arg-type]
    listed = await directory.member("U3", "seojun")
    stranger = await directory.member("U4", "")
    assert (listed.name, listed.is_admin) == ("seojun", True)
    assert (stranger.name, stranger.is_admin) == ("U4", False)
