"""Set and reset the stored business date (业务日期设置), on a demo or test database only.

The date holds until it is changed; the time of day follows the wall clock (``workflows/clock.py``).
It may be set where the ``business_clock`` row is marked ``settable`` (``seed-demo`` marks its
database) or where the caller says the configuration allows it (``BUSINESS_DATE_SETTABLE``); else
the change is refused with ``business_date_not_settable``. Going back to the wall clock is always
allowed. Moving the date backwards is allowed (a trainer replays a month) and reported, so the page
can warn: timers already fired stay fired, and dates recorded meanwhile stay as they were. Every
change is one transaction with its audit event.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from models import BusinessClock, User, db

from . import audit, clock
from .errors import PolicyViolationError
from .unit_of_work import unit_of_work

NOT_SETTABLE = "business_date_not_settable"
EARLIEST, LATEST = date(2000, 1, 1), date(2999, 12, 31)
OUT_OF_RANGE = "date_out_of_range"


@dataclass(frozen=True)
class ClockState:
    """What the clock pages and the API show: the stored date (or None), today and now in business and wall time."""

    business_date: date | None
    settable: bool
    today: date
    now: datetime
    wall_now: datetime
    changed_at: datetime | None = None
    changed_by: str | None = None

    @property
    def wall_today(self) -> date:
        return clock.local(self.wall_now).date()


@dataclass(frozen=True)
class Change:
    """A change made: the date before and after, and whether it went backwards (the page warns)."""

    before: date | None
    after: date | None

    @property
    def backwards(self) -> bool:
        return self.before is not None and self.after is not None and self.after < self.before


def _row() -> BusinessClock | None:
    return db.session.get(BusinessClock, 1)


def _row_for_update() -> BusinessClock:
    row = db.session.get(BusinessClock, 1, with_for_update=True)
    if row is None:
        row = BusinessClock(id=1, settable=False)
        db.session.add(row)
    return row


def state(allowed_by_config: bool = False) -> ClockState:
    """The clock as it stands (reads the row once)."""
    row = _row()
    user = db.session.get(User, row.changed_by_id) if row is not None and row.changed_by_id else None
    return ClockState(
        business_date=row.business_date if row else None,
        settable=allowed_by_config or bool(row and row.settable),
        today=clock.today(), now=clock.now(), wall_now=clock.wall_now(),
        changed_at=row.changed_at if row else None, changed_by=user.username if user else None)


def is_settable(allowed_by_config: bool = False) -> bool:
    row = _row()
    return allowed_by_config or bool(row and row.settable)


@unit_of_work
def set_date(actor: audit.Actor, day: date, *, allowed_by_config: bool = False) -> Change:
    """Make ``day`` the business date of the whole application until it is changed or reset."""
    if not EARLIEST <= day <= LATEST:
        raise PolicyViolationError([OUT_OF_RANGE], {"business_date": [OUT_OF_RANGE]})
    row = _row_for_update()
    if not (allowed_by_config or row.settable):
        raise PolicyViolationError([NOT_SETTABLE], {"business_date": [NOT_SETTABLE]})
    return _change(actor, row, day, "business_date_set")


@unit_of_work
def reset(actor: audit.Actor) -> Change:
    """Back to the wall clock's date (always allowed)."""
    return _change(actor, _row_for_update(), None, "business_date_reset")


def _change(actor: audit.Actor, row: BusinessClock, day: date | None, action: str) -> Change:
    change = Change(row.business_date, day)
    row.business_date, row.changed_at, row.changed_by_id = day, clock.wall_now(), actor.user_id
    db.session.flush()
    clock.forget()
    audit.record(action, actor, before={"business_date": change.before},
                 after={"business_date": change.after, "backwards": change.backwards})
    clock.forget()  # read afresh after the commit (or the rollback) of this transaction
    return change


@unit_of_work
def mark_settable() -> None:
    """Mark this database as one whose business date may be set (``seed-demo``)."""
    _row_for_update().settable = True
