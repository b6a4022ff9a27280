"""``GET /api/v1/reports/{name}``: the same figures as the pages, as decimal strings, scoped, documented."""
from __future__ import annotations

import pytest

from tests.factories_reports import Q1_FROM, Q1_TO, build_portfolio, install_settings
from workflows import reports

Q1 = f"from={Q1_FROM}&to={Q1_TO}"


@pytest.fixture
def loans(world):
    return build_portfolio()


def test_balance_by_township_as_json(api, loans):
    answer = api.get(f"/reports/balance_by_township?{Q1}", as_="supervisor")
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["name"] == "balance_by_township" and body["chart_kind"] == "bar"
    assert body["filters"] == {"from": "2026-01-01", "to": "2026-03-31", "township": None, "bank": None,
                               "as_of": "2026-03-31"}
    assert body["columns"][:3] == [{"key": "name", "kind": "text"}, {"key": "disbursed_count", "kind": "int"},
                                   {"key": "disbursed_amount", "kind": "money"}]
    assert body["rows"] == [["大德镇", 1, "20000.00", 1, "20000.00"], ["汉丰街道", 1, "30000.00", 2, "75000.00"],
                            ["赵家街道", 0, "0.00", 1, "40000.00"]]
    assert body["totals"] == ["total", 2, "50000.00", 4, "135000.00"]
    assert body["chart"]["series"]["outstanding_principal"] == ["20000.00", "75000.00", "40000.00"]


def test_scoped_like_the_pages(api, loans):
    clerk = api.get(f"/reports/balance_by_township?{Q1}", as_="clerk_hanfeng").get_json()
    assert clerk["rows"] == [["汉丰街道", 1, "30000.00", 2, "75000.00"]]
    bank = api.get(f"/reports/balance_by_bank?{Q1}&bank=cqrcb", as_="officer_psbc").get_json()
    assert bank["rows"] == []
    fund = api.get(f"/reports/risk_fund?{Q1}", as_="finance").get_json()
    assert fund["summary"]["fund_balance"] == "8000.00" and fund["summary"]["meets_ratio"] is False
    overdue = api.get(f"/reports/overdue?{Q1}", as_="supervisor").get_json()
    assert overdue["summary"] == {"overdue_principal": "85000.00", "overdue_rate": "62.96"}  # as of 2026-03-31


@pytest.mark.parametrize("username, status", [("admin", 403), ("bureau", 200), ("officer_rcb", 200),
                                              ("approver_psbc", 200), ("clerk_dade", 200), (None, 401)])
def test_who_may_read(api, world, username, status):
    install_settings()
    assert api.get("/reports/weekly_schedule", as_=username).status_code == status


def test_errors(api, world):
    assert api.get("/reports/nothing", as_="supervisor").status_code == 404
    answer = api.get("/reports/overdue?from=2026-04-01&to=2026-03-01", as_="supervisor")
    assert answer.status_code == 422 and answer.get_json()["codes"] == ["invalid"]
    assert api.get("/reports/overdue?to=yesterday", as_="supervisor").status_code == 422


def test_documented_with_the_names_as_an_enum(client):
    document = client.get("/api/v1/openapi.json").get_json()
    operation = document["paths"]["/reports/{name}"]["get"]
    names = next(p for p in operation["parameters"] if p["name"] == "name")["schema"]["enum"]
    assert names == list(reports.REPORTS)
    assert {p["name"] for p in operation["parameters"]} == {"name", "from", "to", "township", "bank"}
    assert {"200", "401", "403", "404", "422"} <= set(operation["responses"])


def test_a_period_before_the_policy_settings_is_422_on_to(api, world):
    answer = api.get("/reports/risk_fund?from=1960-01-01&to=1960-12-31", as_="finance")
    assert answer.status_code == 422 and list(answer.get_json()["errors"]) == ["to"]
