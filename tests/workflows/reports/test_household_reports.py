"""Household loan rate (户贷率) and eligible households not borrowing (应贷未贷)."""
from __future__ import annotations

from decimal import Decimal as D

import pytest

from datetime import date, datetime, timezone

from models import db
from tests.factories import make_household
from tests.factories_reports import Q1_FROM, Q1_TO, build_portfolio, make_loan
from workflows import clock, reports
from workflows.reports import ReportFilters, portfolio

Q1 = ReportFilters(Q1_FROM, Q1_TO)
JUNE_15 = datetime(2026, 6, 15, 4, 0, tzinfo=timezone.utc)


@pytest.fixture
def loans(world):
    return build_portfolio()


def test_household_loan_rate(world, loans):
    result = reports.run(world.users["bureau"], "household_rate", Q1)
    # Listed (not removed): dade h3 h4; hanfeng h1 h2 h5; zhaojia h6 h7 h8 h9.
    # Borrowing at the end date: h3 (L3 repaid only in April), h1, h2, h6; h4's loan is written off.
    assert result.rows == [["大德镇", 2, 1, D("50.00")], ["汉丰街道", 3, 2, D("66.67")], ["赵家街道", 4, 1, D("25.00")]]
    assert result.totals == ["total", 9, 4, D("44.44")]
    assert result.summary == {"household_loan_rate": D("44.44")}


def test_household_loan_rate_in_a_bank_scope(world, loans):
    rows = reports.run(world.users["officer_rcb"], "household_rate", Q1).rows
    assert [row[2] for row in rows] == [1, 1, 0]


def test_eligible_but_not_borrowing(world, loans):
    with clock.frozen(JUNE_15):
        result = reports.run(world.users["supervisor"], "eligible_not_borrowing", Q1)
    # h3 (closed) and h4 (written off) in dade, h7 in zhaojia (all born 1980-06-15: 46 that day);
    # h8 is a dishonest debtor, h9 is over 65, and the removed household is off the list.
    assert [(row[2], row[5]) for row in result.rows] == [("大德镇", 46), ("大德镇", 46), ("赵家街道", 46)]
    assert all("*" in row[1] for row in result.rows)
    assert result.summary == {"households": 3}
    assert result.chart["series"]["households"] == [2, 0, 1]
    assert reports.run(world.users["clerk_hanfeng"], "eligible_not_borrowing", Q1).rows == []


def test_age_bounds_are_inclusive(world, loans):
    with clock.frozen(JUNE_15):
        young = make_household("hanfeng", born=date(2008, 6, 15))  # 18 today
        old = make_household("hanfeng", born=date(1961, 6, 15))  # 65 today
        too_young = make_household("hanfeng", born=date(2008, 6, 16))
        too_old = make_household("hanfeng", born=date(1960, 6, 14))  # 66 today
        db.session.commit()
        rows = reports.run(world.users["clerk_hanfeng"], "eligible_not_borrowing", Q1).rows
    shown = {row[1] for row in rows}
    assert sorted(row[5] for row in rows) == [18, 65]
    assert {young.id_number[-4:], old.id_number[-4:]} == {number[-4:] for number in shown}
    assert not {too_young.id_number[-4:], too_old.id_number[-4:]} & {number[-4:] for number in shown}


def test_a_household_borrowing_twice_counts_once_and_a_removed_one_not_at_all(world, loans):
    """As of today (the loans' own columns, through ``ix_loans_borrowing``): h1 borrows at two banks, and a
    household taken off the list still owes on an overdue loan."""
    make_loan(loans["L1"].household, "psbc", "active", date(2026, 1, 6), "10000", date(2026, 1, 12), "10000")
    gone = make_household("hanfeng", removed=True, removed_reason="出列")
    make_loan(gone, "cqrcb", "overdue", date(2025, 6, 1), "20000", date(2025, 6, 5), "20000", days_past_due=40)
    db.session.commit()
    result = reports.run(world.users["bureau"], "household_rate", ReportFilters(Q1_FROM, clock.today()))
    assert result.rows[1] == ["汉丰街道", 3, 2, D("66.67")]  # h1 and h2; not three loans, not the removed one
    assert [row[2] for row in reports.run(world.users["officer_rcb"], "household_rate",
                                          ReportFilters(Q1_FROM, clock.today())).rows] == [0, 1, 0]


def test_the_borrowing_count_states_the_partial_indexes_conditions(world, loans):
    """Literally, or the planner cannot match ``ix_loans_borrowing`` and ``ix_households_removed``: a bound
    status list or ``removed IS true`` hid them (at a million loans PostgreSQL then read every household;
    the plan there is in docs/scale.md: a tiny test database's plan says nothing of it)."""
    query = portfolio.borrowing_query(world.users["bureau"], ReportFilters(Q1_FROM, clock.today()))
    compiled = str(query.compile(db.engine, compile_kwargs={"literal_binds": True}))
    assert "loans.status IN ('active', 'extended', 'overdue', 'recovering')" in compiled
    assert "households.removed)" in compiled
    assert len(db.session.execute(query).all()) == 2  # hanfeng and zhaojia
