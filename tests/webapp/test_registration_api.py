"""Registration over the JSON API: an out-of-township household, 撤回 (POST /loans/{id}/withdrawal), and the
officer's 不予受理 through the task completion API; every answer checked against the OpenAPI document."""
from __future__ import annotations

import pytest

from models import AuditEvent, HumanTask, db
from tests.factories import application, drive, make_household, ready_task, register
from tests.webapp.api.conftest import Api
from webapp.api import openapi

REASON = "农户外出务工，不再需要贷款"


@pytest.fixture
def api(client, login) -> Api:
    return Api(client, login)


def body(household) -> dict:
    data = application(household)
    return {**data, "amount": str(data["amount"])}


def test_a_household_of_another_township_is_403_with_the_field_named(api, world):
    answer = api.post("/loans", as_="clerk_hanfeng", json=body(make_household("dade")))
    assert answer.status_code == 403
    payload = answer.get_json()
    assert payload["codes"] == ["household_other_township"] and "household_other_township" in payload["message"]
    assert list(payload["errors"]) == ["id_number"]


def test_a_clerk_withdraws_through_the_api(api, world):
    loan = register(world, make_household("hanfeng"))
    drive(world, loan.id, "disburse_loan")
    answer = api.post(f"/loans/{loan.id}/withdrawal", as_="clerk_hanfeng", json={"reason": REASON})
    assert answer.status_code == 200, answer.get_json()
    result = answer.get_json()["loan"]
    assert result["id"] == loan.id and result["status"] == "withdrawn"
    assert db.session.query(HumanTask).filter_by(loan_id=loan.id, state="ready").count() == 0
    events = api.get(f"/loans/{loan.id}/events", as_="clerk_hanfeng").get_json()["items"]
    assert events[-1]["action"] == "application_withdrawn"
    again = api.post(f"/loans/{loan.id}/withdrawal", as_="clerk_hanfeng", json={"reason": REASON})
    assert again.status_code == 422 and again.get_json()["codes"] == ["application_not_withdrawable"]


def test_after_disbursement_the_api_refuses_with_the_rule_code(api, world):
    loan = register(world, make_household("hanfeng"))
    drive(world, loan.id, "nothing")
    answer = api.post(f"/loans/{loan.id}/withdrawal", as_="clerk_hanfeng", json={"reason": REASON})
    assert answer.status_code == 422
    assert answer.get_json()["codes"] == ["application_not_withdrawable"]
    assert "不能撤回" in answer.get_json()["message"]


@pytest.mark.parametrize("payload", [{}, {"reason": ""}, {"reason": "   "}, {"reason": "很" * 501}, {"reason": 7}])
def test_a_withdrawal_without_a_proper_reason_is_422(api, world, payload):
    loan = register(world, make_household("hanfeng"))
    answer = api.post(f"/loans/{loan.id}/withdrawal", as_="clerk_hanfeng", json=payload)
    assert answer.status_code == 422 and "reason" in answer.get_json()["errors"]
    db.session.expire_all()
    assert loan.status == "submitted"


@pytest.mark.parametrize("username, status", [
    ("clerk_zhaojia", 404), ("officer_psbc", 404), ("officer_rcb", 403), ("approver_rcb", 403), ("bureau", 403),
    ("supervisor", 403), ("admin", 403), ("finance", 403),
])
def test_every_other_role_is_refused_and_the_refusal_audited(api, world, username, status):
    loan = register(world, make_household("hanfeng"))
    answer = api.post(f"/loans/{loan.id}/withdrawal", as_=username, json={"reason": REASON})
    assert answer.status_code == status
    db.session.expire_all()
    assert loan.status == "submitted"
    refused = db.session.query(AuditEvent).filter_by(action="attempt_refused", loan_id=loan.id).count()
    assert refused == (1 if status == 403 else 0)


def test_an_officer_declines_through_the_task_api(api, world):
    loan = register(world, make_household("hanfeng"))
    drive(world, loan.id, "investigate_credit")
    task = ready_task(loan.id, "investigate_credit")
    detail = api.get(f"/tasks/{task.id}", as_="officer_rcb").get_json()
    fields = {f["name"]: f for f in detail["fields"]}
    assert {"investigation_decision", "decline_reason"} <= fields.keys()
    missing = api.post(f"/tasks/{task.id}/complete", as_="officer_rcb",
                       json={"investigation_decision": "decline", "instance_version": detail["instance_version"]})
    assert missing.status_code == 422 and "decline_reason" in missing.get_json()["errors"]
    answer = api.post(f"/tasks/{task.id}/complete", as_="officer_rcb",
                      json={"investigation_decision": "decline", "decline_reason": "无实际经营场地",
                            "instance_version": detail["instance_version"]})
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["loan"]["status"] == "declined"


def test_the_document_lists_the_withdrawal_and_the_new_status(client):
    document = client.get("/api/v1/openapi.json").get_json()
    operation = document["paths"]["/loans/{loan_id}/withdrawal"]["post"]
    assert operation["operationId"] == "withdraw_loan"
    assert {"200", "401", "403", "404", "422", "400"} <= operation["responses"].keys()
    assert document["components"]["schemas"]["Withdrawal"]["required"] == ["reason"]
    status = next(p for p in document["paths"]["/loans"]["get"]["parameters"] if p["name"] == "status")
    assert "declined" in status["schema"]["enum"]
    assert "household_other_township" in document["paths"]["/loans"]["post"]["description"]
    assert openapi.document()["paths"].keys() == document["paths"].keys()
