"""Penalty interest on unpaid interest (复利): a dated per-bank setting, off by default, same rate.

Loan: 30,000.00 at 3.00 % from 2024-01-15; 162.50 interest due 2024-03-20; penalty rate 3 × 1.5 = 4.5 %,
so a day of penalty on the unpaid interest is 162.50 × 4.5 / 36000 = 0.0203125.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tests.factories_repayments import active_loan, install_settings, pay
from workflows import repayments

D = Decimal
DUE = date(2024, 3, 20)
ON = ("penalty_on_unpaid_interest.cqrcb", date(2024, 1, 15), "1")


@pytest.mark.parametrize("paid_on, penalty", [
    (DUE, "0.00"),  # on the due date: not late
    (date(2024, 3, 21), "0.02"),  # one day: 0.0203125
    (date(2024, 3, 30), "0.20"),  # ten days: 0.203125
])
def test_unpaid_interest_bears_penalty_from_its_due_date_when_the_bank_says_so(world, paid_on, penalty):
    install_settings(ON)
    loan = active_loan(world, date(2024, 1, 15))
    assert pay(world, loan, paid_on, "0", "162.50").repayment.penalty_interest == D(penalty)


def test_off_by_default(world):
    loan = active_loan(world, date(2024, 1, 15))
    assert not repayments.charges_compound_interest(loan)
    assert pay(world, loan, date(2024, 3, 30), "0", "162.50").repayment.penalty_interest == D("0.00")


@pytest.mark.parametrize("effective_from, charged", [(date(2024, 1, 15), True), (date(2024, 1, 16), False)])
def test_the_setting_in_force_on_the_disbursement_day_holds_for_the_loan(world, effective_from, charged):
    install_settings(("penalty_on_unpaid_interest.cqrcb", effective_from, "1"))
    loan = active_loan(world, date(2024, 1, 15))
    assert repayments.charges_compound_interest(loan) is charged
    assert repayments.penalty_due(loan, date(2024, 3, 30)) == (D("0.20") if charged else D("0.00"))


def test_another_bank_setting_does_not_apply(world):
    install_settings(("penalty_on_unpaid_interest.psbc", date(2021, 1, 1), "1"))
    loan = active_loan(world, date(2024, 1, 15))
    assert repayments.penalty_due(loan, date(2024, 3, 30)) == D("0.00")


def test_principal_and_interest_both_late_add_up_once_rounded(world):
    install_settings(ON)
    loan = active_loan(world, date(2024, 1, 15))
    # At maturity 2025-01-15 everything is unpaid: 30,000 principal and 915.00 interest (162.50 since 03-20,
    # 230 since 06-20, 230 since 09-20, 227.50 since 12-20, 65 since 01-15). Ten days later, 2025-01-25:
    # principal 30000 × 10 = 300,000; interest 162.50 × 311 + 230 × 219 + 230 × 127 + 227.50 × 36 + 65 × 10
    # = 50,537.50 + 50,370 + 29,210 + 8,190 + 650 = 138,957.50; (300,000 + 138,957.50) × 4.5 / 36000 = 54.8696… → 54.87
    assert repayments.penalty_due(loan, date(2025, 1, 25)) == D("54.87")
