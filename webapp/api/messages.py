"""Messages of the API's own checks (the household list, request bodies and query arguments checked
against the OpenAPI document), in the caller's language."""
from __future__ import annotations

from contextlib import contextmanager

from flask_babel import lazy_gettext as _l

from workflows.errors import FormInvalidError

FIELD_MESSAGES = {
    "required": _l("This field is required."),
    "too_long": _l("This entry is too long."),
    "already_registered": _l("A household with this resident ID is already on the list (already_registered)"),
    "unknown_township": _l("There is no township with this code (unknown_township)"),
    "unknown_village": _l("There is no village with this code in the township (unknown_village)"),
    "unknown_category": _l("The category must be poverty_lifted or marginal (unknown_category)"),
    "json_object_required": _l("The request body must be a JSON object (json_object_required)"),
}
BAD_CREDENTIALS = _l("Wrong user name or password, or the account is locked for a while.")

TYPE_MESSAGES = {
    "string": _l("Must be text."),
    "integer": _l("Must be a whole number."),
    "number": _l("Must be a number."),
    "boolean": _l("Must be true or false."),
    "object": _l("Must be a JSON object."),
    "array": _l("Must be a list."),
}
NOT_VALID = _l("Not a valid value.")
NOT_A_DATE = _l("Must be a date (YYYY-MM-DD).")
DAY_OUT_OF_RANGE = _l("Must be a day from 1900-01-01 to 2999-12-31.")
BAD_FORMAT = _l("Not in the expected format.")
UNKNOWN_FIELD = _l("Not a field of this request.")
REPEATED = _l("Given more than once.")
BAD_JSON = _l("The request body is not valid JSON (UTF-8).")
NO_POLICY_THEN = _l("The policy settings this report needs were not in force on this day.")


def one_of(values) -> str:
    return str(_l("Must be one of: %(values)s.", values=", ".join(str(v) for v in values)))


def at_least(minimum, exclusive: bool = False) -> str:
    if exclusive:
        return str(_l("Must be more than %(min)s.", min=minimum))
    return str(_l("Must be at least %(min)s.", min=minimum))


def at_most(maximum) -> str:
    return str(_l("Must be at most %(max)s.", max=maximum))


def whole_number_between(low: int, high: int) -> str:
    return str(_l("Must be a whole number from %(low)s to %(high)s.", low=low, high=high))


def longest(length: int) -> str:
    return str(_l("At most %(max)s characters.", max=length))


def shortest(length: int) -> str:
    return str(FIELD_MESSAGES["required"]) if length == 1 else str(_l("At least %(min)s characters.", min=length))


def too_deep(depth: int) -> str:
    return str(_l("The request body nests deeper than %(depth)s levels, or its brackets do not match.", depth=depth))


@contextmanager
def localised_field_errors():
    """Re-raise a ``FormInvalidError`` whose codes this module knows with their messages."""
    try:
        yield
    except FormInvalidError as exc:
        raise FormInvalidError({field: [str(FIELD_MESSAGES.get(code, code)) for code in codes]
                                for field, codes in exc.field_errors.items()}) from exc
