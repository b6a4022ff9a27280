"""Review, payment and the bank's confirmation of a settlement; scope of the bank's task; history."""
from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
import sqlalchemy as sa

from models import AuditEvent, Bank, HumanTask, ProcessInstance, db
from models.subsidy import SubsidySettlement
from tests.factories import make_household
from tests.factories_finance import disbursed_loan, install_finance, repayment, schedule_line
from workflows import clock, subsidy_settlement, timers
from workflows.audit import Actor
from workflows.errors import ForbiddenError, NotFoundError, PolicyViolationError
from workflows.tasks import service

D = Decimal
CLOSED = datetime(2024, 4, 1, 1, 0, 1, tzinfo=timezone.utc)


@pytest.fixture
def settled(world):
    install_finance()
    loan = disbursed_loan(make_household(), "36000", date(2023, 6, 1), rate="3.60", months=24)
    schedule_line(loan, 1, date(2023, 12, 1), date(2024, 3, 1), "324.00")
    repayment(loan, date(2024, 3, 1), "324.00")
    subsidy_settlement.ensure_scheduled(datetime(2024, 1, 15, tzinfo=timezone.utc))
    cqrcb = db.session.scalars(sa.select(Bank).where(Bank.code == "cqrcb")).one()
    row = db.session.scalars(sa.select(SubsidySettlement).filter_by(year=2024, quarter=1, bank_id=cqrcb.id)).one()
    return world, loan, row


def ready(name: str, settlement: SubsidySettlement) -> HumanTask:
    return db.session.scalars(sa.select(HumanTask).where(
        HumanTask.name == name, HumanTask.state == "ready",
        HumanTask.process_instance_id == settlement.process_instance_id)).one()


def act(world, username: str, task: HumanTask, data: dict):
    with clock.frozen(datetime(2024, 4, 20, 2, 0, tzinfo=timezone.utc)):
        return service.complete_task(Actor(world.users[username], None, "127.0.0.1"), task.id, data)


def test_review_payment_and_the_banks_confirmation(settled):
    world, loan, row = settled
    timers.sweep(CLOSED)
    assert row.status == "computed" and row.total == D("162.00")  # 324.00 × 0.5 (disbursed 2023)
    review = ready("review_subsidy_settlement", row)
    act(world, "finance", review, {"decision": "recompute", "comment": "补录还款后重算"})
    review = ready("review_subsidy_settlement", row)
    act(world, "finance", review, {"decision": "approve", "comment": None})
    assert row.status == "approved"
    payment = ready("record_subsidy_payment", row)
    with pytest.raises(PolicyViolationError) as early:
        act(world, "finance", payment, {"paid_on": date(2024, 3, 31), "voucher_number": "FZ-1"})
    assert early.value.field_errors == {"paid_on": ["date_out_of_range"]}
    act(world, "finance", payment, {"paid_on": date(2024, 4, 15), "voucher_number": "FZ-1"})
    assert (row.status, row.paid_on, row.voucher_number) == ("paid", date(2024, 4, 15), "FZ-1")
    confirm = ready("confirm_subsidy_passed_on", row)
    assert (confirm.role, confirm.bank_id) == ("bank_officer", row.bank_id)
    with pytest.raises(ForbiddenError):
        act(world, "officer_psbc", confirm, {"confirmed_on": date(2024, 4, 18), "comment": None})
    act(world, "officer_rcb", confirm, {"confirmed_on": date(2024, 4, 18), "comment": "已入户"})
    assert (row.status, row.confirmed_on) == ("confirmed", date(2024, 4, 18))
    assert db.session.get(ProcessInstance, row.process_instance_id).status == "completed"
    events = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.process_instance_id == row.process_instance_id, AuditEvent.action == "task_completed").order_by(AuditEvent.id)).all()
    assert [e.task_name for e in events][-2:] == ["record_subsidy_payment", "confirm_subsidy_passed_on"]
    assert events[-1].bank_id == row.bank_id and events[-1].actor_role == "bank_officer"


def test_the_review_is_refused_until_the_settlement_is_computed(settled):
    world, loan, row = settled
    with clock.frozen(CLOSED):  # the worker fires the timer before ensure_scheduled computed the lines
        timers.fire_instance(row.process_instance_id, CLOSED)
    db.session.commit()
    review = ready("review_subsidy_settlement", row)
    with pytest.raises(PolicyViolationError) as refused:
        act(world, "finance", review, {"decision": "approve", "comment": None})
    assert refused.value.codes == ("settlement_not_computed",)
    subsidy_settlement.ensure_scheduled(CLOSED)
    act(world, "finance", review, {"decision": "approve", "comment": None})
    assert row.status == "approved"


def test_a_loan_shows_its_subsidy_history(settled):
    world, loan, row = settled
    timers.sweep(CLOSED)
    ((line, item),) = subsidy_settlement.loan_subsidy_history(loan.id)
    assert (item.id, line.subsidy, line.share) == (row.id, D("162.00"), D("0.5"))
    assert subsidy_settlement.loan_subsidy_history(loan.id + 999) == []


def test_bank_staff_read_their_own_banks_settlements_only(settled):
    world, loan, row = settled
    rcb = subsidy_settlement.settlements_for(world.users["officer_rcb"])
    assert {s.bank_id for s in rcb} == {row.bank_id}
    assert len(subsidy_settlement.settlements_for(world.users["supervisor"])) > len(rcb)
    with pytest.raises(ForbiddenError):
        subsidy_settlement.settlements_for(world.users["clerk_hanfeng"])
    with pytest.raises(NotFoundError):
        subsidy_settlement.settlement_for(world.users["officer_psbc"], row.id)
