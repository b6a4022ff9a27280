"""Loan list, loan page and diagram JSON: sign-in, scope (404 outside it), masking, timeline, diagram."""
from __future__ import annotations

import re

import pytest

from tests.factories import APPROVAL, drive, make_household, ready_task, register
from workflows import resident_id
from workflows.tasks import service

READERS = ["admin", "bureau", "finance", "supervisor", "clerk_hanfeng", "officer_rcb", "officer2_rcb",
           "approver_rcb", "approver2_rcb"]
OUTSIDERS = ["clerk_zhaojia", "clerk_dade", "officer_psbc", "approver_psbc"]


@pytest.fixture
def loan(world):
    """A 汉丰街道 / 农商行 loan waiting for approval."""
    return drive(world, register(world, make_household("hanfeng")).id, "approve_loan")


def urls(loan_id: int) -> list[str]:
    return ["/loans", f"/loans/{loan_id}", f"/loans/{loan_id}/diagram.json"]


def test_anonymous_users_are_sent_to_sign_in(client, loan):
    for url in urls(loan.id):
        answer = client.get(url)
        assert answer.status_code == 302 and "/login" in answer.headers["Location"]


@pytest.mark.parametrize("username", READERS)
def test_readers_open_the_list_page_and_diagram(login, loan, username):
    client = login(username)
    listing = client.get("/loans").get_data(as_text=True)
    assert f'data-loan-id="{loan.id}"' in listing
    assert client.get(f"/loans/{loan.id}").status_code == 200
    assert client.get(f"/loans/{loan.id}/diagram.json").get_json()["current"] == ["approve_loan"]


@pytest.mark.parametrize("username", OUTSIDERS)
def test_outsiders_get_404_and_an_empty_list(login, loan, username):
    client = login(username)
    assert f'data-loan-id="{loan.id}"' not in client.get("/loans").get_data(as_text=True)
    assert client.get(f"/loans/{loan.id}").status_code == 404
    assert client.get(f"/loans/{loan.id}/diagram.json").status_code == 404
    assert client.get("/loans/999999").status_code == 404


@pytest.mark.parametrize("username", ["clerk_hanfeng", "officer_rcb", "supervisor", "bureau"])
def test_the_list_always_masks_resident_ids(login, loan, username):
    page = login(username).get("/loans").get_data(as_text=True)
    assert resident_id.mask(loan.applicant_id_number) in page and loan.applicant_id_number not in page


@pytest.mark.parametrize("username, full", [
    ("clerk_hanfeng", True), ("officer_rcb", True), ("approver_rcb", True),
    ("supervisor", False), ("bureau", False), ("finance", False), ("admin", False),
])
def test_the_loan_page_shows_the_full_id_only_in_own_scope(login, loan, username, full):
    page = login(username).get(f"/loans/{loan.id}").get_data(as_text=True)
    assert (loan.applicant_id_number in page) is full  # the facts and the timeline's entries alike
    assert resident_id.mask(loan.applicant_id_number) in page or full


def test_the_loan_page_shows_facts_tasks_diagram_and_timeline(login, loan):
    page = login("approver_rcb").get(f"/loans/{loan.id}").get_data(as_text=True)
    assert 'id="loan-facts"' in page and "30,000.00" in page and "AAA" in page
    assert 'data-task="approve_loan"' in page and f'href="/tasks/{ready_task(loan.id, "approve_loan").id}"' in page
    assert f'data-diagram-url="/loans/{loan.id}/diagram.json"' in page
    assert "/static/js/loan_diagram.js" in page and "bpmn-navigated-viewer.production.min.js" in page
    for step in ("register_application", "confirm_eligibility", "investigate_credit"):
        assert f'data-action="{"loan_registered" if step == "register_application" else "task_completed"}" ' \
               f'data-task="{step}"' in page
    assert "汉丰街道 王丽" in page and "农商行 张伟" in page  # who, by display name
    assert "<script>" not in page  # CSP: no inline scripts
    assert 'id="no-schedule"' in page and 'id="repayment-form"' not in page  # not disbursed yet


def test_only_users_who_may_act_get_the_task_link(login, loan):
    task_link = f'href="/tasks/{ready_task(loan.id, "approve_loan").id}"'
    assert task_link not in login("supervisor").get(f"/loans/{loan.id}").get_data(as_text=True)
    assert task_link not in login("officer_rcb").get(f"/loans/{loan.id}").get_data(as_text=True)


def test_the_timeline_shows_changes_and_comments(login, loan, world):
    drive(world, loan.id, "end")
    page = login("supervisor").get(f"/loans/{loan.id}").get_data(as_text=True)
    assert 'data-action="task_completed" data-task="disburse_loan"' in page
    assert 'class="row small mb-1 timeline-changes"' in page and "同意" in page  # the approval comment
    assert "No open tasks." in page or "没有待办环节" in page


def test_a_rejected_loan_shows_its_status(login, world):
    loan = drive(world, register(world, make_household()).id, "approve_loan")
    service.complete_task(world.actor("approver_rcb"), ready_task(loan.id, "approve_loan").id,
                        {**APPROVAL, "decision": "reject", "approval_comment": "还款能力不足"})
    page = login("clerk_hanfeng").get(f"/loans/{loan.id}").get_data(as_text=True)
    assert 'data-status="rejected"' in page and 'id="rejection-codes"' in page


def test_diagram_json_content(login, loan):
    state = login("officer_rcb").get(f"/loans/{loan.id}/diagram.json").get_json()
    assert set(state) == {"process_key", "version", "bpmn_xml", "completed", "current"}
    assert state["process_key"] == "microcredit_loan" and state["bpmn_xml"].lstrip().startswith("<?xml")
    assert "investigate_credit" in state["completed"] and state["current"] == ["approve_loan"]


def test_list_filters_sorting_and_paging(login, world, loan):
    other = register(world, make_household("dade"), clerk="clerk_dade", bank="psbc")
    client = login("supervisor")
    page = client.get("/loans?bank=psbc").get_data(as_text=True)
    assert f'data-loan-id="{other.id}"' in page and f'data-loan-id="{loan.id}"' not in page
    page = client.get("/loans?sort=-id&per_page=1").get_data(as_text=True)
    assert f'data-loan-id="{other.id}"' in page and 'class="pagination' in page
    assert re.search(r'rel="next" href="/loans\?sort=-id&amp;per_page=1&amp;cursor=[A-Za-z0-9_-]+"', page)
    assert 'href="/loans?sort=id&amp;per_page=1"' in page  # the active column's header reverses the order
    assert client.get("/loans?status=gone").status_code == 422
    assert client.get("/loans?q=nobody").get_data(as_text=True).count("data-loan-id=") == 0
