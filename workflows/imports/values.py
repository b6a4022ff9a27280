"""Parse the text of one cell: dates, amounts, rates, whole numbers. ``None`` means unreadable."""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

DATE_RE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
MAX_MONEY = Decimal("999999999999.99")  # Numeric(14, 2)


def parse_date(text: str) -> date | None:
    text = text.strip()
    if len(text) == 8 and text.isdigit():
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    match = DATE_RE.match(text)
    if not match:
        return None
    try:
        return date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def parse_decimal(text: str, places: int) -> Decimal | None:
    """A finite number with at most ``places`` decimals (thousands separators allowed)."""
    try:
        number = Decimal(text.replace(",", "").replace("，", "").strip())
    except InvalidOperation:
        return None
    if not number.is_finite() or -number.as_tuple().exponent > places:
        return None
    return number


def parse_money(text: str) -> Decimal | None:
    number = parse_decimal(text, 2)
    return number if number is not None and number <= MAX_MONEY else None


def parse_rate(text: str) -> Decimal | None:
    """Percent per year, ``3.85`` or ``3.85%``."""
    return parse_decimal(text.rstrip("%％"), 4)


def parse_int(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.isdigit() and len(text) < 6 else None
