"""Tasks over the API: my inbox, a task's fields, claim and unclaim, complete with the same forms."""
from __future__ import annotations

import pytest

from models import HumanTask, db
from tests.factories import drive, make_household, ready_task, register
from workflows import accounts, clock

ELIGIBLE = {"eligible": True, "eligibility_note": "核实在册"}
INVESTIGATION = {"grade": "AAA", "recommended_amount": "30000.00", "recommended_term_months": 12,
                 "investigation_report": "有养殖经验"}
APPROVAL = {"decision": "approve", "approved_amount": "30000.00", "approved_term_months": 12,
            "annual_rate": "3.00", "approval_comment": "同意"}


@pytest.fixture
def loan(world):
    return register(world, make_household("hanfeng"))


def test_my_tasks_and_a_tasks_fields(api, loan):
    items = api.get("/tasks", as_="bureau").get_json()["items"]
    assert [(t["loan_id"], t["name"], t["role"]) for t in items] == [(loan.id, "confirm_eligibility", "rural_bureau")]
    assert items[0]["assignee"] is None and items[0]["created_at"].endswith("+08:00")
    assert api.get("/tasks", as_="officer_rcb").get_json()["items"] == []
    detail = api.get(f"/tasks/{items[0]['id']}", as_="bureau").get_json()
    assert detail["form"] == "ConfirmEligibilityForm" and detail["instance_version"] >= 1
    assert [f["name"] for f in detail["fields"]] == ["eligible", "eligibility_note"]
    assert detail["fields"][0]["type"] == "boolean" and detail["fields"][0]["required"]


def test_complete_moves_the_loan_and_a_second_complete_is_409(api, loan):
    task = ready_task(loan.id, "confirm_eligibility")
    answer = api.post(f"/tasks/{task.id}/complete", as_="bureau", json=ELIGIBLE)
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["task"]["state"] == "completed" and answer.get_json()["loan"]["id"] == loan.id
    again = api.post(f"/tasks/{task.id}/complete", as_="bureau", json=ELIGIBLE)
    assert again.status_code == 409 and again.get_json()["codes"] == ["already_completed"]
    assert ready_task(loan.id, "investigate_credit")


def test_drive_a_loan_to_active_through_the_api(api, loan):
    for step, username, body in (("confirm_eligibility", "bureau", ELIGIBLE),
                                 ("investigate_credit", "officer_rcb", INVESTIGATION),
                                 ("approve_loan", "approver_rcb", APPROVAL),
                                 ("disburse_loan", "officer_rcb", {"contract_number": "KZ-9",
                                                                   "disbursed_on": clock.today().isoformat(),
                                                                   "account_number": "6228480000001"})):
        answer = api.post(f"/tasks/{ready_task(loan.id, step).id}/complete", as_=username, json=body)
        assert answer.status_code == 200, (step, answer.get_json())
    assert answer.get_json()["loan"]["status"] == "active"


def test_bad_input_is_422_with_field_errors(api, loan):
    task = ready_task(loan.id, "confirm_eligibility")
    answer = api.post(f"/tasks/{task.id}/complete", as_="bureau", json={"eligible": False})
    assert answer.status_code == 422 and "eligibility_note" in answer.get_json()["errors"]
    assert db.session.get(HumanTask, task.id).state == "ready"


def test_a_stale_instance_version_is_409(api, loan):
    task = ready_task(loan.id, "confirm_eligibility")
    version = api.get(f"/tasks/{task.id}", as_="bureau").get_json()["instance_version"]
    answer = api.post(f"/tasks/{task.id}/complete", as_="bureau", json={**ELIGIBLE, "instance_version": version - 1})
    assert answer.status_code == 409 and answer.get_json()["codes"] == ["stale"]
    ok = api.post(f"/tasks/{task.id}/complete", as_="bureau", json={**ELIGIBLE, "instance_version": version})
    assert ok.status_code == 200


def test_four_eyes_is_403(api, world, loan):
    dual = accounts.create_user("dual_rcb", "Demo-2026!", ["bank_officer", "bank_approver"], bank="cqrcb")
    db.session.commit()
    world.users["dual_rcb"] = dual
    drive(world, loan.id, until="investigate_credit")
    api.post(f"/tasks/{ready_task(loan.id, 'investigate_credit').id}/complete", as_="dual_rcb", json=INVESTIGATION)
    answer = api.post(f"/tasks/{ready_task(loan.id, 'approve_loan').id}/complete", as_="dual_rcb", json=APPROVAL)
    assert answer.status_code == 403 and answer.get_json()["codes"] == ["four_eyes"]


@pytest.mark.parametrize("username", ["officer_rcb", "clerk_hanfeng", "approver_rcb", "admin", "finance"])
def test_a_task_outside_role_or_scope_is_403_and_a_missing_task_404(api, loan, username):
    task = ready_task(loan.id, "confirm_eligibility")
    for method, path in (("GET", ""), ("POST", "/claim"), ("POST", "/unclaim"), ("POST", "/complete")):
        answer = api.call(method, f"/tasks/{task.id}{path}", username, json=ELIGIBLE)
        assert answer.status_code == 403 and answer.get_json()["codes"] == ["forbidden"], (method, path)
        assert api.call(method, f"/tasks/999999{path}", username, json=ELIGIBLE).status_code == 404
    assert db.session.get(HumanTask, task.id).state == "ready"


def test_the_supervisor_reads_any_task_but_may_not_act(api, loan):
    task = ready_task(loan.id, "confirm_eligibility")
    assert api.get(f"/tasks/{task.id}", as_="supervisor").status_code == 200
    assert api.post(f"/tasks/{task.id}/complete", as_="supervisor", json=ELIGIBLE).status_code == 403


def test_claim_hides_the_task_from_colleagues_and_unclaim_gives_it_back(api, world, loan):
    drive(world, loan.id, until="investigate_credit")
    task = ready_task(loan.id, "investigate_credit")
    claimed = api.post(f"/tasks/{task.id}/claim", as_="officer_rcb")
    assert claimed.status_code == 200 and claimed.get_json()["assignee"] == "officer_rcb"
    assert api.get("/tasks", as_="officer2_rcb").get_json()["items"] == []
    assert api.post(f"/tasks/{task.id}/complete", as_="officer2_rcb", json=INVESTIGATION).status_code == 403
    assert api.post(f"/tasks/{task.id}/unclaim", as_="officer2_rcb").status_code == 403
    assert api.post(f"/tasks/{task.id}/unclaim", as_="officer_rcb").get_json()["assignee"] is None
    assert [t["id"] for t in api.get("/tasks", as_="officer2_rcb").get_json()["items"]] == [task.id]


@pytest.mark.parametrize("path", ["/tasks/4611751414687347184238592", "/loans/99999999999999999999/events"])
def test_an_id_too_large_for_the_database_is_404(api, path):
    assert api.get(path, as_="supervisor").status_code == 404
