"""Message catalogs: every text a member reads comes from locales/<lang>.toml."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from importlib import resources
from typing import Any

from bot.core.models import LANGS, Lang


def _flatten(prefix: str, table: Mapping[str, Any], into: dict[str, str]) -> None:
    for key, value in table.items():
        name = f"{prefix}.{key}" if prefix else key
        if isinstance(value, Mapping):
            _flatten(name, value, into)
        else:
            into[name] = str(value)


class Catalog:
    """t(lang, "quiz.correct", points=10) -> the formatted text in that language."""

    def __init__(self, messages: Mapping[Lang, Mapping[str, str]]) -> None:
        self._messages = messages

    @classmethod
    def load(cls) -> Catalog:
        messages: dict[Lang, dict[str, str]] = {}
        folder = resources.files("bot.core") / "locales"
        for lang in LANGS:
            flat: dict[str, str] = {}
            _flatten("", tomllib.loads((folder / f"{lang}.toml").read_text(encoding="utf-8")), flat)
            messages[lang] = flat
        return cls(messages)

    def keys(self, lang: Lang) -> set[str]:
        return set(self._messages[lang])

    def t(self, lang: Lang, key: str, **values: Any) -> str:
        template = self._messages[lang].get(key)
        if template is None:  # a key missing in one language falls back to the other, then to the key
            other: Lang = "en" if lang == "ko" else "ko"
            template = self._messages[other].get(key, key)
        return template.format(**values) if values else template
