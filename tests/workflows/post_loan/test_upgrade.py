"""Loans on the post-loan diagram of one timer (today's main) carry on on the parallel one after deploy.

The database is built by running the old diagram (kept as ``post_loan_one_timer.bpmn``) with the
current code: loans are driven to each waiting point, then ``deploy_bundled`` (as ``flask setup``)
deploys the new diagram and upgrades them.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from SpiffWorkflow.util.task import TaskState

from models import AuditEvent, HumanTask, Loan, ProcessInstance, db
from workflows import clock, deployment, instances
from workflows.tasks import claims

from ...conftest import count
from ...factories import drive, make_household, register
from ...factories_postloan import (VISIT_OK, at, at_maturity_review, complete, disbursed, install, open_tasks,
                                   sweep, to_recovery)

OLD_DIAGRAM = Path(__file__).with_name("post_loan_one_timer.bpmn").read_text(encoding="utf-8")


@pytest.fixture
def old_main(world):
    """The bundled diagrams with today's main's post_loan.bpmn, deployed as the newest version."""
    install()
    sources = {**deployment.bundled_sources(), "post_loan.bpmn": OLD_DIAGRAM}
    version = deployment.deploy("microcredit_loan", sources)
    db.session.commit()
    return version


def running(loan_id: int) -> ProcessInstance:
    return db.session.query(ProcessInstance).filter_by(loan_id=loan_id, status="running").one()


def upgrade(day: date) -> None:
    with clock.frozen(at(day)):
        deployment.deploy_bundled()
        db.session.commit()


def ready(loan_id: int, name: str) -> HumanTask:
    return db.session.query(HumanTask).filter_by(loan_id=loan_id, name=name, state="ready").one()


def test_the_old_diagram_is_the_one_the_loans_run_on(old_main, world):
    loan = disbursed(world)
    assert running(loan.id).process_version_id == old_main.id
    workflow = instances.load(running(loan.id).id).workflow
    assert [t.task_spec.name for t in workflow.get_tasks(state=TaskState.WAITING)] == ["next_check", "loan_repaid"]


def test_a_loan_waiting_on_the_one_timer_waits_on_the_new_branches(old_main, world):
    loan = disbursed(world)
    upgrade(date(2025, 2, 1))
    row = running(loan.id)
    assert row.process_version.process_key == "post_loan" and open_tasks(loan.id) == []
    assert clock.local(row.next_timer_at).date() == date(2025, 4, 10)
    old = db.session.query(ProcessInstance).filter_by(loan_id=loan.id, end_event="post_loan_restarted").one()
    assert old.status == "completed" and count(AuditEvent, action="post_loan_upgraded", loan_id=loan.id) == 1
    sweep(date(2025, 4, 10))
    assert open_tasks(loan.id) == ["post_loan_visit"]


def test_an_open_claimed_visit_stays_open_with_its_claim(old_main, world):
    loan = disbursed(world)
    sweep(date(2025, 4, 10))
    task = ready(loan.id, "post_loan_visit")
    with clock.frozen(at(date(2025, 4, 11))):
        claims.claim(world.actor("clerk_hanfeng"), task.id)
    upgrade(date(2025, 4, 12))
    moved = ready(loan.id, "post_loan_visit")
    assert moved.id == task.id and moved.assignee_id == world.users["clerk_hanfeng"].id
    assert moved.process_instance_id == running(loan.id).id and open_tasks(loan.id) == ["post_loan_visit"]
    complete(world, loan.id, "post_loan_visit", "clerk_hanfeng", date(2025, 4, 13), **VISIT_OK)
    assert clock.local(running(loan.id).next_timer_at).date() == date(2025, 7, 10)


def test_an_open_reminder_stays_open_and_the_review_follows(old_main, world):
    loan = disbursed(world, term=1)
    sweep(date(2025, 1, 11))
    task = ready(loan.id, "maturity_reminder")
    upgrade(date(2025, 1, 12))
    assert ready(loan.id, "maturity_reminder").id == task.id
    sweep(date(2025, 2, 10))
    assert open_tasks(loan.id) == ["maturity_reminder", "maturity_review"]  # no longer waiting on each other


def test_an_open_review_stays_open(old_main, world):
    loan = at_maturity_review(world)
    task = ready(loan.id, "maturity_review")
    upgrade(date(2025, 2, 10))
    assert ready(loan.id, "maturity_review").id == task.id and open_tasks(loan.id) == ["maturity_review"]
    complete(world, loan.id, "maturity_review", "officer_rcb", date(2025, 2, 11), maturity_decision="recover")
    assert open_tasks(loan.id) == ["recover_loan"]


def test_an_extension_awaiting_approval_keeps_the_request(old_main, world):
    loan = at_maturity_review(world)
    complete(world, loan.id, "maturity_review", "officer_rcb", date(2025, 2, 10), maturity_decision="extend")
    complete(world, loan.id, "request_extension", "officer_rcb", date(2025, 2, 10),
             new_maturity_date=date(2025, 3, 10), extension_reason="生猪价格低迷")
    task = ready(loan.id, "approve_extension")
    upgrade(date(2025, 2, 11))
    assert ready(loan.id, "approve_extension").id == task.id
    complete(world, loan.id, "approve_extension", "approver_rcb", date(2025, 2, 11), extension_approved=True)
    loan = db.session.get(Loan, loan.id)
    assert (loan.maturity_date, loan.extension_count) == (date(2025, 3, 10), 1)


@pytest.mark.parametrize("open_task", ["recover_loan", "confirm_recovery"])
def test_recovery_stays_where_it_was(old_main, world, open_task):
    loan = at_maturity_review(world)
    to_recovery(world, loan)
    if open_task == "confirm_recovery":
        complete(world, loan.id, "recover_loan", "officer_rcb", date(2025, 2, 12), recovery_outcome="loss",
                 recovery_note="多次催收无果")
    task = ready(loan.id, open_task)
    upgrade(date(2025, 2, 13))
    assert ready(loan.id, open_task).id == task.id and open_tasks(loan.id) == [open_task]
    if open_task == "confirm_recovery":
        complete(world, loan.id, "confirm_recovery", "clerk_hanfeng", date(2025, 2, 14), recovery_confirmed=True)
        assert open_tasks(loan.id) == ["claim_compensation"]


def test_a_loan_not_yet_disbursed_moves_to_the_new_version(old_main, world):
    install()
    with clock.frozen(at(date(2025, 1, 10))):
        loan = register(world, make_household())
        drive(world, loan.id, "disburse_loan")
    upgrade(date(2025, 1, 10))
    row = running(loan.id)
    assert row.process_version_id != old_main.id and row.process_version.process_key == "microcredit_loan"
    with clock.frozen(at(date(2025, 1, 10))):
        drive(world, loan.id, "end", disburse_loan={"disbursed_on": date(2025, 1, 10)})
    sweep(date(2025, 4, 10))
    assert open_tasks(loan.id) == ["post_loan_visit"]
    sweep(date(2025, 5, 11))
    assert open_tasks(loan.id) == ["post_loan_visit", "supervise_visit", "supervise_visit_bank"]  # the new diagram
