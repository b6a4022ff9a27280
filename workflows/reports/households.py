"""Household loan rate (户贷率) and eligible households that do not borrow (应贷未贷), per township.

* **Listed households**: households on the list today (not removed) in the township.
* **Borrowing households**: listed households with a scoped loan outstanding at the end date (see
  ``portfolio``); bank staff count their bank's borrowers against the whole list, which the
  rural-revitalisation bureau gives every bank.
* **Household loan rate** = borrowing / listed households, in percent.
* **Eligible but not borrowing**: listed, not removed, not on the dishonest-debtor list, head aged
  18 to 65 today (the policy's ``age_out_of_range`` bounds: dated settings ``borrower_min_age`` and
  ``borrower_max_age``, the same numbers as the DMN table ``loan_policy``), and no open loan (submitted to recovering) at any bank. Resident IDs are masked.
"""
from __future__ import annotations

from collections import Counter

import sqlalchemy as sa
import sqlalchemy.orm as so

from models import OPEN_STATUSES, Household, Loan, User, db

from .. import clock, policy, resident_id
from .base import Column, ReportFilters, ReportResult, percent, require_reader, total_row, townships
from .portfolio import disbursed_loans

RATE_COLUMNS = [Column("name", "text"), Column("listed_households"), Column("borrowing_households"),
                Column("household_loan_rate", "percent")]
ELIGIBLE_COLUMNS = [Column("household", "text"), Column("id_number", "text"), Column("township", "text"),
                    Column("village", "text"), Column("category", "text"), Column("age")]


def _listed(township_ids: list[int]) -> sa.Select:
    return sa.select(Household).where(Household.removed.is_(False), Household.township_id.in_(township_ids))


def household_rate(user: User, filters: ReportFilters) -> ReportResult:
    require_reader(user)
    places = townships(user, filters)
    listed = dict(db.session.execute(
        sa.select(Household.township_id, sa.func.count()).where(
            Household.removed.is_(False), Household.township_id.in_([t.id for t in places]))
        .group_by(Household.township_id)).all())
    listed_ids = set(db.session.scalars(sa.select(Household.id).where(Household.removed.is_(False))))
    borrowers = {(loan.township_id, loan.household_id) for loan in disbursed_loans(user, filters)
                 if loan.outstanding_at_end > 0 and loan.household_id in listed_ids}
    borrowing = Counter(township_id for township_id, _household in borrowers)
    rows = [[t.name, listed.get(t.id, 0), borrowing.get(t.id, 0), percent(borrowing.get(t.id, 0), listed.get(t.id, 0))]
            for t in places]
    totals = total_row(rows, RATE_COLUMNS)
    totals[3] = percent(totals[2], totals[1])
    chart = {"labels": [row[0] for row in rows], "series": {"household_loan_rate": [row[3] for row in rows]}}
    return ReportResult(list(RATE_COLUMNS), rows, totals, chart, {"household_loan_rate": totals[3]})


def _age(household: Household, day) -> int | None:
    try:
        return resident_id.age_on(household.id_number, day)
    except ValueError:
        return None


def eligible_not_borrowing(user: User, filters: ReportFilters) -> ReportResult:
    require_reader(user)
    places, today = townships(user, filters), clock.today()
    borrowing = sa.select(Loan.household_id).where(Loan.status.in_(OPEN_STATUSES))
    query = (_listed([t.id for t in places]).where(Household.dishonest.is_(False), Household.id.not_in(borrowing))
             .options(so.joinedload(Household.township), so.joinedload(Household.village))
             .order_by(Household.township_id, Household.id))
    low, high = (int(policy.setting(key, today)) for key in ("borrower_min_age", "borrower_max_age"))
    rows = []
    for household in db.session.scalars(query):
        age = _age(household, today)
        if age is not None and low <= age <= high:
            rows.append([household.name, resident_id.mask(household.id_number), household.township.name,
                         household.village.name if household.village else None, household.category, age])
    per_township = Counter(row[2] for row in rows)
    chart = {"labels": [t.name for t in places], "series": {"households": [per_township[t.name] for t in places]}}
    totals = ["total", None, None, None, None, None]
    return ReportResult(list(ELIGIBLE_COLUMNS), rows, totals, chart, {"households": len(rows)})
