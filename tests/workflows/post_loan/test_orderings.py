"""The post-loan parts never wait on each other: every ordering of visit, reminder, review, recovery."""
from __future__ import annotations

from datetime import date

from models import HumanTask, Loan, ProcessInstance, db

from ...conftest import one
from ...factories_postloan import VISIT_OK, complete, disbursed, open_tasks, pay_all, sweep

MATURITY = date(2026, 1, 10)  # disbursed 2025-01-10 for 12 months
SUPERVISION = ["supervise_visit", "supervise_visit_bank"]


def test_a_visit_open_at_maturity_does_not_hold_back_the_review(world):
    loan = disbursed(world)
    for day in (date(2025, 4, 10), date(2025, 7, 10)):
        sweep(day)
        complete(world, loan.id, "post_loan_visit", "clerk_hanfeng", day, **VISIT_OK)
    sweep(date(2025, 10, 10))  # this visit is never done
    sweep(date(2025, 11, 10))
    assert open_tasks(loan.id) == ["post_loan_visit", *SUPERVISION]  # 30 days open: 督办
    sweep(date(2025, 12, 11))
    assert "maturity_reminder" in open_tasks(loan.id)
    complete(world, loan.id, "maturity_reminder", "officer_rcb", date(2025, 12, 11), household_informed=True)
    sweep(MATURITY)
    assert open_tasks(loan.id) == ["maturity_review", "post_loan_visit", *SUPERVISION]


def test_a_visit_done_late_closes_its_supervision_and_keeps_the_quarter(world):
    loan = disbursed(world)
    sweep(date(2025, 4, 10))
    assert sweep(date(2025, 5, 9)).fired == 0  # 29 days: no 督办 yet
    sweep(date(2025, 5, 11))
    rows = {r.name: r.role for r in db.session.query(HumanTask).filter_by(loan_id=loan.id, state="ready")}
    assert rows == {"post_loan_visit": "township_clerk", "supervise_visit": "township_clerk",
                    "supervise_visit_bank": "bank_officer"}
    complete(world, loan.id, "supervise_visit", "clerk_hanfeng", date(2025, 5, 12), supervision_note="已电话催办")
    complete(world, loan.id, "post_loan_visit", "clerk_hanfeng", date(2025, 5, 20), **VISIT_OK)
    assert open_tasks(loan.id) == []  # the bank's 督办 closes with the visit
    assert one(ProcessInstance, loan_id=loan.id).next_timer_at.date() == date(2025, 7, 10)


def test_repaid_in_full_while_a_visit_is_open_ends_every_part(world):
    loan = disbursed(world)
    sweep(date(2025, 4, 10))
    sweep(date(2025, 5, 11))
    assert open_tasks(loan.id) == ["post_loan_visit", *SUPERVISION]
    pay_all(world, loan, date(2025, 5, 12))
    row = one(ProcessInstance, loan_id=loan.id)
    assert (row.status, row.end_event, row.next_timer_at) == ("completed", "loan_closed", None)
    assert open_tasks(loan.id) == [] and db.session.get(Loan, loan.id).status == "closed"


def test_misuse_found_while_the_reminder_is_open_leaves_only_recovery(world):
    loan = disbursed(world, term=4)  # visit and reminder both on 2025-04-10, maturity 2025-05-10
    sweep(date(2025, 4, 10))
    assert open_tasks(loan.id) == ["maturity_reminder", "post_loan_visit"]
    complete(world, loan.id, "post_loan_visit", "clerk_hanfeng", date(2025, 4, 11),
             used_for_production=False, visit_note="用于建房")
    assert open_tasks(loan.id) == ["recover_loan"]
    assert db.session.get(Loan, loan.id).status == "recovering"
    for day in (date(2025, 5, 10), date(2025, 7, 10), date(2025, 10, 10)):
        sweep(day)
        assert open_tasks(loan.id) == ["recover_loan"]  # no review, no visit: the other branch is gone


def test_an_extension_asked_at_the_reminder_then_the_new_maturity(world):
    loan = disbursed(world)
    for day in (date(2025, 4, 10), date(2025, 7, 10), date(2025, 10, 10)):
        sweep(day)
        complete(world, loan.id, "post_loan_visit", "clerk_hanfeng", day, **VISIT_OK)
    sweep(date(2025, 12, 11))
    complete(world, loan.id, "maturity_reminder", "officer_rcb", date(2025, 12, 11), household_informed=True,
             extension_requested=True)
    complete(world, loan.id, "request_extension", "officer_rcb", date(2025, 12, 12),
             new_maturity_date=date(2026, 7, 10), extension_reason="生猪价格低迷")
    sweep(MATURITY)  # the approver is slow: the review opens at maturity beside the approval
    assert open_tasks(loan.id) == ["approve_extension", "maturity_review"]
    complete(world, loan.id, "approve_extension", "approver_rcb", date(2026, 1, 11), extension_approved=True)
    assert open_tasks(loan.id) == []  # the approval closes the review of the old maturity
    loan = db.session.get(Loan, loan.id)
    assert (loan.maturity_date, loan.extension_count, loan.status) == (date(2026, 7, 10), 1, "extended")
    sweep(date(2026, 4, 10))
    assert open_tasks(loan.id) == ["post_loan_visit"]  # visits go on after the old maturity
    complete(world, loan.id, "post_loan_visit", "clerk_hanfeng", date(2026, 4, 10), **VISIT_OK)
    sweep(date(2026, 6, 10))
    assert open_tasks(loan.id) == ["maturity_reminder"]  # the reminder of the new maturity
    complete(world, loan.id, "maturity_reminder", "officer_rcb", date(2026, 6, 10), household_informed=True)
    sweep(date(2026, 7, 10))
    assert open_tasks(loan.id) == ["maturity_review"]
    complete(world, loan.id, "maturity_review", "officer_rcb", date(2026, 7, 11), maturity_decision="recover")
    assert open_tasks(loan.id) == ["recover_loan"]


def test_a_loan_past_maturity_always_has_its_review_or_recovery_open(world):
    loan = disbursed(world, term=3)  # maturity 2025-04-10; nobody does the reminder
    for day in (date(2025, 3, 11), date(2025, 4, 10), date(2025, 6, 1), date(2025, 12, 1)):
        sweep(day)
    tasks = open_tasks(loan.id)
    assert "maturity_review" in tasks and db.session.get(Loan, loan.id).days_past_due > 200


def test_an_extension_asked_at_the_review_keeps_the_review_open_until_decided(world):
    loan = disbursed(world, term=1)  # matures 2025-02-10; the reminder is given without a request
    sweep(date(2025, 1, 11))
    complete(world, loan.id, "maturity_reminder", "officer_rcb", date(2025, 1, 11), household_informed=True)
    sweep(date(2025, 2, 10))
    complete(world, loan.id, "maturity_review", "officer_rcb", date(2025, 2, 10), maturity_decision="extend")
    complete(world, loan.id, "request_extension", "officer_rcb", date(2025, 2, 10),
             new_maturity_date=date(2025, 3, 10), extension_reason="生猪价格低迷")
    sweep(date(2025, 2, 20))  # past maturity, the approver has not decided: the review is still open
    assert open_tasks(loan.id) == ["approve_extension", "maturity_review"]
    complete(world, loan.id, "maturity_review", "officer_rcb", date(2025, 2, 20), maturity_decision="recover")
    assert open_tasks(loan.id) == ["recover_loan"]  # recovery decided: the request goes with the round
    assert db.session.get(Loan, loan.id).extension_count == 0
