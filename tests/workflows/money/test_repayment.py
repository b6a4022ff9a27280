"""Repayments matched against the schedule (还款): what is owed, days past due, payment split."""
from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from workflows.money.interest import overdue_interest, round_fen
from workflows.money.repayment import (
    Allocation, OverpaymentError, Repayment, allocate, days_past_due, overdue_principal_events, owed_on,
)
from workflows.money.schedule import build_schedule

# interest due: 03-20 201.25, 06-20 264.50, 09-20 264.50, 12-20 261.63, 2025-01-10 60.38 + 30,000 principal
SCHEDULE = build_schedule(date(2024, 1, 10), date(2025, 1, 10), D("30000"), D("3.45"))
ALL_INTEREST = [Repayment(i.due_on, D("0"), i.interest) for i in SCHEDULE]


def test_due_on_the_day_is_owed_but_not_overdue():
    owed = owed_on(SCHEDULE, [], date(2024, 3, 20))
    assert (owed.interest, owed.overdue_interest, owed.principal) == (D("201.25"), D("0"), D("0"))
    assert (owed.days_past_due, owed.oldest_unpaid_due_on) == (0, date(2024, 3, 20))
    assert owed.outstanding_principal == D("30000")


def test_the_day_after_it_is_overdue():
    owed = owed_on(SCHEDULE, [], date(2024, 3, 21))
    assert (owed.overdue_interest, owed.days_past_due) == (D("201.25"), 1)


def test_paid_on_time_owes_nothing():
    owed = owed_on(SCHEDULE, ALL_INTEREST[:1], date(2024, 3, 21))
    assert (owed.interest, owed.days_past_due, owed.oldest_unpaid_due_on) == (D("0"), 0, None)


def test_partial_payment_keeps_the_oldest_due_date_unpaid():
    # 201.25 + 264.50 − 100 = 365.75 owed; 03-20 → 06-21 = 11 + 30 + 31 + 21 = 93 days
    owed = owed_on(SCHEDULE, [Repayment(date(2024, 3, 20), D("0"), D("100"))], date(2024, 6, 21))
    assert (owed.interest, owed.oldest_unpaid_due_on, owed.days_past_due) == (D("365.75"), date(2024, 3, 20), 93)
    assert days_past_due(SCHEDULE, [Repayment(date(2024, 3, 20), D("0"), D("100"))], date(2024, 6, 21)) == 93


def test_principal_unpaid_at_maturity():
    on_day = owed_on(SCHEDULE, ALL_INTEREST, date(2025, 1, 10))
    after = owed_on(SCHEDULE, ALL_INTEREST, date(2025, 1, 11))
    assert (on_day.principal, on_day.overdue_principal, on_day.days_past_due) == (D("30000"), D("0"), 0)
    assert (after.overdue_principal, after.days_past_due) == (D("30000"), 1)


def test_early_principal_counts_towards_maturity():
    early = [Repayment(date(2024, 5, 1), D("10000"), D("0"))]
    assert owed_on(SCHEDULE, early, date(2024, 5, 1)).outstanding_principal == D("20000")
    assert owed_on(SCHEDULE, early + ALL_INTEREST, date(2025, 1, 10)).principal == D("20000")


def test_allocate_due_and_early_principal():
    at_maturity = owed_on(SCHEDULE, ALL_INTEREST[:4], date(2025, 1, 10))
    assert allocate(D("30000"), D("60.38"), at_maturity) == Allocation(D("30000"), D("0"), D("60.38"))
    mid_quarter = owed_on(SCHEDULE, ALL_INTEREST[:1], date(2024, 5, 1))
    assert allocate(D("10000"), D("0"), mid_quarter) == Allocation(D("0"), D("10000"), D("0"))


@pytest.mark.parametrize(("principal", "interest", "part"), [("30000.01", "0", "principal"),
                                                             ("0", "201.26", "interest")])
def test_overpayment_names_the_part(principal, interest, part):
    owed = owed_on(SCHEDULE, [], date(2024, 3, 20))
    with pytest.raises(OverpaymentError) as caught:
        allocate(D(principal), D(interest), owed)
    assert caught.value.part == part


def test_accrued_interest_may_be_paid_when_settling_early():
    owed = owed_on(SCHEDULE, [], date(2024, 3, 20))
    assert allocate(D("30000"), D("210"), owed, interest_accrued=D("8.75")).interest == D("210")
    with pytest.raises(ValueError, match="negative"):
        allocate(D("-1"), D("0"), owed)


def test_overdue_principal_events_feed_penalty_interest():
    # 30,000 overdue from 2025-01-10, 10,000 repaid 01-20, the rest 02-09:
    # 10 days × 30,000 + 20 days × 20,000 = 700,000 × (3.45 × 1.5) / 36,000 = 100.625 → 100.63
    paid = ALL_INTEREST + [Repayment(date(2025, 1, 20), D("10000"), D("0")),
                           Repayment(date(2025, 2, 9), D("20000"), D("0"))]
    events = overdue_principal_events(SCHEDULE, paid, date(2025, 3, 1))
    assert events[-3:] == [(date(2025, 1, 10), D("30000")), (date(2025, 1, 20), D("20000")),
                           (date(2025, 2, 9), D("0"))]
    penalty = overdue_interest(events, date(2025, 1, 10), date(2025, 3, 1), D("3.45"), D("1.5"))
    assert round_fen(penalty) == D("100.63")


def test_paid_on_the_due_date_costs_no_penalty():
    paid = ALL_INTEREST + [Repayment(date(2025, 1, 10), D("30000"), D("0"))]
    events = overdue_principal_events(SCHEDULE, paid, date(2025, 3, 1))
    assert overdue_interest(events, date(2024, 1, 10), date(2025, 3, 1), D("3.45")) == 0
