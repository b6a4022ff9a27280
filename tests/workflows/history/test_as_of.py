"""A report asked "as of" a past month-end gives the figures it gave that month-end, whatever came since."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from models import Loan, db
from workflows import clock, loan_history, reports
from workflows.reports import ReportFilters

from ...factories_postloan import at, disbursed, pay_all, sweep
from .helpers import rows

MONTH_END = date(2025, 4, 30)  # the first quarterly interest (2025-03-20) is 41 days late


def month_end_figures(world) -> dict:
    filters = ReportFilters(date(2025, 1, 1), MONTH_END)
    supervisor = world.users["supervisor"]
    return {name: (result.rows, result.totals, result.summary) for name in ("balance_by_township", "balance_by_bank",
                                                                            "overdue")
            for result in [reports.run(supervisor, name, filters)]}


def test_the_month_end_report_asked_later_gives_the_month_end_figures(world):
    disbursed(world, term=24)  # stays late
    repaid = disbursed(world, term=24, amount=Decimal("20000.00"))
    sweep(MONTH_END)
    with clock.frozen(at(MONTH_END)):
        then = month_end_figures(world)
    assert then["overdue"][2]["overdue_principal"] > 0  # both loans late on their interest that day
    assert then["balance_by_township"][1][3:] == [2, then["overdue"][1][1]]

    pay_all(world, db.session.get(Loan, repaid.id), date(2025, 5, 10))  # closed after the month-end
    sweep(date(2025, 5, 31))
    with clock.frozen(at(date(2025, 6, 1))):
        later = month_end_figures(world)
        now = reports.run(world.users["supervisor"], "balance_by_township", ReportFilters(date(2025, 1, 1),
                                                                                          date(2025, 6, 1)))
    assert later == then
    assert now.totals[3] == 1  # today only the late loan is outstanding
    assert rows(repaid.id)[-1][-1] == "closed"


def test_as_of_gives_the_row_valid_on_the_day(world):
    loan = disbursed(world, term=24)
    sweep(date(2025, 3, 21))
    sweep(date(2025, 3, 22))
    history = rows(loan.id)
    for day, expected in ((date(2025, 1, 9), None), (date(2025, 1, 10), history[0]), (date(2025, 3, 20), history[0]),
                          (date(2025, 3, 21), history[1]), (date(2025, 12, 31), history[-1])):
        row = loan_history.as_of(day, [loan.id])
        got = db.session.execute(sa.select(row.c.valid_from, row.c.balance, row.c.days_past_due, row.c.risk_class,
                                           row.c.covered_principal, row.c.status)).first()
        assert (tuple(got) if got else None) == expected, day
