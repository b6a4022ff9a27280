"""What every report shares: the filters, the result shape, the registry entry and the scope.

Scope (who sees which figures) is ``loan_queries.loan_scope``'s: a township clerk the loans of their
township, bank staff their bank's, the district roles everything. Reports are for the district's
readers (supervisor, finance bureau, rural-revitalisation bureau) and, scoped, for clerks and bank
staff; the administrator configures the system and sees no reports (``may_view_reports``).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa

from models import Bank, Township, User, db

from .. import clock
from ..errors import FormInvalidError, ForbiddenError
from ..loan_queries import loan_scope
from ..permissions import BANK_ROLES, TOWNSHIP_ROLES

REPORT_ROLES = frozenset({"supervisor", "finance_bureau", "rural_bureau", "township_clerk", "bank_officer",
                          "bank_approver"})
DISTRICT_ROLES = frozenset({"supervisor", "finance_bureau", "rural_bureau"})
COLUMN_KINDS = ("text", "int", "money", "percent", "date")
ZERO = Decimal("0.00")
CENT = Decimal("0.01")
MAX_RANGE_DAYS = 366 * 10


def may_view_reports(user: User | None) -> bool:
    return user is not None and user.is_active and bool(user.roles & REPORT_ROLES)


def require_reader(user: User | None) -> User:
    if not may_view_reports(user):
        raise ForbiddenError("reports are for the supervisor, the bureaus, township clerks and bank staff")
    return user


def township_scope(user: User) -> int | None:
    """The township a clerk is held to (``None``: every township)."""
    if user.roles & DISTRICT_ROLES or user.roles & BANK_ROLES:
        return None
    return user.township_id if user.roles & TOWNSHIP_ROLES else -1


def percent(part, whole) -> Decimal:
    """``part / whole`` in percent, two decimals (0 when ``whole`` is 0)."""
    if not whole:
        return ZERO
    return (Decimal(part) * 100 / Decimal(whole)).quantize(CENT, ROUND_HALF_UP)


def money(value) -> Decimal:
    return Decimal(str(value or 0)).quantize(CENT)


@dataclass(frozen=True)
class ReportFilters:
    """The period ``[date_from, date_to]`` (business dates, inclusive) and optional township and bank codes."""

    date_from: date
    date_to: date
    township: str | None = None
    bank: str | None = None
    cursor: str | None = None  # a paged report's page (keyset cursor); the first page without one

    @classmethod
    def from_args(cls, args, default_days: int | None = None) -> ReportFilters:
        """From query arguments ``from``, ``to``, ``township``, ``bank``; bad values raise ``FormInvalidError``.

        Defaults: ``to`` today, ``from`` the first of January of ``to``'s year (or ``default_days`` before
        ``to``, inclusive, for the weekly reports).
        """
        errors, values = {}, {}
        for name in ("from", "to"):
            raw = (args.get(name) or "").strip()
            try:
                values[name] = date.fromisoformat(raw) if raw else None
            except ValueError:
                errors[name] = ["not a valid date (YYYY-MM-DD)"]
        if errors:
            raise FormInvalidError(errors)
        date_to = values["to"] or clock.today()
        if values["from"]:
            date_from = values["from"]
        elif default_days:
            date_from = date_to - timedelta(days=default_days - 1)
        else:
            date_from = date(date_to.year, 1, 1)
        if date_from > date_to:
            raise FormInvalidError({"to": ["must not be before from"]})
        if (date_to - date_from).days > MAX_RANGE_DAYS:
            raise FormInvalidError({"from": [f"the period is at most {MAX_RANGE_DAYS} days"]})
        township = (args.get("township") or "").strip()[:32] or None
        bank = (args.get("bank") or "").strip()[:32] or None
        return cls(date_from, date_to, township, bank, (args.get("cursor") or "").strip() or None)

    def as_args(self) -> dict[str, str]:
        args = {"from": self.date_from.isoformat(), "to": self.date_to.isoformat()}
        args.update({k: v for k, v in (("township", self.township), ("bank", self.bank)) if v})
        return args

    @property
    def as_of(self) -> date:
        """The day the point-in-time figures (balances, days past due, risk classes) are read from the loan
        history (``loan_history.as_of``): the end date."""
        return self.date_to

    @property
    def start_instant(self) -> datetime:
        """The period's first instant (midnight of ``date_from`` in Asia/Shanghai)."""
        return datetime.combine(self.date_from, time(0), tzinfo=clock.BUSINESS_TZ)

    @property
    def end_instant(self) -> datetime:
        """The instant after the period (midnight after ``date_to`` in Asia/Shanghai), exclusive."""
        return datetime.combine(self.date_to + timedelta(days=1), time(0), tzinfo=clock.BUSINESS_TZ)


