"""Argument parsing only: every command is carried out by bot.app."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bot.core.content import check_bank


def _content_check(args: argparse.Namespace) -> int:
    root = Path(args.content) if args.content else Path(__file__).resolve().parent.parent / "content"
    bank, faults = check_bank(root)
    for fault in faults:
        print(fault, file=sys.stderr if args.json else sys.stdout)
    if args.json:
        print(json.dumps({"ok": not faults, "faults": len(faults), **bank.stats()}, ensure_ascii=False))
    elif not faults:
        stats = bank.stats()
        print(f"ok: {stats['topics']} topics, {stats['questions']} questions")
    return 1 if faults else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="studybot")
    sub = parser.add_subparsers(dest="command", required=True)
    content = sub.add_parser("content", help="work with the question bank")
    content_sub = content.add_subparsers(dest="content_command", required=True)
    check = content_sub.add_parser("check", help="validate content/")
    check.add_argument("--json", action="store_true")
    check.add_argument("--content", help="content folder (default: the bundled one)")
    check.set_defaults(func=_content_check)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))
