"""Loans over the API: register (same form and policy as the pages), list, read, audit trail."""
from __future__ import annotations

import pytest

from models import Household, Loan
from tests.conftest import count
from tests.factories import application, drive, make_household, register
from workflows import resident_id


def application_json(household: Household, **overrides) -> dict:
    data = application(household, **overrides)
    return {**data, "amount": str(data["amount"])}


@pytest.fixture
def household(world) -> Household:
    return make_household("hanfeng")


def test_a_clerk_registers_an_application(api, household):
    answer = api.post("/loans", as_="clerk_hanfeng", json=application_json(household))
    assert answer.status_code == 201, answer.get_json()
    loan = answer.get_json()["loan"]
    assert loan["status"] == "submitted" and loan["amount"] == "30000.00" and loan["term_months"] == 12
    assert loan["bank"] == "cqrcb" and loan["process"]["key"] == "microcredit_loan"
    assert [t["name"] for t in loan["open_tasks"]] == ["confirm_eligibility"]
    assert loan["household"]["id_number"] == household.id_number
    assert count(Loan) == 1


def test_numbers_as_json_numbers_are_accepted(api, household):
    body = {**application_json(household), "amount": 20000, "term_months": 6}
    answer = api.post("/loans", as_="clerk_hanfeng", json=body)
    assert answer.status_code == 201 and answer.get_json()["loan"]["amount"] == "20000.00"


@pytest.mark.parametrize("overrides, codes", [
    ({"amount": "50000.01"}, ["amount_over_cap"]),
    ({"term_months": 37}, ["term_over_cap"]),
    ({"purpose_category": "wedding"}, ["purpose_not_productive"]),
])
def test_a_policy_refusal_is_422_with_the_rule_codes_and_nothing_written(api, household, overrides, codes):
    answer = api.post("/loans", as_="clerk_hanfeng", json={**application_json(household), **overrides})
    assert answer.status_code == 422 and answer.get_json()["codes"] == codes
    assert count(Loan) == 0


@pytest.mark.parametrize("overrides, field", [
    ({"amount": "abc"}, "amount"), ({"amount": None}, "amount"), ({"term_months": 0}, "term_months"),
    ({"id_number": "123"}, "id_number"), ({"bank": "hsbc"}, "bank"), ({"kind": "gift"}, "kind"),
])
def test_bad_input_is_422_with_the_forms_field_errors(api, household, overrides, field):
    answer = api.post("/loans", as_="clerk_hanfeng", json={**application_json(household), **overrides})
    assert answer.status_code == 422 and answer.get_json()["codes"] == ["invalid"]
    assert field in answer.get_json()["errors"] and count(Loan) == 0


@pytest.mark.parametrize("username", ["clerk_zhaojia", "bureau", "officer_rcb", "supervisor", "admin"])
def test_only_the_households_township_clerk_registers(api, household, username):
    answer = api.post("/loans", as_=username, json=application_json(household))
    assert answer.status_code == 403 and count(Loan) == 0


@pytest.mark.parametrize("username, visible, id_shown", [
    ("clerk_hanfeng", True, True), ("officer_rcb", True, True), ("approver_rcb", True, True),
    ("bureau", True, True), ("supervisor", True, False), ("finance", True, False), ("admin", True, False),
    ("clerk_zhaojia", False, None), ("officer_psbc", False, None),
])
def test_scope_of_list_detail_and_events(api, world, household, username, visible, id_shown):
    loan = register(world, household)
    listed = api.get("/loans", as_=username).get_json()
    assert [item["id"] for item in listed["items"]] == ([loan.id] if visible else [])
    detail, events = api.get(f"/loans/{loan.id}", as_=username), api.get(f"/loans/{loan.id}/events", as_=username)
    assert (detail.status_code, events.status_code) == ((200, 200) if visible else (404, 404))
    if visible:
        expected = household.id_number if id_shown else resident_id.mask(household.id_number)
        assert detail.get_json()["household"]["id_number"] == expected
        form = events.get_json()["items"][0]["after"]["form"]
        assert form["id_number"] == expected


def test_a_disbursed_loan_reads_with_decimal_strings_and_iso_dates(api, world, household):
    loan = drive(world, register(world, household).id, until="end")
    body = api.get(f"/loans/{loan.id}", as_="officer_rcb").get_json()
    assert body["status"] == "active" and body["annual_rate"] == "3.0000" and body["grade"] == "AAA"
    assert body["approved_amount"] == "30000.00" and body["subsidised_principal"] == "30000.00"
    assert body["disbursed_on"] == loan.disbursed_on.isoformat() and body["open_tasks"] == []
    assert body["extension_count"] == 0 and body["risk_class"] == "normal"


def test_events_are_oldest_first_with_offsets(api, world, household):
    loan = drive(world, register(world, household).id, until="approve_loan")
    items = api.get(f"/loans/{loan.id}/events", as_="supervisor").get_json()["items"]
    assert [e["action"] for e in items][:1] == ["loan_registered"]
    assert [e["task_name"] for e in items if e["action"] == "task_completed"] == [
        "confirm_eligibility", "investigate_credit"]
    assert all(e["occurred_at"].endswith("+08:00") for e in items)
    assert items[-1]["actor"] == "officer_rcb" and items[-1]["actor_role"] == "bank_officer"


def test_list_filters_and_bad_dates(api, world, household):
    register(world, household)
    assert api.get("/loans?status=active", as_="supervisor").get_json()["total"] == 0
    assert api.get("/loans?status=submitted", as_="supervisor").get_json()["total"] == 1
    answer = api.get("/loans?applied_from=yesterday", as_="supervisor")
    assert answer.status_code == 422 and "applied_from" in answer.get_json()["errors"]
