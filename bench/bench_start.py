"""Start as a whole process: `studybot lookup efs` and `python -m bot --version`, beside `python -c pass`.

Each is a fresh interpreter, timed from spawn to exit, in the same run. `lookup efs` imports the
package, loads the bank (cold: no checked-bank cache, every file parsed and checked; warm: the cache of
these exact bytes), builds the lookup index and prints the card. Reference: `python -c pass`, the
interpreter's own start on this machine.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time

from bench.common import ROOT, emit, median


def _wall(args: list[str], cache: str) -> float:
    # With its bytecode cache, as an installed studybot starts (pip compiles it; a checkout's first run
    # writes it), even where the shell says PYTHONDONTWRITEBYTECODE: compiling every module from source
    # on each start is not what a user waits for.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(XDG_CACHE_HOME=cache, PYTHONPATH=ROOT)
    started = time.perf_counter()
    subprocess.run(args, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def run(quick: bool) -> None:
    runs = 5 if quick else 15
    python = sys.executable
    lookup = [python, "-m", "bot", "lookup", "efs"]
    with tempfile.TemporaryDirectory() as warm_dir:
        _wall(lookup, warm_dir)  # fills the checked-bank cache (and the bytecode cache)
        rounds: dict[str, list[float]] = {"pass": [], "version": [], "warm": [], "cold": []}
        for _ in range(runs):  # interleaved, so a slow moment of the machine hits each alike
            rounds["pass"].append(_wall([python, "-c", "pass"], warm_dir))
            rounds["version"].append(_wall([python, "-m", "bot", "--version"], warm_dir))
            rounds["warm"].append(_wall(lookup, warm_dir))
            with tempfile.TemporaryDirectory() as cold_dir:
                rounds["cold"].append(_wall(lookup, cold_dir))
    reference = median(rounds["pass"])
    for name, what, limit in (
        ("version", "python -m bot --version", None),
        ("warm", "studybot lookup efs, checked-bank cache warm", 0.5),
        ("cold", "studybot lookup efs, no cache (every content file parsed and checked)", 0.5),
    ):
        value = median(rounds[name])
        emit(
            "start",
            f"process_{name}",
            value,
            "s",
            f"<= {limit:g} s" if limit else "none (shown beside the others)",
            value <= limit if limit else None,
            reference=reference,
            reference_is="python -c pass (s)",
            ratio=value / reference,
            p_max_s=max(rounds[name]),
            runs=runs,
            command=what,
        )
