"""Maturity: an extension once (rule ``extension_limit``), four eyes on its approval, renewals."""
from __future__ import annotations

from datetime import date

import pytest

from models import HumanTask, Loan, ProcessInstance, db
from models.repayment import RepaymentScheduleLine
from workflows import accounts, clock
from workflows.errors import FourEyesError, PolicyViolationError

from ..conftest import count, one
from ..factories import register
from ..factories_postloan import (at, at_maturity_review, complete, disbursed, follow_timers, open_tasks, pay_all)

NEW_MATURITY = date(2025, 3, 10)  # a one-month loan extends by its original term at most


def extend(world, loan, new=NEW_MATURITY, approver="approver_rcb", approved=True):
    complete(world, loan.id, "maturity_review", "officer_rcb", date(2025, 2, 10), maturity_decision="extend")
    complete(world, loan.id, "request_extension", "officer_rcb", date(2025, 2, 10),
             new_maturity_date=new, extension_reason="生猪价格低迷，延后出栏")
    complete(world, loan.id, "approve_extension", approver, date(2025, 2, 11),
             extension_approved=approved, extension_comment=None if approved else "不符合条件")
    return db.session.get(Loan, loan.id)


def test_extended_once_then_repaid(world):
    loan = extend(world, at_maturity_review(world))
    assert (loan.status, loan.maturity_date, loan.extension_count, loan.annual_rate) == (
        "extended", NEW_MATURITY, 1, db.session.get(Loan, loan.id).annual_rate)
    assert count(RepaymentScheduleLine, loan_id=loan.id, part="extension") >= 1
    assert open_tasks(loan.id) == ["maturity_reminder"]  # a new round: the new maturity is within 30 days
    assert one(ProcessInstance, loan_id=loan.id).next_timer_at.date() == NEW_MATURITY
    complete(world, loan.id, "maturity_reminder", "officer_rcb", date(2025, 2, 12), household_informed=True)
    pay_all(world, loan, date(2025, 3, 1))
    assert db.session.get(Loan, loan.id).status == "closed" and open_tasks(loan.id) == []


def test_a_second_extension_is_refused(world):
    loan = extend(world, at_maturity_review(world))
    follow_timers(world, loan, NEW_MATURITY)
    assert open_tasks(loan.id) == ["maturity_review"]
    with pytest.raises(PolicyViolationError) as refused:
        complete(world, loan.id, "maturity_review", "officer_rcb", NEW_MATURITY, maturity_decision="extend")
    assert refused.value.codes == ("extension_limit",)
    assert open_tasks(loan.id) == ["maturity_review"]


def test_an_imported_loan_counts_its_earlier_extension(world):
    loan = at_maturity_review(world)
    loan.extension_count = 1  # extended in the earlier campaign period
    db.session.commit()
    with pytest.raises(PolicyViolationError) as refused:
        complete(world, loan.id, "maturity_review", "officer_rcb", date(2025, 2, 10), maturity_decision="extend")
    assert refused.value.field_errors == {"maturity_decision": ["extension_limit"]}


@pytest.mark.parametrize("new, ok", [(date(2025, 3, 10), True), (date(2025, 3, 11), False), (date(2025, 2, 10), False)])
def test_the_new_maturity_stays_within_max_extension_months(world, new, ok):
    loan = at_maturity_review(world)
    complete(world, loan.id, "maturity_review", "officer_rcb", date(2025, 2, 10), maturity_decision="extend")
    if ok:
        complete(world, loan.id, "request_extension", "officer_rcb", date(2025, 2, 10), new_maturity_date=new,
                 extension_reason="延期")
        assert open_tasks(loan.id) == ["approve_extension", "maturity_review"]
    else:
        with pytest.raises(PolicyViolationError, match="extension_too_long"):
            complete(world, loan.id, "request_extension", "officer_rcb", date(2025, 2, 10), new_maturity_date=new,
                     extension_reason="延期")


def test_the_requester_never_approves_the_extension(world):
    dual = accounts.create_user("dual_rcb", "Demo-2026!", ["bank_officer", "bank_approver"], bank="cqrcb")
    world.users["dual_rcb"] = dual
    db.session.commit()
    loan = at_maturity_review(world)
    complete(world, loan.id, "maturity_review", "dual_rcb", date(2025, 2, 10), maturity_decision="extend")
    complete(world, loan.id, "request_extension", "dual_rcb", date(2025, 2, 10), new_maturity_date=NEW_MATURITY,
             extension_reason="延期")
    with pytest.raises(FourEyesError):
        complete(world, loan.id, "approve_extension", "dual_rcb", date(2025, 2, 11), extension_approved=True)
    complete(world, loan.id, "approve_extension", "approver_rcb", date(2025, 2, 11), extension_approved=True)


def test_a_refused_extension_goes_to_recovery(world):
    loan = extend(world, at_maturity_review(world), approved=False)
    assert loan.extension_count == 0 and open_tasks(loan.id) == ["recover_loan"]


def test_renewal_links_and_closes_the_due_loan(world):
    old = at_maturity_review(world)
    renewal = disbursed(world, on=date(2025, 2, 12), household=old.household, kind="renewal")
    old = db.session.get(Loan, old.id)
    assert renewal.previous_loan_id == old.id and renewal.status == "active"
    assert old.status == "closed" and one(ProcessInstance, loan_id=old.id).end_event == "loan_closed"
    assert count(HumanTask, loan_id=old.id, state="ready") == 0


@pytest.mark.parametrize("setup", ["extended", "renewed", "not_due"])
def test_renewal_refused(world, setup):
    old = at_maturity_review(world) if setup != "not_due" else disbursed(world, term=12)
    if setup == "extended":
        old.extension_count = 1
        db.session.commit()
    if setup == "renewed":
        disbursed(world, on=date(2025, 2, 12), term=1, household=old.household, kind="renewal")  # due 03-12
    code = "renewal_without_due_loan" if setup == "not_due" else "extension_limit"
    with pytest.raises(PolicyViolationError) as refused, clock.frozen(at(date(2025, 3, 13))):
        register(world, old.household, kind="renewal")
    assert refused.value.codes == (code,)
