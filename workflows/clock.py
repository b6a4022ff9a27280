"""The one clock of the system. Tests and operators move it (``frozen``); nothing else reads time.

Timestamps are UTC and timezone-aware; business dates (application, approval, due dates) are the
calendar day in Asia/Shanghai.
"""
from __future__ import annotations

from contextlib import contextmanager
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

BUSINESS_TZ = ZoneInfo("Asia/Shanghai")
_frozen_at: datetime | None = None


def now() -> datetime:
    """The current instant (UTC, aware), or the frozen one."""
    return _frozen_at if _frozen_at is not None else datetime.now(timezone.utc)


def today() -> date:
    """The business date in Asia/Shanghai."""
    return now().astimezone(BUSINESS_TZ).date()


def local(instant: datetime) -> datetime:
    """An instant shown in the district's local time."""
    return instant.astimezone(BUSINESS_TZ)


@contextmanager
def frozen(at: datetime):
    """Hold the clock at ``at`` (aware) inside the block."""
    global _frozen_at
    if at.tzinfo is None:
        raise ValueError("the clock takes timezone-aware datetimes")
    previous, _frozen_at = _frozen_at, at.astimezone(timezone.utc)
    try:
        yield
    finally:
        _frozen_at = previous
