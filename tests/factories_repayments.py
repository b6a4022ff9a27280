"""Factories for the repayment tests: the settings they read, an active loan on a given day, a payment."""
from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

import sqlalchemy as sa

from models import Loan, PolicySetting, db
from tests.factories import APPROVAL, INVESTIGATION, World, drive, make_household, register
from workflows import clock, repayments

# The repayment rows of workflows/data/policy_settings.csv; ``install_settings`` makes sure they are there.
SETTINGS = (
    ("repayment_method", date(2021, 1, 1), "interest_quarterly_principal_at_maturity"),
    ("day_count_basis", date(2021, 1, 1), "360"),
    ("penalty_rate_markup", date(2021, 1, 1), "1.5"),
    ("penalty_on_unpaid_interest", date(2021, 1, 1), "0"),
    ("risk_threshold_substandard", date(2021, 1, 1), "90"),
    ("risk_threshold_doubtful", date(2021, 1, 1), "270"),
    ("risk_threshold_loss", date(2021, 1, 1), "360"),
)


def install_settings(*extra: tuple[str, date, str]) -> None:
    """The repayment settings (and ``extra`` rows), each unless its (key, date) is there already."""
    known = set(db.session.execute(sa.select(PolicySetting.key, PolicySetting.effective_from)))
    for key, day, value in (*SETTINGS, *extra):
        if (key, day) not in known:
            db.session.add(PolicySetting(key=key, effective_from=day, value=value))
            known.add((key, day))
    db.session.commit()


def at(day: date) -> datetime:
    """Ten in the morning of ``day`` in the district."""
    return datetime.combine(day, time(10), tzinfo=clock.BUSINESS_TZ)


def active_loan(world: World, disbursed_on: date, amount: Decimal = Decimal("30000.00"),
                rate: Decimal = Decimal("3.00"), term: int = 12) -> Loan:
    """A 汉丰街道 / 农商行 loan applied for, approved and disbursed on ``disbursed_on``, all through the
    engine: ``disburse_loan`` fills the disbursement columns and makes the schedule, and the loan's
    post-loan part is running (waiting on its timers and on the ``loan_repaid`` message)."""
    install_settings()
    with clock.frozen(at(disbursed_on)):
        loan = register(world, make_household("hanfeng"), amount=amount, term_months=term)
        loan = drive(world, loan.id, "end",
                     investigate_credit={**INVESTIGATION, "recommended_amount": amount,
                                         "recommended_term_months": term},
                     approve_loan={**APPROVAL, "approved_amount": amount, "approved_term_months": term,
                                   "annual_rate": rate},
                     disburse_loan={"contract_number": f"KZ-{loan.id}", "disbursed_on": disbursed_on,
                                    "account_number": "6228480000001"})
    assert loan.status == "active" and loan.disbursed_on == disbursed_on, loan.status
    return loan


def pay(world: World, loan: Loan, paid_on: date, principal: str, interest: str, key: str | None = None,
        user: str = "officer_rcb", today: date | None = None):
    """Record a repayment through the service with the clock on ``today`` (default: ``paid_on``)."""
    data = {"paid_on": paid_on, "principal": Decimal(principal), "interest": Decimal(interest)}
    with clock.frozen(at(today or paid_on)):
        return repayments.record(world.actor(user), loan.id, data, key)


def reverse(world: World, loan: Loan, repayment_id: int, reason: str = "录入金额有误", user: str = "approver_rcb",
            today: date | None = None):
    """Reverse a repayment through the service (冲正) with the clock on ``today``."""
    with clock.frozen(at(today or date.today())):
        return repayments.reverse(world.actor(user), loan.id, repayment_id, {"reason": reason})
