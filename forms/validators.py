"""Format checks shared by the task forms: resident ID, decimals, fields required by another's value.

Forms check types, presence and formats only; the numbers of POLICY.md are the DMN tables' and
the services' business (they answer with rule codes).
"""
from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from stdnum.cn import ric
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.util import isdigits
from wtforms.validators import StopValidation, ValidationError


def resident_id_problem(value: str) -> str | None:
    """Why ``value`` is not an 18-digit resident ID (居民身份证号码), or None; stdnum does the checks."""
    number = ric.compact(value or "")
    if len(number) != 18:
        return _l("A resident ID has 18 characters.")
    if not isdigits(number[:-1]) or not (isdigits(number[-1]) or number[-1] == "X"):
        return _l("A resident ID has 17 digits and a last digit or X.")
    try:
        ric.get_birth_date(number)
    except StdnumError:
        return _l("The birth date in this resident ID does not exist.")
    if number[-1] != ric.calc_check_digit(number):
        return _l("The check digit of this resident ID is wrong.")
    return None


def compact_resident_id(value: str | None) -> str | None:
    """The canonical form: no spaces at all, upper-case X (a filter: it runs before validation)."""
    return ric.compact("".join(value.split())) if value else value


class ResidentId:
    """The field holds a well-formed 18-digit resident ID with a correct check digit."""

    def __call__(self, form, field) -> None:
        problem = resident_id_problem(field.data or "")
        if problem is not None:
            raise ValidationError(problem)


class MaxDecimals:
    """At most ``places`` digits after the decimal point (fen for money)."""

    def __init__(self, places: int = 2):
        self.places = places

    def __call__(self, form, field) -> None:
        value = field.data
        if isinstance(value, Decimal) and value.as_tuple().exponent < -self.places:
            raise ValidationError(_l("Use at most %(places)d decimals.", places=self.places))


class AtLeast:
    """A whole number not below ``minimum`` (a type error is the field's own message, not a second one)."""

    def __init__(self, minimum: int, message):
        self.minimum, self.message = minimum, message
        self.field_flags = {"min": minimum}

    def __call__(self, form, field) -> None:
        if field.data is not None and field.data < self.minimum:
            raise ValidationError(self.message)


class Positive:
    """A number greater than zero (an amount, a rate)."""

    def __call__(self, form, field) -> None:
        if field.data is not None and field.data <= 0:
            raise ValidationError(_l("Must be greater than zero."))


class FitsStorage:
    """A number the database column can hold: a technical limit, not a policy one (the DMN has those)."""

    MONEY = Decimal("999999999999.99")  # Numeric(14, 2)
    MONTHS = 1200

    def __init__(self, limit):
        self.limit = limit

    def __call__(self, form, field) -> None:
        if field.data is not None and field.data > self.limit:
            raise ValidationError(_l("The number is too large."))


class RequiredIf:
    """Required when the field ``other`` has one of ``values``; otherwise optional (like ``Optional``).

    ``ApproveLoanForm`` needs the terms only to approve and the comment only to reject or return.
    A value that is given is checked by the rest of the chain either way.
    """

    field_flags = {"optional": True}

    def __init__(self, other: str, *values: str, message=None):
        self.other, self.values, self.message = other, values, message

    def __call__(self, form, field) -> None:
        if field.raw_data and any(str(v).strip() for v in field.raw_data):
            return
        field.errors[:] = []
        if form[self.other].data in self.values:
            raise StopValidation(self.message or _l("This field is required."))
        raise StopValidation()
