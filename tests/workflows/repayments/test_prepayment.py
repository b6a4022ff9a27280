"""A prepayment (提前还本) recomputes the remaining schedule, checked by hand to the fen.

Quarterly loan: 30,000.00 at 3.00 % from 2024-01-15 to 2025-01-15, actual/360, so a period's interest
is principal × days × 3 / 36000. Equal-instalment loan: 12,000.00 at 3.00 % over 12 months, monthly
rate r = 0.25 %, instalment 1,016.32 (see test_repayments_schedule).
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tests.factories_repayments import active_loan, at, install_settings, pay
from workflows import clock, repayments

D = Decimal


def figures(loan) -> list[tuple]:
    return [(line.due_on, line.principal, line.interest) for line in repayments.schedule_lines(loan.id)]


@pytest.fixture
def quarterly(world):
    loan = active_loan(world, date(2024, 1, 15))
    pay(world, loan, date(2024, 3, 20), "0", "162.50")
    return loan


def test_5000_prepaid_lowers_the_principal_at_maturity_and_the_interest_after_it(world, quarterly):
    repayment = pay(world, quarterly, date(2024, 5, 1), "5000.00", "0").repayment
    assert repayment.principal_early == D("5000.00") and quarterly.principal_outstanding == D("25000.00")
    # 03-20 → 05-01 is 42 days at 30,000, 05-01 → 06-20 is 50 days at 25,000:
    # (30000 × 42 + 25000 × 50) × 3 / 36000 = 2,510,000 / 12000 = 209.1666… → 209.17
    assert figures(quarterly) == [
        (date(2024, 3, 20), D("0.00"), D("162.50")),  # ended before the prepayment: unchanged
        (date(2024, 6, 20), D("0.00"), D("209.17")),
        (date(2024, 9, 20), D("0.00"), D("191.67")),  # 25000 × 92 × 3 / 36000 = 191.666…
        (date(2024, 12, 20), D("0.00"), D("189.58")),  # 25000 × 91 × 3 / 36000 = 189.583…
        (date(2025, 1, 15), D("25000.00"), D("54.17")),  # 30,000 − 5,000; 25000 × 26 × 3 / 36000 = 54.166…
    ]
    owed = repayments.owed(quarterly, date(2025, 1, 15))
    assert (owed.principal, owed.outstanding_principal) == (D("25000.00"), D("25000.00"))
    assert repayments.owed(quarterly, date(2024, 6, 21)).days_past_due == 1  # the prepayment paid no interest


def test_principal_paid_with_nothing_due_is_all_early_and_leaves_no_arrears(world, quarterly):
    pay(world, quarterly, date(2024, 5, 1), "5000.00", "0")
    pay(world, quarterly, date(2024, 6, 20), "0", "209.17")
    assert repayments.owed(quarterly, date(2024, 6, 20)).interest == D("0.00")
    assert repayments.owed(quarterly, date(2024, 6, 21)).days_past_due == 0


def test_equal_instalments_keep_the_term_and_lower_the_instalment(world):
    install_settings(("repayment_method.cqrcb", date(2024, 1, 1), "equal_instalments"))
    loan = active_loan(world, date(2024, 1, 15), amount=D("12000.00"))
    pay(world, loan, date(2024, 2, 15), "986.32", "30.00")  # instalment 1
    repayment = pay(world, loan, date(2024, 3, 15), "3988.79", "27.53").repayment  # instalment 2 + 3,000
    assert repayment.principal_early == D("3000.00")
    lines = figures(loan)
    assert len(lines) == 12 and lines[-1][0] == date(2025, 1, 15)  # same term
    assert lines[:2] == [(date(2024, 2, 15), D("986.32"), D("30.00")), (date(2024, 3, 15), D("988.79"), D("27.53"))]
    # Remaining principal 12000 − 986.32 − 988.79 − 3000 = 7,024.89 over the 10 instalments left:
    # 7024.89 × 0.0025 × 1.0025^10 / (1.0025^10 − 1) = 7024.89 × 0.0025 × 1.0252831 / 0.0252831 = 712.1844 → 712.18.
    # Instalment 3 (the running one, starting on the prepayment day): interest 25.06 − 3000 × 0.0025 × 31/31
    # = 17.56 (= 7024.89 × 0.0025 = 17.562…), principal 712.18 − 17.56 = 694.62.
    assert lines[2] == (date(2024, 4, 15), D("694.62"), D("17.56"))
    # Instalment 4: balance 7024.89 − 694.62 = 6330.27; interest 6330.27 × 0.0025 = 15.825… → 15.83;
    # principal 712.18 − 15.83 = 696.35.
    assert lines[3] == (date(2024, 5, 15), D("696.35"), D("15.83"))
    assert {line[1] + line[2] for line in lines[2:11]} == {D("712.18")}
    assert sum(line[1] for line in lines) == D("9000.00")  # 12,000 − 3,000 prepaid
    assert lines[-1] == (date(2025, 1, 15), D("710.45"), D("1.78"))  # the last absorbs the rounding


def test_a_prepayment_within_the_month_cuts_the_running_interest_for_the_days_left(world):
    install_settings(("repayment_method.cqrcb", date(2024, 1, 1), "equal_instalments"))
    loan = active_loan(world, date(2024, 1, 15), amount=D("12000.00"))
    pay(world, loan, date(2024, 2, 15), "986.32", "30.00")
    pay(world, loan, date(2024, 3, 5), "1000.00", "0")  # 19 days into 02-15 → 03-15 (29 days: 2024 leaps), 10 left
    # 27.53 − 1000 × 0.0025 × 10 / 29 = 27.53 − 0.8620… = 26.6679… → 26.67
    assert figures(loan)[1][2] == D("26.67")
    assert sum(line.principal for line in repayments.schedule_lines(loan.id)) == D("11000.00")


def test_the_api_and_the_page_show_the_recomputed_schedule(world, quarterly, login):
    pay(world, quarterly, date(2024, 5, 1), "5000.00", "0")
    with clock.frozen(at(date(2024, 5, 2))):
        body = login("officer_rcb").get(f"/api/v1/loans/{quarterly.id}/schedule",
                                        headers=login.token("officer_rcb")).get_json()
        page = login("supervisor").get(f"/loans/{quarterly.id}").text
    assert body["lines"][-1]["principal"] == "25000.00" and body["lines"][1]["interest"] == "209.17"
    assert body["lines"][0]["interest_paid"] == "162.50" and body["repayments"][-1]["principal_early"] == "5000.00"
    assert body["owed"]["outstanding_principal"] == "25000.00"
    assert 'id="schedule-recomputed"' in page and "25,000.00" in page and "209.17" in page
