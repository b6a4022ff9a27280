"""The history's covered principal outstanding is rounded half up to the fen exactly as
``risk_fund.covered_outstanding`` does, on SQLite too (whose ``round()`` on binary floats missed some
exact half fen)."""
from __future__ import annotations

from decimal import Decimal as D

import sqlalchemy as sa

from models import Loan, LoanHistory, db
from tests.factories_reports import build_portfolio
from workflows import loan_history, risk_fund

HALF_FEN = [  # covered, outstanding, approved: each share is an exact half fen
    (D("132.35"), D("9132.46"), D("91324.60")),   # 13.235 -> 13.24 (SQLite's round gave 13.23)
    (D("50000.00"), D("0.01"), D("40000.00")),    # 0.0125 -> 0.01
    (D("30000.00"), D("1.05"), D("40000.00")),    # 0.7875 -> 0.79
]


def test_the_sql_share_rounds_exact_half_fen_up_as_python_does(world):
    build_portfolio()
    loan = db.session.scalars(sa.select(Loan).where(Loan.disbursed_on.is_not(None)).order_by(Loan.id)).first()
    for covered, outstanding, approved in HALF_FEN:
        loan.covered_principal, loan.principal_outstanding, loan.approved_amount = covered, outstanding, approved
        db.session.flush()
        in_sql = db.session.scalar(sa.select(loan_history.covered_outstanding()).where(Loan.id == loan.id))
        assert D(str(in_sql)).quantize(D("0.01")) == risk_fund.covered_outstanding(loan), (covered, outstanding)
    db.session.commit()  # the commit hook writes the loan's history row from the same SQL
    latest = db.session.scalars(sa.select(LoanHistory).where(LoanHistory.loan_id == loan.id)
                                .order_by(LoanHistory.valid_from.desc(), LoanHistory.id.desc())).first()
    assert latest.covered_principal == risk_fund.covered_outstanding(loan) == D("0.79")
