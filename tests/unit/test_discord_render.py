"""Replies become Discord messages that fit every limit Discord enforces."""

from __future__ import annotations

from bot.core.models import Button, Field, Reply
from bot.platforms.discord import render as r


def check_embed(embed) -> None:
    assert len(embed.title or "") <= r.EMBED_TITLE
    assert len(embed.description or "") <= r.EMBED_DESCRIPTION
    assert len(embed.fields) <= r.EMBED_FIELDS
    for field in embed.fields:
        assert 0 < len(field.name) <= r.FIELD_NAME and 0 < len(field.value) <= r.FIELD_VALUE
    assert len(embed.footer.text or "") <= r.EMBED_FOOTER
    assert len(embed) <= r.EMBED_TOTAL


def check_page(page: r.Page) -> None:
    assert page.content or page.embeds
    assert len(page.content or "") <= r.MESSAGE_CONTENT
    assert len(page.embeds) <= r.EMBEDS_PER_MESSAGE
    assert sum(len(e) for e in page.embeds) <= r.EMBED_TOTAL
    for embed in page.embeds:
        check_embed(embed)


HUGE = Reply(
    title="T" * 400,
    body="\n\n".join(f"Paragraph {i}: " + "word " * 300 for i in range(12)),
    fields=tuple(Field(f"Field {i} " + "n" * 300, "line of text\n" * 200) for i in range(30)),
    footer="f" * 3000,
    kind="card",
)


def test_a_huge_reply_is_split_into_messages_within_every_limit():
    pages = r.render_pages(HUGE)
    assert len(pages) > 1
    for page in pages:
        check_page(page)
    text = " ".join((e.description or "") for p in pages for e in p.embeds)
    assert "Paragraph 0:" in text and "Paragraph 11:" in text  # nothing lost
    values = [f.value for p in pages for e in p.embeds for f in e.fields]
    assert sum(v.count("line of text") for v in values) == 30 * 200
    assert pages[0].embeds[0].title.endswith(r.ELLIPSIS)
    assert pages[-1].embeds[-1].footer.text.endswith(r.ELLIPSIS)


def test_an_edit_squeezes_the_reply_into_one_message():
    page = r.render_single(HUGE)
    check_page(page)
    assert len(page.embeds) == 1


def test_a_short_untitled_reply_is_plain_text_and_long_text_is_split_at_lines():
    assert r.render_pages(Reply(body="Nothing matches.", kind="error")) == [r.Page(content="Nothing matches.")]
    lines = "\n".join(f"line {i:04d} " + "x" * 40 for i in range(200))
    pages = r.render_pages(Reply(body=lines, footer="shown once"))
    assert len(pages) > 1
    for page in pages:
        check_page(page)
        assert page.content.startswith("line ")  # every chunk starts at a line
    assert pages[-1].content.endswith("-# shown once")
    single = r.render_single(Reply(body=lines)).content
    assert len(single) <= r.MESSAGE_CONTENT and single.endswith(r.ELLIPSIS)


def test_split_text_cuts_hard_only_when_there_is_no_break():
    assert r.split_text("a" * 25, 10) == ["a" * 10, "a" * 10, "a" * 5]
    assert r.split_text("alpha beta gamma delta", 12) == ["alpha beta", "gamma delta"]
    assert r.split_text("  ", 10) == []


def test_buttons_fit_discord_and_keep_their_action_and_value():
    buttons = (
        Button("A", "answer", "12:0", style="primary"),
        Button("L" * 200, "answer", "12:1"),
        Button("dup", "answer", "12:0"),  # the same custom_id twice is refused by Discord
        Button("far too long", "card", "x" * 120),
        *(Button(f"B{i}", "card", f"topic-{i}") for i in range(40)),
    )
    specs = r.button_specs(buttons)
    assert len(specs) == r.MAX_BUTTONS
    assert specs[0].custom_id == "answer:12:0" and specs[0].style.name == "primary"
    assert len(specs[1].label) == r.BUTTON_LABEL and specs[1].label.endswith(r.ELLIPSIS)
    ids = [s.custom_id for s in specs]
    assert len(set(ids)) == len(ids) and all(len(i) <= r.CUSTOM_ID for i in ids)
    for spec in specs:
        match = r.CUSTOM_ID_RE.fullmatch(spec.custom_id)
        assert match is not None and (match["action"], match["value"]) == (spec.action, spec.value)


def test_custom_ids_that_are_not_ours_do_not_match_the_buttons_template():
    assert r.CUSTOM_ID_RE.fullmatch("answer:7:0+2") is not None
    for forged in ("", "garbage", "ANSWER:1:0", ":1:0", "answer:1\n:0", "a" * 40 + ":1"):
        assert r.CUSTOM_ID_RE.fullmatch(forged) is None, forged


def test_a_reveal_thread_is_named_after_its_first_titled_reply():
    explanation = Reply(body="why", title="💡 Explanation " + "e" * 200)
    name = r.thread_name(Reply(body="", title="Revealed", thread=(explanation,)))
    assert name.startswith("💡 Explanation") and len(name) <= r.THREAD_NAME


def test_command_descriptions_fit_discord_in_both_languages():
    from bot.core.commands import walk
    from bot.core.i18n import Catalog

    catalog = Catalog.load()
    for lang in ("ko", "en"):
        keys = [k for k in catalog.keys(lang) if k.startswith("command.")]
        assert len(keys) >= sum(1 + len(c.options) for _, c in walk())
        for key in keys:
            assert 1 <= len(catalog.t(lang, key)) <= 100, key


async def test_sent_buttons_are_dynamic_items_so_clicks_arrive_after_a_restart_too():
    from bot.platforms.discord.buttons import ActionButton, build_view

    view = build_view(r.button_specs((Button("A", "answer", "12:0"), Button("B", "share", "efs"))))
    assert view is not None and view.timeout is None
    assert all(isinstance(item, ActionButton) for item in view.children)  # matched by template, not by message
    assert [(c["custom_id"], c["label"]) for row in view.to_components() for c in row["components"]] == [
        ("answer:12:0", "A"),
        ("share:efs", "B"),
    ]
    assert build_view([]) is None
