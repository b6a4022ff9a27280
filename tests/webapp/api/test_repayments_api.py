"""``POST /loans/{id}/repayments`` and ``GET /loans/{id}/schedule``: answers, idempotency, errors, scope."""
from __future__ import annotations

from datetime import date

import pytest

from models import AuditEvent, ProcessInstance
from models.repayment import Repayment
from tests.conftest import count, one
from tests.factories_repayments import active_loan, at
from workflows import clock

DUE = date(2024, 3, 20)
BODY = {"paid_on": "2024-03-20", "principal": "0.00", "interest": "162.50"}


@pytest.fixture
def loan(world):
    return active_loan(world, date(2024, 1, 15))


@pytest.fixture(autouse=True)
def on_the_due_date():
    with clock.frozen(at(DUE)):
        yield


def post(api, loan, body=BODY, key: str | None = "k-1", as_="officer_rcb"):
    headers = {**api.headers(as_), **({"Idempotency-Key": key} if key else {})}
    return api.client.post(f"/api/v1/loans/{loan.id}/repayments", json=body, headers=headers)


def test_recorded_answers_201_with_the_repayment_and_the_loan(api, loan):
    answer = post(api, loan)
    assert answer.status_code == 201
    body = answer.get_json()
    assert body["repayment"] == {"id": body["repayment"]["id"], "loan_id": loan.id, "paid_on": "2024-03-20",
                                 "principal": "0.00", "interest": "162.50", "penalty_interest": "0.00",
                                 "principal_early": "0.00", "reversal": None}
    assert body["loan"] == {"id": loan.id, "status": "active", "principal_outstanding": "30000.00"}


def test_a_replay_answers_200_with_the_same_body_and_writes_nothing(api, loan):
    body = {"paid_on": "2024-03-20", "principal": "30000.00", "interest": "162.50"}
    first = post(api, loan, body)  # repaid in full: the loan closes and its process ends
    assert first.get_json()["loan"] == {"id": loan.id, "status": "closed", "principal_outstanding": "0.00"}
    assert one(ProcessInstance, loan_id=loan.id).end_event == "loan_closed"
    events = count(AuditEvent)
    again = post(api, loan, body)
    assert (again.status_code, again.get_json()) == (200, first.get_json()) and count(Repayment) == 1
    assert count(AuditEvent) == events and count(AuditEvent, action="loan_closed", loan_id=loan.id) == 1


def test_the_same_key_with_another_body_is_422(api, loan):
    post(api, loan)
    answer = post(api, loan, {**BODY, "interest": "100.00"})
    assert answer.status_code == 422 and answer.get_json()["codes"] == ["idempotency_key_reused"]
    assert count(Repayment) == 1


def test_without_a_key_each_post_is_a_new_repayment(api, loan):
    assert post(api, loan, {**BODY, "interest": "100.00"}, key=None).status_code == 201
    assert post(api, loan, {**BODY, "interest": "62.50"}, key=None).status_code == 201
    assert count(Repayment) == 2


@pytest.mark.parametrize("body, part", [({**BODY, "interest": "162.51"}, "interest"),
                                        ({**BODY, "principal": "30000.01"}, "principal")])
def test_more_than_is_owed_is_422_naming_the_part(api, loan, body, part):
    answer = post(api, loan, body)
    payload = answer.get_json()
    assert answer.status_code == 422 and payload["codes"] == ["overpayment"] and list(payload["errors"]) == [part]
    assert payload["errors"][part][0].endswith("（overpayment）")


@pytest.mark.parametrize("body, key, field", [
    ({}, "k", "paid_on"), ({**BODY, "principal": "1.001"}, "k", "principal"),
    ({**BODY, "interest": "-1"}, "k", "interest"), ({**BODY, "paid_on": "20.3.2024"}, "k", "paid_on"),
    (BODY, "x" * 65, "Idempotency-Key"), (BODY, "with space", "Idempotency-Key"),
])
def test_bad_input_is_422_invalid_with_the_field(api, loan, body, key, field):
    answer = post(api, loan, body, key=key)
    assert answer.status_code == 422 and answer.get_json()["codes"] == ["invalid"]
    assert field in answer.get_json()["errors"] and count(Repayment) == 0


def test_a_body_that_is_not_an_object_is_422(api, loan):
    answer = api.client.post(f"/api/v1/loans/{loan.id}/repayments", data="[1]", content_type="application/json",
                             headers=api.headers("officer_rcb"))
    assert answer.status_code == 422


@pytest.mark.parametrize("username, status", [
    ("approver_rcb", 403), ("supervisor", 403), ("clerk_hanfeng", 403), ("officer_psbc", 404), (None, 401),
])
def test_only_officers_of_the_loan_bank_record(api, loan, username, status):
    answer = post(api, loan, as_=username)
    assert answer.status_code == status and set(answer.get_json()) >= {"codes", "errors", "message"}
    assert count(Repayment) == 0


def test_the_schedule_with_repayments_and_what_is_owed(api, loan):
    post(api, loan, {**BODY, "interest": "100.00"})
    body = api.get(f"/loans/{loan.id}/schedule", as_="supervisor").get_json()
    assert body["method"] == "interest_quarterly_principal_at_maturity" and len(body["lines"]) == 5
    assert body["lines"][0] == {"seq": 1, "due_on": "2024-03-20", "principal": "0.00", "interest": "162.50",
                                "period_start": "2024-01-15", "period_end": "2024-03-20", "part": "original",
                                "principal_paid": "0.00", "interest_paid": "100.00"}
    assert [r["interest"] for r in body["repayments"]] == ["100.00"]
    assert body["owed"] == {"day": "2024-03-20", "principal": "0.00", "interest": "62.50",
                            "overdue_principal": "0.00", "overdue_interest": "0.00",
                            "outstanding_principal": "30000.00", "penalty_interest": "0.00",
                            "oldest_unpaid_due_on": "2024-03-20", "days_past_due": 0}


def test_the_schedule_outside_the_scope_is_404(api, loan):
    assert api.get(f"/loans/{loan.id}/schedule", as_="officer_psbc").status_code == 404
    assert api.get(f"/loans/{loan.id}/schedule").status_code == 401


def test_both_endpoints_are_documented(api):
    document = api.get("/openapi.json").get_json()
    operation = document["paths"]["/loans/{loan_id}/repayments"]["post"]
    assert {"200", "201", "422", "404", "403"} <= set(operation["responses"])
    assert any(p["name"] == "Idempotency-Key" for p in operation["parameters"])
    assert "/loans/{loan_id}/schedule" in document["paths"]
    assert {"RepaymentInput", "RepaymentRecorded", "Schedule"} <= set(document["components"]["schemas"])
