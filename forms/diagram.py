"""Forms defined in the diagram: a user task's ``form_fields`` extension property.

Instead of naming a registered class (``form``), a user task may carry its form as a JSON array::

    <spiffworkflow:property name="form_fields" value='[{"name": "risk_ok", "label": {"zh": "合规结论",
        "en": "Compliance conclusion"}, "type": "yesno", "required": true}]'/>

Each field is an object with the keys

* ``name``: the task data key, ``^[a-z][a-z0-9_]{0,39}$``, unique, not one of ``RESERVED_NAMES``;
* ``label``: ``{"zh": ..., "en": ...}``; ``zh`` is required, ``en`` falls back to ``zh``. These are the
  diagram's own words, shown in the current language; they are not in the translation catalogue;
* ``type``: one of ``FIELD_TYPES``;
* ``required``: ``true`` or ``false`` (default ``false``);
* ``min`` / ``max``: bounds, both inclusive: whole numbers for ``integer``, numbers with at most two
  decimals for ``money``, ISO dates (``"2026-01-31"``) for ``date``, numbers of characters for
  ``text`` / ``textarea`` (at most ``TEXT_LIMITS`` characters, the default maximum);
* ``choices`` (``choice`` only, and required there): ``[{"value": "...", "label": {"zh": ..., "en": ...}}]``.

``check_form_fields`` lists what is wrong with such a text (the diagram validation calls it through
``webapp``, since ``workflows`` may not import ``forms``); ``diagram_form_class`` builds the
``TaskForm`` subclass, whose ``to_data()`` gives the same types as the registered forms.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from wtforms import DateField, DecimalField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from .application import CHOOSE
from .fields import REQUIRED, ChoiceField, TaskForm, YesNoField, as_choices
from .validators import FitsStorage, MaxDecimals, Positive

__all__ = ["FIELD_TYPES", "RESERVED_NAMES", "TEXT_LIMITS", "DiagramText", "FieldSpec", "check_form_fields",
           "diagram_form_class", "parse_form_fields"]

FIELD_TYPES = ("text", "textarea", "integer", "money", "date", "choice", "yesno")
NAME = re.compile(r"\A[a-z][a-z0-9_]{0,39}\Z")
ISO_DATE = re.compile(r"\A\d{4}-\d{2}-\d{2}\Z")
# Names the pipeline puts into the form or the task data, and the attributes of a form instance a
# field of that name would hide (``data``, ``errors``, ``validate`` ...).
RESERVED_NAMES = frozenset({"csrf_token", "instance_version", "loan_id", "typename", "meta", "form_errors"}
                           | {name for name in dir(TaskForm) if NAME.match(name)})
TEXT_LIMITS = {"text": 200, "textarea": 2000}  # default and largest maximum length
INTEGER_LIMIT = 2 ** 53 - 1  # exact in JSON for every client
MAX_FIELDS, MAX_CHOICES, MAX_LABEL, MAX_VALUE = 50, 100, 100, 100
KEYS = frozenset({"name", "label", "type", "required", "min", "max", "choices"})

AT_LEAST = _l("At least %(min)s.")
AT_MOST = _l("At most %(max)s.")
BETWEEN = _l("Between %(min)s and %(max)s.")
NOT_BEFORE = _l("Not before %(min)s.")
NOT_AFTER = _l("Not after %(max)s.")
AT_MOST_CHARACTERS = _l("At most %(max)d characters.")
CHARACTERS_BETWEEN = _l("Between %(min)d and %(max)d characters.")


def current_language() -> str:
    """``en`` when the current request speaks English, else ``zh`` (also outside a request)."""
    try:
        locale = get_locale()
    except RuntimeError:  # an app context without a request: the locale selector needs one
        return "zh"
    return "en" if locale is not None and locale.language == "en" else "zh"


class DiagramText:
    """Words written in the diagram; ``str()`` picks the current language's at the moment it is shown."""

    __slots__ = ("zh", "en")

    def __init__(self, zh: str, en: str | None = None):
        self.zh, self.en = zh, en or None

    def __str__(self) -> str:
        return self.en if self.en and current_language() == "en" else self.zh

    def __repr__(self) -> str:
        return f"DiagramText({self.zh!r}, {self.en!r})"

    def __eq__(self, other) -> bool:
        return isinstance(other, DiagramText) and (self.zh, self.en) == (other.zh, other.en)

    def __hash__(self) -> int:
        return hash((self.zh, self.en))


@dataclass(frozen=True)
class FieldSpec:
    """One checked field of ``form_fields``; bounds are int, Decimal, date or None."""

    name: str
    label: DiagramText
    type: str
    required: bool = False
    min: int | Decimal | date | None = None
    max: int | Decimal | date | None = None
    choices: tuple[tuple[str, DiagramText], ...] = ()


