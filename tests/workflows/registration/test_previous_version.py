"""Loans running on the diagram before withdrawal and decline keep working after ``flask setup`` deploys it.

``microcredit_loan_before_withdrawal.bpmn`` is the loan diagram as it was before this change. A loan
started on it stays on it (its waiting tasks changed, so it is not migrated) and completes there; it can
still be withdrawn (its open task is cancelled by hand, same status and end). New loans start on the new
version and are withdrawn through the diagram's boundary event.
"""
from __future__ import annotations

from pathlib import Path

from models import db
from workflows import deployment, instances, registration
from workflows.post_loan import upgrade
from tests.factories import drive, make_household, register

from .drivers import instance_of, open_rows

PREVIOUS = (Path(__file__).with_name("microcredit_loan_before_withdrawal.bpmn")).read_text(encoding="utf-8")


def deploy_previous():
    version = deployment.deploy("microcredit_loan", {**deployment.bundled_sources(), "microcredit_loan.bpmn": PREVIOUS})
    db.session.commit()
    return version


def setup_again():
    """What ``flask setup`` does with the diagrams: deploy the bundled ones, move what must move."""
    deployed = deployment.deploy_bundled()
    db.session.commit()
    return deployed


def test_a_loan_waiting_at_approval_on_the_previous_version_completes_after_the_new_one_is_deployed(world):
    previous = deploy_previous()
    loan = register(world, make_household())
    drive(world, loan.id, "approve_loan")
    assert instance_of(loan.id).process_version_id == previous.id
    [current, *_] = setup_again()
    assert current.version == previous.version + 1
    assert instance_of(loan.id).process_version_id == previous.id  # not migrated: its waiting task changed
    drive(world, loan.id, "nothing")
    db.session.expire_all()
    assert loan.status == "active" and open_rows(loan.id) == []  # waiting on its first post-loan timer
    assert upgrade.upgrade_running() == {"restarted": 0, "migrated": 0}


def test_a_new_loan_starts_on_the_new_version_and_is_withdrawn_through_the_diagram(world):
    deploy_previous()
    [current, *_] = setup_again()
    loan = register(world, make_household())
    drive(world, loan.id, "approve_loan")
    assert instance_of(loan.id).process_version_id == current.id
    registration.withdraw_application(world.actor("clerk_hanfeng"), loan.id, "不再需要")
    db.session.expire_all()
    assert loan.status == "withdrawn" and open_rows(loan.id) == []
    assert instances.reached_end(instances.load(instance_of(loan.id).id).workflow) == "application_withdrawn"


def test_a_loan_on_the_previous_version_can_still_be_withdrawn(world):
    deploy_previous()
    loan = register(world, make_household())
    drive(world, loan.id, "investigate_credit")
    setup_again()
    registration.withdraw_application(world.actor("clerk_hanfeng"), loan.id, "不再需要")
    db.session.expire_all()
    instance = instance_of(loan.id)
    assert loan.status == "withdrawn" and open_rows(loan.id) == []
    assert (instance.status, instance.end_event, instance.next_timer_at) == ("completed", "application_withdrawn", None)
