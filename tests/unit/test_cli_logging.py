"""Our own INFO lines by default, -v our debug lines (never the SDKs': they log response_urls and
interaction tokens), -q warnings only."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from bot.cli import _configure_logging

SDK_LOGGERS = ("slack_sdk.webhook.async_client", "slack_sdk.web.async_base_client", "slack_bolt", "discord.http")


@pytest.fixture
def levels() -> Iterator[None]:
    names = ("", "bot", *SDK_LOGGERS)
    saved = {name: logging.getLogger(name).level for name in names}
    for name in SDK_LOGGERS:  # as in a fresh process (other tests' caplog leaves levels on bolt's loggers)
        logging.getLogger(name).setLevel(logging.NOTSET)
    yield
    for name, level in saved.items():
        logging.getLogger(name).setLevel(level)


def test_verbose_is_debug_for_the_bot_only(levels):
    _configure_logging(verbose=True)
    assert logging.getLogger("bot.platforms.slack.app").isEnabledFor(logging.DEBUG)
    for name in SDK_LOGGERS:
        assert not logging.getLogger(name).isEnabledFor(logging.INFO), name


def test_by_default_our_info_lines_show_and_the_sdks_stay_quiet(levels):
    _configure_logging(verbose=False)
    assert logging.getLogger("bot.schedule").isEnabledFor(logging.INFO)
    assert not logging.getLogger("bot.schedule").isEnabledFor(logging.DEBUG)
    for name in SDK_LOGGERS:
        assert not logging.getLogger(name).isEnabledFor(logging.INFO), name


def test_quiet_is_warnings_only(levels):
    _configure_logging(verbose=False, quiet=True)
    assert not logging.getLogger("bot.app").isEnabledFor(logging.INFO)
    assert logging.getLogger("bot.app").isEnabledFor(logging.WARNING)
    for name in SDK_LOGGERS:
        assert not logging.getLogger(name).isEnabledFor(logging.DEBUG), name


@pytest.mark.parametrize(
    ("argv", "verbose", "quiet"),
    [
        (["-q", "console"], False, True),
        (["console", "-q"], False, True),
        (["console", "--verbose"], True, False),
        (["-v", "content", "check"], True, False),
        (["content", "check"], False, False),
        (["db", "check", "-q"], False, True),
        (["slack", "manifest", "-q"], False, True),
    ],
)
def test_quiet_and_verbose_work_before_or_after_the_command(argv, verbose, quiet):
    from bot.cli import build_parser

    args = build_parser().parse_args(argv)
    assert (args.verbose, args.quiet) == (verbose, quiet)


def test_quiet_and_verbose_together_are_refused(capsys):
    from bot.cli import build_parser

    with pytest.raises(SystemExit) as refused:
        build_parser().parse_args(["console", "-q", "-v"])
    assert refused.value.code == 2 and "not allowed with" in capsys.readouterr().err
