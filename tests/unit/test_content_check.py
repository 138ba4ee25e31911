"""The content check: faults name file and line; the shipped bank passes."""

from __future__ import annotations

import shutil
from pathlib import Path

from bot.config import DEFAULT_CONTENT
from bot.core.content import check_bank
from tests.conftest import FIXTURE_CONTENT


def test_the_shipped_bank_has_no_faults():
    bank, faults = check_bank(DEFAULT_CONTENT)
    assert faults == [], "\n".join(str(f) for f in faults[:30])
    assert len(bank.topics) >= 5


def copy_fixture(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    shutil.copytree(FIXTURE_CONTENT, root)
    return root


def test_a_malformed_file_fails_naming_file_and_line(tmp_path):
    root = copy_fixture(tmp_path)
    path = root / "storage" / "s3.yaml"
    text = path.read_text(encoding="utf-8").replace("answer: [1]", "answer: [7]")
    path.write_text(text, encoding="utf-8")
    _, faults = check_bank(root)
    line = next(n for n, row in enumerate(text.splitlines(), start=1) if "answer: [7]" in row)
    assert [str(f) for f in faults] == [
        f"content/storage/s3.yaml:{line}: s3-001: answer index 7 is out of range (0..3)"
    ]


def test_every_rule_is_checked(tmp_path):
    root = copy_fixture(tmp_path)
    bad = root / "storage" / "bad.yaml"
    bad.write_text(
        """id: bad
name: Bad
full_name: Bad topic
aliases: [efs]
category: storage
exams: [SAA-C03, DVA-C02]
summary: {ko: "", en: "x"}
points: []
related: [nowhere]
questions:
  - id: efs-001
    kind: single
    domain: speed
    level: 4
    prompt: {ko: "가장 저렴한 S3 스토리지 클래스는?", en: "x"}
    choices:
      - {ko: "a", en: "a"}
      - {ko: "b", en: "All of the above"}
    answer: [0, 1]
    explanation: {ko: "a", en: "a"}
    topics: [bad]
    colour: red
""",
        encoding="utf-8",
    )
    _, faults = check_bank(root)
    messages = "\n".join(str(f) for f in faults)
    for expected in [
        "exam 'DVA-C02' is not one of",
        "summary is missing its 'ko' text",
        "'points' must be a list of at least 1",
        "unknown topic 'nowhere'",
        "question id 'efs-001' also at",
        "domain 'speed' is not one of",
        "level 4 must be 1, 2 or 3",
        "a single question has 3 to 6 choices",
        "is a catch-all",
        "a single question has exactly one answer",
        "unknown key 'colour' in question",
        "alias 'efs' of 'bad' is also a name of 'efs'",
        "same prompt as",
    ]:
        assert expected in messages, expected
    assert all(f.file.startswith("content/storage/") and f.line > 0 for f in faults)


def test_invalid_yaml_is_reported_with_its_line(tmp_path):
    root = copy_fixture(tmp_path)
    (root / "storage" / "broken.yaml").write_text("id: broken\nname: [unclosed\n", encoding="utf-8")
    _, faults = check_bank(root)
    assert any(f.file == "content/storage/broken.yaml" and "not valid YAML" in f.message for f in faults)


def test_the_bank_cache_gives_back_the_same_bank_and_notices_any_change(tmp_path):
    from bot.bank_cache import load_bank_cached
    from bot.core.content import load_bank

    root = copy_fixture(tmp_path)
    cache = tmp_path / "cache"
    fresh = load_bank(root)
    first = load_bank_cached(root, cache)
    assert list(cache.glob("bank-*.json"))
    again = load_bank_cached(root, cache)
    assert dict(again.topics) == dict(fresh.topics) == dict(first.topics)
    assert dict(again.questions) == dict(fresh.questions)
    path = root / "storage" / "s3.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("answer: [1]", "answer: [2]"), encoding="utf-8")
    changed = load_bank_cached(root, cache)
    assert changed.questions["s3-001"].answer == frozenset({2})
    path.write_text(path.read_text(encoding="utf-8").replace("answer: [2]", "answer: [9]"), encoding="utf-8")
    import pytest

    from bot.core.content import ContentError

    with pytest.raises(ContentError):
        load_bank_cached(root, cache)


def test_the_bank_cache_is_checked_again_when_the_checker_changes(tmp_path, monkeypatch):
    from bot import bank_cache

    root = copy_fixture(tmp_path)
    before = bank_cache.content_digest(root)
    checker = tmp_path / "content_v2.py"
    checker.write_bytes(Path(bank_cache.content_module.__file__).read_bytes() + b"\n# a new rule\n")
    monkeypatch.setattr(bank_cache.content_module, "__file__", str(checker))
    assert bank_cache.content_digest(root) != before


def _bot_imports(module_file: str) -> set[str]:
    import ast

    tree = ast.parse(Path(module_file).read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("bot."):
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("bot."))
    return found


def test_the_bank_cache_digest_covers_every_module_the_checker_imports(tmp_path, monkeypatch):
    """A new rule in any module of the checker (content_rules, cues, ...) means a new check."""
    import importlib

    from bot import bank_cache

    wanted, todo = set(), ["bot.core.content"]
    while todo:
        name = todo.pop()
        if name in wanted:
            continue
        wanted.add(name)
        todo.extend(_bot_imports(importlib.import_module(name).__file__ or ""))
    assert {m.__name__ for m in bank_cache.CHECKER} == wanted
    root = copy_fixture(tmp_path)
    before = bank_cache.content_digest(root)
    for name in sorted(wanted):
        module = importlib.import_module(name)
        changed = tmp_path / f"{name}.py"
        changed.write_bytes(Path(module.__file__ or "").read_bytes() + b"\n# a new rule\n")
        with monkeypatch.context() as patch:
            patch.setattr(module, "__file__", str(changed))
            assert bank_cache.content_digest(root) != before, name
