"""Every user task of the bundled diagrams, driven on a real instance: it lands in the inbox of exactly
the users its lane and scope name, and completes through the one service with one audit event."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from models import AuditEvent, HumanTask, ProcessInstance, db
from tests.factories import make_household, register
from tests.factories_tasks import AT_REGISTRATION, DRIVERS, drawn_processes, expected_holders, user_tasks
from workflows import audit
from workflows.tasks import inbox, service


def inbox_holders(world, task: HumanTask) -> set[str]:
    """The reference world's users whose inbox (available tasks) lists ``task``."""
    return {name for name, user in world.users.items()
            if task.id in db.session.scalars(inbox.inbox_query(user).with_only_columns(HumanTask.id))}


def completions(task: HumanTask) -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "task_completed", AuditEvent.process_instance_id == task.process_instance_id,
        AuditEvent.task_name == task.name)))


def test_every_user_task_of_every_bundled_diagram_has_a_driver():
    assert drawn_processes() == {"microcredit_loan", "post_loan", "risk_fund_topup", "interest_subsidy_settlement",
                                 "credit_rating_campaign", "credit_designation"}
    assert {spec.process for spec in user_tasks().values()} == drawn_processes()
    undriven = set(user_tasks()) - set(DRIVERS) - AT_REGISTRATION
    assert not undriven, f"user tasks without a driver in tests/factories_tasks.py: {sorted(undriven)}"
    assert set(DRIVERS) <= set(user_tasks()), "a driver for a task no diagram draws"


@pytest.mark.parametrize("name", sorted(DRIVERS))
def test_each_user_task_lands_in_the_inbox_of_exactly_its_lane_and_scope_and_completes_through_the_service(
        world, name):
    reached = DRIVERS[name].reach(world)
    task = reached.task
    assert task.role == user_tasks()[name].lane
    holders = expected_holders(world, task)
    assert holders and inbox_holders(world, task) == holders
    actor = sorted(holders)[0]
    with reached.acting():
        service.complete_task(world.actor(actor), task.id, DRIVERS[name].answers(reached.day))
    db.session.refresh(task)
    assert (task.state, task.completed_by_id) == ("completed", world.users[actor].id)
    assert inbox_holders(world, task) == set()
    (event,) = completions(task)
    assert (event.actor_name, event.actor_role, event.loan_id) == (actor, task.role, task.loan_id)
    if task.loan_id is None:  # a settlement or a top-up: the instance is the subject
        assert event.after["process"] and "loan" not in event.after
    assert audit.verify().ok


def test_registration_completes_its_user_task_at_once_and_lists_it_in_no_inbox(world):
    loan = register(world, make_household())
    instance = db.session.scalars(sa.select(ProcessInstance).where(ProcessInstance.loan_id == loan.id)).one()
    task = db.session.scalars(sa.select(HumanTask).where(
        HumanTask.process_instance_id == instance.id, HumanTask.name == "register_application")).one()
    assert (task.state, task.completed_by_id, task.role) == ("completed", world.users["clerk_hanfeng"].id,
                                                           user_tasks()["register_application"].lane)
    assert inbox_holders(world, task) == set()
    (event,) = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "loan_registered"))
    assert (event.loan_id, event.task_name, event.actor_role) == (loan.id, "register_application", "township_clerk")
