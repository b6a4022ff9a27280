"""Claim, unclaim and reassign: within role and scope, audited, and race-safe."""
from __future__ import annotations

import threading

import pytest

from models import AuditEvent, HumanTask, User, db
from workflows import audit
import sqlalchemy as sa

from workflows.errors import (AlreadyCompletedError, ClaimedByColleagueError, ConcurrentUpdateError, ForbiddenError,
                              FormInvalidError)
from workflows.tasks import claims, service

from ..conftest import count
from ..factories import INVESTIGATION, drive, make_household, ready_task, register


@pytest.fixture
def task(world) -> HumanTask:
    loan = register(world, make_household())
    drive(world, loan.id, until="investigate_credit")
    return ready_task(loan.id, "investigate_credit")


def test_claim_takes_the_task_and_is_audited(world, task):
    claims.claim(world.actor("officer_rcb"), task.id)
    assert task.assignee_id == world.users["officer_rcb"].id
    event = db.session.query(AuditEvent).filter_by(action="task_claimed").one()
    assert (event.task_name, event.loan_id, event.actor_role) == ("investigate_credit", task.loan_id, "bank_officer")
    assert event.after == {"assignee": "officer_rcb"}
    claims.claim(world.actor("officer_rcb"), task.id)  # again: nothing changes, nothing recorded
    assert count(AuditEvent, action="task_claimed") == 1 and audit.verify().ok


def test_a_colleague_cannot_claim_or_complete_a_claimed_task_and_is_told_who_holds_it(world, task):
    claims.claim(world.actor("officer_rcb"), task.id)
    for attempt in (lambda: claims.claim(world.actor("officer2_rcb"), task.id),
                    lambda: service.complete_task(world.actor("officer2_rcb"), task.id, INVESTIGATION)):
        with pytest.raises(ClaimedByColleagueError) as refused:
            attempt()
        assert refused.value.codes == ("claimed",) and refused.value.holder == world.users["officer_rcb"].display_name
        assert refused.value.since is not None
    refusals = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "attempt_refused")).all()
    assert [(e.actor_name, e.actor_role, e.codes, e.after["use_case"]) for e in refusals] == [
        ("officer2_rcb", "bank_officer", ["claimed"], "claim_task"),
        ("officer2_rcb", "bank_officer", ["claimed"], "complete_task")]
    assert audit.verify().ok


def test_a_colleague_in_scope_hands_out_an_unclaimed_task_but_only_its_holder_or_a_supervisor_a_claimed_one(
        world, task):
    claims.reassign(world.actor("officer2_rcb"), task.id, "officer_rcb")
    with pytest.raises(ClaimedByColleagueError):
        claims.reassign(world.actor("officer2_rcb"), task.id, "officer2_rcb")
    claims.reassign(world.actor("supervisor"), task.id, "officer2_rcb")
    claims.reassign(world.actor("officer2_rcb"), task.id, "officer_rcb")
    assert db.session.get(HumanTask, task.id).assignee_id == world.users["officer_rcb"].id


@pytest.mark.parametrize("outsider", ["officer_psbc", "approver_rcb", "clerk_hanfeng", "supervisor", "bureau"])
def test_outsiders_cannot_claim(world, task, outsider):
    with pytest.raises(ForbiddenError):
        claims.claim(world.actor(outsider), task.id)
    assert db.session.get(HumanTask, task.id).assignee_id is None


def test_only_the_assignee_gives_a_task_back(world, task):
    claims.claim(world.actor("officer_rcb"), task.id)
    with pytest.raises(ForbiddenError):
        claims.unclaim(world.actor("officer2_rcb"), task.id)
    claims.unclaim(world.actor("officer_rcb"), task.id)
    assert task.assignee_id is None and count(AuditEvent, action="task_unclaimed") == 1
    with pytest.raises(ForbiddenError):
        claims.unclaim(world.actor("officer_rcb"), task.id)


def test_reassign_to_a_colleague_of_the_same_role_and_bank(world, task):
    claims.claim(world.actor("officer_rcb"), task.id)
    claims.reassign(world.actor("officer_rcb"), task.id, "officer2_rcb")
    assert task.assignee_id == world.users["officer2_rcb"].id
    event = db.session.query(AuditEvent).filter_by(action="task_reassigned").one()
    assert (event.before, event.after) == ({"assignee": "officer_rcb"}, {"assignee": "officer2_rcb"})
    assert [u.username for u in claims.colleagues(task)] == ["officer2_rcb", "officer_rcb"]


@pytest.mark.parametrize(("actor", "target", "error", "code"), [
    ("officer_rcb", "officer_psbc", FormInvalidError, "not_in_scope"),
    ("officer_rcb", "approver_rcb", FormInvalidError, "not_in_scope"),
    ("officer_rcb", "nobody", FormInvalidError, "unknown_user"),
    ("officer_psbc", "officer2_rcb", ForbiddenError, None),
    ("supervisor", "officer_psbc", FormInvalidError, "not_in_scope"),
])
def test_reassign_refusals(world, task, actor, target, error, code):
    with pytest.raises(error) as refused:
        claims.reassign(world.actor(actor), task.id, target)
    if code:
        assert refused.value.field_errors == {"to_username": [code]}
    assert db.session.get(HumanTask, task.id).assignee_id is None


def test_a_done_task_cannot_be_claimed(world, task):
    service.complete_task(world.actor("officer_rcb"), task.id, INVESTIGATION)
    with pytest.raises(AlreadyCompletedError):
        claims.claim(world.actor("officer2_rcb"), task.id)


def test_two_concurrent_claims_one_wins(app, world, task, monkeypatch):
    task_id, user_ids = task.id, [world.users["officer_rcb"].id, world.users["officer2_rcb"].id]
    barrier = threading.Barrier(2, timeout=10)
    original = claims._set_assignee

    def both_checked_first(*args, **kwargs):
        barrier.wait()  # both threads have read the unclaimed row before either writes
        return original(*args, **kwargs)

    monkeypatch.setattr(claims, "_set_assignee", both_checked_first)
    outcomes: list[str] = []

    def claim(user_id: int) -> None:
        with app.app_context():
            try:
                claims.claim(audit.Actor(db.session.get(User, user_id), None, "127.0.0.1"), task_id)
                outcomes.append("ok")
            except ConcurrentUpdateError:
                outcomes.append("lost")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=claim, args=(uid,)) for uid in user_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == ["lost", "ok"]
    db.session.expire_all()
    assert db.session.get(HumanTask, task_id).assignee_id in user_ids
    assert count(AuditEvent, action="task_claimed") == 1 and audit.verify().ok
