"""The diagram editor's pages and JSON endpoints: drafts, save with conflicts, validate, test run, deploy."""
from __future__ import annotations

import html
import json
import re

import pytest

from models import AuditEvent, ProcessVersion
from models.drafts import ProcessDraft
from tests.conftest import count, one
from tests.factories_admin import with_compliance_review
from workflows import drafts
from workflows.audit import Actor


@pytest.fixture
def admin(login):
    return login("admin")


@pytest.fixture
def draft(admin) -> ProcessDraft:
    answer = admin.post("/admin/processes/microcredit_loan/drafts")
    assert answer.status_code == 302
    return one(ProcessDraft, id=int(answer.headers["Location"].rsplit("/", 1)[1]))


def config_of(page) -> dict:
    block = re.search(r'<div id="modeler-config" hidden data-config="([^"]*)"></div>', page.text)
    return json.loads(html.unescape(block.group(1)))


def test_a_new_draft_copies_the_newest_version_and_is_audited(admin, draft):
    assert draft.sources == one(ProcessVersion, version=1, process_key="microcredit_loan").sources
    assert one(AuditEvent, action="draft_created").actor_role == "admin"
    page = admin.get(f"/admin/drafts/{draft.id}")
    config = config_of(page)
    assert config["file"] == "microcredit_loan.bpmn" and config["revision"] == 1
    assert "ConfirmEligibilityForm" in config["forms"] and config["problems"] == {}
    assert config["urls"]["save"] == f"/admin/drafts/{draft.id}"
    assert "bpmn-modeler.production.min.js" in page.text and "<script>" not in page.text


def test_saving_bumps_the_revision_and_audits_before_and_after(admin, draft):
    answer = admin.post(f"/admin/drafts/{draft.id}", json={"sources": with_compliance_review(draft.sources),
                                                          "revision": 1})
    assert answer.status_code == 200 and answer.json["revision"] == 2
    event = one(AuditEvent, action="draft_saved")
    assert event.before["revision"] == 1 and event.after["revision"] == 2
    assert "compliance_review" in event.after["diff"]["added"]


def test_a_stale_save_is_refused_with_what_changed_and_overwrites_nothing(admin, draft):
    changed = with_compliance_review(draft.sources)
    admin.post(f"/admin/drafts/{draft.id}", json={"sources": changed, "revision": 1})
    answer = admin.post(f"/admin/drafts/{draft.id}", json={"sources": draft.sources, "revision": 1})
    assert answer.status_code == 409 and answer.json["codes"] == ["stale"]
    assert "compliance_review" in answer.json["message"]
    assert drafts.get_draft(draft.id).sources == changed


@pytest.mark.parametrize("body", [None, {}, {"sources": {}}, {"sources": {"a.bpmn": 1}, "revision": 1},
                                  {"sources": {"a.bpmn": "<x/>"}, "revision": "1"}])
def test_a_malformed_body_is_a_bad_request(admin, draft, body):
    assert admin.post(f"/admin/drafts/{draft.id}", json=body).status_code == 400


def test_validate_lists_problems_by_element(admin, draft):
    sources = with_compliance_review(draft.sources)
    sources["microcredit_loan.bpmn"] = sources["microcredit_loan.bpmn"].replace(
        'value="ConfirmEligibilityForm" />\n          <spiffworkflow:property name="due_period" value="P2D"',
        'value="NoSuchForm" />\n          <spiffworkflow:property name="due_period" value="P2D"')
    answer = admin.post(f"/admin/drafts/{draft.id}/validate", json={"sources": sources})
    assert answer.status_code == 200 and list(answer.json["problems"]) == ["compliance_review"]
    assert admin.post(f"/admin/drafts/{draft.id}/validate", json={"sources": draft.sources}).json == {"problems": {}}


def test_a_test_run_says_where_it_stops(admin, draft):
    answer = admin.post(f"/admin/drafts/{draft.id}/test-run", json={"sources": with_compliance_review(draft.sources)})
    assert answer.status_code == 200
    assert answer.json["steps"] == ["register_application", "confirm_eligibility", "investigate_credit", "approve_loan"]
    assert answer.json["stopped_at"] == "compliance_review" and not answer.json["completed"]


def test_deploying_makes_the_next_version(admin, draft):
    admin.post(f"/admin/drafts/{draft.id}", json={"sources": with_compliance_review(draft.sources), "revision": 1})
    answer = admin.post(f"/admin/drafts/{draft.id}/deploy", data={"comment": "增加合规复核"})
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/admin/processes/microcredit_loan/versions")
    assert one(ProcessVersion, version=2).comment == "增加合规复核"
    assert one(AuditEvent, action="draft_deployed").after["diff"]["added"] == ["compliance_review",
                                                                             "flow_compliance_to_disburse"]
    page = admin.get("/admin/processes/microcredit_loan/versions").text
    assert 'id="version-2"' in page and "增加合规复核" in page
    assert 'data-diff="added" data-element-id="compliance_review"' in page and "任务 «合规复核» 新增" in page
    assert "<code>compliance_review</code>" not in page  # in words, not by id


