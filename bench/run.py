"""Run the benchmarks: `python bench/run.py [--quick] [--only NAME ...] [--postgres URL] [--sizes 100k,1M,5M]`.

One JSON object per figure on stdout: bench, metric, value, unit, target, reference (and what it is),
ratio, ok, and the details. Progress goes to stderr when it is a terminal. Every figure is a median
(or a p99) over rounds, never the best round, beside a reference measured in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import bench_answers, bench_boards, bench_fanout, bench_lookup, bench_start
from bench.common import progress
from bench.pg import check_server
from bot.app import load_library
from bot.config import load_settings

BENCHES = ("start", "lookup", "answers", "boards", "fanout")
UNITS = {"k": 1_000, "m": 1_000_000}


def size(text: str) -> int:
    text = text.strip().lower().replace("_", "").replace(",", "")
    if text and text[-1] in UNITS:
        return int(float(text[:-1]) * UNITS[text[-1]])
    return int(text)


def sizes(text: str) -> list[int]:
    """--sizes: answers per boards dataset, comma-separated, e.g. 100k,1M,5M."""
    try:
        found = [size(part) for part in text.split(",")]
    except ValueError:
        found = []
    if not found or any(n < 1_000 for n in found):
        raise argparse.ArgumentTypeError(f"{text!r}: give answer counts of 1k or more, e.g. 100k,1M,5M")
    return found


def usable(args: argparse.Namespace) -> str | None:
    """Why the run cannot start (with what to do), or None: checked before anything is measured."""
    if args.data is not None:
        try:
            args.data.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            return f"--data {args.data}: cannot create the folder ({exc.strerror or exc}); name a writable folder"
    if args.postgres:
        why = asyncio.run(check_server(args.postgres))
        if why:
            return (
                f"--postgres {args.postgres}: {why}. Start the server or fix the URL "
                "(postgresql://user@host:port/db, a user who may create databases), or leave --postgres out"
            )
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer rounds, smaller datasets: a few minutes")
    parser.add_argument("--only", nargs="*", choices=BENCHES, default=list(BENCHES))
    parser.add_argument("--postgres", metavar="URL", help="also run the benches on this PostgreSQL server")
    parser.add_argument(
        "--sizes", type=sizes, help="answers in the boards datasets (default 100k,1M,5M; --quick: 100k,1M)"
    )
    parser.add_argument(
        "--data", metavar="DIR", type=Path, help="keep the built datasets here and reuse them (default: a temp folder)"
    )
    args = parser.parse_args()
    problem = usable(args)
    if problem:
        print(f"bench: {problem}", file=sys.stderr)
        return 2
    datasets = args.sizes or sizes("100k,1M" if args.quick else "100k,1M,5M")
    settings = load_settings(env={})
    library = load_library(settings)
    with tempfile.TemporaryDirectory(prefix="studybot-bench-") as scratch:
        data = args.data or Path(scratch)
        data.mkdir(parents=True, exist_ok=True)
        if "start" in args.only:
            progress("start")
            bench_start.run(args.quick)
        if "lookup" in args.only:
            progress("lookup")
            bench_lookup.run(library, args.quick)
        if "answers" in args.only:
            asyncio.run(bench_answers.run(settings, library, args.quick, args.postgres))
        if "boards" in args.only:
            asyncio.run(bench_boards.run(settings, library, args.quick, datasets, data, args.postgres))
        if "fanout" in args.only:
            asyncio.run(bench_fanout.run(library, args.quick, args.postgres, data))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
