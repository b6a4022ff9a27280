"""Late repayments (罚息), repaying in full (``loan_events.repaid_in_full``), interest paid per period.

Loan: 30,000.00 at 3.00 % from 2024-01-15 to 2025-01-15 (interest 915.00 in all); penalty markup 1.5,
so penalty interest = overdue principal × days × 4.5 / 36000. The loan is disbursed through the
engine, so repaying it in full drives the real ``workflows.loan_events``: the loan's process catches
``loan_repaid`` and ends at ``loan_closed``.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from models import AuditEvent, HumanTask, Loan, ProcessInstance, db
from models.repayment import Repayment
from tests.conftest import count, one
from tests.factories_postloan import open_tasks, sweep
from tests.factories_repayments import active_loan, pay
from workflows import repayments
from workflows.money.subsidy import PaidPeriod

D = Decimal
MATURITY = date(2025, 1, 15)


@pytest.fixture
def loan(world):
    return active_loan(world, date(2024, 1, 15))


def assert_closed_by_repayment(loan, username: str = "officer_rcb", was: str = "active") -> None:
    """Closed by ``loan_events``: the loan, its process (ended at ``loan_closed``, no timer left), and
    exactly one ``loan_closed`` audit event by the officer who recorded the repayment."""
    loan = db.session.get(Loan, loan.id)
    assert (loan.status, loan.principal_outstanding, loan.days_past_due) == ("closed", D("0.00"), 0)
    process = one(ProcessInstance, loan_id=loan.id)
    assert (process.status, process.end_event, process.next_timer_at) == ("completed", "loan_closed", None)
    closed = one(AuditEvent, action="loan_closed", loan_id=loan.id)
    assert (closed.actor_name, closed.process_instance_id) == (username, process.id)
    assert (closed.before, closed.after) == ({"status": was}, {"status": "closed"})


def test_what_a_loan_owes_ten_days_after_maturity(world, loan):
    owed = repayments.owed(loan, date(2025, 1, 25))
    assert (owed.principal, owed.interest, owed.overdue_principal, owed.overdue_interest) == (
        D("30000.00"), D("915.00"), D("30000.00"), D("915.00"))
    assert owed.oldest_unpaid_due_on == date(2024, 3, 20) and owed.days_past_due == 311
    assert repayments.penalty_due(loan, date(2025, 1, 25)) == D("37.50")  # 30000 × 10 × 4.5 / 36000


def test_repaid_in_full_on_the_day_costs_no_penalty_and_closes_the_loan(world, loan):
    assert one(ProcessInstance, loan_id=loan.id).status == "running"
    repayment = pay(world, loan, MATURITY, "30000.00", "915.00").repayment
    assert repayment.penalty_interest == D("0.00")
    assert_closed_by_repayment(loan)
    assert (repayment.principal_outstanding_after, repayment.loan_status_after) == (D("0.00"), "closed")


def test_repaid_late_pays_penalty_interest_on_the_late_days(world, loan):
    repayment = pay(world, loan, date(2025, 1, 25), "30000.00", "915.00").repayment
    assert repayment.penalty_interest == D("37.50") and repayment.interest == D("915.00")
    assert repayment.loan_status_after == "closed"
    assert_closed_by_repayment(loan)


def test_penalty_is_charged_once_per_late_day(world, loan):
    first = pay(world, loan, date(2025, 1, 20), "10000.00", "915.00").repayment
    assert first.penalty_interest == D("18.75")  # 30000 × 5 days × 4.5 / 36000
    assert (first.loan_status_after, count(AuditEvent, action="loan_closed")) == ("overdue", 0)  # 20,000 still late
    second = pay(world, loan, date(2025, 1, 25), "20000.00", "0").repayment
    assert second.penalty_interest == D("12.50")  # 20000 × 5 days × 4.5 / 36000
    assert repayments.penalty_due(loan, date(2025, 1, 25)) == D("0.00")
    assert_closed_by_repayment(loan, was="overdue")


def test_no_penalty_on_unpaid_interest(world, loan):
    assert repayments.penalty_due(loan, date(2024, 12, 1)) == D("0.00")  # interest overdue since March
    assert repayments.owed(loan, date(2024, 12, 1)).overdue_interest == D("622.50")  # 162.50 + 230 + 230


def test_paying_off_early_takes_the_interest_accrued_to_that_day(world, loan):
    pay(world, loan, date(2024, 3, 20), "0", "162.50")
    # 2024-03-20 to 2024-04-19 is 30 days: 30000 × 30 × 3 / 36000 = 75.00
    pay(world, loan, date(2024, 4, 19), "30000.00", "75.00")
    assert [line.interest for line in repayments.schedule_lines(loan.id)][1:] == [
        D("75.00"), D("0.00"), D("0.00"), D("0.00")]
    assert repayments.owed(loan, MATURITY).interest == D("0.00")
    assert_closed_by_repayment(loan)


def test_interest_paid_is_split_over_the_periods_it_pays(world, loan):
    pay(world, loan, date(2024, 5, 1), "0", "262.50")  # 162.50 due, 100.00 of the 105.00 accrued since 03-20
    pay(world, loan, date(2024, 6, 20), "0", "130.00")
    first, second = (date(2024, 1, 15), date(2024, 3, 20)), (date(2024, 3, 20), date(2024, 6, 20))
    assert repayments.interest_paid(loan.id, date(2024, 4, 1), date(2024, 6, 1)) == [
        PaidPeriod(date(2024, 5, 1), *first, D("162.50")), PaidPeriod(date(2024, 5, 1), *second, D("100.00"))]
    assert repayments.interest_paid(loan.id, date(2024, 6, 1), date(2024, 7, 1)) == [
        PaidPeriod(date(2024, 6, 20), *second, D("130.00"))]
    assert repayments.interest_paid(loan.id, date(2024, 1, 1), date(2024, 4, 1)) == []


def test_penalty_never_counts_as_interest_paid(world, loan):
    pay(world, loan, date(2025, 1, 25), "30000.00", "915.00")
    paid = repayments.interest_paid(loan.id, date(2025, 1, 1), date(2025, 4, 1))
    assert sum(p.interest_paid for p in paid) == D("915.00") == one(Repayment).interest
    assert len(paid) == 5


def test_repaid_in_full_ends_the_open_post_loan_step_and_its_timers(world, loan):
    sweep(date(2024, 4, 15))  # the first quarterly visit falls due; the interest due 03-20 is unpaid
    assert open_tasks(loan.id) == ["post_loan_visit"]
    assert db.session.get(Loan, loan.id).status == "overdue"
    pay(world, loan, date(2024, 4, 15), "30000.00", "227.50")  # 162.50 due + 65.00 accrued over 26 days
    assert open_tasks(loan.id) == []
    assert one(HumanTask, loan_id=loan.id, name="post_loan_visit").state == "cancelled"
    assert_closed_by_repayment(loan, was="overdue")
    sweep(date(2025, 6, 1))  # past every visit, the reminder and maturity: nothing opens for this loan
    assert open_tasks(loan.id) == [] and one(ProcessInstance, loan_id=loan.id).status == "completed"
