"""A task that comes round again shows why it was sent back and holds its last round's values
(退回补充调查, and the township sending a recovery back to the bank); a first round shows nothing."""
from __future__ import annotations

import lxml.html
import pytest

from models import HumanTask, db
from tests.factories import APPROVAL, INVESTIGATION, drive, make_household, ready_task, register
from tests.factories_postloan import complete
from tests.factories_tasks import REVIEW_DAY, recovery
from workflows.tasks import facts, history, service

SENT_BACK = "请补充养殖规模和圈舍照片"


def page(login, username: str, task: HumanTask):
    """The task page's read of what came back: the sent-back remark (or None) and the form's values."""
    answer = login(username).get(f"/tasks/{task.id}")
    assert answer.status_code == 200
    document = lxml.html.fromstring(answer.get_data(as_text=True))
    comment = document.get_element_by_id("sent-back-comment", None)
    form = document.get_element_by_id("task-form")
    values = {name: (value or "").strip() for name, value in form.fields.items()}  # a textarea starts with a newline
    return (comment.text_content().strip() if comment is not None else None), values


@pytest.fixture
def returned(world) -> HumanTask:
    """A loan the approver sent back for more investigation (退回补充调查)."""
    loan = register(world, make_household())
    drive(world, loan.id, until="approve_loan")
    service.complete_task(world.actor("approver_rcb"), ready_task(loan.id, "approve_loan").id,
                          {**APPROVAL, "decision": "return", "approval_comment": SENT_BACK})
    return ready_task(loan.id, "investigate_credit")


def test_a_first_round_task_shows_no_history(world, login):
    loan = register(world, make_household())
    drive(world, loan.id, until="investigate_credit")
    task = ready_task(loan.id, "investigate_credit")
    assert history.history_of(task) is None and facts.facts_for(task).history is None
    comment, values = page(login, "officer_rcb", task)
    assert comment is None and values["grade"] == "" and values["recommended_amount"] == ""


def test_sent_back_for_more_investigation_the_task_shows_the_reason_and_the_last_values(world, login, returned):
    shown = facts.facts_for(returned).history
    assert shown.sent_back.comment == SENT_BACK and shown.sent_back.task_name == "approve_loan"
    assert shown.sent_back.actor_name == "approver_rcb"
    comment, values = page(login, "officer_rcb", returned)
    assert comment == SENT_BACK
    assert (values["grade"], values["recommended_amount"], values["recommended_term_months"]) == (
        INVESTIGATION["grade"], "30000.00", "12")
    assert values["investigation_report"] == INVESTIGATION["investigation_report"]


def test_the_second_round_completes_and_goes_to_the_approver_again(world, returned):
    service.complete_task(world.actor("officer2_rcb"), returned.id, {**INVESTIGATION, "grade": "AA"})
    again = ready_task(returned.loan_id, "approve_loan")
    assert history.history_of(again).previous_values["decision"] == "return"
    assert db.session.get(HumanTask, returned.id).state == "completed"


def test_a_recovery_the_township_sends_back_shows_its_reason_to_the_bank(world, login):
    loan_id = recovery(world).task.loan_id
    complete(world, loan_id, "recover_loan", "officer_rcb", REVIEW_DAY, recovery_outcome="loss",
             recovery_note="多次催收无果")
    complete(world, loan_id, "confirm_recovery", "clerk_hanfeng", REVIEW_DAY, recovery_confirmed=False,
             confirmation_note="农户称尚未还款，请核实")
    comment, values = page(login, "officer_rcb", ready_task(loan_id, "recover_loan"))
    assert comment == "农户称尚未还款，请核实"
    assert (values["recovery_outcome"], values["recovery_note"]) == ("loss", "多次催收无果")
