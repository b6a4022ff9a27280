"""Field types of the task forms and their base classes with ``to_data``."""
from __future__ import annotations

import functools

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, RadioField, SelectField
from wtforms.validators import Optional
from markupsafe import Markup, escape
from wtforms.widgets import HiddenInput, Select, html_params

try:  # WTForms 3.3 deprecates (value, label) tuples in favour of SelectChoice
    from wtforms.fields.choices import SelectChoice
except ImportError:  # pragma: no cover - WTForms 3.2
    SelectChoice = None

REQUIRED = _l("This field is required.")
NOT_DATA = frozenset({"csrf_token", "instance_version"})


def as_choices(pairs) -> list:
    """(value, label) pairs as the choices the installed WTForms wants."""
    return [SelectChoice(value, label) if SelectChoice else (value, label) for value, label in pairs]


class LongSelect(Select):
    """A drop-down of many plain options (a province's 400 townships on every district and bank user's
    inbox page): the options are rendered once per list and choice (``_plain_options``), not through
    ``html_params`` per option on every page (WTForms' own rendering took ~10 ms of the page)."""

    def __call__(self, field, **kwargs):
        choices = list(field.iter_choices())
        if self.multiple or field.has_groups() or any(choice.render_kw for choice in choices):
            return super().__call__(field, **kwargs)
        kwargs.setdefault("id", field.id)
        options = _plain_options(tuple((str(c.value), str(c.label or c.value), bool(c.selected)) for c in choices))
        return Markup(f"<select {html_params(name=field.name, **kwargs)}>{options}</select>")


@functools.lru_cache(maxsize=64)
def _plain_options(choices: tuple[tuple[str, str, bool], ...]) -> str:
    """``<option>`` tags of (value, label, selected), as ``Select.render_option`` writes them."""
    return "".join(f'<option{" selected" if selected else ""} value="{escape(value)}">{escape(label)}</option>'
                   for value, label, selected in choices)


class _MissingIsNotAChoice:
    """No input (or the empty placeholder) is left to ``InputRequired``: one message, not two."""

    def pre_validate(self, form):
        if not self.raw_data or not self.raw_data[0]:
            return
        super().pre_validate(form)


class ChoiceField(_MissingIsNotAChoice, SelectField):
    """A drop-down list; put ``("", placeholder)`` first so nothing is chosen by accident."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.type = "SelectField"  # the shared macros style it as a select


class RadioChoiceField(_MissingIsNotAChoice, RadioField):
    """Radio buttons."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.type = "RadioField"


class YesNoField(_MissingIsNotAChoice, RadioField):
    """Yes / no radio buttons whose task data is a ``bool`` (JSON: ``true`` / ``false``)."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("choices", as_choices([("yes", _l("Yes")), ("no", _l("No"))]))
        super().__init__(label, validators, **kwargs)
        self.type = "RadioField"

    @property
    def bool_data(self) -> bool | None:
        return {"yes": True, "no": False}.get(self.data)


def typed_value(field):
    """A field's task-data value: bool for yes/no, stripped text or None, else the coerced data."""
    if isinstance(field, YesNoField):
        return field.bool_data
    if isinstance(field.data, str):
        return field.data.strip() or None
    return field.data


class DataForm(FlaskForm):
    """A form whose ``to_data()`` returns the typed values the services expect, keyed as in the BPMN."""

    def to_data(self) -> dict:
        return {field.name: typed_value(field) for field in self if field.name not in NOT_DATA}


class TaskForm(DataForm):
    """A user task's form. ``instance_version`` carries the process instance version the page was
    rendered from, so a stale page is refused (HTTP 409) instead of overwriting a colleague's work."""

    instance_version = IntegerField(widget=HiddenInput(), validators=[Optional()])

    @property
    def expected_version(self) -> int | None:
        return self.instance_version.data
