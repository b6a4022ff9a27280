"""Masking of personal numbers (脱敏): resident ID numbers and phone numbers.

Lists, exports and the audit review show ``500234********1234`` and ``138****5678``; the full
numbers appear only on a loan page inside the reader's own scope (``loan_queries.shows_full_id_number``).
"""
from __future__ import annotations

import json

from . import resident_id

PHONE_KEEP_START, PHONE_KEEP_END = 3, 4


def mask_id_number(value: str | None) -> str | None:
    """``500234198006151234`` → ``500234********1234``; None stays None."""
    return resident_id.mask(value) if value else value


def mask_phone(value: str | None) -> str | None:
    """``13812345678`` → ``138****5678``; ``023-5222 1234`` → ``023****1234`` (digits counted, separators dropped).

    Numbers too short to hide anything in are hidden entirely.
    """
    if not value:
        return value
    digits = "".join(ch for ch in value if ch.isdigit())
    if len(digits) <= PHONE_KEEP_START + PHONE_KEEP_END:
        return "*" * len(digits)
    hidden = len(digits) - PHONE_KEEP_START - PHONE_KEEP_END
    return digits[:PHONE_KEEP_START] + "*" * hidden + digits[-PHONE_KEEP_END:]


def is_id_number_key(key: str) -> bool:
    return key.endswith("id_number")


def is_phone_key(key: str) -> bool:
    return "phone" in key or key in ("mobile", "telephone")


def mask_data(value):
    """JSON-like data (audit before/after, task data) with every ID and phone number masked, at any depth."""
    if isinstance(value, dict):
        return {key: _masked_item(str(key), item) for key, item in value.items()}
    if isinstance(value, list):
        return [mask_data(item) for item in value]
    return value


def _masked_item(key: str, item):
    if isinstance(item, str) and is_id_number_key(key):
        return mask_id_number(item)
    if isinstance(item, str) and is_phone_key(key):
        return mask_phone(item)
    return mask_data(item)


def masked_json(value) -> str:
    """``value`` masked and pretty-printed as JSON (Chinese kept readable), for review pages."""
    return json.dumps(mask_data(value), ensure_ascii=False, sort_keys=True, indent=1)
