"""Start-up: the full bank loaded and checked, the lookup index and catalogs built, in a fresh process.

Reference: the same YAML files parsed with libyaml and nothing else (no checks, no index).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.common import emit, median

ROOT = Path(__file__).resolve().parent.parent

OURS = """
import json, time
started = time.perf_counter()
from bot.config import load_settings
from bot.app import load_library
from bench.common import rss_mb
imported = time.perf_counter()
library = load_library(load_settings(env={}))
done = time.perf_counter()
print(json.dumps({"s": done - imported, "process_s": done - started, "questions": len(library.bank.questions),
                  "rss_mb": rss_mb()}))
"""

REFERENCE = """
import json, time
from pathlib import Path
t = time.perf_counter()
import yaml
for path in sorted(Path("content").rglob("*.yaml")):
    yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
print(json.dumps({"s": time.perf_counter() - t}))
"""


def _time(code: str, cache_dir: str) -> dict[str, float]:
    env = {**os.environ, "XDG_CACHE_HOME": cache_dir}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True, env=env)
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(quick: bool) -> None:
    """The bank loaded and checked (index and catalogs built) in a fresh process, timed after the imports;
    the whole start of that process is reported beside it. Cold: no checked-bank cache, every file
    parsed and checked. Warm: these exact bytes were checked before."""
    runs = 3 if quick else 7
    with tempfile.TemporaryDirectory() as warm_dir:
        _time(OURS, warm_dir)  # fill the cache
        warm = [_time(OURS, warm_dir) for _ in range(runs)]
    cold = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as cold_dir:
            cold.append(_time(OURS, cold_dir))
    reference = [_time(REFERENCE, "/nonexistent")["s"] for _ in range(runs)]
    cold_s = median([o["s"] for o in cold])
    emit("start", "bank_loaded_and_checked_cold", cold_s, "s", "<= 0.5", cold_s <= 0.5,
         warm_s=round(median([o["s"] for o in warm]), 3),
         process_cold_s=round(median([o["process_s"] for o in cold]), 3),
         process_warm_s=round(median([o["process_s"] for o in warm]), 3),
         reference_parse_only_s=round(median(reference), 3),
         questions=warm[0]["questions"], rss_mb=round(max(o["rss_mb"] for o in warm), 1))  # fmt: skip
