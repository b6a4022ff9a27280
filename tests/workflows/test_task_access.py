"""The one access authority as the service, the page and the API answer it: a colleague's claim (who
and since), four eyes declared in the diagram (a new approval step an administrator deploys keeps
it), hand-over by a non-holder, and a deactivated user's claims going back to the pool."""
from __future__ import annotations

from datetime import datetime

import pytest

from models import AuditEvent, HumanTask, db
from tests.conftest import one
from tests.factories import APPROVAL, INVESTIGATION, PASSWORD, drive, make_household, ready_task, register
from tests.factories_admin import with_task_before_disbursement
from workflows import accounts, clock, deployment
from workflows.errors import ClaimedByColleagueError, FormInvalidError, ForbiddenError, FourEyesError
from workflows.tasks import claims, inbox, service


def note(html: str) -> str:
    """The text of the page's read-only note."""
    start = html.index('id="read-only-note"')
    return html[start:html.index("</div>", start)]


def available(world, username: str) -> set[int]:
    return {row[0].id for row in db.session.execute(inbox.inbox_query(world.users[username]))}


@pytest.fixture
def investigation(world) -> HumanTask:
    loan = register(world, make_household())
    drive(world, loan.id, until="investigate_credit")
    return ready_task(loan.id, "investigate_credit")


@pytest.fixture
def dual(world) -> str:
    """A bank employee who investigates and approves at the same bank."""
    world.users["dual_rcb"] = accounts.create_user("dual_rcb", PASSWORD, ["bank_officer", "bank_approver"],
                                                   bank="cqrcb", display_name="农商行 双岗")
    db.session.commit()
    return "dual_rcb"


# --- claimed by a colleague ---------------------------------------------------------------------

