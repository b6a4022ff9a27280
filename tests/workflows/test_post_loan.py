"""Whole loans after disbursement on the fake clock: visits, reminder, maturity, repaid on time or late."""
from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

import pytest

from models import AuditEvent, HumanTask, Loan, ProcessInstance, db
from workflows import clock, repayments

from ..conftest import count, one
from ..factories_postloan import (VISIT_OK, at, complete, disbursed, open_tasks, pay_all, sweep, task_count)

MATURITY = date(2026, 1, 10)  # disbursed 2025-01-10 for 12 months


def pay_interest(world, loan, day):
    owed = repayments.owed(loan, day)
    with clock.frozen(at(day)):
        repayments.record_repayment(world.actor("officer_rcb"), loan.id,
                                    {"paid_on": day, "principal": Decimal("0.00"), "interest": owed.interest})


def instance(loan):
    return one(ProcessInstance, loan_id=loan.id)


def test_timers_follow_the_policy_dates(world):
    loan = disbursed(world)
    nine = datetime.combine(date(2025, 4, 10), time(9), tzinfo=clock.BUSINESS_TZ)
    assert instance(loan).next_timer_at == nine  # first quarterly visit, 09:00 district time
    assert sweep(date(2025, 4, 10), hour=8).fired == 0 and open_tasks(loan.id) == []
    assert sweep(date(2025, 4, 10), hour=9).fired == 0  # 09:00 sharp: not yet past
    assert sweep(date(2025, 4, 10)).fired == 1 and open_tasks(loan.id) == ["post_loan_visit"]
    task = one(HumanTask, loan_id=loan.id, name="post_loan_visit")
    assert task.role == "township_clerk" and task.due_at is not None
    assert sweep(date(2025, 4, 11)).fired == 0  # waiting for the clerk, no timer
    complete(world, loan.id, "post_loan_visit", "clerk_hanfeng", date(2025, 4, 12), **VISIT_OK)
    assert instance(loan).next_timer_at == nine.replace(month=7)


def test_repaid_on_time_closes_the_loan(world):
    loan = disbursed(world)
    for day in (date(2025, 4, 10), date(2025, 7, 10), date(2025, 10, 10)):
        pay_interest(world, loan, day)
        sweep(day)
        complete(world, loan.id, "post_loan_visit", "clerk_hanfeng", day, **VISIT_OK)
    pay_interest(world, loan, date(2025, 12, 20))
    sweep(date(2025, 12, 11))
    assert open_tasks(loan.id) == ["maturity_reminder"]  # 30 days before maturity
    complete(world, loan.id, "maturity_reminder", "officer_rcb", date(2025, 12, 11), household_informed=True)
    assert instance(loan).next_timer_at.date() == MATURITY
    assert db.session.get(Loan, loan.id).days_past_due == 0
    pay_all(world, loan, MATURITY)
    loan = db.session.get(Loan, loan.id)
    assert loan.status == "closed" and loan.principal_outstanding == 0
    assert (instance(loan).status, instance(loan).end_event, instance(loan).next_timer_at) == ("completed", "loan_closed", None)
    assert count(AuditEvent, action="loan_closed", loan_id=loan.id) == 1
    sweep(date(2026, 6, 1))
    assert open_tasks(loan.id) == [] and instance(loan).status == "completed"


def test_repaid_late_pays_penalty_and_cancels_the_review(world):
    loan = disbursed(world)
    for day in (date(2025, 4, 10), date(2025, 7, 10), date(2025, 10, 10), date(2025, 12, 11), MATURITY):
        pay_interest(world, loan, day if day != date(2025, 12, 11) else date(2025, 12, 20))
        sweep(day)
        name = open_tasks(loan.id)[0]
        if day != MATURITY:
            data = VISIT_OK if name == "post_loan_visit" else {"household_informed": True}
            complete(world, loan.id, name, "clerk_hanfeng" if name == "post_loan_visit" else "officer_rcb", day, **data)
    assert open_tasks(loan.id) == ["maturity_review"]
    sweep(date(2026, 1, 25))
    loan = db.session.get(Loan, loan.id)
    assert (loan.status, loan.days_past_due, loan.risk_class) == ("overdue", 15, "special_mention")
    assert repayments.book(loan, date(2026, 1, 25)).penalty_interest > 0  # late days cost penalty interest
    repayment = pay_all(world, loan, date(2026, 1, 25))
    assert repayment.penalty_interest > 0
    loan = db.session.get(Loan, loan.id)
    assert loan.status == "closed" and open_tasks(loan.id) == []
    assert count(HumanTask, loan_id=loan.id, name="maturity_review", state="cancelled") == 1


def test_misused_money_is_recalled(world):
    loan = disbursed(world)
    sweep(date(2025, 4, 10))
    complete(world, loan.id, "post_loan_visit", "clerk_hanfeng", date(2025, 4, 10),
             used_for_production=False, visit_note="用于婚礼")
    assert open_tasks(loan.id) == ["recover_loan"]
    assert db.session.get(Loan, loan.id).status == "recovering"
    event = one(AuditEvent, action="misuse_reported", loan_id=loan.id)
    assert event.codes == ["purpose_not_productive"] and event.comment == "用于婚礼"


def test_a_visit_late_by_the_clerk_does_not_repeat(world):
    loan = disbursed(world)
    sweep(date(2025, 4, 10))
    complete(world, loan.id, "post_loan_visit", "clerk_hanfeng", date(2025, 8, 1), **VISIT_OK)
    assert instance(loan).next_timer_at.date() == date(2025, 10, 10)
    assert task_count(loan.id, "post_loan_visit") == 1


@pytest.mark.parametrize("term, day, tasks", [
    (1, date(2025, 1, 11), ["maturity_reminder"]),  # 30 days before 2025-02-10: at once after disbursement
    (3, date(2025, 3, 11), ["maturity_reminder"]),
    (4, date(2025, 4, 10), ["maturity_reminder", "post_loan_visit"]),  # the visit and the reminder fall together
])
def test_short_loans_start_with_the_reminder(world, term, day, tasks):
    loan = disbursed(world, term=term)
    sweep(day)
    assert open_tasks(loan.id) == tasks
