"""撤回: the clerk withdraws an application at any step before disbursement, never after."""
from __future__ import annotations

import pytest

from models import HumanTask, db
from workflows import engine, instances, registration
from workflows.errors import ForbiddenError, FormInvalidError, NotFoundError, PolicyViolationError
from tests.factories import drive, make_household, ready_task, register

from .drivers import PRE_DISBURSEMENT, events, instance_of, loan_at, open_rows

REASON = "农户外出务工，不再需要贷款"


@pytest.mark.parametrize("step", PRE_DISBURSEMENT)
def test_a_withdrawal_at_any_step_before_disbursement_ends_the_process(world, step):
    loan = loan_at(world, step)
    row = ready_task(loan.id, step)
    registration.withdraw_application(world.actor("clerk_hanfeng"), loan.id, f"  {REASON} ")
    db.session.expire_all()
    assert loan.status == "withdrawn"
    assert open_rows(loan.id) == []
    assert db.session.get(HumanTask, row.id).state == "cancelled"
    instance = instance_of(loan.id)
    assert (instance.status, instance.end_event) == ("completed", "application_withdrawn")
    [event] = events("application_withdrawn", loan.id)
    assert (event.actor_role, event.comment) == ("township_clerk", REASON)
    assert event.before == {"status": "submitted" if step != "disburse_loan" else "approved"}
    assert event.after == {"status": "withdrawn", "reason": REASON}


def test_the_withdrawal_is_in_the_diagram_on_every_step_before_disbursement(world):
    spec = engine.SPECS.get(instances.latest_version("microcredit_loan")).spec
    for step in PRE_DISBURSEMENT:
        boundary = spec.task_specs[f"withdrawn_at_{step}"]
        assert boundary.event_definition.name == "application_withdrawn"
        assert boundary.cancel_activity
        assert "application_withdrawn" in [t.name for t in boundary.outputs]
    assert not any(name.startswith("withdrawn_at_post_loan") for name in spec.task_specs)


def test_after_disbursement_the_withdrawal_is_refused_and_audited(world):
    loan = register(world, make_household())
    drive(world, loan.id, "nothing")
    assert loan.status == "active"
    with pytest.raises(PolicyViolationError) as refused:
        registration.withdraw_application(world.actor("clerk_hanfeng"), loan.id, REASON)
    assert refused.value.codes == ("application_not_withdrawable",)
    db.session.expire_all()
    assert loan.status == "active" and events("application_withdrawn", loan.id) == []
    [attempt] = events("attempt_refused", loan.id)
    assert attempt.codes == ["application_not_withdrawable"] and attempt.after["use_case"] == "withdraw_application"


def test_an_ended_application_cannot_be_withdrawn(world):
    loan = register(world, make_household())
    drive(world, loan.id, "investigate_credit", confirm_eligibility={"eligible": False})
    assert loan.status == "rejected"
    with pytest.raises(PolicyViolationError):
        registration.withdraw_application(world.actor("clerk_hanfeng"), loan.id, REASON)
    registration_loan = loan_at(world, "approve_loan")
    registration.withdraw_application(world.actor("clerk_hanfeng"), registration_loan.id, REASON)
    with pytest.raises(PolicyViolationError) as twice:
        registration.withdraw_application(world.actor("clerk_hanfeng"), registration_loan.id, REASON)
    assert twice.value.codes == ("application_not_withdrawable",)


@pytest.mark.parametrize("username, error", [
    ("clerk_dade", NotFoundError),  # another township's clerk does not even see the loan
    ("officer_rcb", ForbiddenError), ("approver_rcb", ForbiddenError), ("bureau", ForbiddenError),
    ("supervisor", ForbiddenError), ("admin", ForbiddenError), ("officer_psbc", NotFoundError),
])
def test_only_a_clerk_of_the_loans_township_withdraws(world, username, error):
    loan = loan_at(world, "investigate_credit")
    with pytest.raises(error):
        registration.withdraw_application(world.actor(username), loan.id, REASON)
    db.session.expire_all()
    assert loan.status == "submitted" and len(open_rows(loan.id)) == 1


@pytest.mark.parametrize("reason, code", [("", "reason_required"), ("   ", "reason_required"),
                                          (None, "reason_required"), ("很" * 501, "reason_too_long")])
def test_a_withdrawal_needs_a_reason_of_at_most_500_characters(world, reason, code):
    loan = loan_at(world, "investigate_credit")
    with pytest.raises(FormInvalidError) as refused:
        registration.withdraw_application(world.actor("clerk_hanfeng"), loan.id, reason)
    assert refused.value.field_errors == {"reason": [code]}
    registration.withdraw_application(world.actor("clerk_hanfeng"), loan.id, "很" * 500)
    assert loan.status == "withdrawn"


def test_a_missing_loan_is_not_found(world):
    with pytest.raises(NotFoundError):
        registration.withdraw_application(world.actor("clerk_hanfeng"), 987654, REASON)
