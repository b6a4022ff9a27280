"""The loan page's repayment book and form: officers of the loan's bank record, everyone in scope reads."""
from __future__ import annotations

from datetime import date

import pytest

from models.repayment import Repayment
from tests.conftest import count
from tests.factories_repayments import active_loan, at
from workflows import clock

DUE = date(2024, 3, 20)  # the first interest date of the loan: 162.50 due


@pytest.fixture
def loan(world):
    return active_loan(world, date(2024, 1, 15))


@pytest.fixture(autouse=True)
def on_the_due_date():
    with clock.frozen(at(DUE)):
        yield


def form(principal="0", interest="162.50", paid_on=DUE.isoformat(), key="page-key-1") -> dict:
    return {"paid_on": paid_on, "principal": principal, "interest": interest, "idempotency_key": key}


def test_the_officer_sees_the_schedule_what_is_owed_and_the_form(login, loan):
    page = login("officer_rcb").get(f"/loans/{loan.id}").text
    assert 'id="repayment-schedule"' in page and 'data-due-on="2025-01-15"' in page and "30,000.00" in page
    assert 'data-owed="interest">162.50<' in page and 'id="repayment-form"' in page
    assert f'action="/loans/{loan.id}/repayments"' in page and 'name="idempotency_key"' in page
    assert "<script>" not in page


@pytest.mark.parametrize("username", ["supervisor", "approver_rcb", "clerk_hanfeng", "finance"])
def test_readers_see_the_book_without_the_form(login, loan, username):
    page = login(username).get(f"/loans/{loan.id}").text
    assert 'id="repayment-schedule"' in page and 'id="repayments"' in page and 'id="repayment-form"' not in page


def test_recording_a_repayment_redirects_back_with_a_message(login, loan):
    client = login("officer_rcb")
    answer = client.post(f"/loans/{loan.id}/repayments", data=form())
    assert answer.status_code == 302 and answer.headers["Location"] == f"/loans/{loan.id}#repayments-section"
    page = client.get(f"/loans/{loan.id}").text
    assert "还款已登记" in page and 'data-repayment-id="' in page and "农商行 张伟" in page
    assert 'data-owed="interest">0.00<' in page and 'data-action="repayment_recorded"' in page


def test_a_double_submit_records_once(login, loan):
    client = login("officer_rcb")
    client.post(f"/loans/{loan.id}/repayments", data=form())
    assert client.post(f"/loans/{loan.id}/repayments", data=form()).status_code == 302
    assert count(Repayment) == 1 and "这笔还款已登记过" in client.get(f"/loans/{loan.id}").text


def test_more_than_is_owed_shows_the_message_beside_the_field(login, loan):
    answer = login("officer_rcb").post(f"/loans/{loan.id}/repayments", data=form(interest="162.51"))
    assert answer.status_code == 422 and count(Repayment) == 0
    assert 'id="interest-errors"' in answer.text and "（overpayment）" in answer.text
    assert 'value="162.51"' in answer.text  # the entries are kept


def test_bad_entries_and_bad_dates_come_back_on_the_page(login, loan):
    client = login("officer_rcb")
    answer = client.post(f"/loans/{loan.id}/repayments", data={"paid_on": "", "principal": "x"})
    assert answer.status_code == 422 and 'id="paid_on-errors"' in answer.text and 'id="principal-errors"' in answer.text
    answer = client.post(f"/loans/{loan.id}/repayments", data=form(paid_on="2024-03-21"))
    assert answer.status_code == 422 and "（paid_on_out_of_range）" in answer.text
    answer = client.post(f"/loans/{loan.id}/repayments", data=form(interest="0"))
    assert answer.status_code == 422 and 'class="alert alert-danger"' in answer.text and "（nothing_paid）" in answer.text


@pytest.mark.parametrize("username, status", [
    ("approver_rcb", 403), ("supervisor", 403), ("clerk_hanfeng", 403), ("admin", 403), ("officer_psbc", 404),
])
def test_others_may_not_record(login, loan, username, status):
    assert login(username).post(f"/loans/{loan.id}/repayments", data=form()).status_code == status
    assert count(Repayment) == 0


def test_anonymous_users_are_sent_to_sign_in(client, loan):
    answer = client.post(f"/loans/{loan.id}/repayments", data=form())
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]


def test_the_form_needs_its_csrf_token(app, login, loan, monkeypatch):
    client = login("officer_rcb")
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    assert client.post(f"/loans/{loan.id}/repayments", data=form()).status_code == 400
    assert count(Repayment) == 0
