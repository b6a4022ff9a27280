"""Messages of the API's own field codes (the household list), in the caller's language."""
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


@contextmanager
def localised_field_errors():
    """Re-raise a ``FormInvalidError`` whose codes this module knows with their messages."""
    try:
        yield
    except FormInvalidError as exc:
        raise FormInvalidError({field: [str(FIELD_MESSAGES.get(code, code)) for code in codes]
                                for field, codes in exc.field_errors.items()}) from exc
