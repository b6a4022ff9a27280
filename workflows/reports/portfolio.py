"""Loans and balance by township and by bank (贷款发放与余额).

* **Disbursed in the period**: loans whose ``disbursed_on`` lies in the period, and their disbursed
  principal (``approved_amount``).
* **Outstanding at the end date**: each loan's balance as the books said at the end date, from its
  history (``loan_history.valid_on``): a loan in an outstanding status then counts its balance then. A
  month-end report asked next month gives the month-end figures, whatever was recorded since.
  Written-off loans are off the books and count nothing.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from models import IS_REMOVED, OUTSTANDING_STATUSES, Household, Loan, User, db

from .. import loan_history
from .base import ZERO, Column, ReportFilters, ReportResult, banks, money, require_reader, scoped_loans, total_row, \
    townships

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
    """The scoped loans disbursed on or before the end date, with their principal outstanding then
    (one query: the loans joined to their history row as of the end date). Every loan is read into
    Python: for figures per township, ``borrowing_households`` and ``_group`` sum in SQL instead."""
    then, attach = loan_history.figures_on(filters.as_of)
    at_end = sa.case((then.status.in_(OUTSTANDING_STATUSES), then.balance), else_=0)
    rows = db.session.execute(
        attach(sa.select(Loan.id, Loan.household_id, Loan.township_id, Loan.bank_id, Loan.status, Loan.disbursed_on,
                         Loan.approved_amount, sa.func.coalesce(at_end, 0), Loan.covered_principal), outer=True)
        .where(scoped_loans(user, filters, Loan), Loan.disbursed_on.is_not(None), Loan.disbursed_on <= filters.date_to)
        .order_by(Loan.id))
    return [LoanFigures(loan_id, household_id, township_id, bank_id, status, disbursed_on, money(approved),
                        money(outstanding), money(covered), money(approved))
            for loan_id, household_id, township_id, bank_id, status, disbursed_on, approved, outstanding, covered
            in rows]


def borrowing_households(user: User, filters: ReportFilters) -> dict[int, int]:
    """``{township id: households}``: the listed (not removed) households with a scoped loan outstanding
    at the end date (its history row then: an outstanding status and a balance), counted per the loan's
    township in SQL (what ``household_rate`` counts from ``disbursed_loans``, without reading the loans)."""
    return {township_id: int(count) for township_id, count in db.session.execute(borrowing_query(user, filters))}


def borrowing_query(user: User, filters: ReportFilters) -> sa.Select:
    """The distinct (township, household) pairs, then a count per township. As of today that is an
    index-only scan of ``ix_loans_borrowing``, already in that order, with the removed households
    (``ix_households_removed``, a few) left out by an anti-join: 0.25 s at a million loans, where a
    ``count(DISTINCT …)`` over a join to every household sorted 590,000 rows on disk (0.9 s)."""
    then, attach = loan_history.figures_on(filters.as_of)
    removed = sa.exists().where(Household.id == Loan.household_id, IS_REMOVED)
    pairs = (attach(sa.select(Loan.township_id, Loan.household_id))
             .where(scoped_loans(user, filters, Loan), Loan.disbursed_on.is_not(None),
                    Loan.disbursed_on <= filters.date_to, ~removed, loan_history.outstanding(then), then.balance > 0)
             .distinct().subquery("pairs"))
    return sa.select(pairs.c.township_id, sa.func.count()).group_by(pairs.c.township_id)


def _group(user: User, filters: ReportFilters, key: str) -> dict[int, list]:
    """``{township or bank id: [disbursed count, disbursed amount, outstanding count, outstanding principal]}``,
    summed in SQL over the scoped loans and their history rows as of the end date."""
    place, (then, attach) = getattr(Loan, key), loan_history.figures_on(filters.as_of)
    in_period = Loan.disbursed_on >= filters.date_from
    at_end = sa.case((sa.and_(then.status.in_(OUTSTANDING_STATUSES), then.balance > 0), then.balance))
    query = (attach(sa.select(place, sa.func.sum(sa.case((in_period, 1), else_=0)),
                              sa.func.sum(sa.case((in_period, Loan.approved_amount), else_=0)),
                              sa.func.count(at_end), sa.func.sum(at_end)), outer=True)
             .where(scoped_loans(user, filters, Loan), Loan.disbursed_on.is_not(None),
                    Loan.disbursed_on <= filters.date_to)
             .group_by(place))
    return {place_id: [int(count or 0), money(amount), int(outstanding or 0), money(principal)]
            for place_id, count, amount, outstanding, principal in db.session.execute(query)}


def _result(places, figures: dict[int, list]) -> ReportResult:
    rows = [[place.name, *figures.get(place.id, [0, ZERO, 0, ZERO])] for place in places]
    chart = {"labels": [row[0] for row in rows],
             "series": {"disbursed_amount": [row[2] for row in rows], "outstanding_principal": [row[4] for row in rows]}}
    return ReportResult(list(COLUMNS), rows, total_row(rows, COLUMNS), chart)


def balance_by_township(user: User, filters: ReportFilters) -> ReportResult:
    require_reader(user)
    return _result(townships(user, filters), _group(user, filters, "township_id"))


def balance_by_bank(user: User, filters: ReportFilters) -> ReportResult:
    require_reader(user)
    return _result(banks(user, filters), _group(user, filters, "bank_id"))
