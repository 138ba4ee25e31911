"""The fake Discord's side of modals: what Discord accepts as a modal (interaction callback type 9), and
the components of a MODAL_SUBMIT as Discord sends them back."""

from __future__ import annotations

from typing import Any

TEXT_DISPLAY, LABEL, STRING_SELECT, TEXT_INPUT, ACTION_ROW = 10, 18, 3, 4, 1


def modal_problems(data: dict[str, Any]) -> list[str]:
    """Why Discord would refuse this modal (discord.com/developers/docs/components/reference)."""
    problems = []
    if not 0 < len(data.get("title") or "") <= 45:
        problems.append("title: 1 to 45 characters")
    if not 0 < len(data.get("custom_id") or "") <= 100:
        problems.append("custom_id: 1 to 100 characters")
    components = data.get("components") or []
    if not 0 < len(components) <= 5:
        problems.append("components: 1 to 5")
    for component in components:
        kind = component.get("type")
        if kind == LABEL:
            inner = component.get("component") or {}
            if not 0 < len(component.get("label") or "") <= 45:
                problems.append("label: 1 to 45 characters")
            if inner.get("type") == STRING_SELECT:
                options = inner.get("options") or []
                if not 0 < len(options) <= 25 or any(len(o["label"]) > 100 or len(o["value"]) > 100 for o in options):
                    problems.append("a select: 1 to 25 options of at most 100 characters")
                if len(inner.get("placeholder") or "") > 150:
                    problems.append("a select's placeholder: at most 150 characters")
            elif inner.get("type") == TEXT_INPUT:
                if not 0 < inner.get("max_length", 4000) <= 4000 or len(inner.get("placeholder") or "") > 100:
                    problems.append("a text input: at most 4000 characters, a placeholder of at most 100")
            else:
                problems.append(f"a label holds a select or a text input, not type {inner.get('type')}")
        elif kind == TEXT_DISPLAY:
            if not 0 < len(component.get("content") or "") <= 4000:
                problems.append("a text display: 1 to 4000 characters")
        elif kind != ACTION_ROW:
            problems.append(f"component type {kind} does not belong in a modal")
    return problems


def filled_in(modal: dict[str, Any], entered: dict[str, str | None]) -> list[dict[str, Any]]:
    """The components of the MODAL_SUBMIT for `modal` with `entered` (by custom_id: a select's value, even one
    the modal does not offer, as a forged interaction would; the text typed)."""
    components: list[dict[str, Any]] = []
    for number, component in enumerate(modal["components"], start=1):
        if component["type"] == TEXT_DISPLAY:
            components.append({"type": TEXT_DISPLAY, "id": number})
            continue
        inner = component["component"]
        typed = entered.get(inner["custom_id"])
        submitted: dict[str, Any] = {"type": inner["type"], "id": number * 10, "custom_id": inner["custom_id"]}
        if inner["type"] == STRING_SELECT:
            submitted["values"] = [typed] if typed else []
        else:
            submitted["value"] = typed or ""
        components.append({"type": LABEL, "id": number, "component": submitted})
    return components
