"""Loans imported before the lifecycle existed (存量贷款补建还款计划与贷后流程): the data fix.

Until issue 10 an imported loan got no schedule and no post-loan process, so the daily recompute
set it back to current. ``pending()`` finds them: outstanding loans with a ``loan_imported`` audit
event and no schedule line. ``backfill(day)`` gives each, one transaction per loan, what the import
gives now (``lifecycle``): the opening book with the days past due as the import derived them (the
days since maturity, 0 before it), status and risk class, and the post-loan process. A loan with
repayments already recorded, or whose figures admit no book, is left as it is and reported.
Running it again finds nothing more to do. ``flask --app webapp imports backfill-lifecycle`` runs it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from models import OUTSTANDING_STATUSES, AuditEvent, Loan, db
from models.repayment import Repayment, RepaymentScheduleLine

from .. import audit
from ..audit import Actor
from ..unit_of_work import unit_of_work
from . import lifecycle
from .opening import InconsistentBookError


@dataclass
class BackfillReport:
    done: list[int] = field(default_factory=list)
    skipped: dict[int, str] = field(default_factory=dict)  # loan id → reason code


def pending() -> list[int]:
    """Ids of outstanding imported loans without a schedule, oldest first."""
    imported = sa.select(AuditEvent.loan_id).where(AuditEvent.action == "loan_imported")
    has_lines = sa.select(RepaymentScheduleLine.id).where(RepaymentScheduleLine.loan_id == Loan.id).exists()
    return list(db.session.scalars(sa.select(Loan.id).where(
        Loan.id.in_(imported), Loan.status.in_(OUTSTANDING_STATUSES), ~has_lines).order_by(Loan.id)))


def row_data(loan: Loan, day: date) -> dict:
    """The loan's columns as the import's checked row would hold them."""
    return {"disbursed_on": loan.disbursed_on, "maturity_date": loan.maturity_date, "amount": loan.approved_amount,
            "annual_rate": loan.annual_rate, "principal_outstanding": loan.principal_outstanding,
            "days_past_due": max(0, (day - loan.maturity_date).days), "in_recovery": loan.status == "recovering"}


@unit_of_work
def backfill_loan(actor: Actor, loan_id: int, day: date) -> str | None:
    """Enter one loan into the lifecycle; the reason code when it is left as it is."""
    loan = db.session.get(Loan, loan_id)
    if db.session.scalar(sa.select(sa.func.count()).where(Repayment.loan_id == loan_id)):
        return "has_repayments"
    data = row_data(loan, day)
    try:
        lifecycle.prepare(loan.bank, data, day)
    except InconsistentBookError as exc:
        return exc.code
    before = {"status": loan.status, "days_past_due": loan.days_past_due, "risk_class": loan.risk_class}
    lifecycle.enter(actor, loan, data, day)
    audit.record("imported_loan_backfilled", actor, loan=loan, before=before, after={
        "status": loan.status, "days_past_due": loan.days_past_due, "risk_class": loan.risk_class,
        "schedule_lines": len(data["book"].instalments)})
    return None


def backfill(actor: Actor, day: date) -> BackfillReport:
    report = BackfillReport()
    for loan_id in pending():
        reason = backfill_loan(actor, loan_id, day)
        if reason:
            report.skipped[loan_id] = reason
        else:
            report.done.append(loan_id)
    return report
