"""Loan use cases (贷款业务): register an application and complete, claim or hand over its tasks.

Each public function is one transaction: load with a version check, run the engine, save the
state, refresh the inbox rows, append the audit events, commit.
"""
from __future__ import annotations

import sqlalchemy as sa

from models import Bank, HumanTask, Loan, User, db

from . import audit, clock, engine, instances, policy, renewals
from .audit import Actor
from .errors import AlreadyCompletedError, ForbiddenError, NotFoundError, PolicyViolationError
from .loan_steps import StepContext, step_for
from .permissions import in_scope, may_act_on_task
from .unit_of_work import unit_of_work

PROCESS_KEY = "microcredit_loan"
APPLICATION_FIELDS = ("id_number", "bank", "amount", "term_months", "purpose_category", "purpose", "kind")


@unit_of_work
def register_application(actor: Actor, data: dict) -> Loan:
    """登记申请: start ``microcredit_loan`` and complete ``register_application`` in one step.

    A policy refusal (DMN ``loan_policy``) raises ``PolicyViolationError`` and nothing is written. A
    renewal (``kind = renewal``) is linked to the household's due loan (``renewals.renewable_loan``).
    """
    household = policy.household_for(data["id_number"])
    if not in_scope(actor.user, "township_clerk", household.township_id, None):
        raise ForbiddenError("the household belongs to another township")
    bank = db.session.scalars(sa.select(Bank).where(Bank.code == data["bank"])).first()
    if bank is None:
        raise PolicyViolationError(["invalid"], {"bank": ["unknown_bank"]})
    previous = renewals.renewable_loan(household, clock.today()) if data.get("kind") == "renewal" else None
    actor = Actor(actor.user, "township_clerk", actor.ip_address)
    form = {**{k: data[k] for k in APPLICATION_FIELDS}, "id_number": household.id_number}
    loan = Loan(household=household, township_id=household.township_id, bank=bank, status="submitted",
                applicant_id_number=household.id_number, applied_on=clock.today(),
                previous_loan_id=previous.id if previous else None,
                **{k: form[k] for k in APPLICATION_FIELDS if k not in ("id_number", "bank")})
    db.session.add(loan)
    db.session.flush()
    loaded = instances.start(PROCESS_KEY, loan, {"loan_id": loan.id})
    instances.save(loaded)
    (row,) = instances.refresh_inbox(loaded, loan)
    spiff_task = instances.find_ready_task(loaded, row.spiff_task_id)
    row.state, row.completed_at, row.completed_by_id = "completed", clock.now(), actor.user_id
    facts = policy.application_facts(household, loan.applicant_id_number, loan.amount, loan.applied_on, loan.id)
    _run_step(actor, loaded, loan, spiff_task, "register_application", form, facts)
    audit.record("loan_registered", actor, loan=loan, process_instance_id=loaded.row.id,
                 task_name="register_application", after={"form": form, "facts": facts})
    return loan


@unit_of_work
def complete_task(actor: Actor, task_id: int, data: dict, expected_version: int | None = None) -> HumanTask:
    """Complete a ready user task with the data its form validated."""
    row = _open_task(task_id)
    if not may_act_on_task(actor.user, row):
        raise ForbiddenError("this task is not in your role or scope, or a colleague has claimed it")
    actor = Actor(actor.user, row.role, actor.ip_address)
    loaded = instances.load(row.process_instance_id, expected_version)
    spiff_task = instances.find_ready_task(loaded, row.spiff_task_id)
    loan = db.session.get(Loan, row.loan_id)
    before = _loan_snapshot(loan)
    row.state, row.completed_at, row.completed_by_id = "completed", clock.now(), actor.user_id
    _run_step(actor, loaded, loan, spiff_task, row.name, data, {})
    audit.record("task_completed", actor, loan=loan, process_instance_id=loaded.row.id, task_name=row.name,
                 before=before, after={"form": data, "loan": _loan_snapshot(loan)}, comment=_comment(data))
    return row


def _run_step(actor: Actor, loaded, loan: Loan, spiff_task, task_name: str, form: dict, facts: dict) -> None:
    """Run one user task through the engine with its checks, then save state, inbox and status."""
    step = step_for(task_name)
    ctx = StepContext(loan, actor, loaded.workflow, form)
    step.before(ctx)
    engine.complete_user_task(loaded.workflow, spiff_task, {**form, **facts})
    step.after(ctx)
    instances.settle(loaded, loan)


def _open_task(task_id: int) -> HumanTask:
    row = db.session.get(HumanTask, task_id)
    if row is None:
        raise NotFoundError(f"task {task_id}")
    if row.state == "completed":
        by = db.session.get(User, row.completed_by_id) if row.completed_by_id else None
        raise AlreadyCompletedError(by.display_name if by else None, row.completed_at)
    if row.state != "ready":
        raise NotFoundError(f"task {task_id} is no longer open")
    return row


def _comment(data: dict) -> str | None:
    for key in ("approval_comment", "eligibility_note", "comment"):
        if data.get(key):
            return str(data[key])
    return None


def _loan_snapshot(loan: Loan) -> dict:
    columns = ("status", "amount", "grade", "credit_line", "recommended_amount", "approved_amount", "rate_cap",
               "approved_term_months", "annual_rate", "disbursed_on", "maturity_date", "principal_outstanding")
    return audit.jsonable({c: getattr(loan, c) for c in columns})
