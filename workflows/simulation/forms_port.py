"""How the simulated staff fill a task's form (填写表单), whatever the task.

The simulator lives below the ``forms`` package (the layers keep ``workflows`` from importing it),
so the caller hands in a ``TaskForms``: the same form classes the pages and the JSON API validate
with (``webapp.cli.TaskForms``). Known tasks get the simulated person's answers (``decisions``);
every field those do not give is filled from the form's description, so a task the simulator does
not know, or a field added to a known form, never holds the simulation back.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Protocol

FILLER_TEXT = "模拟办理：情况正常"


class TaskForms(Protocol):
    def fields(self, form: str | None, form_fields: str | None) -> list[dict]:
        """``describe_fields`` of the task's form: name, type, required, choices, min, max."""

    def data(self, form: str | None, form_fields: str | None, answers: dict) -> dict:
        """The typed task data the form validates from ``answers``; ``FormInvalidError`` if it does not."""


def generic_value(spec: dict, day: date):
    """A valid value for one described field: yes, the first choice, today, the least number allowed;
    nothing for an optional field that is not text (it may be required only with another answer)."""
    kind, low, high = spec["type"], spec.get("min"), spec.get("max")
    if not spec.get("required") and kind != "string":
        return None
    if kind == "boolean":
        return True
    if kind == "choice":
        return (spec.get("choices") or [None])[0]
    if kind == "date":
        value = day
        if low is not None:
            value = max(value, date.fromisoformat(str(low)))
        return min(value, date.fromisoformat(str(high))) if high is not None else value
    if kind in ("decimal", "integer"):
        cast = int if kind == "integer" else Decimal
        value = cast(str(low)) if low is not None else cast("1")
        return min(value, cast(str(high))) if high is not None else value
    text = FILLER_TEXT * (1 + int(low or 0) // len(FILLER_TEXT))
    return text[:int(high)] if high is not None else text


def fill(fields: list[dict], answers: dict, day: date) -> dict:
    """The answers for the form's fields: the given ones, generic values for the rest (``None`` kept)."""
    filled = {}
    for spec in fields:
        name = spec["name"]
        filled[name] = answers[name] if name in answers else generic_value(spec, day)
    return filled
