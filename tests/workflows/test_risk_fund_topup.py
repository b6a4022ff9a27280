"""The 1:10 check starts one top-up; 30 days later a boundary timer escalates to the supervisor."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
import sqlalchemy as sa

from models import HumanTask, ProcessInstance, ProcessVersion, db
from models.risk_fund import RiskFundEntry
from tests.factories import make_household
from tests.factories_finance import disbursed_loan, install_finance, set_setting
from workflows import risk_fund, timers
from workflows.audit import Actor
from workflows.errors import ForbiddenError
from workflows.tasks import facts, service

D = Decimal
START = datetime(2024, 5, 6, 2, 0, tzinfo=timezone.utc)


@pytest.fixture
def fin(world):
    install_finance()
    risk_fund.record_entry(Actor(world.users["finance"]), "deposit", D("4000.00"), date(2024, 1, 2))
    return world


def tasks(name: str, state: str = "ready") -> list[HumanTask]:
    return list(db.session.scalars(sa.select(HumanTask).where(HumanTask.name == name, HumanTask.state == state)))


def topup_instances() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(ProcessInstance).join(ProcessVersion)
                             .where(ProcessVersion.process_key == "risk_fund_topup"))


def test_exactly_ten_times_the_fund_needs_no_top_up(fin):
    disbursed_loan(make_household(), "40000", date(2024, 1, 5))
    assert risk_fund.check_ratio(START) is None  # 40,000 = 10 × 4,000
    disbursed_loan(make_household(), "0.01", date(2024, 1, 5))
    assert risk_fund.check_ratio(START) is not None  # 40,000.01 > 10 × 4,000


def test_the_ratio_check_starts_exactly_one_top_up_however_often_it_runs(fin):
    disbursed_loan(make_household(), "50000", date(2024, 1, 5))
    first = risk_fund.check_ratio(START)
    assert first is not None and risk_fund.check_ratio(START) is None
    for day in (1, 2, 3):
        timers.sweep(START + timedelta(days=day))
    assert topup_instances() == 1 and len(tasks("record_topup")) == 1
    (task,) = tasks("record_topup")
    assert task.role == "finance_bureau" and task.due_at == START + timedelta(days=30)
    shown = facts.facts_for(task)
    assert shown.panel == "finance" and shown.loan is None
    assert shown.details["data"]["topup_amount"] == D("1000.00") and shown.details["fund"].needs_topup


def test_a_top_up_not_recorded_in_30_days_escalates_to_the_supervisor(fin):
    disbursed_loan(make_household(), "50000", date(2024, 1, 5))
    risk_fund.check_ratio(START)
    timers.sweep(START + timedelta(days=30) - timedelta(seconds=1))
    assert tasks("review_overdue_topup") == []
    timers.sweep(START + timedelta(days=30, seconds=1))
    (escalation,) = tasks("review_overdue_topup")
    assert escalation.role == "supervisor" and len(tasks("record_topup")) == 1  # still to be done
    finance = Actor(fin.users["finance"], None, "127.0.0.1")
    with pytest.raises(ForbiddenError):
        service.complete_task(finance, escalation.id, {"comment": "x"})
    service.complete_task(Actor(fin.users["supervisor"]), escalation.id, {"comment": "已督促财政局"})
    (record,) = tasks("record_topup")
    service.complete_task(finance, record.id, {"amount": D("1000.00"), "topped_up_on": date(2024, 6, 6),
                                                     "voucher_number": "CZ-7", "comment": None})
    topup = db.session.scalars(sa.select(RiskFundEntry).where(RiskFundEntry.kind == "topup")).one()
    assert topup.amount == D("1000.00") and topup.voucher_number == "CZ-7"
    assert risk_fund.fund_balance() == D("5000.00")
    instance = db.session.get(ProcessInstance, record.process_instance_id)
    assert instance.status == "completed"
    assert risk_fund.check_ratio(START + timedelta(days=32)) is None  # back within 1:10


def test_the_due_days_come_from_the_policy_setting(fin):
    set_setting("topup_due_days", "10")
    disbursed_loan(make_household(), "50000", date(2024, 1, 5))
    risk_fund.check_ratio(START)
    timers.sweep(START + timedelta(days=10, seconds=1))
    assert len(tasks("review_overdue_topup")) == 1


def test_a_recorded_top_up_that_falls_short_lets_the_next_check_start_another(fin):
    disbursed_loan(make_household(), "50000", date(2024, 1, 5))
    risk_fund.check_ratio(START)
    (record,) = tasks("record_topup")
    service.complete_task(Actor(fin.users["finance"]), record.id, {
        "amount": D("400.00"), "topped_up_on": date(2024, 5, 7), "voucher_number": "CZ-8", "comment": None})
    assert risk_fund.check_ratio(START + timedelta(days=1)) is not None
    assert len(tasks("record_topup")) == 1 and len(tasks("record_topup", "completed")) == 1
