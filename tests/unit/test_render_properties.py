"""Property tests: any Reply the core could build renders within Slack's and Discord's limits."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.models import Button, Field, Reply
from bot.platforms.discord import render as dr
from bot.platforms.slack import render as sr
from tests.unit.test_discord_render import check_page

text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=3000)
short = st.text(max_size=120)
fields = st.lists(st.builds(Field, name=short, value=text, inline=st.booleans()), max_size=30)
buttons = st.lists(
    st.builds(
        Button,
        label=short,
        action=st.sampled_from(["answer", "practice", "share", "card", "quiz", "review", "exam"]),
        value=st.text(alphabet="0123456789:+abcdefghij-", max_size=90),
    ),
    max_size=30,
)
replies = st.builds(
    Reply,
    body=st.one_of(text, st.text(max_size=20_000)),
    title=st.one_of(st.none(), short, st.text(min_size=200, max_size=400)),
    fields=fields.map(tuple),
    buttons=buttons.map(tuple),
    footer=st.one_of(st.none(), text),
    visibility=st.sampled_from(["private", "channel"]),
    kind=st.sampled_from(["card", "question", "result", "board", "reveal", "info"]),
)


def slack_message_fits(message: sr.SlackMessage) -> None:
    assert 0 < len(message.blocks) <= sr.BLOCKS_PER_MESSAGE
    assert len(message.text) <= sr.FALLBACK_TEXT
    action_ids: list[str] = []
    for block in message.blocks:
        if block["type"] == "section":
            if "text" in block:
                assert 0 < len(block["text"]["text"]) <= sr.SECTION_TEXT
            for field in block.get("fields", []):
                assert 0 < len(field["text"]) <= sr.FIELD_TEXT
            assert len(block.get("fields", [])) <= sr.FIELDS_PER_SECTION
        elif block["type"] == "header":
            assert 0 < len(block["text"]["text"]) <= sr.HEADER_TEXT
        elif block["type"] == "actions":
            assert 0 < len(block["elements"]) <= sr.BUTTONS_PER_BLOCK
            for element in block["elements"]:
                assert 0 < len(element["text"]["text"]) <= sr.BUTTON_TEXT
                assert len(element["value"]) <= sr.BUTTON_VALUE
                assert len(element["action_id"]) <= sr.ACTION_ID
                action_ids.append(element["action_id"])
        elif block["type"] == "context":
            assert len(block["elements"]) <= sr.CONTEXT_ELEMENTS
    assert len(action_ids) == len(set(action_ids))  # Slack refuses repeated action_ids


@settings(max_examples=200, deadline=None)
@given(reply=replies)
def test_every_reply_fits_slack_block_kit(reply: Reply):
    for message in sr.render(reply):
        slack_message_fits(message)
    slack_message_fits(sr.render_one(reply))  # an edit is one message


@settings(max_examples=200, deadline=None)
@given(reply=replies)
def test_every_reply_fits_discord(reply: Reply):
    for page in dr.render_pages(reply):
        check_page(page)
    check_page(dr.render_single(reply))
    specs = dr.button_specs(reply.buttons)
    assert len(specs) <= dr.MAX_BUTTONS
    assert all(0 < len(s.label) <= dr.BUTTON_LABEL and len(s.custom_id) <= dr.CUSTOM_ID for s in specs)
