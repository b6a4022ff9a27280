"""What the history tests read: a loan's history rows, oldest first."""
from __future__ import annotations

import sqlalchemy as sa

from models import LoanHistory, db


def rows(loan_id: int) -> list[tuple]:
    """``(valid_from, balance, days past due, risk class, covered principal, status)`` per row."""
    db.session.expire_all()
    return [tuple(row) for row in db.session.execute(
        sa.select(LoanHistory.valid_from, LoanHistory.balance, LoanHistory.days_past_due, LoanHistory.risk_class,
                  LoanHistory.covered_principal, LoanHistory.status)
        .where(LoanHistory.loan_id == loan_id).order_by(LoanHistory.valid_from))]
