"""Days past due and the five-category risk class (逾期天数, 贷款五级分类), recomputed by the timer worker.

One set-based pass over the loans in outstanding statuses with principal left: each loan's days
past due come from the repayment book (``repayments.owed``), never from workflow state. Thresholds
are dated policy settings (``risk_threshold_substandard`` / ``_doubtful`` / ``_loss``). An active
or extended loan with days past due becomes ``overdue``; an overdue loan brought up to date goes
back to ``active`` (``extended`` if it was extended). Loans in recovery keep their status.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from models import OUTSTANDING_STATUSES, Loan, db

from . import policy, repayments
from .money.risk_class import risk_class

BATCH = 500
THRESHOLD_KEYS = ("risk_threshold_substandard", "risk_threshold_doubtful", "risk_threshold_loss")


@dataclass
class OverdueReport:
    checked: int = 0
    changed: int = 0


def thresholds(day: date) -> tuple[int, int, int, int]:
    return (0, *(int(policy.setting(key, day)) for key in THRESHOLD_KEYS))


def status_for(loan: Loan, days: int) -> str:
    if days > 0 and loan.status in ("active", "extended"):
        return "overdue"
    if days == 0 and loan.status == "overdue":
        return "extended" if loan.extension_count else "active"
    return loan.status


def recompute(day: date) -> OverdueReport:
    """Update ``days_past_due``, ``risk_class`` and the overdue status of every outstanding loan on ``day``."""
    report, bounds, last_id = OverdueReport(), thresholds(day), 0
    while True:
        batch = db.session.scalars(sa.select(Loan).where(
            Loan.status.in_(OUTSTANDING_STATUSES), Loan.principal_outstanding > 0, Loan.id > last_id,
        ).order_by(Loan.id).limit(BATCH)).all()
        if not batch:
            return report
        for loan in batch:
            days = repayments.owed(loan, day).days_past_due
            values = (days, risk_class(days, bounds), status_for(loan, days))
            if values != (loan.days_past_due, loan.risk_class, loan.status):
                loan.days_past_due, loan.risk_class, loan.status = values
                report.changed += 1
            report.checked += 1
        last_id = batch[-1].id
        db.session.flush()
