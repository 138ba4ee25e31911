"""The figures of a run as a Markdown table: `python bench/run.py > run.jsonl; python bench/table.py run.jsonl`."""

from __future__ import annotations

import json
import sys


def cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)


def main() -> int:
    with open(sys.argv[1], encoding="utf-8") as results:
        rows = [json.loads(line) for line in results if line.startswith("{")]
    print("| bench | figure | value | target | reference (same run) | ratio | ok |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        reference = f"{cell(r.get('reference'))} ({r['reference_is']})" if r.get("reference_is") else ""
        ok = {True: "yes", False: "**no**", None: "–"}[r.get("ok")]
        print(
            f"| {r['bench']} | {r['metric']} | {cell(r['value'])} {r['unit']} | {r['target']} | {reference} "
            f"| {cell(r.get('ratio'))} | {ok} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