def test_an_invalid_draft_is_not_deployed_and_its_problems_are_marked(admin, draft):
    broken = dict(draft.sources)
    broken["microcredit_loan.bpmn"] = broken["microcredit_loan.bpmn"].replace('value="ApproveLoanForm"', 'value="Nope"')
    drafts.save_draft(Actor(draft.author, "admin"), draft.id, broken, 1)
    answer = admin.post(f"/admin/drafts/{draft.id}/deploy", data={"comment": "坏的"})
    assert answer.status_code == 422 and "approve_loan" in config_of(answer)["problems"]
    assert count(ProcessVersion, process_key="microcredit_loan") == 1


def test_deploy_needs_a_comment(admin, draft):
    answer = admin.post(f"/admin/drafts/{draft.id}/deploy", data={"comment": ""})
    assert answer.status_code == 422 and 'id="comment-errors"' in answer.text
    assert count(ProcessVersion, process_key="microcredit_loan") == 1


@pytest.mark.parametrize(("url", "status"), [("/decisions", 200), ("/decisions?file=loan_policy.dmn", 200),
                                             ("/decisions?file=nope.dmn", 404), ("?file=nope.bpmn", 404)])
def test_the_decision_table_page_opens_the_dmn_files_of_the_draft(admin, draft, url, status):
    answer = admin.get(f"/admin/drafts/{draft.id}{url}")
    assert answer.status_code == status
    if status == 200:
        assert config_of(answer)["file"].endswith(".dmn") and "dmn-modeler.production.min.js" in answer.text


@pytest.mark.parametrize("url", ["/admin/drafts/999", "/admin/processes/nope/versions", "/admin/processes/nope/migration"])
def test_unknown_drafts_and_processes_are_not_found(admin, url):
    assert admin.get(url).status_code == 404


@pytest.mark.parametrize("username", ["supervisor", "bureau", "officer_rcb"])
def test_others_cannot_save_a_draft(login, draft, username):
    other = login(username)
    assert other.post(f"/admin/drafts/{draft.id}", json={"sources": draft.sources, "revision": 1}).status_code == 403
    assert other.get(f"/admin/drafts/{draft.id}").status_code == 403


def test_a_condition_the_sandbox_refuses_is_never_stored(admin, draft):
    sources = dict(draft.sources)
    sources["microcredit_loan.bpmn"] = sources["microcredit_loan.bpmn"].replace(
        'decision == "approve"', "__import__('os').system('id')")
    answer = admin.post(f"/admin/drafts/{draft.id}", json={"sources": sources, "revision": 1})
    assert answer.status_code == 422 and "flow_approved" in answer.json["problems"]
    assert drafts.get_draft(draft.id).revision == 1 and count(AuditEvent, action="draft_saved") == 0


def test_saving_unchanged_sources_is_a_no_op_not_an_error(admin, draft):
    answer = admin.post(f"/admin/drafts/{draft.id}", json={"sources": draft.sources, "revision": 1})
    assert answer.status_code == 200 and answer.json["revision"] == 1 and answer.json["unchanged"] is True
    assert count(AuditEvent, action="draft_saved") == 0
    edited = with_compliance_review(draft.sources)
    changed = admin.post(f"/admin/drafts/{draft.id}", json={"sources": edited, "revision": 1})
    assert changed.json == {**changed.json, "revision": 2, "unchanged": False}
    again = admin.post(f"/admin/drafts/{draft.id}", json={"sources": edited, "revision": 2})
    assert again.json["revision"] == 2 and again.json["unchanged"] is True
    assert count(AuditEvent, action="draft_saved") == 1


@pytest.mark.parametrize("url", ["/admin/drafts/{id}", "/admin/drafts/{id}/decisions?file=loan_policy.dmn"])
def test_both_editors_keep_unsaved_edits_per_file(admin, draft, url):
    page = admin.get(url.format(id=draft.id))
    assert "js/admin_draft_edits.js" in page.text
    assert 'data-file="loan_policy.dmn"' in page.text and 'data-file="microcredit_loan.bpmn"' in page.text
    messages = config_of(page)["messages"]
    assert {"unsaved", "kept_edits", "switch_confirm", "unchanged"} <= messages.keys()
    assert messages["unsaved"] == "有未保存的修改：请保存草稿。"


def test_the_versions_page_says_what_changed_in_words(admin, draft):
    sources = dict(draft.sources)
    sources["credit_line.dmn"] = sources["credit_line.dmn"].replace("<text>50000</text>", "<text>45000</text>", 1)
    sources["microcredit_loan.bpmn"] = sources["microcredit_loan.bpmn"].replace('name="登记申请"', 'name="登记贷款申请"')
    admin.post(f"/admin/drafts/{draft.id}", json={"sources": sources, "revision": 1})
    admin.post(f"/admin/drafts/{draft.id}/deploy", data={"comment": "额度与名称"})
    page = admin.get("/admin/processes/microcredit_loan/versions").text
    rows = re.findall(r'<li class="diff-changed"[^>]*data-element-id="([^"]+)"([^>]*)>(.*?)</li>', page, re.S)
    by_id = {element: (attributes, " ".join(text.split())) for element, attributes, text in rows}
    assert set(by_id) == {"credit_line_rule_aaa", "register_application"}
    assert "决策表规则行" in by_id["credit_line_rule_aaa"][1] and "“50000” → “45000”" in by_id["credit_line_rule_aaa"][1]
    assert "data-cosmetic" not in by_id["credit_line_rule_aaa"][0]
    assert "“登记申请” → “登记贷款申请”" in by_id["register_application"][1]
    attributes, text = by_id["register_application"]
    assert 'data-cosmetic="yes"' in attributes and "不影响在途贷款" in text
