"""Searching the audit trail (审计查询) for the supervisor, and for the administrator over admin events.

Who sees what, in one place: a supervisor (区金融事务中心/银保监组) sees every event; an administrator
sees only the events of administration (``ADMIN_ACTIONS``); anyone else is refused. Dates in the
filters are business days in Asia/Shanghai: ``date_to`` includes the whole of that day.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from models import ROLES, AuditEvent, Bank, Township, User, db

from . import keyset, masking
from .clock import BUSINESS_TZ
from .errors import FormInvalidError, ForbiddenError
from .loan_queries import MAX_PAGE, MAX_PER_PAGE, Page

ADMIN_ACTIONS = frozenset({
    "process_deployed", "draft_saved", "instance_migrated", "policy_setting_added", "lpr_published",
    "user_created", "user_updated", "user_deactivated", "api_token_issued", "login", "logout", "login_failed",
})
EXPORT_LIMIT = 50_000  # rows per export; narrow the search for more
MAX_ID = 2**31 - 1  # a loan, household or user id above this exists nowhere (and overflows a database integer)
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2999, 12, 31)  # the days a filter may name (instants stay in range)
NEWEST_FIRST = keyset.Key("id", AuditEvent.id, AuditEvent.id, descending=True, parse=int)


def audit_scope(user: User | None) -> sa.ColumnElement[bool]:
    """The events ``user`` may review; ``ForbiddenError`` for anyone neither supervisor nor admin."""
    if user is None or not user.is_active or not user.has_role("supervisor", "admin"):
        raise ForbiddenError("only the supervisor and the administrator review the audit trail")
    if user.has_role("supervisor"):
        return sa.true()
    return AuditEvent.action.in_(sorted(ADMIN_ACTIONS))


def may_review(user: User | None) -> bool:
    return user is not None and user.is_active and user.has_role("supervisor", "admin")


def sees_loan_events(user: User | None) -> bool:
    return may_review(user) and user.has_role("supervisor")


@dataclass(frozen=True)
class AuditFilters:
    """Search terms; empty means any. ``user`` is a user id or a username."""

    loan: int | None = None
    household: int | None = None
    user: str | None = None
    role: str | None = None
    bank: str | None = None  # Bank.code
    township: str | None = None  # Township.code
    action: str | None = None
    task: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    page: int = 1
    per_page: int = 50
    cursor: str | None = None  # where the page starts (keyset, ``NEWEST_FIRST``); ``page`` is then not used

    ARG_NAMES = {"date_from": "from", "date_to": "to"}

    def __post_init__(self) -> None:
        errors = {**self._value_problems(), **self._range_problems()}
        if errors:
            raise FormInvalidError(errors)

    def _value_problems(self) -> dict[str, list[str]]:
        errors = {}
        if self.role and self.role not in (*ROLES, "system"):
            errors["role"] = ["unknown role"]
        for name in ("user", "bank", "township", "action", "task"):
            if "\x00" in (getattr(self, name) or ""):  # PostgreSQL text cannot hold NUL
                errors[name] = ["not a valid value"]
        if self.cursor:
            try:
                keyset.decode(self.cursor, NEWEST_FIRST)
            except ValueError:
                errors["cursor"] = ["not a cursor of this list and order"]
        return errors

    def _range_problems(self) -> dict[str, list[str]]:
        errors = {}
        if not 1 <= self.page <= MAX_PAGE:
            errors["page"] = [f"must be 1 to {MAX_PAGE}"]
        if not 1 <= self.per_page <= MAX_PER_PAGE:
            errors["per_page"] = [f"must be 1 to {MAX_PER_PAGE}"]
        for name, day in (("from", self.date_from), ("to", self.date_to)):
            if day and not FIRST_DAY <= day <= LAST_DAY:
                errors[name] = [f"a day from {FIRST_DAY} to {LAST_DAY}"]
        if self.date_from and self.date_to and self.date_from > self.date_to:
            errors.setdefault("to", ["must not be before from"])
        return errors

    @classmethod
    def from_args(cls, args) -> AuditFilters:
        """Filters from query arguments (``from``/``to`` for the dates); bad values raise ``FormInvalidError``."""
        values, errors = {}, {}
        for item in fields(cls):
            name = cls.ARG_NAMES.get(item.name, item.name)
            raw = (args.get(name) or "").strip()
            if not raw:
                continue
            try:
                values[item.name] = _convert(item.type, raw)
            except ValueError:
                errors[name] = ["not a valid value"]
        if errors:
            raise FormInvalidError(errors)
        return cls(**values)

    def args(self) -> dict[str, str]:
        """The filters as query arguments (no paging), for links and export URLs."""
        out = {}
        for item in fields(self):
            value = getattr(self, item.name)
            if value not in (None, "") and item.name not in ("page", "per_page", "cursor"):
                out[self.ARG_NAMES.get(item.name, item.name)] = value.isoformat() if isinstance(value, date) else str(value)
        return out


def _convert(type_name: str, raw: str):
    if "date" in type_name:
        return date.fromisoformat(raw)
    if "int" in type_name:
        if user_id(raw) is None:
            raise ValueError(raw)
        return int(raw)
    return raw


def user_id(text: str) -> int | None:
    """``text`` as an id (ASCII digits, 1 to ``MAX_ID``), or None: no id (a user filter then reads it as a name)."""
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(MAX_ID)):
        return None
    return int(text) if 1 <= int(text) <= MAX_ID else None


def local_day_start(day: date) -> datetime:
    """Midnight of ``day`` in Asia/Shanghai, as an aware instant."""
    return datetime.combine(day, time(), BUSINESS_TZ)


def filtered_events(user: User | None, filters: AuditFilters) -> sa.Select:
    """``select(AuditEvent)`` in the reviewer's scope, narrowed by ``filters`` (unsorted, unpaged)."""
    query = sa.select(AuditEvent).where(audit_scope(user))
    simple = {"loan": AuditEvent.loan_id, "household": AuditEvent.household_id, "role": AuditEvent.actor_role,
              "action": AuditEvent.action, "task": AuditEvent.task_name}
    for name, column in simple.items():
        if getattr(filters, name) is not None:
            query = query.where(column == getattr(filters, name))
    if filters.user:
        query = query.where(_actor(filters.user))
    if filters.bank:
        query = query.where(AuditEvent.bank_id.in_(sa.select(Bank.id).where(Bank.code == filters.bank)))
    if filters.township:
        query = query.where(AuditEvent.township_id.in_(sa.select(Township.id).where(Township.code == filters.township)))
    if filters.date_from:
        query = query.where(AuditEvent.occurred_at >= local_day_start(filters.date_from))
    if filters.date_to:
        query = query.where(AuditEvent.occurred_at < local_day_start(filters.date_to + timedelta(days=1)))
    return query


