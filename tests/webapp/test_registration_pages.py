"""Registration as a clerk on the pages: the look-up, an out-of-township household kept on the form,
the link to the new loan, 撤回 with a reason, and the officer's 不予受理 at investigation."""
from __future__ import annotations

import re

import pytest

from models import AuditEvent, Loan, db
from tests.factories import drive, make_household, ready_task, register
from tests.webapp.test_task_pages import APPLICATION, STEP_FORMS, submit

REASON = "农户外出务工，不再需要贷款"


def named(name: str, township: str = "hanfeng"):
    household = make_household(township)
    household.name = name
    db.session.commit()
    return household


def test_the_look_up_answers_the_clerks_township_only_with_masked_numbers(login, world):
    mine, other = named("冉光荣"), named("冉光华", "dade")
    answer = login("clerk_hanfeng").get("/applications/households?q=冉光")
    assert answer.status_code == 200 and answer.is_json
    [item] = answer.get_json()["items"]
    assert item == {"id": mine.id, "name": "冉光荣", "village": None,
                    "id_number": mine.id_number[:6] + "********" + mine.id_number[-4:]}
    tail = login("clerk_hanfeng").get(f"/applications/households?q={other.id_number[-6:]}").get_json()
    assert tail == {"items": []}
    assert mine.id_number not in answer.get_data(as_text=True)


@pytest.mark.parametrize("username", ["officer_rcb", "bureau", "admin", "supervisor"])
def test_nobody_but_a_clerk_looks_up(login, world, username):
    named("冉光荣")
    assert login(username).get("/applications/households?q=冉光").status_code == 403


def test_the_registration_page_offers_the_look_up(login, world):
    html = login("clerk_hanfeng").get("/applications/new").get_data(as_text=True)
    assert 'data-lookup-url="/applications/households"' in html and "js/household_lookup.js" in html
    assert 'id="household_id"' in html and 'type="hidden"' in html


def test_a_household_of_another_township_is_a_field_error_and_the_form_is_kept(login, world):
    other = make_household("dade")
    form = {**APPLICATION, "id_number": other.id_number, "purpose": "养殖山羊二十只"}
    answer = login("clerk_hanfeng").post("/applications/new", data=form)
    assert answer.status_code == 403
    html = answer.get_data(as_text=True)
    errors = html.split('id="id_number-errors"')[1][:400]
    assert "household_other_township" in errors and "其他镇街" in errors
    assert f'value="{other.id_number}"' in html and "养殖山羊二十只" in html and 'value="30000.00"' in html
    assert db.session.query(Loan).count() == 0
    assert db.session.query(AuditEvent).filter_by(action="attempt_refused").one().codes == ["household_other_township"]


def test_the_confirmation_links_to_the_new_loan(login, world):
    household = make_household("hanfeng")
    client = login("clerk_hanfeng")
    answer = client.post("/applications/new", data={**APPLICATION, "id_number": household.id_number},
                         follow_redirects=True)
    loan = db.session.query(Loan).one()
    html = answer.get_data(as_text=True)
    assert re.search(rf'<a class="alert-link" href="/loans/{loan.id}" data-new-loan="{loan.id}">', html)
    assert client.get(f"/loans/{loan.id}").status_code == 200


def test_the_household_picked_in_the_look_up_is_registered_without_its_full_number(login, world):
    household = named("冉光荣")
    client = login("clerk_hanfeng")
    [item] = client.get("/applications/households?q=冉光荣").get_json()["items"]
    answer = client.post("/applications/new", data={**APPLICATION, "id_number": item["id_number"],
                                                    "household_id": item["id"]})
    assert answer.status_code == 302
    assert db.session.query(Loan).one().household_id == household.id
    answer = client.post("/applications/new", data={**APPLICATION, "id_number": item["id_number"]})
    assert answer.status_code == 422  # a masked number without the pick is not an ID


