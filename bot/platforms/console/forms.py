"""A form in the terminal: its fields asked in turn, a numbered choice or one line of text.

A choice is answered with its number (or its value), else it is asked again at once; a line of text
may be empty. The core checks the whole form when it is submitted; a field it refuses is asked again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from bot.core.models import Form, FormField

CANCEL = "/cancel"


@dataclass
class FormPrompt:
    form: Form
    text: Callable[..., str]  # text(key, **values): the console's words from the catalog
    values: dict[str, str] = field(default_factory=dict)
    index: int = 0

    @property
    def current(self) -> FormField:
        return self.form.fields[self.index]

    def prompt(self) -> str:
        """What to type for the field being asked."""
        asked = self.current
        if asked.kind == "choice":
            options = "  ".join(f"[{n}] {choice.label}" for n, choice in enumerate(asked.choices, start=1))
            return f"{options}\n{self.text('console.form_choice', label=asked.label, count=len(asked.choices))}"
        return self.text("console.form_text", label=asked.label)

    def take(self, line: str) -> Literal["again", "next", "done"]:
        """The answer to the field being asked: not one of its choices (ask again), or taken; "done" once
        every field has one."""
        asked, answer = self.current, line.strip()
        if asked.kind == "choice":
            values = [choice.value for choice in asked.choices]
            if answer.isascii() and answer.isdigit() and 1 <= int(answer) <= len(values):
                answer = values[int(answer) - 1]
            elif answer.lower() in values:
                answer = answer.lower()
            else:
                return "again"
        self.values[asked.name] = answer
        self.index += 1
        return "done" if self.index >= len(self.form.fields) else "next"

    def ask_again(self, name: str | None) -> bool:
        """Go back to the field `name` (the core refused what was entered there); False if there is none."""
        for index, known in enumerate(self.form.fields):
            if known.name == name:
                self.index = index
                return True
        return False
