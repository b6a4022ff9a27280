"""What the history tests read: a loan's history rows, oldest first, and the tiling every loan's rows keep."""
from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa

from models import LoanHistory, db


def rows(loan_id: int) -> list[tuple]:
    """``(valid_from, balance, days past due, risk class, covered principal, status)`` per row."""
    db.session.expire_all()
    return [tuple(row) for row in db.session.execute(
        sa.select(LoanHistory.valid_from, LoanHistory.balance, LoanHistory.days_past_due, LoanHistory.risk_class,
                  LoanHistory.covered_principal, LoanHistory.status)
        .where(LoanHistory.loan_id == loan_id).order_by(LoanHistory.valid_from))]


def spans(loan_id: int) -> list[tuple]:
    """``(valid_from, valid_until)`` per row of the loan, oldest first."""
    return [tuple(row) for row in db.session.execute(
        sa.select(LoanHistory.valid_from, LoanHistory.valid_until)
        .where(LoanHistory.loan_id == loan_id).order_by(LoanHistory.valid_from))]


def untiled() -> dict[int, list[tuple]]:
    """The loans whose rows do not tile time: each row must end where the next begins (no gap, no
    overlap) and exactly one, the latest, must be current (no ``valid_until``). Empty when all do."""
    by_loan = defaultdict(list)
    for loan_id, start, end in db.session.execute(sa.select(
            LoanHistory.loan_id, LoanHistory.valid_from, LoanHistory.valid_until)
            .order_by(LoanHistory.loan_id, LoanHistory.valid_from)):
        by_loan[loan_id].append((start, end))
    wrong = {}
    for loan_id, loan_spans in by_loan.items():
        ends = [end for _, end in loan_spans]
        starts_after = [start for start, _ in loan_spans[1:]] + [None]
        if ends != starts_after:
            wrong[loan_id] = loan_spans
    return wrong
