"""Argument parsing only: every command is carried out by bot.app."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Callable
from datetime import date

from bot import offline
from bot.config import ConfigError, Settings, load_settings
from bot.core.content import ContentError
from bot.core.ports import StoreError

SIMULATE_DAYS = 3660  # ten years: a longer run says nothing new and takes minutes
SIMULATE_MEMBERS = 5000  # a very large team's channel; each member is a line of output a day
SIMULATE_FIRST, SIMULATE_LAST = date(1970, 1, 1), date(2999, 12, 31)  # ten years on, still a real date


def _settings(args: argparse.Namespace) -> Settings:
    return load_settings(getattr(args, "config", None), db_path=getattr(args, "db", None))


def _content_check(args: argparse.Namespace) -> int:
    return offline.content_check(_settings(args), sys.stdout, as_json=args.json, db_given=args.db is not None)


def _content_reports(args: argparse.Namespace) -> int:
    return offline.content_reports(_settings(args), sys.stdout, every=args.all, as_json=args.json)


def _content_cues(args: argparse.Namespace) -> int:
    return offline.content_cues(_settings(args), sys.stdout, args.lang)


def _lookup(args: argparse.Namespace) -> int:
    return offline.lookup(_settings(args), args.query, sys.stdout, lang=args.lang, as_json=args.json)


def _slack_manifest(args: argparse.Namespace) -> int:
    return offline.slack_manifest(sys.stdout)


def _console(args: argparse.Namespace) -> int:
    from bot.app import run_console

    settings = _settings(args)
    return asyncio.run(run_console(settings, args.user or settings.console_user, args.lang, sys.stdin, sys.stdout))


def _simulate(args: argparse.Namespace) -> int:
    from bot.simulate import SimOptions, SimulationError, run

    settings = load_settings(args.config, db_path=args.db or ":memory:")
    options = SimOptions(
        days=args.days,
        members=args.members,
        start=args.start,
        timezone=args.timezone,
        seed=args.seed,
        lang=args.lang,
    )
    try:
        return run(settings, options, sys.stdout, as_json=args.json)
    except SimulationError as exc:
        print(f"studybot: {exc}", file=sys.stderr)
        return 2


def _db_copy(args: argparse.Namespace) -> int:
    from bot.dbtools import copy

    return asyncio.run(copy(args.source, args.target, sys.stdout, sys.stderr))


def _db_check(args: argparse.Namespace) -> int:
    from bot.dbtools import check

    return asyncio.run(check(_settings(args).db_path, sys.stdout, as_json=args.json))


def _add_db(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    db = sub.add_parser("db", help="database tools: copy a team's history between databases, check one")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    copy = db_sub.add_parser(
        "copy",
        help="copy every table into an empty database (SQLite or PostgreSQL, either way) and verify it",
        description="Copy a studybot database into an empty one, in one transaction, ids kept; then compare "
        "every table (rows and a checksum). Both are migrated to this studybot's schema first. Stop every "
        "studybot using the source before copying.",
    )
    copy.add_argument("--from", dest="source", metavar="URL", required=True, help="a SQLite path or postgresql://...")
    copy.add_argument("--to", dest="target", metavar="URL", required=True, help="an empty database, the same forms")
    _add_noise(copy)
    copy.set_defaults(func=_db_copy)
    check = db_sub.add_parser("check", help="integrity, schema version, rows per table, pending outbox, open reports")
    _add_noise(check)
    check.add_argument("--config", metavar="PATH", help="a TOML file laid over config/default.toml")
    check.add_argument("--db", metavar="URL", help="a SQLite path or postgresql://... (default: the configured one)")
    check.add_argument("--json", action="store_true")
    check.set_defaults(func=_db_check)


def _count(most: int) -> Callable[[str], int]:
    """A whole number from 1 to `most`, or argparse's error naming the range."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = 0
        if not 1 <= value <= most:
            raise argparse.ArgumentTypeError(f"{text!r}: give a whole number from 1 to {most:,}")
        return value

    return parse


