"""Factories for the repayment tests: the settings they read, an active loan on a given day, a payment."""
from __future__ import annotations

import sys
import types
from datetime import date, datetime, time
from decimal import Decimal

import sqlalchemy as sa
from dateutil.relativedelta import relativedelta

from models import Loan, PolicySetting, db
from tests.factories import APPROVAL, INVESTIGATION, World, drive, make_household, register
from workflows import clock, repayments

# The rows the lead adds to workflows/data/policy_settings.csv; inserted here while they are not there.
SETTINGS = (
    ("repayment_method", date(2021, 1, 1), "interest_quarterly_principal_at_maturity"),
    ("day_count_basis", date(2021, 1, 1), "360"),
    ("penalty_rate_markup", date(2021, 1, 1), "1.5"),
)


def install_settings(*extra: tuple[str, date, str]) -> None:
    """The repayment settings (and ``extra`` rows), each unless its (key, date) is there already."""
    known = set(db.session.execute(sa.select(PolicySetting.key, PolicySetting.effective_from)))
    for key, day, value in (*SETTINGS, *extra):
        if (key, day) not in known:
            db.session.add(PolicySetting(key=key, effective_from=day, value=value))
    db.session.commit()


def at(day: date) -> datetime:
    """Ten in the morning of ``day`` in the district."""
    return datetime.combine(day, time(10), tzinfo=clock.BUSINESS_TZ)


def active_loan(world: World, disbursed_on: date, amount: Decimal = Decimal("30000.00"),
                rate: Decimal = Decimal("3.00"), term: int = 12) -> Loan:
    """A 汉丰街道 / 农商行 loan applied for and approved through the engine, disbursed on ``disbursed_on``.

    The disbursement columns are set here as ``DisburseLoan.after`` sets them, without running the
    post-loan part of the diagram (another area's, tested there); then the schedule is made.
    """
    install_settings()
    with clock.frozen(at(disbursed_on)):
        loan = register(world, make_household("hanfeng"), amount=amount, term_months=term)
        loan = drive(world, loan.id, "disburse_loan",
                     investigate_credit={**INVESTIGATION, "recommended_amount": amount,
                                         "recommended_term_months": term},
                     approve_loan={**APPROVAL, "approved_amount": amount, "approved_term_months": term,
                                   "annual_rate": rate})
        loan.contract_number, loan.account_number = f"KZ-{loan.id}", "6228480000001"
        loan.disbursed_on, loan.maturity_date = disbursed_on, disbursed_on + relativedelta(months=term)
        loan.principal_outstanding, loan.status = amount, "active"
        repayments.create_schedule(loan)
        db.session.commit()
    return loan


def pay(world: World, loan: Loan, paid_on: date, principal: str, interest: str, key: str | None = None,
        user: str = "officer_rcb", today: date | None = None):
    """Record a repayment through the service with the clock on ``today`` (default: ``paid_on``)."""
    data = {"paid_on": paid_on, "principal": Decimal(principal), "interest": Decimal(interest)}
    with clock.frozen(at(today or paid_on)):
        return repayments.record(world.actor(user), loan.id, data, key)


def fake_loan_events(monkeypatch) -> list:
    """Stand in for ``workflows.loan_events`` (the post-loan area's): ``repaid_in_full`` closes the loan
    and is remembered. Returns the list of ``(loan_id, username)`` calls."""
    calls: list = []

    def repaid_in_full(loan, actor) -> None:
        calls.append((loan.id, actor.user.username))
        loan.status = "closed"

    module = types.ModuleType("workflows.loan_events")
    module.repaid_in_full = repaid_in_full
    monkeypatch.setitem(sys.modules, "workflows.loan_events", module)
    return calls