class Bounds:
    """A number or date within ``[minimum, maximum]`` (either may be None); the type error is the field's."""

    def __init__(self, minimum=None, maximum=None, *, dates: bool = False):
        self.minimum, self.maximum = minimum, maximum
        low, high = (NOT_BEFORE, NOT_AFTER) if dates else (AT_LEAST, AT_MOST)
        self.message = BETWEEN if minimum is not None and maximum is not None else (
            low if minimum is not None else high)
        self.field_flags = {key: value.isoformat() if isinstance(value, date) else value
                            for key, value in (("min", minimum), ("max", maximum)) if value is not None}

    def __call__(self, form, field) -> None:
        value = field.data
        if value is None:
            return
        if (self.minimum is not None and value < self.minimum) or (self.maximum is not None and value > self.maximum):
            shown = {key: _shown(bound) for key, bound in (("min", self.minimum), ("max", self.maximum))}
            raise ValidationError(self.message % shown)


def _shown(bound) -> str:
    return bound.isoformat() if isinstance(bound, date) else str(bound)


# ---- checking ----

class _Invalid(ValueError):
    pass


def _reject_constant(name: str):
    raise _Invalid(f"{name} is not a number JSON allows")


def _quoted(value) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)[:60]


def _label(value, where: str, problems: list[str]) -> DiagramText | None:
    if not isinstance(value, dict):
        problems.append(f'{where}: label must be an object {{"zh": ..., "en": ...}}')
        return None
    unknown = sorted(set(value) - {"zh", "en"})
    if unknown:
        problems.append(f"{where}: label has unknown keys {', '.join(map(repr, unknown))} (use zh, en)")
    zh, en = value.get("zh"), value.get("en")
    ok = True
    if not isinstance(zh, str) or not zh.strip():
        problems.append(f"{where}: label needs the Chinese words (zh)")
        ok = False
    if en is not None and not isinstance(en, str):
        problems.append(f"{where}: label en must be text")
        ok = False
    for words in (zh, en):
        if isinstance(words, str) and len(words) > MAX_LABEL:
            problems.append(f"{where}: a label has at most {MAX_LABEL} characters")
            ok = False
    return DiagramText(zh.strip(), en.strip() if isinstance(en, str) else None) if ok else None


def _bound(kind: str, value, key: str, where: str, problems: list[str]):
    """The bound as int, Decimal or date; None (with a problem) when it does not fit the type."""
    if kind in ("integer", "text", "textarea"):
        if isinstance(value, bool) or not isinstance(value, int):
            problems.append(f"{where}: {key} must be a whole number")
            return None
        if kind != "integer" and value < 0:
            problems.append(f"{where}: {key} (a number of characters) cannot be negative")
            return None
        if kind != "integer" and value > TEXT_LIMITS[kind]:
            problems.append(f"{where}: {key} is above the limit of {TEXT_LIMITS[kind]} characters for {kind}")
            return None
        if kind == "integer" and abs(value) > INTEGER_LIMIT:
            problems.append(f"{where}: {key} is too large")
            return None
        return value
    if kind == "money":
        if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
            problems.append(f"{where}: {key} must be a number")
            return None
        amount = Decimal(value)
        if amount.as_tuple().exponent < -2:
            problems.append(f"{where}: {key} has more than 2 decimals")
            return None
        if abs(amount) > FitsStorage.MONEY:
            problems.append(f"{where}: {key} is too large")
            return None
        return amount
    if kind == "date":
        try:
            if not isinstance(value, str) or not ISO_DATE.match(value):
                raise ValueError
            return date.fromisoformat(value)
        except ValueError:
            problems.append(f"{where}: {key} must be an ISO date like \"2026-01-31\"")
            return None
    problems.append(f"{where}: {kind} fields take no {key}")
    return None


def _choices(field: dict, where: str, problems: list[str]) -> tuple:
    choices = field.get("choices")
    if field.get("type") != "choice":
        if choices is not None:
            problems.append(f"{where}: only choice fields take choices")
        return ()
    if not isinstance(choices, list) or not choices:
        problems.append(f"{where}: a choice field needs choices (a non-empty list of {{value, label}})")
        return ()
    if len(choices) > MAX_CHOICES:
        problems.append(f"{where}: at most {MAX_CHOICES} choices")
    found, seen = [], set()
    for number, choice in enumerate(choices, 1):
        there = f"{where}: choice {number}"
        if not isinstance(choice, dict):
            problems.append(f"{there} must be an object {{value, label}}")
            continue
        unknown = sorted(set(choice) - {"value", "label"})
        if unknown:
            problems.append(f"{there} has unknown keys {', '.join(map(repr, unknown))}")
        value = choice.get("value")
        if not isinstance(value, str) or not value.strip() or value != value.strip() or len(value) > MAX_VALUE:
            problems.append(f"{there}: value must be text of 1 to {MAX_VALUE} characters, without spaces around it")
            continue
        if value in seen:
            problems.append(f"{there}: value '{value}' appears twice")
        seen.add(value)
        label = _label(choice.get("label"), there, problems)
        if label is not None:
            found.append((value, label))
    return tuple(found)


