"""代理 while a user is away: the stand-in sees, claims and completes the absent colleague's tasks
(those they claimed included) on the business dates of the period only, marked with the colleague's
name; four eyes still holds for the stand-in; only a colleague of the same role and place qualifies."""
from __future__ import annotations

from datetime import timedelta

import pytest

from models import AuditEvent, HumanTask, TaskExclusion, db
from tests.conftest import one
from tests.factories import APPROVAL, INVESTIGATION, drive, make_household, ready_task, register
from workflows import business_date, clock, user_admin
from workflows.errors import ClaimedByColleagueError, FourEyesError, PolicyViolationError
from workflows.tasks import access, claims, inbox, service


def available(world, username: str) -> set[int]:
    return {row[0].id for row in db.session.execute(inbox.inbox_query(world.users[username]))}


@pytest.fixture
def approval(world) -> HumanTask:
    """An approval the approver claimed before going away."""
    loan = register(world, make_household())
    drive(world, loan.id, until="approve_loan")
    task = ready_task(loan.id, "approve_loan")
    claims.claim(world.actor("approver_rcb"), task.id)
    return task


def delegate(world, starts_in: int = 0, ends_in: int = 2, to: str = "approver2_rcb"):
    today = clock.today()
    return user_admin.delegate(world.actor("admin"), "approver_rcb", to, "bank_approver",
                               today + timedelta(days=starts_in), today + timedelta(days=ends_in))


def test_without_a_delegation_the_claimed_approval_is_the_colleagues(world, approval):
    assert approval.id not in available(world, "approver2_rcb")
    with pytest.raises(ClaimedByColleagueError):
        access.task_for(world.users["approver2_rcb"], approval.id, "complete")


def test_the_stand_in_sees_and_completes_the_absent_colleagues_task(world, approval):
    row = delegate(world)
    assert one(AuditEvent, action="delegation_created").after == user_admin.delegation_snapshot(row)
    assert approval.id in available(world, "approver2_rcb")
    assert inbox.stand_in_names(world.users["approver2_rcb"], [approval]) == {approval.id: "农商行 赵敏"}
    assert inbox.count_available(world.users["approver2_rcb"]) == 1
    service.complete_task(world.actor("approver2_rcb"), approval.id, APPROVAL)
    assert db.session.get(HumanTask, approval.id).completed_by_id == world.users["approver2_rcb"].id


def test_the_stand_in_may_take_the_claim_over(world, approval):
    delegate(world)
    claims.claim(world.actor("approver2_rcb"), approval.id)
    assert db.session.get(HumanTask, approval.id).assignee_id == world.users["approver2_rcb"].id
    event = [e for e in db.session.scalars(db.select(AuditEvent).filter_by(action="task_claimed"))][-1]
    assert event.before == {"assignee": "approver_rcb"} and event.after == {"assignee": "approver2_rcb"}


@pytest.mark.parametrize("day, sees", [(-1, False), (0, True), (2, True), (3, False)])
def test_only_within_the_period_in_business_dates(world, approval, day, sees):
    delegate(world, starts_in=0, ends_in=2)
    business_date.set_date(world.actor("admin"), clock.today() + timedelta(days=day), allowed_by_config=True)
    assert (approval.id in available(world, "approver2_rcb")) is sees
    assert access.may(world.users["approver2_rcb"], approval, "complete") is sees


def test_an_ended_delegation_shows_nothing_more(world, approval):
    row = delegate(world)
    user_admin.end_delegation(world.actor("admin"), row.id)
    assert approval.id not in available(world, "approver2_rcb")
    assert one(AuditEvent, action="delegation_ended").after["ended"] is True


def test_four_eyes_holds_for_a_stand_in_who_investigated(world):
    dual, _ = user_admin.create_user(world.actor("admin"), "dual_rcb", "双岗", ["bank_officer", "bank_approver"],
                                     bank="cqrcb")
    world.users["dual_rcb"] = dual
    loan = register(world, make_household())
    drive(world, loan.id, until="investigate_credit")
    service.complete_task(world.actor("dual_rcb"), ready_task(loan.id, "investigate_credit").id, INVESTIGATION)
    task = ready_task(loan.id, "approve_loan")
    claims.claim(world.actor("approver_rcb"), task.id)
    user_admin.delegate(world.actor("admin"), "approver_rcb", "dual_rcb", "bank_approver", clock.today(),
                        clock.today())
    assert task.id not in available(world, "dual_rcb")
    with pytest.raises(FourEyesError):
        service.complete_task(world.actor("dual_rcb"), task.id, APPROVAL)
    with pytest.raises(FourEyesError):
        claims.claim(world.actor("dual_rcb"), task.id)


@pytest.mark.parametrize("to, starts_in, ends_in, code", [
    ("approver_psbc", 0, 1, "delegate_not_eligible"),  # another bank
    ("officer_rcb", 0, 1, "delegate_not_eligible"),  # another role
    ("approver_rcb", 0, 1, "delegate_not_eligible"),  # oneself
    ("approver2_rcb", 2, 1, "delegation_period_invalid"),  # ends before it starts
    ("approver2_rcb", -3, -1, "delegation_period_invalid"),  # over already
    ("approver2_rcb", 0, 366, "delegation_period_invalid"),  # longer than a year
])
def test_who_and_when_are_checked(world, to, starts_in, ends_in, code):
    with pytest.raises(PolicyViolationError) as refused:
        delegate(world, starts_in, ends_in, to=to)
    assert refused.value.codes == (code,)


def test_the_boundaries_that_are_allowed(world):
    assert delegate(world, starts_in=-3, ends_in=0).covers(clock.today())  # ends today
    assert delegate(world, starts_in=0, ends_in=365)  # 366 days: a whole leap year


def test_the_colleagues_four_eyes_on_another_task_does_not_hide_their_claimed_task(world, approval):
    """The stand-in condition looks at the claimed task's own exclusions only (it once cross-joined
    every task, so an exclusion anywhere hid all of the colleague's claimed tasks)."""
    other = register(world, make_household())
    drive(world, other.id, until="approve_loan")
    db.session.add(TaskExclusion(human_task_id=ready_task(other.id, "approve_loan").id,
                                 user_id=world.users["approver_rcb"].id))
    db.session.commit()
    delegate(world)
    assert approval.id in available(world, "approver2_rcb")
