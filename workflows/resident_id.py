"""居民身份证号码: the 18-digit resident ID, its checksum and the birth date it carries.

Validation is python-stdnum's (``stdnum.cn.ric``), not ours.
"""
from __future__ import annotations

from datetime import date

from stdnum import numdb
from stdnum.cn import ric
from stdnum.exceptions import (
    InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength, ValidationError,
)
from stdnum.util import isdigits


class InvalidResidentIdError(ValueError):
    """The number is not a valid 18-digit resident ID (length, digits, date or checksum)."""


def normalise(id_number: str) -> str:
    """The canonical form (upper-case X, no spaces), validated; raises ``InvalidResidentIdError``.

    Length, digits, check digit, birth date and region code are python-stdnum's checks. We do not
    use ``ric.validate`` whole: it also refuses a region code assigned after the birth year, which
    turns away every Kaizhou resident born before Chongqing's codes (500xxx) existed in 1997, and
    they re-registered under 500234 long ago.
    """
    number = ric.compact(id_number or "")
    try:
        if len(number) != 18:
            raise InvalidLength()
        if not isdigits(number[:-1]):
            raise InvalidFormat()
        if number[-1] != ric.calc_check_digit(number):
            raise InvalidChecksum()
        ric.get_birth_date(number)
        if not numdb.get("cn/loc").info(number[:6])[0][1]:
            raise InvalidComponent()
    except ValidationError as exc:
        raise InvalidResidentIdError(str(exc)) from exc
    return number


def birth_date(id_number: str) -> date:
    return ric.get_birth_date(normalise(id_number))


def age_on(id_number: str, day: date) -> int:
    """Age in whole years on ``day``: the birthday itself counts (a 29 February birthday falls on 1 March)."""
    born = birth_date(id_number)
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def mask(id_number: str) -> str:
    """``500234********1234``: the region code and the last four digits only."""
    return id_number[:6] + "*" * (len(id_number) - 10) + id_number[-4:] if len(id_number) > 10 else id_number


def compose(region: str, born: date, sequence: int) -> str:
    """Build a valid number (check digit from stdnum) for demo data and tests."""
    body = f"{region}{born:%Y%m%d}{sequence:03d}"
    return body + ric.calc_check_digit(body + "0")
