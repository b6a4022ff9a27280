"""``GET /api/v1/audit`` and ``/audit/findings``: the page's filters and findings, supervisor and admin only."""
from __future__ import annotations

import pytest

from tests.factories_audit import build


@pytest.fixture
def portfolio(world):
    return build(world)


def test_the_filters_of_the_page(api, portfolio):
    b = portfolio.loans["B"]
    answer = api.get(f"/audit?loan={b.id}&role=bank_approver", as_="supervisor").get_json()
    assert answer["total"] == 1
    (event,) = answer["items"]
    assert event["task_name"] == "approve_loan" and event["actor"] == "approver_psbc"
    assert event["occurred_at"] == "2026-03-03T23:59:59+08:00" and event["hash"]
    day = api.get("/audit?from=2026-03-03&to=2026-03-03", as_="supervisor").get_json()
    assert {e["loan_id"] for e in day["items"]} == {b.id}
    assert api.get("/audit?township=dade&task=approve_loan&user=dual", as_="supervisor").get_json()["total"] == 1


def test_paging_and_masking(api, portfolio):
    first = api.get("/audit?action=loan_registered&per_page=3", as_="supervisor").get_json()
    second = api.get("/audit?action=loan_registered&per_page=3&page=2", as_="supervisor").get_json()
    assert first["total"] == 4 and len(first["items"]) == 3 and len(second["items"]) == 1
    number = portfolio.loans["A"].applicant_id_number
    shown = second["items"][0]["after"]["form"]["id_number"]
    assert shown == number[:6] + "********" + number[-4:]


def test_admin_gets_admin_events_only(api, portfolio):
    answer = api.get("/audit", as_="admin").get_json()
    assert answer["total"] > 0 and {e["action"] for e in answer["items"]} <= {"user_created", "process_deployed",
                                                                              "api_token_issued"}
    assert api.get("/audit/findings", as_="admin").get_json() == {"items": [], "next_cursor": None}


@pytest.mark.parametrize("username", ["clerk_hanfeng", "officer_rcb", "approver_rcb", "bureau", "finance"])
def test_others_are_refused(api, portfolio, username):
    assert api.get("/audit", as_=username).status_code == 403
    assert api.get("/audit/findings", as_=username).status_code == 403


def test_findings(api, portfolio):
    items = api.get("/audit/findings", as_="supervisor").get_json()["items"]
    assert sorted((f["rule"], f["event"]["id"]) for f in items) == sorted(
        (rule, i) for rule, ids in portfolio.flagged.items() for i in ids)
    (rate,) = api.get("/audit/findings?rule=rate_over_cap", as_="supervisor").get_json()["items"]
    assert rate["detail"] == {"rate": "9.99", "cap": "3.5000"}


@pytest.mark.parametrize("path", ["/audit?from=yesterday", "/audit?per_page=500", "/audit?page=100001",
                                  "/audit/findings?rule=everything"])
def test_bad_parameters_are_422(api, portfolio, path):
    assert api.get(path, as_="supervisor").status_code == 422


def test_documented(api):
    paths = api.get("/openapi.json").get_json()["paths"]
    assert {"/audit", "/audit/findings"} <= set(paths)
    names = {p["name"] for p in paths["/audit"]["get"]["parameters"]}
    assert names >= {"loan", "household", "user", "role", "bank", "township", "action", "task", "from", "to", "page"}
