"""The set-based recompute of days past due, risk class and status equals the per-loan Python reading
of each loan's book (``repayments.owed(loan, day).days_past_due``) on a varied portfolio, and its
statements do not grow with the number of loans."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from models import Loan, db
from models.repayment import RepaymentScheduleLine
from tests.factories_repayments import active_loan, install_settings, pay, reverse
from workflows import overdue, repayments
from workflows.money.risk_class import risk_class

D = Decimal
START = date(2024, 1, 15)  # quarterly interest due 03-20, 06-20, 09-20, 12-20; maturity 2025-01-15
DAYS = (date(2024, 2, 1), date(2024, 3, 20), date(2024, 3, 21), date(2024, 6, 21), date(2025, 1, 15),
        date(2025, 1, 16), date(2025, 8, 1))


def python_reading(loan: Loan, day: date, bounds) -> tuple[int, str, str]:
    """Today's per-loan loop, the oracle (a loan without schedule lines is left as it is)."""
    if not repayments.schedule_lines(loan.id):
        return loan.days_past_due, loan.risk_class, loan.status
    days = repayments.owed(loan, day).days_past_due
    status = loan.status
    if days > 0 and status in ("active", "extended"):
        status = "overdue"
    elif days == 0 and status == "overdue":
        status = "extended" if loan.extension_count else "active"
    return days, risk_class(days, bounds), status


@pytest.fixture
def portfolio(world) -> list[int]:
    loans = [active_loan(world, START) for _ in range(7)]
    current, on_time, partly, prepaid, extended, reversed_, bare = loans
    pay(world, on_time, date(2024, 3, 20), "0", "162.50")
    pay(world, partly, date(2024, 3, 20), "0", "100.00")
    pay(world, prepaid, date(2024, 3, 20), "0", "162.50")
    pay(world, prepaid, date(2024, 5, 1), "5000.00", "0")
    pay(world, prepaid, date(2024, 6, 20), "0", "209.17")
    repayments.extend_schedule(extended, date(2025, 7, 15))
    extended.status, extended.extension_count = "extended", 1
    first = pay(world, reversed_, date(2024, 3, 20), "0", "162.50").repayment
    reverse(world, reversed_, first.id, today=date(2024, 3, 22))
    db.session.execute(sa.delete(RepaymentScheduleLine).where(RepaymentScheduleLine.loan_id == bare.id))
    bare.status, bare.days_past_due, bare.risk_class = "overdue", 400, "loss"  # imported, no schedule yet
    install_settings(("repayment_method.cqrcb", date(2024, 1, 1), "equal_instalments"))
    equal = active_loan(world, START, amount=D("12000.00"))
    pay(world, equal, date(2024, 2, 10), "1500.00", "26.00")  # before any due date: all early, re-amortised
    recovering = active_loan(world, START)
    recovering.status = "recovering"
    db.session.commit()
    return [loan.id for loan in (*loans, equal, recovering)]


def test_the_sql_recompute_matches_the_python_reading_day_by_day(portfolio):
    for day in DAYS:
        bounds = overdue.thresholds(day)
        loans = [db.session.get(Loan, loan_id) for loan_id in portfolio]
        expected = {loan.id: python_reading(loan, day, bounds) for loan in loans}
        changed = sum(1 for loan in loans if expected[loan.id] != (loan.days_past_due, loan.risk_class, loan.status)
                      and loan.principal_outstanding > 0)
        report = overdue.recompute(day)
        db.session.commit()
        actual = {loan.id: (loan.days_past_due, loan.risk_class, loan.status)
                  for loan in (db.session.get(Loan, loan_id) for loan_id in portfolio)}
        assert actual == expected, day
        assert (report.checked, report.changed) == (len(portfolio), changed), day


def test_an_imported_overdue_loan_without_a_schedule_stays_overdue(portfolio):
    overdue.recompute(date(2024, 2, 1))
    db.session.commit()
    bare = db.session.get(Loan, portfolio[6])
    assert (bare.status, bare.days_past_due, bare.risk_class) == ("overdue", 400, "loss")


def statements_of(day: date) -> int:
    seen = []
    listener = lambda *args: seen.append(args[2])  # noqa: E731
    sa.event.listen(db.engine, "before_cursor_execute", listener)
    try:
        overdue.recompute(day)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", listener)
    db.session.commit()
    return len(seen)


def test_the_statements_do_not_grow_with_the_loans(world):
    active_loan(world, START)
    few = statements_of(date(2024, 4, 1))
    for _ in range(3):
        active_loan(world, START)
    assert statements_of(date(2024, 4, 2)) == few <= 11  # with the three of the history; PostgreSQL: SET LOCAL twice