def test_a_claimed_task_tells_colleagues_who_holds_it_and_since_when(world, client, login, investigation):
    claims.claim(world.actor("officer_rcb"), investigation.id)
    holder, since = world.users["officer_rcb"].display_name, clock.local(investigation.claimed_at)
    page = login("officer2_rcb").get(f"/tasks/{investigation.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="task-form"' not in html
    assert holder in note(html) and since.strftime("%Y-%m-%d %H:%M") in note(html)
    headers = login.token("officer2_rcb")
    for action, body in (("claim", None), ("complete", INVESTIGATION | {"recommended_amount": "30000.00"})):
        answer = client.post(f"/api/v1/tasks/{investigation.id}/{action}", headers=headers, json=body)
        assert answer.status_code == 403 and answer.get_json()["codes"] == ["claimed"], action
        assert answer.get_json()["holder"] == holder
        assert datetime.fromisoformat(answer.get_json()["since"]) == investigation.claimed_at
    with pytest.raises(ClaimedByColleagueError):
        service.complete_task(world.actor("officer2_rcb"), investigation.id, INVESTIGATION)
    assert investigation.id not in available(world, "officer2_rcb")


def test_only_the_holder_or_an_overseer_hands_a_claimed_task_over(world, investigation):
    claims.claim(world.actor("officer_rcb"), investigation.id)
    with pytest.raises(ClaimedByColleagueError) as refused:
        claims.reassign(world.actor("officer2_rcb"), investigation.id, "officer2_rcb")
    assert refused.value.codes == ("claimed",) and refused.value.holder == world.users["officer_rcb"].display_name
    assert db.session.get(HumanTask, investigation.id).assignee_id == world.users["officer_rcb"].id
    claims.reassign(world.actor("supervisor"), investigation.id, "officer2_rcb")
    assert db.session.get(HumanTask, investigation.id).assignee_id == world.users["officer2_rcb"].id


# --- four eyes ----------------------------------------------------------------------------------

def test_the_investigator_who_also_approves_never_gets_the_approval(world, login, investigation, dual):
    service.complete_task(world.actor(dual), investigation.id, INVESTIGATION)
    approval = ready_task(investigation.loan_id, "approve_loan")
    assert approval.id not in available(world, dual) and approval.id in available(world, "approver_rcb")
    assert inbox.next_task(world.users[dual]) is None and "approve_loan" not in inbox.counts_by_task(world.users[dual])
    for attempt in (lambda: claims.claim(world.actor(dual), approval.id),
                    lambda: service.complete_task(world.actor(dual), approval.id, APPROVAL)):
        with pytest.raises(FourEyesError):
            attempt()
    client, headers = login(dual), login.token(dual)
    claimed = client.post(f"/inbox/tasks/{approval.id}/claim")
    assert claimed.status_code == 403 and "<code>four_eyes</code>" in claimed.get_data(as_text=True)
    page = client.get(f"/tasks/{approval.id}").get_data(as_text=True)
    assert 'id="read-only-note"' in page and 'id="task-form"' not in page
    assert client.post(f"/tasks/{approval.id}", data={"decision": "approve"}).status_code == 403
    for action in ("claim", "complete"):
        answer = client.post(f"/api/v1/tasks/{approval.id}/{action}", headers=headers, json={"decision": "reject"})
        assert answer.status_code == 403 and answer.get_json()["codes"] == ["four_eyes"], action
    with pytest.raises(FormInvalidError) as handed:
        claims.reassign(world.actor("approver_rcb"), approval.id, dual)
    assert handed.value.field_errors == {"to_username": ["four_eyes"]}
    assert db.session.get(HumanTask, approval.id).state == "ready"


COMMITTEE_FIELDS = '[{"name": "committee_ok", "label": {"zh": "贷审会同意"}, "type": "yesno", "required": true}]'


def with_credit_committee(sources: dict[str, str]) -> dict[str, str]:
    """The loan diagram with a committee review in the approvers' lane between approval and disbursement,
    kept apart from the investigator and the first approver."""
    return with_task_before_disbursement(sources, "credit_committee", "贷审会复核", "lane_bank_approver", {
        "form_fields": COMMITTEE_FIELDS, "four_eyes_with": "investigate_credit, approve_loan"})


def test_a_new_approval_step_an_administrator_deploys_keeps_four_eyes(world, dual):
    deployment.deploy("microcredit_loan", with_credit_committee(deployment.bundled_sources()), world.actor("admin"),
                      comment="贷审会复核")
    db.session.commit()
    loan = register(world, make_household())
    drive(world, loan.id, until="investigate_credit")
    service.complete_task(world.actor(dual), ready_task(loan.id, "investigate_credit").id, INVESTIGATION)
    service.complete_task(world.actor("approver_rcb"), ready_task(loan.id, "approve_loan").id, APPROVAL)
    committee = ready_task(loan.id, "credit_committee")
    assert {name for name in (dual, "approver_rcb", "approver2_rcb") if committee.id in available(world, name)} == {
        "approver2_rcb"}
    with pytest.raises(FourEyesError):
        claims.claim(world.actor(dual), committee.id)
    with pytest.raises(FourEyesError):
        service.complete_task(world.actor("approver_rcb"), committee.id, {"committee_ok": True})
    service.complete_task(world.actor("approver2_rcb"), committee.id, {"committee_ok": True})
    assert ready_task(loan.id, "disburse_loan")


# --- deactivation -------------------------------------------------------------------------------

@pytest.mark.parametrize("how", ["service", "cli"])
def test_a_deactivated_users_claims_go_back_to_the_pool(world, runner, investigation, how):
    claims.claim(world.actor("officer_rcb"), investigation.id)
    assert investigation.id not in available(world, "officer2_rcb")
    if how == "service":
        assert accounts.deactivate("officer_rcb", world.actor("admin")) == 1
    else:
        result = runner.invoke(args=["users", "deactivate", "officer_rcb"])
        assert result.exit_code == 0 and "1 claimed task(s) back in the pool" in result.output
    db.session.expire_all()
    assert db.session.get(HumanTask, investigation.id).assignee_id is None
    assert investigation.id in available(world, "officer2_rcb")
    released = one(AuditEvent, action="task_unclaimed")
    assert (released.before, released.after, released.task_name) == (
        {"assignee": "officer_rcb"}, {"assignee": None}, "investigate_credit")
    assert one(AuditEvent, action="user_deactivated").after["released_tasks"] == 1
    with pytest.raises(ForbiddenError):
        claims.claim(world.actor("officer_rcb"), investigation.id)
