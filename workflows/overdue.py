"""Days past due and the five-category risk class (逾期天数, 贷款五级分类), recomputed by the timer worker.

Set-based: one query over every loan in an outstanding status with principal left, whatever their
number, and one executemany UPDATE of those that change (with a count and three setting reads: the
statements do not grow with the loans), then the loans' history rows (``loan_history.record_changes``,
three statements; with every loan it also catches up any change written outside the ORM).
Each loan's days past due come from its repayment book, as ``money.repayment.days_past_due`` reads
it (``repayments.owed(loan, day).days_past_due``), never from workflow state:

- a schedule line is *due* on ``day`` when it and every line before it (by ``seq``) fall due on or
  before ``day``; it is *unpaid* when the cumulative principal or interest of the lines up to it is
  more than the principal (matched: without ``principal_early``) or interest of the standing
  repayments paid on or before ``day``;
- days past due = ``day`` − the due date of the first unpaid due line (0 if none).

Thresholds are dated policy settings (``risk_threshold_substandard`` / ``_doubtful`` / ``_loss``),
as ``money.risk_class``. An active or extended loan with days past due becomes ``overdue``; an
overdue loan brought up to date goes back to ``active`` (``extended`` if it was extended). Loans in
recovery keep their status. A loan without schedule lines is left exactly as it is: its book cannot
say, so nothing is guessed (an imported loan imported as overdue stays overdue until its schedule
is built, and then its schedule decides).
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

from models import OUTSTANDING_STATUSES, Loan, db
from models.repayment import Repayment, RepaymentScheduleLine

from . import loan_history, policy
from .money.risk_class import RISK_CLASSES

THRESHOLD_KEYS = ("risk_threshold_substandard", "risk_threshold_doubtful", "risk_threshold_loss")


@dataclass
class OverdueReport:
    checked: int = 0
    changed: int = 0


class days_since(FunctionElement):
    """``day − column`` in whole days, on SQLite and PostgreSQL."""

    type = sa.Integer()
    inherit_cache = True


@compiles(days_since)
def _days_since_sqlite(element, compiler, **kw):
    day, column = list(element.clauses)
    return f"CAST(julianday({compiler.process(day, **kw)}) - julianday({compiler.process(column, **kw)}) AS INTEGER)"


@compiles(days_since, "postgresql")
def _days_since_postgresql(element, compiler, **kw):
    day, column = list(element.clauses)
    return f"(CAST({compiler.process(day, **kw)} AS DATE) - {compiler.process(column, **kw)})"


def thresholds(day: date) -> tuple[int, int, int, int]:
    return (0, *(int(policy.setting(key, day)) for key in THRESHOLD_KEYS))


def _outstanding(loan_ids=None) -> list:
    where = [Loan.status.in_(OUTSTANDING_STATUSES), Loan.principal_outstanding > 0]
    return where + ([Loan.id.in_(loan_ids)] if loan_ids is not None else [])


def days_past_due_query(day: date, loan_ids=None) -> sa.Subquery:
    """``(loan_id, days)`` for every outstanding loan with schedule lines, on ``day``."""
    line, paid_day = RepaymentScheduleLine, sa.literal(day, sa.Date)
    loans = sa.select(Loan.id).where(*_outstanding(loan_ids)).correlate(None).scalar_subquery()
    paid = (sa.select(Repayment.loan_id, sa.func.sum(Repayment.principal - Repayment.principal_early).label("principal"),
                      sa.func.sum(Repayment.interest).label("interest"))
            .where(Repayment.paid_on <= day, Repayment.standing(), Repayment.loan_id.in_(loans))
            .group_by(Repayment.loan_id).subquery("paid"))
    window = {"partition_by": line.loan_id, "order_by": line.seq}
    running = (sa.select(line.loan_id, line.seq, line.due_on,
                         sa.func.max(line.due_on).over(**window).label("latest_due"),
                         sa.func.sum(line.principal).over(**window).label("principal"),
                         sa.func.sum(line.interest).over(**window).label("interest"))
               .where(line.loan_id.in_(loans)).subquery("running"))
    paid_principal, paid_interest = sa.func.coalesce(paid.c.principal, 0), sa.func.coalesce(paid.c.interest, 0)
    unpaid = (sa.select(running.c.loan_id, sa.func.min(running.c.seq).label("seq"))
              .outerjoin(paid, paid.c.loan_id == running.c.loan_id)
              .where(running.c.latest_due <= paid_day,
                     sa.or_(running.c.principal > paid_principal, running.c.interest > paid_interest))
              .group_by(running.c.loan_id).subquery("unpaid"))
    oldest = aliased(line, name="oldest")
    scheduled = sa.select(line.loan_id).where(line.loan_id.in_(loans)).distinct().subquery("scheduled")
    days = sa.func.coalesce(days_since(paid_day, oldest.due_on), 0)
    return (sa.select(scheduled.c.loan_id, days.label("days"))
            .outerjoin(unpaid, unpaid.c.loan_id == scheduled.c.loan_id)
            .outerjoin(oldest, sa.and_(oldest.loan_id == unpaid.c.loan_id, oldest.seq == unpaid.c.seq))
            .subquery("book"))


def _risk_class(days, bounds: tuple[int, ...]):
    return sa.case(*((days <= bound, code) for code, bound in zip(RISK_CLASSES, bounds)), else_=RISK_CLASSES[-1])


def _status(days):
    back = sa.case((Loan.extension_count > 0, "extended"), else_="active")
    return sa.case((sa.and_(days > 0, Loan.status.in_(("active", "extended"))), "overdue"),
                   (sa.and_(days == 0, Loan.status == "overdue"), back), else_=Loan.status)


@contextmanager
def _hash_joins():
    """On PostgreSQL, no nested loop for the one query: when the statistics lag behind the table
    (after a bulk import, or a day that moved many loans) the planner expects one loan, joins in a
    nested loop and runs the window aggregate once per loan: 26 s per 1,000 loans at 10,000, instead
    of well under 0.1 s. Local to the transaction and reset right after."""
    if db.session.get_bind().dialect.name != "postgresql":
        yield
        return
    db.session.execute(sa.text("SET LOCAL enable_nestloop = off"))
    try:
        yield
    finally:
        db.session.execute(sa.text("SET LOCAL enable_nestloop = on"))


def recompute(day: date, loan_ids=None) -> OverdueReport:
    """Update ``days_past_due``, ``risk_class`` and the overdue status of every outstanding loan (or of
    ``loan_ids``) on ``day``, in the caller's transaction; ``changed`` counts the loans updated.

    One SELECT computes the new figures of every loan and keeps those that change; one executemany
    UPDATE by primary key writes them.
    """
    bounds = thresholds(day)
    db.session.flush()
    report = OverdueReport(checked=db.session.scalar(sa.select(sa.func.count()).select_from(Loan)
                                                      .where(*_outstanding(loan_ids))))
    book = days_past_due_query(day, loan_ids)
    risk, status = _risk_class(book.c.days, bounds), _status(book.c.days)
    query = (sa.select(Loan.id, book.c.days, risk, status).join(book, book.c.loan_id == Loan.id)
             .where(*_outstanding(loan_ids), sa.or_(Loan.days_past_due != book.c.days, Loan.risk_class != risk,
                                                    Loan.status != status)))
    with _hash_joins():
        changes = db.session.execute(query).all()
    if changes:
        db.session.execute(sa.update(Loan), [{"id": loan_id, "days_past_due": days, "risk_class": code,
                                              "status": state} for loan_id, days, code, state in changes])
        changed = {row[0] for row in changes}
        for item in list(db.session.identity_map.values()):  # loans already loaded read the new figures
            if isinstance(item, Loan) and item.id in changed:
                db.session.expire(item, ["days_past_due", "risk_class", "status", "updated_at"])
    report.changed = len(changes)
    loan_history.record_changes(loan_ids, day)  # set-based too: a fixed number of statements
    return report