def test_a_clerk_withdraws_an_application_with_a_reason(login, world):
    loan = register(world, make_household("hanfeng"))
    drive(world, loan.id, "approve_loan")
    task_link = f'/tasks/{ready_task(loan.id, "approve_loan").id}"'
    approver = login("approver_rcb")
    assert task_link in approver.get("/inbox").get_data(as_text=True)
    client = login("clerk_hanfeng")
    page = client.get(f"/loans/{loan.id}").get_data(as_text=True)
    assert f'href="/loans/{loan.id}/withdraw"' in page
    assert 'id="withdraw-form"' in client.get(f"/loans/{loan.id}/withdraw").get_data(as_text=True)
    empty = client.post(f"/loans/{loan.id}/withdraw", data={"reason": "  "})
    assert empty.status_code == 422 and 'id="reason-errors"' in empty.get_data(as_text=True)
    answer = client.post(f"/loans/{loan.id}/withdraw", data={"reason": REASON})
    assert answer.status_code == 302 and answer.headers["Location"].endswith(f"/loans/{loan.id}")
    db.session.expire_all()
    assert loan.status == "withdrawn"
    page = client.get(f"/loans/{loan.id}").get_data(as_text=True)
    assert 'data-status="withdrawn"' in page and "已撤回" in page and REASON in page
    assert 'id="withdraw-link"' not in page
    assert task_link not in approver.get("/inbox").get_data(as_text=True)


def test_after_disbursement_the_page_refuses_the_withdrawal(login, world):
    loan = register(world, make_household("hanfeng"))
    drive(world, loan.id, "nothing")
    client = login("clerk_hanfeng")
    assert 'id="withdraw-link"' not in client.get(f"/loans/{loan.id}").get_data(as_text=True)
    page = client.get(f"/loans/{loan.id}/withdraw").get_data(as_text=True)
    assert 'id="withdraw-form"' not in page and "application_not_withdrawable" in page
    answer = client.post(f"/loans/{loan.id}/withdraw", data={"reason": REASON})
    assert answer.status_code == 422 and "application_not_withdrawable" in answer.get_data(as_text=True)
    db.session.expire_all()
    assert loan.status == "active"


@pytest.mark.parametrize("username, status", [("officer_rcb", 403), ("bureau", 403), ("clerk_zhaojia", 404)])
def test_no_other_role_or_township_withdraws(login, world, username, status):
    loan = register(world, make_household("hanfeng"))
    client = login(username)
    assert 'id="withdraw-link"' not in (client.get(f"/loans/{loan.id}").get_data(as_text=True) if status == 403 else "")
    assert client.post(f"/loans/{loan.id}/withdraw", data={"reason": REASON}).status_code == status
    db.session.expire_all()
    assert loan.status == "submitted"


def test_an_officer_declines_at_investigation_with_a_reason(login, world):
    loan = register(world, make_household("hanfeng"))
    drive(world, loan.id, "investigate_credit")
    task = ready_task(loan.id, "investigate_credit")
    client = login("officer_rcb")
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert 'name="investigation_decision"' in page and 'value="decline"' in page and "不予受理" in page
    missing = submit(client, task, {"investigation_decision": "decline"})
    assert missing.status_code == 422 and 'id="decline_reason-errors"' in missing.get_data(as_text=True)
    answer = submit(client, task, {"investigation_decision": "decline", "decline_reason": "无实际经营场地"})
    assert answer.status_code == 302
    db.session.expire_all()
    assert loan.status == "declined"
    page = client.get(f"/loans/{loan.id}").get_data(as_text=True)
    assert 'data-status="declined"' in page and "无实际经营场地" in page


def test_proceeding_still_needs_the_rating(login, world):
    loan = register(world, make_household("hanfeng"))
    drive(world, loan.id, "investigate_credit")
    task = ready_task(loan.id, "investigate_credit")
    client = login("officer_rcb")
    assert submit(client, task, {"investigation_decision": "proceed"}).status_code == 422
    rating = {**STEP_FORMS["investigate_credit"][1], "investigation_decision": "proceed"}
    assert submit(client, task, rating).status_code == 302
    assert ready_task(loan.id, "approve_loan") is not None
