"""Argument parsing only: every command is carried out by bot.app."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from datetime import date

from bot.config import ConfigError, Settings, load_settings
from bot.core.content import ContentError, check_bank
from bot.core.ports import StoreError


def _settings(args: argparse.Namespace) -> Settings:
    return load_settings(getattr(args, "config", None), db_path=getattr(args, "db", None))


def _content_check(args: argparse.Namespace) -> int:
    settings = _settings(args)
    bank, faults = check_bank(settings.content_path)
    for fault in faults:
        print(fault, file=sys.stderr if args.json else sys.stdout)
    if args.json:
        print(json.dumps({"ok": not faults, "faults": len(faults), **bank.stats()}, ensure_ascii=False))
    elif not faults:
        stats = bank.stats()
        print(f"ok: {stats['topics']} topics, {stats['questions']} questions")
    return 1 if faults else 0


def _content_cues(args: argparse.Namespace) -> int:
    """Each single question whose answer is the longest choice, as `file:line: ...`, for authors to fix."""
    from bot.core.content import locate_questions
    from bot.core.cues import MUCH_LONGER, longest_is_answer

    settings = _settings(args)
    bank, _ = check_bank(settings.content_path)
    where = locate_questions(settings.content_path)
    langs = (args.lang,) if args.lang else ("ko", "en")
    count = 0
    for question in sorted(bank.questions.values(), key=lambda q: where.get(q.id, ("", 0))):
        if question.kind != "single" or len(question.answer) != 1:
            continue
        hits = [lang for lang in langs if longest_is_answer(question, lang)]
        if not hits:
            continue
        count += 1
        much = [lang for lang in hits if longest_is_answer(question, lang, MUCH_LONGER)]
        file, line = where.get(question.id, ("?", 0))
        note = f" (more than 20% longer in {', '.join(much)})" if much else ""
        print(f"{file}:{line}: {question.id}: the answer is the longest choice in {', '.join(hits)}{note}")
    print(f"{count} single questions have the answer as their longest choice", file=sys.stderr)
    return 0


def _lookup(args: argparse.Namespace) -> int:
    from bot.app import load_library
    from bot.platforms.console import render_text

    library = load_library(_settings(args))
    result = library.lookup.find(args.query)
    if args.json:
        topic = result.topic
        print(
            json.dumps(
                {
                    "id": topic.id if topic else None,
                    "name": topic.name if topic else None,
                    "score": round(result.score, 1),
                    "suggestions": [{"id": t.id, "name": t.name} for t in result.suggestions],
                },
                ensure_ascii=False,
            )
        )
    elif result.topic is not None:
        print(render_text(library.views.card(result.topic, args.lang)))
    else:
        print(render_text(library.views.not_found(args.query, result.suggestions, args.lang)))
    return 0 if result.topic is not None else 1


def _console(args: argparse.Namespace) -> int:
    from bot.app import run_console

    settings = _settings(args)
    lang = args.lang or settings.console_language
    user = args.user or settings.console_user
    return asyncio.run(run_console(settings, user, lang, sys.stdin, sys.stdout))


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


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a positive number")
    return value


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _run_discord(args: argparse.Namespace) -> int:
    from bot.app import run_discord

    settings = _settings(args)
    if not args.verbose:
        logging.getLogger("bot").setLevel(logging.INFO)  # our own start/stop lines; discord.py stays quiet
    return asyncio.run(run_discord(settings))


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

    settings = _settings(args)
    if not args.verbose:
        logging.getLogger("bot").setLevel(logging.INFO)  # our own start/stop lines; the SDKs stay quiet
    return asyncio.run(run_slack(settings, args.http))


def _port(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port (1-65535)")
    return int(text)


def _add_common(parser: argparse.ArgumentParser, *, db: bool) -> None:
    parser.add_argument("--config", metavar="PATH", help="a TOML file laid over config/default.toml")
    if db:
        parser.add_argument("--db", metavar="PATH", help="the SQLite database (default: data/studybot.db)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="studybot", description="An AWS certification study bot")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    sub = parser.add_subparsers(dest="command", required=True)

    console = sub.add_parser("console", help="a channel in this terminal (no tokens needed)")
    _add_common(console, db=True)
    console.add_argument("--user", help="your name in the channel")
    console.add_argument("--lang", choices=("ko", "en"))
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
    simulate.add_argument("--days", type=_positive, default=14, help="how many days to simulate (default 14)")
    simulate.add_argument("--members", type=_positive, default=5, help="simulated members (default 5)")
    simulate.add_argument("--start", type=_day, help="first day, YYYY-MM-DD (default: this week's Monday)")
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
    check = content_sub.add_parser("check", help="validate content/")
    _add_common(check, db=False)
    check.add_argument("--json", action="store_true")
    check.set_defaults(func=_content_check)
    cues = content_sub.add_parser("cues", help="list single questions whose answer is the longest choice")
    _add_common(cues, db=False)
    cues.add_argument("--lang", choices=("ko", "en"))
    cues.set_defaults(func=_content_cues)
    _add_discord(sub, run_sub)
    return parser


def _configure_logging(verbose: bool) -> None:
    """-v is DEBUG for our `bot` loggers only. The SDKs stay at WARNING: at DEBUG they log request
    URLs and bodies, among them Slack's response_urls (short-lived posting credentials) and Discord's
    interaction tokens (slack_sdk.webhook, discord.http)."""
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger().setLevel(logging.WARNING)
    logging.getLogger("bot").setLevel(logging.DEBUG if verbose else logging.NOTSET)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _configure_logging(args.verbose)
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
