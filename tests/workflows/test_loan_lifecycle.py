"""The real diagram through the service layer, from application to every end."""
from __future__ import annotations

from decimal import Decimal

import pytest

from models import AuditEvent, HumanTask, Loan, ProcessInstance
from models.repayment import RepaymentScheduleLine
import sqlalchemy as sa

from workflows import audit
from workflows.errors import PolicyViolationError

from models import db
from workflows.tasks import service

from ..conftest import count, one, table_count
from ..factories import drive, make_household, ready_task, register
from ..factories_postloan import install


@pytest.fixture(autouse=True)
def post_loan_settings(world):
    install()


def test_approved_and_disbursed(world):
    household = make_household()
    loan = register(world, household)
    assert loan.status == "submitted"
    loan = drive(world, loan.id, until="end")
    assert loan.status == "active"
    assert loan.approved_amount == Decimal("30000.00") and loan.annual_rate == Decimal("3.0000")
    assert loan.principal_outstanding == loan.subsidised_principal == loan.covered_principal == Decimal("30000.00")
    assert loan.maturity_date.year == loan.disbursed_on.year + 1
    instance = one(ProcessInstance, loan_id=loan.id)
    assert instance.status == "running" and instance.end_event is None  # waiting in the call activity post_loan
    assert instance.next_timer_at is not None and table_count(RepaymentScheduleLine) > 0
    assert table_count(HumanTask) == 5 and count(HumanTask, state="ready") == 0


def test_each_step_waits_in_the_right_role(world):
    loan = register(world, make_household())
    for step, role in [("confirm_eligibility", "rural_bureau"), ("investigate_credit", "bank_officer"),
                       ("approve_loan", "bank_approver"), ("disburse_loan", "bank_officer")]:
        task = ready_task(loan.id, step)
        assert task.role == role and task.due_at > task.created_at
        drive(world, loan.id, until=STEPS_AFTER[step])


STEPS_AFTER = {"confirm_eligibility": "investigate_credit", "investigate_credit": "approve_loan",
               "approve_loan": "disburse_loan", "disburse_loan": "end"}


def test_rejected_at_approval(world):
    loan = register(world, make_household())
    loan = drive(world, loan.id, until="approve_loan")
    service.complete_task(world.actor("approver_rcb"), ready_task(loan.id, "approve_loan").id, {
        "decision": "reject", "approved_amount": None, "approved_term_months": None, "annual_rate": None,
        "approval_comment": "经营风险高"})
    assert db.session.get(Loan, loan.id).status == "rejected"
    assert one(ProcessInstance, loan_id=loan.id).end_event == "loan_rejected"


def test_eligibility_refused(world):
    loan = register(world, make_household())
    service.complete_task(world.actor("bureau"), ready_task(loan.id, "confirm_eligibility").id,
                        {"eligible": False, "eligibility_note": "身份信息不符"})
    assert db.session.get(Loan, loan.id).status == "rejected"


def test_returned_and_reinvestigated_by_another_officer(world):
    loan = register(world, make_household())
    drive(world, loan.id, until="approve_loan")
    service.complete_task(world.actor("approver_rcb"), ready_task(loan.id, "approve_loan").id, {
        "decision": "return", "approved_amount": None, "approved_term_months": None, "annual_rate": None,
        "approval_comment": "请补充经营情况"})
    task = ready_task(loan.id, "investigate_credit")
    service.complete_task(world.actor("officer2_rcb"), task.id, {
        "grade": "AA", "recommended_amount": Decimal("20000.00"), "recommended_term_months": 12,
        "investigation_report": "补充调查：已核实养殖场"})
    loan = db.session.get(Loan, loan.id)
    assert loan.grade == "AA" and loan.credit_line == Decimal("40000.00")
    assert loan.investigated_by.username == "officer2_rcb"
    drive(world, loan.id, until="disburse_loan", approve_loan={"approved_amount": Decimal("20000.00")})
    assert db.session.get(Loan, loan.id).status == "approved"


def test_policy_refusal_writes_nothing_but_the_audited_attempt(world):
    household = make_household()
    events, instances = table_count(AuditEvent), table_count(ProcessInstance)
    with pytest.raises(PolicyViolationError) as refused:
        register(world, household, amount=Decimal("50000.01"))
    assert refused.value.codes == ("amount_over_cap",)
    assert refused.value.field_errors == {"amount": ["amount_over_cap"]}
    assert table_count(Loan) == 0 and table_count(ProcessInstance) == instances
    assert table_count(AuditEvent) == events + 1
    attempt = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).one()
    assert (attempt.action, attempt.codes, attempt.actor_name) == ("attempt_refused", ["amount_over_cap"],
                                                                   "clerk_hanfeng")
    assert attempt.household_id == household.id and attempt.after["application"]["amount"] == "50000.01"
    assert audit.verify().ok
