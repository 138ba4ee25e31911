"""Run every benchmark: `python bench/run.py [--quick] [--only NAME ...]`; one JSON object per line."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import bench_answers, bench_fanout, bench_leaderboard, bench_lookup, bench_start
from bot.app import load_library
from bot.config import load_settings

BENCHES = ("start", "lookup", "answers", "leaderboard", "fanout")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer rounds: all of it in under a minute")
    parser.add_argument("--only", nargs="*", choices=BENCHES, default=list(BENCHES))
    args = parser.parse_args()
    settings = load_settings(env={})
    library = load_library(settings)
    if "start" in args.only:
        bench_start.run(args.quick)
    if "lookup" in args.only:
        bench_lookup.run(library, args.quick)
    if "answers" in args.only:
        asyncio.run(bench_answers.run(settings, library, args.quick))
    if "leaderboard" in args.only:
        asyncio.run(bench_leaderboard.run(args.quick))
    if "fanout" in args.only:
        bench_fanout.run(settings, library, args.quick)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
