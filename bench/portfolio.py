"""A fast bulk generator of loans waiting at each step, for the HTTP benchmark.

One template loan per step and township is driven through the real services; the rest are clones
inserted with SQLAlchemy Core in batches: households, loans, process instances (the template's state
with fresh task ids and the clone's loan id) and their inbox rows. Not the API: seconds, not hours.
Beside the loans, the district's processes without a loan run through the real services: four
quarters of interest-subsidy settlements per bank (the last waiting for the finance bureau's review,
the earlier ones for each bank's confirmation) and a fund top-up 30 days late (the finance bureau's
task and the supervisor's 督办).
"""
from __future__ import annotations

import re
import uuid
import zlib
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import sqlalchemy as sa

from models import Household, HumanTask, Loan, ProcessInstance, db
from models.subsidy import SubsidySettlement
from tests.factories import drive, make_household, register
from tests.factories_finance import disbursed_loan, install_finance
from workflows import clock, engine, resident_id, risk_fund, subsidy_settlement, timers
from workflows.audit import Actor
from workflows.tasks import service

STEPS = ("confirm_eligibility", "investigate_credit", "approve_loan", "disburse_loan")
UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _template(world, step: str, township: str):
    loan = register(world, make_household(township), clerk=f"clerk_{township}")
    drive(world, loan.id, until=step)
    instance = db.session.scalars(sa.select(ProcessInstance).filter_by(loan_id=loan.id)).one()
    task = db.session.scalars(sa.select(HumanTask).filter_by(loan_id=loan.id, state="ready")).one()
    return loan, instance, task


def _clone_state(state: bytes, old_loan_id: int, new_loan_id: int) -> tuple[bytes, dict[str, str]]:
    text = engine.state_json(state)
    ids = {old: str(uuid.uuid4()) for old in set(UUID_RE.findall(text))}
    text = UUID_RE.sub(lambda m: ids[m.group(0)], text)
    text = text.replace(f'"loan_id": {old_loan_id}', f'"loan_id": {new_loan_id}')
    return zlib.compress(text.encode("utf-8"), engine.STATE_COMPRESSION), ids


def _columns(obj, model, skip=()) -> dict:
    return {c.name: getattr(obj, c.key) for c in model.__table__.columns if c.name not in skip}


QUARTERS = ((2023, 2), (2023, 3), (2023, 4), (2024, 1))
SETTLED = datetime(2024, 4, 1, 1, 0, 1, tzinfo=timezone.utc)  # the last quarter's settlement is drawn up
TOPUP_START = datetime(2024, 5, 6, 2, 0, tzinfo=timezone.utc)


def process_tasks(world) -> None:
    """The loan-less tasks of the module's docstring, through the real services."""
    install_finance()
    for year, quarter in QUARTERS:
        subsidy_settlement.ensure_scheduled(datetime(year, quarter * 3 - 1, 15, tzinfo=timezone.utc))
    timers.sweep(SETTLED)
    earlier = db.session.scalars(sa.select(SubsidySettlement).where(
        sa.tuple_(SubsidySettlement.year, SubsidySettlement.quarter).in_(QUARTERS[:-1]))).all()
    with clock.frozen(SETTLED + timedelta(days=19)):
        for settlement in earlier:
            _finance_step(world, settlement, "review_subsidy_settlement", {"decision": "approve", "comment": None})
            _finance_step(world, settlement, "record_subsidy_payment",
                          {"paid_on": date(2024, 4, 15), "voucher_number": f"FZ-{settlement.id}"})
    risk_fund.record_entry(Actor(world.users["finance"]), "deposit", Decimal("4000.00"), date(2024, 1, 2))
    disbursed_loan(make_household(), "50000", date(2024, 1, 5))
    risk_fund.check_ratio(TOPUP_START)
    timers.sweep(TOPUP_START + timedelta(days=30, seconds=1))


def _finance_step(world, settlement: SubsidySettlement, name: str, data: dict) -> None:
    task = db.session.scalars(sa.select(HumanTask).filter_by(
        name=name, state="ready", process_instance_id=settlement.process_instance_id)).one()
    service.complete_task(world.actor("finance"), task.id, data)


def generate(world, total: int, batch: int = 1000) -> None:
    """``total`` loans spread over two townships and the four steps, each with instance and inbox row,
    and the district's tasks without a loan (``process_tasks``)."""
    process_tasks(world)
    templates = [_template(world, step, township) for step in STEPS for township in ("hanfeng", "dade")]
    db.session.commit()
    first = {model: (db.session.scalar(sa.select(sa.func.max(model.id))) or 0) + 1
             for model in (Household, Loan, ProcessInstance)}
    clones = total - len(templates)
    for start in range(0, clones, batch):
        rows: dict = {Household: [], Loan: [], ProcessInstance: [], HumanTask: []}
        for i in range(start, min(start + batch, clones)):
            loan, instance, task = templates[i % len(templates)]
            hid, lid, pid = first[Household] + i, first[Loan] + i, first[ProcessInstance] + i
            born = date(1962, 1, 1) + timedelta(days=i // 1000)
            rows[Household].append({**_columns(loan.household, Household), "id": hid, "name": f"户{i}",
                                    "id_number": resident_id.compose("500234", born, i % 1000)})
            rows[Loan].append({**_columns(loan, Loan), "id": lid, "household_id": hid})
            state, ids = _clone_state(instance.state, loan.id, lid)
            rows[ProcessInstance].append({**_columns(instance, ProcessInstance), "id": pid, "loan_id": lid,
                                          "state": state, "version": 1})
            rows[HumanTask].append({**_columns(task, HumanTask, skip=("id",)), "process_instance_id": pid,
                                    "loan_id": lid, "spiff_task_id": ids[task.spiff_task_id]})
        for model, values in rows.items():
            db.session.execute(sa.insert(model), values)
        db.session.commit()