def _start_day(text: str) -> date:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None
    if not SIMULATE_FIRST <= day <= SIMULATE_LAST:
        raise argparse.ArgumentTypeError(f"{text!r}: give a day from {SIMULATE_FIRST} to {SIMULATE_LAST}")
    return day


def _run_discord(args: argparse.Namespace) -> int:
    from bot.app import run_discord

    return asyncio.run(run_discord(_settings(args)))


def _discord_invite_url(args: argparse.Namespace) -> int:
    from bot.app import discord_invite_url

    print(discord_invite_url(_settings(args), args.client_id))
    return 0


def _add_discord(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    run_sub: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    run_discord = run_sub.add_parser("discord", help="run on Discord (token from DISCORD_TOKEN)")
    _add_common(run_discord, db=True)
    run_discord.set_defaults(func=_run_discord)

    discord = sub.add_parser("discord", help="Discord helpers")
    discord_sub = discord.add_subparsers(dest="discord_command", required=True)
    invite = discord_sub.add_parser("invite-url", help="print the URL that adds the bot to a server")
    _add_common(invite, db=False)
    invite.add_argument("--client-id", help="the application id (default: DISCORD_CLIENT_ID)")
    invite.set_defaults(func=_discord_invite_url)


def _run_slack(args: argparse.Namespace) -> int:
    from bot.app import run_slack

    return asyncio.run(run_slack(_settings(args), args.http))


def _port(text: str) -> int:
    if not text.isascii() or not text.isdigit() or len(text) > 5 or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port (1-65535)")
    return int(text)


def _add_noise(parser: argparse.ArgumentParser, default: object = argparse.SUPPRESS) -> None:
    """-v / -q before the command or after it (`studybot console -q`): a subcommand's copy only sets them
    when given, so it never undoes the main parser's."""
    noise = parser.add_mutually_exclusive_group()
    noise.add_argument("-v", "--verbose", action="store_true", default=default, help="log debug messages")
    noise.add_argument("-q", "--quiet", action="store_true", default=default, help="log only warnings and errors")


def _add_common(parser: argparse.ArgumentParser, *, db: bool) -> None:
    _add_noise(parser)
    parser.add_argument("--config", metavar="PATH", help="a TOML file laid over config/default.toml")
    if db:
        parser.add_argument("--db", metavar="PATH", help="the SQLite database (default: data/studybot.db)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="studybot", description="An AWS certification study bot")
    parser.add_argument("--version", action="version", version=f"studybot {version()}")
    _add_noise(parser, default=False)
    sub = parser.add_subparsers(dest="command", required=True)

    console = sub.add_parser("console", help="a channel in this terminal (no tokens needed)")
    _add_common(console, db=True)
    console.add_argument("--user", help="your name in the channel")
    console.add_argument("--lang", choices=("ko", "en"), help="your language, and a new console channel's")
    console.set_defaults(func=_console)

    lookup = sub.add_parser("lookup", help="print the card for an AWS service or concept")
    _add_common(lookup, db=False)
    lookup.add_argument("query")
    lookup.add_argument("--json", action="store_true")
    lookup.add_argument("--lang", choices=("ko", "en"), default="ko")
    lookup.set_defaults(func=_lookup)

    simulate = sub.add_parser(
        "simulate", help="run the schedule on a virtual clock with simulated members; print what the channel gets"
    )
    _add_common(simulate, db=True)
    simulate.add_argument(
        "--days", type=_count(SIMULATE_DAYS), default=14, help="how many days to simulate (default 14, at most 3,660)"
    )
    simulate.add_argument(
        "--members", type=_count(SIMULATE_MEMBERS), default=5, help="simulated members (default 5, at most 5,000)"
    )
    simulate.add_argument("--start", type=_start_day, help="first day, YYYY-MM-DD (default: this week's Monday)")
    simulate.add_argument("--timezone", help="the channel's time zone (default: the configured default)")
    simulate.add_argument("--seed", type=int, default=1, help="random seed: the same seed, the same run")
    simulate.add_argument("--lang", choices=("ko", "en"), help="the channel's language")
    simulate.add_argument("--json", action="store_true", help='one {"at", "kind", "text"} object per line')
    simulate.set_defaults(func=_simulate)

    run = sub.add_parser("run", help="connect the bot to a chat platform")
    run_sub = run.add_subparsers(dest="platform", required=True)
    slack = run_sub.add_parser(
        "slack",
        help="run on Slack: Socket Mode (SLACK_BOT_TOKEN, SLACK_APP_TOKEN) "
        "or HTTP mode with --http (SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET)",
    )
    _add_common(slack, db=True)
    slack.add_argument(
        "--http", metavar="PORT", type=_port, help="serve HTTP on PORT (/slack/events, /healthz) instead of Socket Mode"
    )
    slack.set_defaults(func=_run_slack)

    content = sub.add_parser("content", help="work with the question bank")
    content_sub = content.add_subparsers(dest="content_command", required=True)
    check = content_sub.add_parser(
        "check", help="validate content/; questions with open reports are warnings (read from the database)"
    )
    _add_common(check, db=False)
    check.add_argument(
        "--db", metavar="URL", help="read open reports from this database (default: the configured one, if it exists)"
    )
    check.add_argument("--json", action="store_true")
    check.set_defaults(func=_content_check)
    reports = content_sub.add_parser(
        "reports", help="members' reports on questions, each with the question's file:line in content/"
    )
    _add_common(reports, db=False)
    reports.add_argument("--db", metavar="URL", help="a SQLite path or postgresql://... (default: the configured one)")
    reports.add_argument("--all", action="store_true", help="closed reports too")
    reports.add_argument("--json", action="store_true", help="one JSON object per report")
    reports.set_defaults(func=_content_reports)
    cues = content_sub.add_parser("cues", help="list single questions whose answer is the longest choice")
    _add_common(cues, db=False)
    cues.add_argument("--lang", choices=("ko", "en"))
    cues.set_defaults(func=_content_cues)
    _add_discord(sub, run_sub)
    _add_db(sub)
    slack_tools = sub.add_parser("slack", help="Slack helpers")
    slack_sub = slack_tools.add_subparsers(dest="slack_command", required=True)
    manifest = slack_sub.add_parser("manifest", help="print the Slack app manifest (config/slack-manifest.yaml)")
    _add_noise(manifest)
    manifest.set_defaults(func=_slack_manifest)
    return parser


def _configure_logging(verbose: bool, quiet: bool = False) -> None:
    """studybot's own INFO lines (connected, posted, revealed, board, skipped) by default; -v is DEBUG and
    -q WARNING, for our `bot` loggers only. The SDKs stay at WARNING: at DEBUG they log request URLs and
    bodies, among them Slack's response_urls (short-lived posting credentials) and Discord's interaction
    tokens (slack_sdk.webhook, discord.http)."""
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger().setLevel(logging.WARNING)
    logging.getLogger("bot").setLevel(logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO)


def version() -> str:
    import importlib.metadata  # a fifth of the CLI's imports: only --version reads it

    try:
        return importlib.metadata.version("studybot")
    except importlib.metadata.PackageNotFoundError:
        return "unknown (not installed)"


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _configure_logging(args.verbose, args.quiet)
    try:
        return int(args.func(args))
    except (ConfigError, StoreError) as exc:
        print(f"studybot: {exc}", file=sys.stderr)
        return 2
    except ContentError as exc:
        print("studybot: the question bank has faults; run `studybot content check`:", file=sys.stderr)
        print(exc, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the reader of a pipe (e.g. `| head`) stopped early: not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nothing more is flushed into it
        return 0
