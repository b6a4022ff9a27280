"""The process diagram API: versions with sources, drafts from XML or JSON, validation, deploy, roles."""
from __future__ import annotations

from pathlib import Path

import pytest

from workflows import drafts

from models import AuditEvent, ProcessVersion, db
from models.drafts import ProcessDraft
from workflows.deployment import bundled_sources

from ...conftest import count
from ..test_route_matrix import COLUMNS, USERS, concrete, outcome, parse

KEY = "microcredit_loan"
ROWS = parse((Path(__file__).parents[1] / "route_matrix" / "processes.txt").read_text(encoding="utf-8"))
VALUES = {"process_key": KEY, "version": 1, "draft_id": 999_999}


@pytest.mark.parametrize("column", COLUMNS)
def test_each_role_gets_the_answers_of_the_matrix(app, login, world, column):
    api = app.test_client()
    headers = login.token(USERS[column]) if USERS[column] else {}
    values = {**VALUES, "draft_id": drafts.create_draft(world.actor("admin"), KEY).id}
    for row in ROWS:
        answer = api.open(concrete(row.rule, values), method=row.method, headers=headers,
                          json={} if row.method == "POST" else None)
        assert outcome(answer) == row.expected[column], (row.method, row.rule)


def test_versions_list_and_one_version_with_its_sources(api):
    listed = api.get("/processes", as_="admin").get_json()["items"]
    assert [(p["key"], p["latest"]["version"]) for p in listed if p["key"] == KEY] == [(KEY, 1)]
    assert [v["version"] for v in api.get(f"/processes/{KEY}/versions", as_="admin").get_json()["items"]] == [1]
    one = api.get(f"/processes/{KEY}/versions/1", as_="admin").get_json()
    assert one["sources"] == bundled_sources() and one["process_key"] == KEY
    assert api.get(f"/processes/{KEY}/versions/2", as_="admin").status_code == 404
    assert api.get("/processes/nothing/versions", as_="admin").status_code == 404


def test_an_xml_upload_makes_a_draft_and_its_deploy_a_version(api):
    xml = bundled_sources()["microcredit_loan.bpmn"].replace('name="登记申请"', 'name="登记贷款申请"')
    answer = api.post(f"/processes/{KEY}/drafts", as_="admin", data=xml.encode(), content_type="application/xml")
    assert answer.status_code == 201, answer.get_json()
    draft = answer.get_json()["draft"]
    assert draft["revision"] == 1
    assert "登记贷款申请" in db.session.get(ProcessDraft, draft["id"]).sources["microcredit_loan.bpmn"]
    deployed = api.post(f"/processes/{KEY}/drafts/{draft['id']}/deploy", as_="admin", json={"comment": "rename"})
    assert deployed.status_code == 201 and deployed.get_json() == {"version": 2}
    assert api.get(f"/processes/{KEY}/versions/2", as_="admin").get_json()["comment"] == "rename"
    again = api.post(f"/processes/{KEY}/drafts/{draft['id']}/deploy", as_="admin", json={})
    assert again.status_code == 409 and again.get_json()["codes"] == ["stale"]
    assert api.post(f"/processes/other/drafts/{draft['id']}/deploy", as_="admin", json={}).status_code == 404


def test_json_sources_are_validated_with_problems_per_element(api):
    dmn = bundled_sources()["credit_line.dmn"].replace("<text>-</text>", "<text>\"B\"</text>")
    answer = api.post(f"/processes/{KEY}/drafts", as_="admin", json={"sources": {"credit_line.dmn": dmn}})
    assert answer.status_code == 422
    body = answer.get_json()
    assert body["codes"] == ["diagram_invalid"]
    assert "catch-all" in body["errors"]["credit_line"][0]
    assert count(ProcessDraft) == 0


@pytest.mark.parametrize("payload, field", [
    ({"sources": "x"}, "sources"), ({"sources": {}}, "sources"), ({"sources": {"a.bpmn": 1}}, "sources"),
    ({"sources": {"credit_line.dmn": bundled_sources()["credit_line.dmn"]}, "comment": "x" * 501}, "comment"),
])
def test_a_malformed_body_is_refused(api, payload, field):
    answer = api.post(f"/processes/{KEY}/drafts", as_="admin", json=payload)
    assert answer.status_code == 422 and field in answer.get_json()["errors"]


def test_an_unchanged_draft_is_not_deployed(api):
    answer = api.post(f"/processes/{KEY}/drafts", as_="admin",
                      json={"sources": {"credit_line.dmn": bundled_sources()["credit_line.dmn"]}})
    draft_id = answer.get_json()["draft"]["id"]
    refused = api.post(f"/processes/{KEY}/drafts/{draft_id}/deploy", as_="admin", json={})
    assert refused.status_code == 422 and refused.get_json()["codes"] == ["unchanged"]
    assert count(ProcessVersion, process_key="microcredit_loan") == 1 and count(AuditEvent, action="draft_deployed") == 0


def test_the_endpoints_are_documented(api):
    paths = api.get("/openapi.json").get_json()["paths"]
    assert set(paths["/processes/{process_key}/drafts"]["post"]["requestBody"]["content"]) == \
        {"application/json", "application/xml"}
