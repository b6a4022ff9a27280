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

``frozen`` is process-wide (a test freezes the threads it starts too); ``held`` belongs to the thread
that holds it (two web requests or two sweeps never see each other's). Each block removes its own
entry when it ends, whatever the order blocks end in, so threads ending out of order leak nothing.

The stored date is read at most once per database session (a request, or one sweep of the timer
worker: ``forget()`` starts afresh) and kept in ``session.info``; ``workflows.business_date`` forgets
it whenever it changes it, so this process sees a change at once, other processes on their next
request or sweep. Without an application context, or before the migration made the table, the
stored date counts as not set.
"""
from __future__ import annotations

import functools
import itertools
import threading
from contextlib import contextmanager
from datetime import date, datetime, timezone
from weakref import WeakKeyDictionary
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import has_app_context

BUSINESS_TZ = ZoneInfo("Asia/Shanghai")
CACHE_KEY = "business_date"
_order = itertools.count()  # the block entered last is innermost
_frozen: list[tuple[int, datetime]] = []  # process-wide: (order, instant) of each open frozen() block
_lock = threading.Lock()
_held = threading.local()  # per thread: .blocks, a list of (order, instant) of its open held() blocks
_table_seen: WeakKeyDictionary = WeakKeyDictionary()  # engines known to have the business_clock table


def wall_now() -> datetime:
    """The real instant (UTC, aware), or the frozen one: never the business date."""
    frozen_at = _innermost(_frozen)
    return frozen_at[1] if frozen_at is not None else datetime.now(timezone.utc)


def now() -> datetime:
    """The business instant (UTC, aware): frozen or held; else the stored date at the wall's time of day; else the wall."""
    overridden = overridden_at()
    if overridden is not None:
        return overridden
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
    with session.no_autoflush:
        connection = session.connection()
        if not _has_table(connection):
            return None
        return connection.scalar(_stored_date_query())


@functools.cache
def _stored_date_query() -> sa.Select:
    """Core, built once: every request reads the date, and a statement used again keeps its cache key."""
    from models import BusinessClock

    table = BusinessClock.__table__
    return sa.select(table.c.business_date).where(table.c.id == 1)


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


def overridden_at() -> datetime | None:
    """The instant of the innermost open ``frozen``/``held`` block this thread sees, or ``None``."""
    frozen_at, held_at = _innermost(_frozen), _innermost(_held_blocks())
    if frozen_at is None or held_at is None:
        block = frozen_at or held_at
    else:
        block = max(frozen_at, held_at)
    return None if block is None else block[1]


def _held_blocks() -> list[tuple[int, datetime]]:
    if not hasattr(_held, "blocks"):
        _held.blocks = []
    return _held.blocks


def _innermost(blocks: list[tuple[int, datetime]]) -> tuple[int, datetime] | None:
    return blocks[-1] if blocks else None


@contextmanager
def _block(blocks: list[tuple[int, datetime]], at: datetime):
    entry = (next(_order), _utc(at))
    with _lock:
        blocks.append(entry)
    try:
        yield
    finally:
        with _lock:
            blocks.remove(entry)  # its own entry, not "the previous value": out-of-order ends leak nothing


@contextmanager
def frozen(at: datetime):
    """Hold the whole clock, wall and business time, at ``at`` (aware) inside the block, for every thread (tests)."""
    with _block(_frozen, at):
        yield


@contextmanager
def held(at: datetime):
    """Hold this thread's business time at ``at`` (aware) inside the block; wall time runs on (a timer sweep)."""
    with _block(_held_blocks(), at):
        yield


def is_overridden() -> bool:
    """Whether any frozen block is open, or a held block in this thread (tests check nothing is left open)."""
    return bool(_frozen) or bool(_held_blocks())


def _utc(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError("the clock takes timezone-aware datetimes")
    return at.astimezone(timezone.utc)
