"""Forms by the name a user task's ``form`` property gives (or from its ``form_fields``: see
``forms.diagram``), their description, and JSON input.

The JSON API validates with these same classes, so the browser and the API cannot disagree.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, DateField, DecimalField, IntegerField, RadioField, SelectField

from . import credit_rating, finance, loan_tasks, post_loan
from .application import RegisterApplicationForm
from .diagram import diagram_form_class
from .fields import NOT_DATA, YesNoField

TASK_FORM_MODULES = (loan_tasks, post_loan, finance, credit_rating)  # each lists its task forms in __all__
TASK_FORMS: dict[str, type] = {
    cls.__name__: cls
    for cls in (RegisterApplicationForm, *(getattr(m, name) for m in TASK_FORM_MODULES for name in m.__all__))
}


def form_class(name: str) -> type:
    """The form class a diagram names; ``KeyError`` if there is none."""
    return TASK_FORMS[name]


def task_form_class(form: str | None, form_fields: str | None) -> type:
    """The form of a user task: the registered class its ``form`` property names, else the class
    its ``form_fields`` property defines (``forms.diagram``).

    ``KeyError`` for an unknown class name or when the task has neither; ``ValueError`` (listing the
    problems) for ``form_fields`` that do not check. ``form`` wins if both are given (the diagram
    validation refuses that).
    """
    if form:
        return TASK_FORMS[form]
    if form_fields:
        return diagram_form_class(form_fields)
    raise KeyError("the user task has neither a form nor form_fields")


def _field_type(field) -> str:
    if isinstance(field, (YesNoField, BooleanField)):
        return "boolean"
    if isinstance(field, (SelectField, RadioField)):
        return "choice"
    for kind, name in ((DecimalField, "decimal"), (IntegerField, "integer"), (DateField, "date")):
        if isinstance(field, kind):
            return name
    return "string"


def _choices(field) -> list[str] | None:
    if isinstance(field, YesNoField) or not isinstance(field, (SelectField, RadioField)):
        return None
    return [str(choice[0]) for choice in field.iter_choices() if choice[0] != ""]


def _bound_json(value):
    """A bound as JSON: whole numbers stay numbers, decimals are text (like money), dates ISO text."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _bounds(field) -> dict:
    """``min`` / ``max`` where a validator says: value bounds, or lengths of a text field."""
    if _field_type(field) == "string":
        keys = (("min", "minlength"), ("max", "maxlength"))
    else:
        keys = (("min", "min"), ("max", "max"))
    found = {key: _bound_json(getattr(field.flags, flag, None)) for key, flag in keys}
    return {key: value for key, value in found.items() if value is not None}


def describe_fields(form) -> list[dict]:
    """``[{name, type, required, choices, label, min?, max?}]`` for each data field of a form instance, in order.

    type is one of string, decimal, integer, date, boolean, choice; choices lists the allowed
    values of a choice field (None otherwise); required is False for conditionally required fields;
    label is in the current language. ``min`` / ``max`` are given where known: bounds of a number
    (decimals as text) or a date (ISO), or the least / most characters of a string.
    """
    return [
        {"name": field.name, "type": _field_type(field), "required": bool(field.flags.required),
         "choices": _choices(field), "label": str(field.label.text), **_bounds(field)}
        for field in form if field.name not in NOT_DATA
    ]


def _as_text(field, value) -> str:
    if isinstance(value, bool):
        if isinstance(field, YesNoField):
            return "yes" if value else "no"
        return "y" if value else ""
    if isinstance(value, (Decimal, date)):
        return value.isoformat() if isinstance(value, date) else str(value)
    return str(value)


def form_from_json(form_cls: type, payload: dict):
    """A form built from a JSON body (no CSRF: the API authenticates with bearer tokens).

    Values become strings as a browser would send them: numbers as text, dates as ISO text,
    booleans as ``yes``/``no`` for yes/no radios. ``None`` counts as absent; unknown keys are ignored.
    ``instance_version`` may be given to refuse a stale write.
    """
    form = form_cls(formdata=MultiDict(), meta={"csrf": False})
    formdata = MultiDict()
    for name, value in (payload or {}).items():
        if name in form._fields and value is not None:
            formdata.add(name, _as_text(form[name], value))
    form.process(formdata)
    return form
