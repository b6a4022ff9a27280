"""GET /reference: the codes a client sends (townships and villages, banks, purpose categories, loan kinds),
and the document naming every closed set of values where a field carries it."""
from __future__ import annotations

import pytest

from forms.application import LOAN_KIND_CHOICES, PURPOSE_CATEGORIES
from models import LOAN_STATUSES, ROLES, HumanTaskState
from workflows import audit_findings, reports
from workflows.demo_data import BANKS, TOWNSHIPS


@pytest.mark.parametrize("username", ["admin", "clerk_zhaojia", "officer_psbc", "finance", "supervisor"])
def test_every_signed_in_user_reads_the_same_lists(api, username):
    answer = api.get("/reference", as_=username)
    assert answer.status_code == 200 and answer.get_json() == api.get("/reference", as_="bureau").get_json()


def test_the_lists_hold_the_codes_a_client_sends(api):
    body = api.get("/reference", as_="clerk_hanfeng").get_json()
    assert [t["code"] for t in body["townships"]] == sorted(TOWNSHIPS)
    dade = next(t for t in body["townships"] if t["code"] == "dade")
    assert dade["name"] == "大德镇" and dade["villages"] == [{"code": "dade_1", "name": "大德村"},
                                                             {"code": "dade_2", "name": "长坪村"}]
    assert body["banks"] == [{"code": code, "name": BANKS[code]} for code in sorted(BANKS)]
    assert [c["code"] for c in body["purpose_categories"]] == [code for code, _ in PURPOSE_CATEGORIES]
    assert [k["code"] for k in body["loan_kinds"]] == [code for code, _ in LOAN_KIND_CHOICES]
    assert body["purpose_categories"][1] == {"code": "breeding", "name": "养殖"}


def test_labels_follow_the_callers_language(api):
    body = api.get("/reference?lang=en", as_="clerk_hanfeng").get_json()
    assert body["purpose_categories"][1] == {"code": "breeding", "name": "Breeding"}


def test_without_a_token_it_is_401(client, world):
    assert client.get("/api/v1/reference").status_code == 401


def test_the_document_names_every_closed_set(api):
    document = api.get("/openapi.json").get_json()
    schemas, paths = document["components"]["schemas"], document["paths"]
    purposes = [code for code, _ in PURPOSE_CATEGORIES]
    assert schemas["LoanApplication"]["properties"]["purpose_category"]["enum"] == purposes
    assert schemas["Loan"]["allOf"][1]["properties"]["purpose_category"]["enum"] == [*purposes, "unspecified"]
    assert schemas["Me"]["properties"]["roles"]["items"]["enum"] == list(ROLES)
    assert schemas["Task"]["properties"]["role"]["enum"] == list(ROLES)
    assert schemas["Task"]["properties"]["state"]["enum"] == [str(s) for s in HumanTaskState]
    assert schemas["LoanSummary"]["properties"]["status"]["enum"] == list(LOAN_STATUSES)
    assert schemas["AuditEvent"]["properties"]["actor_role"]["enum"] == [*ROLES, "system", None]
    assert schemas["AuditFinding"]["properties"]["rule"]["enum"] == list(audit_findings.RULES)
    assert paths["/reports/{name}"]["get"]["parameters"][0]["schema"]["enum"] == list(reports.REPORTS)
