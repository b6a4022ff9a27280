"""The row valid on a past day, now a condition on the row (``valid_from <= day < valid_until``), is
the one the latest ``valid_from`` on or before the day gave (the former ``GROUP BY`` definition, worked
out here), for ``as_of`` and for what a report attaches (``figures_on``), on loans with several rows."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from models import Loan, LoanHistory, db
from workflows import loan_history, overdue

from ...factories_postloan import disbursed
from ...factories_repayments import pay, reverse
from .helpers import untiled

FIRST_DUE = date(2025, 3, 20)
FIGURES = ("loan_id", "valid_from", "balance", "days_past_due", "risk_class", "covered_principal", "status")
DAYS = [date(2025, 1, 9), date(2025, 1, 10), date(2025, 2, 1), date(2025, 2, 2), date(2025, 3, 24),
        date(2025, 3, 31), date(2025, 4, 1), date(2025, 4, 15), date(2025, 6, 30)]


@pytest.fixture
def history(world) -> list[int]:
    """Four loans: paid down twice, late for a while, repaid and reversed on one day, lent in March."""
    loans = [disbursed(world, term=24) for _ in range(3)] + [disbursed(world, on=date(2025, 3, 25), term=24)]
    pay(world, loans[0], date(2025, 2, 1), "10000.00", "0.00")
    pay(world, loans[0], date(2025, 3, 1), "5000.00", "0.00")
    repaid = pay(world, loans[1], date(2025, 2, 2), "3000.00", "0.00")
    reverse(world, loans[1], repaid.repayment.id, today=date(2025, 2, 2))
    for day in (FIRST_DUE + timedelta(days=5), FIRST_DUE + timedelta(days=12), FIRST_DUE + timedelta(days=91)):
        overdue.recompute(day)
        db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LoanHistory)) >= 2 * len(loans)
    assert untiled() == {}
    return [loan.id for loan in loans]


def grouped(day: date) -> set[tuple]:
    """Each loan's row as of ``day`` as it was found before ``valid_until``: its latest start on or before."""
    latest = (sa.select(LoanHistory.loan_id, sa.func.max(LoanHistory.valid_from).label("valid_from"))
              .where(LoanHistory.valid_from <= day).group_by(LoanHistory.loan_id).subquery())
    query = sa.select(*(getattr(LoanHistory, name) for name in FIGURES)).join(latest, sa.and_(
        LoanHistory.loan_id == latest.c.loan_id, LoanHistory.valid_from == latest.c.valid_from))
    return {tuple(row) for row in db.session.execute(query)}


def test_as_of_a_past_day_gives_the_latest_row_on_or_before_it(history):
    for day in DAYS:
        row = loan_history.as_of(day)
        assert {tuple(r) for r in db.session.execute(sa.select(*(row.c[name] for name in FIGURES)))} == grouped(day), day
        few = loan_history.as_of(day, history[:2])
        assert {tuple(r) for r in db.session.execute(sa.select(*(few.c[name] for name in FIGURES)))} \
            == {row for row in grouped(day) if row[0] in history[:2]}, day
    assert len(grouped(DAYS[-1])) == len(history) and grouped(DAYS[0]) == set()


def test_a_report_attaches_the_same_figures_for_a_past_day(history):
    for day in DAYS:
        then, attach = loan_history.figures_on(day)
        assert hasattr(then, "valid_from")  # a past day reads the history, not the loans' own columns
        columns = [getattr(then, name) for name in FIGURES[2:]]
        inner = {tuple(r) for r in db.session.execute(attach(sa.select(Loan.id, *columns)))}
        assert inner == {(row[0], *row[2:]) for row in grouped(day)}, day
        outer = {r[0]: tuple(r[1:]) for r in db.session.execute(attach(sa.select(Loan.id, *columns), outer=True))}
        assert set(outer) == set(history)  # every loan keeps its place; those lent after the day have nothing
        assert {loan_id for loan_id, figures in outer.items() if figures == (None,) * 5} \
            == set(history) - {row[0] for row in grouped(day)}, day
