"""The balance and overdue report pages and the API say their figures are as of the end date."""
from __future__ import annotations

import pytest

from tests.factories_reports import Q1_FROM, Q1_TO, build_portfolio

Q1_ARGS = f"from={Q1_FROM}&to={Q1_TO}"


@pytest.fixture
def loans(world):
    return build_portfolio()


@pytest.mark.parametrize("name, as_of", [("overdue", True), ("balance_by_bank", True), ("subsidy", False)])
def test_the_page_names_the_as_of_day(login, loans, name, as_of):
    html = login("supervisor").get(f"/reports/{name}?{Q1_ARGS}").text
    assert ('id="as-of-note"' in html) is as_of
    if as_of:
        assert "截至结束日期（2026-03-31）的账面数" in html


def test_the_api_names_the_as_of_day(app, login, loans):
    client, headers = app.test_client(), login.token("supervisor")
    body = client.get(f"/api/v1/reports/overdue?{Q1_ARGS}", headers=headers).get_json()
    assert body["filters"]["as_of"] == "2026-03-31" and body["summary"]["overdue_principal"] == "85000.00"
    assert client.get(f"/api/v1/reports/subsidy?{Q1_ARGS}", headers=headers).get_json()["filters"]["as_of"] is None
