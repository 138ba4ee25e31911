"""Start-up: the full bank loaded and checked, the lookup index and catalogs built, in a fresh process.

Reference: the same YAML files parsed with libyaml and nothing else (no checks, no index).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bench.common import emit, median

ROOT = Path(__file__).resolve().parent.parent

OURS = """
import json, time, resource
t = time.perf_counter()
from bot.config import load_settings
from bot.app import load_library
library = load_library(load_settings(env={}))
elapsed = time.perf_counter() - t
print(json.dumps({"s": elapsed, "questions": len(library.bank.questions),
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
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


def _time(code: str) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(quick: bool) -> None:
    runs = 3 if quick else 7
    ours = [_time(OURS) for _ in range(runs)]
    reference = [_time(REFERENCE)["s"] for _ in range(runs)]
    seconds = median([o["s"] for o in ours])
    emit("start", "bank_loaded_and_checked", seconds, "s", "<= 0.5", seconds <= 0.5,
         reference_s=round(median(reference), 3), questions=ours[0]["questions"],
         rss_mb=round(max(o["rss_mb"] for o in ours), 1))  # fmt: skip
