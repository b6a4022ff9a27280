"""Loans and balance by township and by bank (贷款发放与余额).

* **Disbursed in the period**: loans whose ``disbursed_on`` lies in the period, and their disbursed
  principal (``approved_amount``).
* **Outstanding at the end date**: a loan disbursed on or before the end date that is outstanding or
  closed today counts ``principal_outstanding`` plus the principal repaid after the end date (the
  repayments are rolled back to the end date). Written-off loans are off the books and count nothing.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from models import OUTSTANDING_STATUSES, Loan, User, db
from models.repayment import Repayment

from .base import ZERO, Column, ReportFilters, ReportResult, banks, money, require_reader, scoped_loans, total_row, \
    townships

BOOK_STATUSES = (*OUTSTANDING_STATUSES, "closed")
COLUMNS = [Column("name", "text"), Column("disbursed_count"), Column("disbursed_amount", "money"),
           Column("outstanding_count"), Column("outstanding_principal", "money")]


@dataclass(frozen=True)
class LoanFigures:
    """One disbursed loan as the balance reports see it."""

    id: int
    household_id: int
    township_id: int
    bank_id: int
    status: str
    disbursed_on: date
    disbursed: Decimal
    outstanding_at_end: Decimal
    covered_principal: Decimal
    approved_amount: Decimal


def disbursed_loans(user: User, filters: ReportFilters) -> list[LoanFigures]:
    """The scoped loans disbursed on or before the end date, with their principal outstanding then."""
    rows = db.session.execute(sa.select(Loan).where(
        scoped_loans(user, filters, Loan), Loan.disbursed_on.is_not(None), Loan.disbursed_on <= filters.date_to,
    ).order_by(Loan.id)).scalars().all()
    repaid_after = dict(db.session.execute(
        sa.select(Repayment.loan_id, sa.func.sum(Repayment.principal))
        .where(Repayment.paid_on > filters.date_to, Repayment.standing(), Repayment.loan_id.in_([loan.id for loan in rows]))
        .group_by(Repayment.loan_id)).all()) if rows else {}
    return [LoanFigures(loan.id, loan.household_id, loan.township_id, loan.bank_id, loan.status, loan.disbursed_on,
                        money(loan.approved_amount), _at_end(loan, repaid_after.get(loan.id)),
                        money(loan.covered_principal), money(loan.approved_amount)) for loan in rows]


def _at_end(loan: Loan, repaid_after) -> Decimal:
    if loan.status not in BOOK_STATUSES:
        return ZERO
    return money(loan.principal_outstanding) + money(repaid_after)


def _group(loans: list[LoanFigures], filters: ReportFilters, key: str) -> dict[int, list]:
    figures: dict[int, list] = defaultdict(lambda: [0, ZERO, 0, ZERO])
    for loan in loans:
        row = figures[getattr(loan, key)]
        if filters.date_from <= loan.disbursed_on <= filters.date_to:
            row[0] += 1
            row[1] += loan.disbursed
        if loan.outstanding_at_end > 0:
            row[2] += 1
            row[3] += loan.outstanding_at_end
    return figures


def _result(places, figures: dict[int, list]) -> ReportResult:
    rows = [[place.name, *figures.get(place.id, [0, ZERO, 0, ZERO])] for place in places]
    chart = {"labels": [row[0] for row in rows],
             "series": {"disbursed_amount": [row[2] for row in rows], "outstanding_principal": [row[4] for row in rows]}}
    return ReportResult(list(COLUMNS), rows, total_row(rows, COLUMNS), chart)


def balance_by_township(user: User, filters: ReportFilters) -> ReportResult:
    require_reader(user)
    return _result(townships(user, filters), _group(disbursed_loans(user, filters), filters, "township_id"))


def balance_by_bank(user: User, filters: ReportFilters) -> ReportResult:
    require_reader(user)
    return _result(banks(user, filters), _group(disbursed_loans(user, filters), filters, "bank_id"))
