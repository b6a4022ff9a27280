"""The one clock of the system (系统时钟): business time for the work, wall time for security.

Timestamps are UTC and timezone-aware; business dates (application, approval, due dates) are the
calendar day in Asia/Shanghai. Two clocks, and what moves each:

* ``now()`` / ``today()``, **business time** (业务日期): what the work reads (application and due
  dates, process timers, overdue days, reports). In order: ``frozen`` (tests) or ``held`` (the timer
  worker's sweep, ``timers run --now``), the innermost block winning; then the **stored business
  date** (the ``business_clock`` row, set by ``flask clock set`` or the administrator's page on a demo
  or test database: that day at the wall clock's time of day); else the wall clock.
* ``wall_now()``, **wall time**: what must never move with the business date (API token expiry,
  sign-in throttle and locks, session idle time, audit timestamps). Only ``frozen`` moves it.

The stored date is read at most once per database session (a request, or one sweep of the timer
worker: ``forget()`` starts afresh) and kept in ``session.info``; ``workflows.business_date`` forgets
it whenever it changes it, so this process sees a change at once, other processes on their next
request or sweep. Without an application context, or before the migration made the table, the
stored date counts as not set.
"""
from __future__ import annotations

from contextlib import contextmanager
from datetime import date, datetime, timezone
from weakref import WeakKeyDictionary
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import has_app_context

BUSINESS_TZ = ZoneInfo("Asia/Shanghai")
CACHE_KEY = "business_date"
_wall_at: datetime | None = None  # set by frozen()
_business_at: datetime | None = None  # set by frozen() and held(); the innermost block wins
_table_seen: WeakKeyDictionary = WeakKeyDictionary()  # engines known to have the business_clock table


def wall_now() -> datetime:
    """The real instant (UTC, aware), or the frozen one: never the business date."""
    return _wall_at if _wall_at is not None else datetime.now(timezone.utc)


def now() -> datetime:
    """The business instant (UTC, aware): frozen or held; else the stored date at the wall's time of day; else the wall."""
    if _business_at is not None:
        return _business_at
    stored, wall = stored_date(), wall_now()
    return wall if stored is None else at_time_of_day(stored, wall)


def today() -> date:
    """The business date in Asia/Shanghai."""
    return now().astimezone(BUSINESS_TZ).date()


def local(instant: datetime) -> datetime:
    """An instant shown in the district's local time."""
    return instant.astimezone(BUSINESS_TZ)


def at_time_of_day(day: date, instant: datetime) -> datetime:
    """``day`` at the Asia/Shanghai time of day of ``instant``, as a UTC instant."""
    return datetime.combine(day, local(instant).time(), BUSINESS_TZ).astimezone(timezone.utc)


def business_instant(business_day: date | None, occurred_at: datetime) -> datetime:
    """When an event happened in business time: its business date at its wall time of day (no date: the wall)."""
    return occurred_at if business_day is None else at_time_of_day(business_day, occurred_at)


def stored_date() -> date | None:
    """The stored business date, or ``None`` (not set, no app context, no table yet): one SELECT per session."""
    if not has_app_context():
        return None
    from models import db  # models import nothing of ours; the import stays out of pure unit tests

    info = db.session.info
    if CACHE_KEY not in info:
        info[CACHE_KEY] = _read_stored_date(db.session)
    return info[CACHE_KEY]


def _read_stored_date(session) -> date | None:
    from models import BusinessClock

    with session.no_autoflush:
        connection = session.connection()
        if not _has_table(connection):
            return None
        return session.scalar(sa.select(BusinessClock.business_date).where(BusinessClock.id == 1))


def _has_table(connection) -> bool:
    """Whether the migration made the table yet (asked once per engine; a missing table is asked again)."""
    engine = connection.engine
    if engine not in _table_seen:
        if not sa.inspect(connection).has_table("business_clock"):
            return False
        _table_seen[engine] = True
    return True


def forget() -> None:
    """Read the stored date afresh next time (after a change, at each request, at each sweep)."""
    if has_app_context():
        from models import db

        db.session.info.pop(CACHE_KEY, None)


@contextmanager
def frozen(at: datetime):
    """Hold the whole clock, wall and business time, at ``at`` (aware) inside the block (tests)."""
    global _wall_at, _business_at
    previous, (_wall_at, _business_at) = (_wall_at, _business_at), (_utc(at), _utc(at))
    try:
        yield
    finally:
        _wall_at, _business_at = previous


@contextmanager
def held(at: datetime):
    """Hold business time at ``at`` (aware) inside the block; wall time runs on (the timer worker's sweep)."""
    global _business_at
    previous, _business_at = _business_at, _utc(at)
    try:
        yield
    finally:
        _business_at = previous


def _utc(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError("the clock takes timezone-aware datetimes")
    return at.astimezone(timezone.utc)
