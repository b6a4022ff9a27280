"""Field types of the task forms and their base classes with ``to_data``."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, RadioField, SelectField
from wtforms.validators import Optional
from markupsafe import Markup, escape
from wtforms.widgets import HiddenInput, Select

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
    """A drop-down of many plain options (a province's 400 townships) rendered without ``html_params``
    per option: WTForms' own rendering took about 10 ms of every district user's inbox page."""

    @classmethod
    def render_option(cls, choice, **kwargs):
        if choice.render_kw or kwargs or isinstance(choice.value, bool):
            return super().render_option(choice, **kwargs)
        value = "" if choice.value is None else choice.value
        selected = " selected" if choice.selected else ""
        return Markup(f'<option{selected} value="{escape(value)}">{escape(choice.label or value)}</option>')


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
