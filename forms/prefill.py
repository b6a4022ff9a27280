"""Pre-fill a task form with the values of its last round (a task that comes round again)."""
from __future__ import annotations

from werkzeug.datastructures import MultiDict

from .fields import NOT_DATA
from .registry import _as_text


def prefill(form, values: dict) -> None:
    """Set each data field named in ``values`` as if the user had typed it (JSON values: text, numbers,
    ISO dates, booleans); fields not in ``values`` and unknown keys are left alone."""
    for name, value in (values or {}).items():
        if name in NOT_DATA or name not in form._fields or value is None:
            continue
        field = form[name]
        field.process(MultiDict({name: _as_text(field, value)}))