def _actor(user: str) -> sa.ColumnElement[bool]:
    if user_id(user) is not None:
        return AuditEvent.actor_id == user_id(user)
    return sa.or_(AuditEvent.actor_name == user, AuditEvent.actor_id.in_(sa.select(User.id).where(User.username == user)))


def search(user: User | None, filters: AuditFilters) -> Page:
    """One page of matching events, newest first, with the total counted up to ``keyset.CAP``: from
    ``filters.cursor`` (keyset: one index range however deep) or, for the clients that page by
    number, from ``filters.page``."""
    cursor = keyset.decode(filters.cursor, NEWEST_FIRST) if filters.cursor else None
    found = keyset.page(filtered_events(user, filters), NEWEST_FIRST, cursor, filters.per_page,
                        execute=lambda statement: list(db.session.scalars(statement)),
                        value_of=lambda event: event.id, id_of=lambda event: event.id,
                        offset=0 if cursor else (filters.page - 1) * filters.per_page)
    return Page(found.items, found.total, filters.page, filters.per_page, found.next_cursor, found.previous_cursor,
                found.total_capped)


def export_events(user: User | None, filters: AuditFilters) -> list[AuditEvent]:
    """Every matching event (oldest first), at most ``EXPORT_LIMIT``."""
    query = filtered_events(user, filters).order_by(AuditEvent.id).limit(EXPORT_LIMIT)
    return list(db.session.scalars(query))


def loan_events(user: User | None, loan_id: int) -> list[AuditEvent]:
    """The loan's events, oldest first (the audit timeline): the supervisor only."""
    if not sees_loan_events(user):
        raise ForbiddenError("only the supervisor reviews a loan's audit trail")
    query = sa.select(AuditEvent).where(AuditEvent.loan_id == loan_id)
    return list(db.session.scalars(query.order_by(AuditEvent.occurred_at, AuditEvent.id)))


def action_choices(user: User | None) -> list[str]:
    """The actions that occur in the reviewer's scope, for the filter menu."""
    query = sa.select(AuditEvent.action).where(audit_scope(user)).distinct().order_by(AuditEvent.action)
    return list(db.session.scalars(query))


def task_choices() -> list[str]:
    query = sa.select(AuditEvent.task_name).where(AuditEvent.task_name.is_not(None)).distinct()
    return list(db.session.scalars(query.order_by(AuditEvent.task_name)))


EXPORT_FIELDS = ("id", "occurred_at", "action", "task_name", "actor_name", "actor_display_name", "actor_role",
                 "ip_address", "loan_id", "household_id", "township", "bank", "comment", "codes", "before",
                 "after", "hash")


def export_rows(events: list[AuditEvent]) -> list[list]:
    """One row per event in ``EXPORT_FIELDS`` order; before/after as JSON text with ID and phone numbers masked."""
    names = _lookup(User, User.display_name, {e.actor_id for e in events})
    townships = _lookup(Township, Township.code, {e.township_id for e in events})
    banks = _lookup(Bank, Bank.code, {e.bank_id for e in events})
    return [[event.id, event.occurred_at, event.action, event.task_name, event.actor_name, names.get(event.actor_id),
             event.actor_role, event.ip_address, event.loan_id, event.household_id, townships.get(event.township_id),
             banks.get(event.bank_id), event.comment, " ".join(event.codes or []), _json(event.before),
             _json(event.after), event.hash] for event in events]


def _lookup(model, column, ids) -> dict:
    ids = {i for i in ids if i is not None}
    return dict(db.session.execute(sa.select(model.id, column).where(model.id.in_(ids))).all()) if ids else {}


def _json(value) -> str | None:
    return None if value is None else json.dumps(masking.mask_data(value), ensure_ascii=False, sort_keys=True)


def event_for(user: User | None, event_id: int | None) -> AuditEvent | None:
    """One event in the reviewer's scope (None if missing or outside it)."""
    if event_id is None:
        return None
    return db.session.scalars(sa.select(AuditEvent).where(audit_scope(user), AuditEvent.id == event_id)).first()


def actor_of(filters: AuditFilters) -> User | None:
    """The user the search is narrowed to (per-user activity), if any."""
    if not filters.user:
        return None
    number = user_id(filters.user)
    condition = User.id == number if number is not None else User.username == filters.user
    return db.session.scalars(sa.select(User).where(condition)).first()


def display_names(events: list[AuditEvent]) -> dict[int, str]:
    return _lookup(User, User.display_name, {e.actor_id for e in events})
