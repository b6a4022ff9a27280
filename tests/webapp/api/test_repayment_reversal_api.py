"""``POST /loans/{id}/repayments/{repayment_id}/reversal`` (冲正): the answer, each refusal's code, the document."""
from __future__ import annotations

from datetime import date

import pytest

from models.repayment import Repayment
from tests.conftest import one
from tests.factories_repayments import active_loan, at, pay
from workflows import clock


@pytest.fixture
def repaid(world):
    loan = active_loan(world, date(2024, 1, 15))
    pay(world, loan, date(2024, 3, 20), "0", "162.50")
    return loan, pay(world, loan, date(2024, 5, 1), "5000.00", "0").repayment


def reverse(api, loan, repayment_id, body, as_="approver_rcb"):
    with clock.frozen(at(date(2024, 5, 2))):
        return api.post(f"/loans/{loan.id}/repayments/{repayment_id}/reversal", as_=as_, json=body)


def test_reversed_answers_the_repayment_and_the_restored_loan(api, repaid):
    loan, repayment = repaid
    answer = reverse(api, loan, repayment.id, {"reason": "柜员重复录入"})
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["repayment"]["reversal"] == {"reversed_on": "2024-05-02", "reason": "柜员重复录入",
                                             "reversed_by_id": body["repayment"]["reversal"]["reversed_by_id"]}
    assert body["loan"] == {"id": loan.id, "status": "active", "principal_outstanding": "30000.00",
                            "days_past_due": 0, "risk_class": "normal"}
    with clock.frozen(at(date(2024, 5, 2))):
        schedule = api.get(f"/loans/{loan.id}/schedule", as_="supervisor").get_json()
    assert schedule["lines"][-1]["principal"] == "30000.00" and len(schedule["repayments"]) == 1
    assert [r["id"] for r in schedule["reversed_repayments"]] == [repayment.id]


@pytest.mark.parametrize("body, as_, status, code", [
    ({}, "approver_rcb", 422, "reversal_reason_missing"),
    ({"reason": " "}, "approver_rcb", 422, "reversal_reason_missing"),
    ({"reason": "x"}, "officer_rcb", 403, "reversal_not_approver"),
    ({"reason": "x"}, "supervisor", 403, "reversal_not_approver"),
    ({"reason": "x"}, "officer_psbc", 404, "not_found"),
    ({"reason": "x" * 501}, "approver_rcb", 422, "invalid"),
])
def test_refusals(api, repaid, body, as_, status, code):
    loan, repayment = repaid
    answer = reverse(api, loan, repayment.id, body, as_=as_)
    assert (answer.status_code, answer.get_json()["codes"]) == (status, [code])
    assert one(Repayment, id=repayment.id).reversed_at is None


def test_one_at_a_time_and_once(api, repaid):
    loan, repayment = repaid
    first = one(Repayment, paid_on=date(2024, 3, 20))
    assert reverse(api, loan, first.id, {"reason": "x"}).get_json()["codes"] == ["reversal_not_latest"]
    assert reverse(api, loan, repayment.id, {"reason": "x"}).status_code == 200
    again = reverse(api, loan, repayment.id, {"reason": "x"})
    assert again.status_code == 422 and again.get_json()["codes"] == ["repayment_already_reversed"]
    assert "已冲正" in again.get_json()["message"]


def test_the_endpoint_is_documented(api):
    document = api.get("/openapi.json").get_json()
    operation = document["paths"]["/loans/{loan_id}/repayments/{repayment_id}/reversal"]["post"]
    assert {"200", "403", "404", "422"} <= set(operation["responses"])
    assert "reversal_four_eyes" in operation["description"]
    assert {"ReversalInput", "RepaymentReversed"} <= set(document["components"]["schemas"])