@dataclass(frozen=True)
class Column:
    """A column: ``key`` (the webapp translates it into a header) and ``kind`` (how to show it)."""

    key: str
    kind: str = "int"


@dataclass
class ReportResult:
    """A report's figures: the table (``rows`` aligned with ``columns``), its ``totals`` row (or ``None``),
    key figures in ``summary`` (``{key: value}``) and the ``chart`` (``{"labels": [...], "series": {key: [...]}}``).
    """

    columns: list[Column]
    rows: list[list]
    totals: list | None = None
    chart: dict = field(default_factory=dict)
    summary: dict = field(default_factory=dict)
    next_cursor: str | None = None  # a paged report (应贷未贷): the pages after and before this one
    previous_cursor: str | None = None


@dataclass(frozen=True)
class ReportDefinition:
    """A report in the registry: its English title, its function and how its chart is drawn."""

    title: str
    function: Callable[[User, ReportFilters], ReportResult]
    chart: str  # "bar", "stacked_bar", "doughnut"
    default_days: int | None = None  # the default period length; None: the year to date
    as_of: bool = False  # its balances, days past due and risk classes are the loan history's as of the end date


def scoped_loans(user: User, filters: ReportFilters, model) -> sa.ColumnElement[bool]:
    """The condition on ``model`` (Loan) for the user's scope and the township and bank filters."""
    clauses = [loan_scope(user)]
    if filters.township:
        clauses.append(model.township_id.in_(sa.select(Township.id).where(Township.code == filters.township)))
    if filters.bank:
        clauses.append(model.bank_id.in_(sa.select(Bank.id).where(Bank.code == filters.bank)))
    return sa.and_(*clauses)


def townships(user: User, filters: ReportFilters) -> list[Township]:
    """The townships the user's reports list (a clerk: their own), narrowed by the township filter."""
    query = sa.select(Township).order_by(Township.code)
    held = township_scope(user)
    if held is not None:
        query = query.where(Township.id == held)
    if filters.township:
        query = query.where(Township.code == filters.township)
    return list(db.session.scalars(query))


def banks(user: User, filters: ReportFilters) -> list[Bank]:
    """The banks the user's reports list (bank staff: their own), narrowed by the bank filter."""
    query = sa.select(Bank).order_by(Bank.code)
    if not user.roles & DISTRICT_ROLES and user.roles & BANK_ROLES:
        query = query.where(Bank.id == user.bank_id)
    if filters.bank:
        query = query.where(Bank.code == filters.bank)
    return list(db.session.scalars(query))


def total_row(rows: list[list], columns: list[Column], label: str = "total") -> list:
    """The sums of the int and money columns (other columns blank; the first holds ``label``)."""
    totals: list = [label]
    for index, column in enumerate(columns[1:], start=1):
        if column.kind == "int":
            totals.append(sum(int(row[index]) for row in rows))
        elif column.kind == "money":
            totals.append(sum((row[index] for row in rows), ZERO))
        else:
            totals.append(None)
    return totals
