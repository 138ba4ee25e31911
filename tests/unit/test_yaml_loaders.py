"""The bank's fast YAML loader builds exactly what the safe loader builds, on the whole bank and on
documents that leave its plain walk (merge keys, odd keys, tags, aliases, a list that contains itself)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.core.yaml_lines import FastLoader

BANK = Path(__file__).resolve().parents[2] / "content"
SAFE = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def both(text: str) -> tuple[object, object]:
    return yaml.load(text, Loader=FastLoader), yaml.load(text, Loader=SAFE)


def test_every_topic_file_of_the_bank_loads_the_same():
    files = sorted(BANK.rglob("*.yaml"))
    assert len(files) > 100
    for path in files:
        fast, safe = both(path.read_text(encoding="utf-8"))
        assert fast == safe, path


@pytest.mark.parametrize(
    "text",
    [
        "a: &x [1, 2]\nb: *x\n",
        "base: &b {k: 1}\nm:\n  <<: *b\n  j: 2\n",
        "a: 2026-01-05\nb: yes\nc: ~\nd: 1.5\ne: 0x10\nf: '007'\n",
        "a: 1\na: 2\n",
        "!!set {a, b}\n",
        "1: one\n2.5: x\nnull: n\ntrue: t\n",
        "2026-01-05: a date as a key\n",
        "- !!str 12\n- '3'\n- \"x\"\n- !!int '4'\n",
        "a: {b: [c, {d: e}]}\n",
        "? a\n",
        "a:\nb: ''\nc: !!null ''\nd: .inf\ne: -.5e3\nf: ! 12\ng: 0o17\nh: +12\n",
        "",
        "just text\n",
    ],
)
def test_documents_outside_the_plain_walk_load_the_same(text):
    fast, safe = both(text)
    assert fast == safe


@pytest.mark.parametrize("text", ["? [1, 2]\n: v\n", "x: !custom 1\n", "a: [1, 2\n"])
def test_what_the_safe_loader_refuses_the_fast_one_refuses_too(text):
    with pytest.raises(yaml.YAMLError):
        yaml.load(text, Loader=SAFE)
    with pytest.raises(yaml.YAMLError):
        yaml.load(text, Loader=FastLoader)


def test_a_list_that_contains_itself_is_built_as_the_safe_loader_builds_it():
    built = yaml.load("&a [*a, 1]\n", Loader=FastLoader)
    assert isinstance(built, list) and built[0] is built and built[1] == 1
