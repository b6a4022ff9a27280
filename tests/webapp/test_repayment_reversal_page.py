"""The reversal (冲正) on the loan page: the approver's button beside the latest repayment, a reason, a message."""
from __future__ import annotations

from datetime import date

import pytest

from models.repayment import Repayment
from tests.conftest import one
from tests.factories_repayments import active_loan, at, pay
from workflows import clock


@pytest.fixture
def repaid(world):
    loan = active_loan(world, date(2024, 1, 15))
    return loan, pay(world, loan, date(2024, 3, 20), "0", "162.50").repayment


@pytest.fixture(autouse=True)
def next_day():
    with clock.frozen(at(date(2024, 3, 21))):
        yield


def url(loan, repayment) -> str:
    return f"/loans/{loan.id}/repayments/{repayment.id}/reversal"


def test_the_approver_sees_the_button_the_officer_does_not(login, repaid):
    loan, repayment = repaid
    page = login("approver_rcb").get(f"/loans/{loan.id}").text
    assert 'id="reversal-form"' in page and f'action="{url(loan, repayment)}"' in page and "冲正" in page
    assert 'id="reversal-form"' not in login("officer_rcb").get(f"/loans/{loan.id}").text


def test_reversing_with_a_reason_marks_the_row(login, repaid):
    loan, repayment = repaid
    client = login("approver_rcb")
    answer = client.post(url(loan, repayment), data={"reason": "金额录错"})
    assert answer.status_code == 302 and answer.headers["Location"] == f"/loans/{loan.id}#repayments-section"
    page = client.get(f"/loans/{loan.id}").text
    assert 'data-reversed="1"' in page and "金额录错" in page and 'id="reversal-form"' not in page
    assert 'data-owed="interest">162.50<' in page
    assert one(Repayment, id=repayment.id).reversal_reason == "金额录错"


def test_a_blank_reason_shows_the_rule_message(login, repaid):
    loan, repayment = repaid
    answer = login("approver_rcb").post(url(loan, repayment), data={"reason": ""})
    assert answer.status_code == 422 and "（reversal_reason_missing）" in answer.text
    assert one(Repayment, id=repayment.id).reversed_at is None


def test_the_officer_is_refused(login, repaid):
    loan, repayment = repaid
    assert login("officer_rcb").post(url(loan, repayment), data={"reason": "x"}).status_code == 403
