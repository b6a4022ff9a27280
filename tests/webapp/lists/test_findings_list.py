"""The findings page and ``GET /api/v1/audit/findings`` come a page at a time: the trail is read in
windows of event ids (``audit_findings.WINDOW``) until more than a page is found; "Next" leads through
exactly the findings of the whole trail, each once, oldest event first."""
from __future__ import annotations

import re

import pytest

from tests.factories_audit import build
from tests.webapp.api.conftest import Api
from workflows import audit_findings

from .paging import next_link

PAGE = 2


@pytest.fixture
def portfolio(world, monkeypatch):
    monkeypatch.setattr(audit_findings, "FINDINGS_PAGE", PAGE)
    monkeypatch.setattr(audit_findings, "WINDOW", 3)
    return build(world)


def everything(world) -> list[tuple[str, int]]:
    return [(f.rule, f.event.id) for f in audit_findings.find(world.users["supervisor"])]


def findings_on(page_html: str) -> list[tuple[str, int]]:
    table = page_html.split('id="findings-table"', 1)[1].split("</table>", 1)[0]
    return [(rule, int(event)) for rule, event in re.findall(r'<tr data-rule="([^"]+)" data-event-id="(\d+)"', table)]


def test_the_findings_page_holds_one_page_and_next_reaches_every_finding(login, world, portfolio):
    client, url, seen, pages = login("supervisor"), "/audit/findings", [], 0
    while url:
        text = client.get(url).get_data(as_text=True)
        page = findings_on(text)
        assert page and len({event for _, event in page}) <= PAGE  # a page of events (each with all its rules)
        seen += page
        url, pages = next_link(text), pages + 1
    assert seen == everything(world) and pages > 1


def test_the_api_pages_the_findings_of_one_rule(app, login, world, portfolio):
    api, seen, cursor = Api(app.test_client(), login), [], ""
    while cursor is not None:
        body = api.get(f"/audit/findings?rule=four_eyes{cursor and '&cursor=' + cursor}", "supervisor").json
        assert len(body["items"]) <= PAGE  # one rule: one finding per event
        seen += [item["event"]["id"] for item in body["items"]]
        cursor = body["next_cursor"]
    assert seen == sorted(portfolio.flagged["four_eyes"])
    assert api.get("/audit/findings?cursor=bm90LWEtY3Vyc29y", "supervisor").status_code == 422
