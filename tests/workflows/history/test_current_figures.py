"""Reports "as of" today read the loans' own columns (``loan_history.figures_on``): the same figures,
to the fen, as the history rows valid today, for every report and every reading role."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from models import Loan, LoanHistory, db
from tests.factories_reports import build_portfolio
from workflows import clock, loan_history, overdue, reports
from workflows.errors import ForbiddenError

from .helpers import untiled


@pytest.fixture
def portfolio(world):
    made = build_portfolio()
    overdue.recompute(clock.today())  # days past due and risk classes as of today, with their history rows
    db.session.commit()
    return made


def _run_all(world, username: str) -> dict:
    results = {}
    for name in reports.REPORTS:
        try:
            result = reports.run(world.users[username], name, reports.filters_for(name, {}))
        except ForbiddenError as exc:  # a role that may not read a report: the same refusal both ways
            results[name] = type(exc).__name__
            continue
        results[name] = (result.rows, result.totals)
    return results


@pytest.mark.parametrize("username", ["bureau", "officer_rcb", "clerk_hanfeng", "supervisor"])
def test_every_report_as_of_today_matches_the_history(world, portfolio, username, monkeypatch):
    assert loan_history.is_current(clock.today())
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LoanHistory)) > 0
    fast = _run_all(world, username)
    monkeypatch.setattr(loan_history, "is_current", lambda day: False)
    slow = _run_all(world, username)
    assert fast == slow
    assert any(isinstance(value, tuple) and value[0] for value in fast.values())


def test_a_past_day_or_a_row_after_the_day_reads_the_history(world, portfolio):
    today = clock.today()
    assert not loan_history.is_current(today - timedelta(days=1))
    loan = db.session.scalars(sa.select(Loan).where(Loan.disbursed_on.is_not(None))).first()
    with clock.frozen(clock.now() + timedelta(days=3)):
        loan.days_past_due = (loan.days_past_due or 0) + 1  # a row written three days on
        db.session.commit()
    assert not loan_history.is_current(today)
    assert loan_history.is_current(today + timedelta(days=3))


def test_the_loans_own_figures_are_their_latest_history_rows(world, portfolio):
    day = clock.today()
    then, attach = loan_history.figures_on(day)
    assert not hasattr(then, "c")  # the loans' own columns: nothing joined
    names = ("loan_id", "balance", "days_past_due", "risk_class", "covered_principal", "status", "township_id",
             "bank_id")
    mine = sorted(tuple(row) for row in db.session.execute(attach(sa.select(*(getattr(then, n) for n in names)))))
    latest = loan_history.as_of(day)
    theirs = sorted(tuple(row) for row in db.session.execute(sa.select(*(latest.c[n] for n in names))))
    assert mine == theirs and len(mine) >= 3
    assert untiled() == {}
