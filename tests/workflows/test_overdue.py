"""Days past due and the five-category risk class at their exact day boundaries (policy data)."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from models import Loan, PolicySetting, db
from workflows import clock, overdue, repayments

from ..factories_postloan import at, disbursed, pay_all, sweep

FIRST_DUE = date(2025, 3, 20)  # the first quarterly interest of a loan disbursed 2025-01-10


@pytest.fixture
def loan(world):
    return disbursed(world, term=24)


def classify(loan, days):
    overdue.recompute(FIRST_DUE + timedelta(days=days))
    db.session.commit()
    loan = db.session.get(Loan, loan.id)
    return loan.days_past_due, loan.risk_class, loan.status


@pytest.mark.parametrize("days, risk", [
    (0, "normal"), (1, "special_mention"), (90, "special_mention"), (91, "substandard"),
    (270, "substandard"), (271, "doubtful"), (360, "doubtful"), (361, "loss"),
])
def test_risk_class_boundaries(loan, days, risk):
    assert classify(loan, days) == (days, risk, "active" if days == 0 else "overdue")


def test_thresholds_are_policy_data(loan):
    db.session.add(PolicySetting(key="risk_threshold_substandard", effective_from=date(2025, 5, 1), value="60"))
    db.session.commit()
    assert classify(loan, 61)[1] == "substandard"


def test_the_worker_recomputes_and_a_repayment_brings_it_back(world, loan):
    sweep(FIRST_DUE + timedelta(days=91))
    assert db.session.get(Loan, loan.id).risk_class == "substandard"
    day = FIRST_DUE + timedelta(days=92)
    owed = repayments.owed(loan, day)
    with clock.frozen(at(day)):
        repayments.record_repayment(world.actor("officer_rcb"), loan.id,
                                    {"paid_on": day, "principal": owed.principal, "interest": owed.interest})
    assert classify(loan, 92) == (0, "normal", "active")


def test_closed_loans_are_left_alone(world, loan):
    pay_all(world, loan, date(2025, 2, 1))
    assert overdue.recompute(FIRST_DUE + timedelta(days=400)).checked == 0