def _field(field, number: int, seen: set[str], problems: list[str]) -> FieldSpec | None:
    if not isinstance(field, dict):
        problems.append(f"field {number}: must be an object with name, label and type")
        return None
    before = len(problems)
    name = field.get("name")
    if isinstance(name, str) and NAME.match(name):
        where = f"field '{name}'"
        if name in RESERVED_NAMES or name.startswith("validate_"):
            problems.append(f"{where}: the name '{name}' is reserved")
        elif name in seen:
            problems.append(f"{where}: duplicate name '{name}'")
        seen.add(name)
    else:
        where = f"field {number}"
        problems.append(f"{where}: bad name {_quoted(name)} (a-z, 0-9 and _, "
                        "starting with a letter, at most 40 characters)")
    unknown = sorted(set(field) - KEYS)
    if unknown:
        problems.append(f"{where}: unknown keys {', '.join(map(repr, unknown))}")
    kind = field.get("type")
    if kind not in FIELD_TYPES:
        problems.append(f"{where}: unknown type {_quoted(kind)} "
                        f"(use {', '.join(FIELD_TYPES)})")
    label = _label(field.get("label"), where, problems)
    required = field.get("required", False)
    if not isinstance(required, bool):
        problems.append(f"{where}: required must be true or false")
    bounds = {}
    for key in ("min", "max"):
        if field.get(key) is not None and kind in FIELD_TYPES:
            bounds[key] = _bound(kind, field[key], key, where, problems)
    low, high = bounds.get("min"), bounds.get("max")
    if low is not None and high is not None and low > high:
        problems.append(f"{where}: min {_shown(low)} is greater than max {_shown(high)}")
    if kind in TEXT_LIMITS and low is not None and high is None and low > TEXT_LIMITS[kind]:
        problems.append(f"{where}: min is above the limit of {TEXT_LIMITS[kind]} characters for {kind}")
    choices = _choices(field, where, problems)
    if len(problems) > before:
        return None
    return FieldSpec(name, label, kind, required, low, high, choices)


def parse_form_fields(text: str | None) -> tuple[list[FieldSpec], list[str]]:
    """The checked fields of a ``form_fields`` text and the problems found (fields only when none)."""
    problems: list[str] = []
    try:
        if not isinstance(text, str):
            raise _Invalid("it is not text")
        data = json.loads(text, parse_float=Decimal, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as err:
        return [], [f"form_fields is not valid JSON: {err}"]
    if not isinstance(data, list):
        return [], ["form_fields must be a JSON array of fields"]
    if not data:
        return [], ["form_fields lists no fields"]
    if len(data) > MAX_FIELDS:
        return [], [f"form_fields has {len(data)} fields; at most {MAX_FIELDS}"]
    seen: set[str] = set()
    fields = [_field(field, number, seen, problems) for number, field in enumerate(data, 1)]
    return ([] if problems else fields), problems


def check_form_fields(text: str | None) -> list[str]:
    """What is wrong with a ``form_fields`` text, each problem naming its field; ``[]`` when it is good."""
    return parse_form_fields(text)[1]


# ---- building ----

def _requiredness(spec: FieldSpec):
    if not spec.required:
        return Optional()
    return DataRequired(REQUIRED) if spec.type in TEXT_LIMITS else InputRequired(REQUIRED)


def _length(spec: FieldSpec) -> Length:
    maximum = spec.max if spec.max is not None else TEXT_LIMITS[spec.type]
    if spec.min:
        return Length(min=spec.min, max=maximum, message=CHARACTERS_BETWEEN)
    return Length(max=maximum, message=AT_MOST_CHARACTERS)


def _bounds(spec: FieldSpec) -> list:
    if spec.min is None and spec.max is None:
        return []
    return [Bounds(spec.min, spec.max, dates=spec.type == "date")]


def _unbound_field(spec: FieldSpec):
    first = _requiredness(spec)
    if spec.type == "text":
        return StringField(spec.label, validators=[first, _length(spec)])
    if spec.type == "textarea":
        return TextAreaField(spec.label, validators=[first, _length(spec)])
    if spec.type == "integer":
        return IntegerField(spec.label, validators=[first, FitsStorage(INTEGER_LIMIT), *_bounds(spec)])
    if spec.type == "money":  # as ``loan_tasks.money``; a diagram's own minimum replaces "above zero"
        positive = [Positive()] if spec.min is None else []
        return DecimalField(spec.label, places=2, validators=[
            first, MaxDecimals(2), *positive, FitsStorage(FitsStorage.MONEY), *_bounds(spec)])
    if spec.type == "date":
        return DateField(spec.label, validators=[first, *_bounds(spec)])
    if spec.type == "choice":
        return ChoiceField(spec.label, choices=as_choices([CHOOSE, *spec.choices]), validators=[first])
    return YesNoField(spec.label, validators=[first])


@lru_cache(maxsize=256)
def diagram_form_class(text: str) -> type[TaskForm]:
    """The ``TaskForm`` subclass a ``form_fields`` text describes; ``ValueError`` listing the problems."""
    fields, problems = parse_form_fields(text)
    if problems:
        raise ValueError("; ".join(problems))
    attributes = {spec.name: _unbound_field(spec) for spec in fields}
    attributes.update(__doc__="A form defined in the diagram (form_fields).", __module__=__name__)
    return type("DiagramForm", (TaskForm,), attributes)
