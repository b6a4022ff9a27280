"""User tasks of the processes without a loan (risk-fund top-up, subsidy settlement).

``complete_task`` is the loan-less twin of ``loans.complete_task``: one transaction that checks
role and scope, runs the task's step (``risk_fund.STEPS``, ``subsidy_settlement.STEPS``), runs the
engine, places the next tasks' inbox rows and writes the audit event. A process without a loan
carries its inbox scope in its data: ``bank_id`` (and ``township_id``) if it has one.
"""
from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from models import HumanTask, ProcessInstance, User, db
from models.subsidy import SubsidySettlement

from . import audit, clock, engine, instances, risk_fund, subsidy_settlement
from .audit import Actor
from .errors import AlreadyCompletedError, ForbiddenError, NotFoundError
from .permissions import may_act_on_task
from .unit_of_work import unit_of_work

PROCESS_KEYS = (risk_fund.PROCESS_KEY, subsidy_settlement.PROCESS_KEY)
STEPS = {**risk_fund.STEPS, **subsidy_settlement.STEPS}
READERS = frozenset({"finance_bureau", "supervisor"})


def process_key(task: HumanTask) -> str:
    return db.session.get(ProcessInstance, task.process_instance_id).process_version.process_key


def task_for(user: User, task_id: int) -> tuple[HumanTask, bool]:
    """A finance task and whether ``user`` may only read it (district readers) or act on it."""
    task = db.session.get(HumanTask, task_id)
    if task is None or task.loan_id is not None or process_key(task) not in PROCESS_KEYS:
        raise NotFoundError(f"task {task_id}")
    if may_act_on_task(user, task):
        return task, False
    if user.is_active and user.roles & READERS:
        return task, True
    raise ForbiddenError("this task is not in your role or scope")


@dataclass(frozen=True)
class FinanceTaskFacts:
    """What a finance task page shows beside its form."""

    task: HumanTask
    process_key: str
    instance_version: int
    data: dict
    settlement: SubsidySettlement | None
    fund: risk_fund.FundPosition | None


def task_facts(task: HumanTask) -> FinanceTaskFacts:
    loaded = instances.load(task.process_instance_id)
    spiff_task = _spiff_task(loaded, task)
    data = dict(spiff_task.data) if spiff_task is not None else {}
    settlement = db.session.get(SubsidySettlement, data["settlement_id"]) if "settlement_id" in data else None
    fund = risk_fund.position() if loaded.row.process_version.process_key == risk_fund.PROCESS_KEY else None
    return FinanceTaskFacts(task, loaded.row.process_version.process_key, loaded.row.version, data, settlement, fund)


def _spiff_task(loaded, task: HumanTask):
    return loaded.workflow.get_task_from_id(UUID(task.spiff_task_id))


@unit_of_work
def complete_task(actor: Actor, task_id: int, data: dict, expected_version: int | None = None) -> HumanTask:
    """Complete a ready loan-less task with the data its form validated."""
    row = _open_task(task_id)
    if not may_act_on_task(actor.user, row):
        raise ForbiddenError("this task is not in your role or scope, or a colleague has claimed it")
    actor = Actor(actor.user, row.role, actor.ip_address)
    loaded = instances.load(row.process_instance_id, expected_version)
    spiff_task = instances.find_ready_task(loaded, row.spiff_task_id)
    process = dict(spiff_task.data)
    step = STEPS.get(row.name)
    if step is not None:
        step(actor, process, data, loaded.row.id)
    row.state, row.completed_at, row.completed_by_id = "completed", clock.now(), actor.user_id
    engine.complete_user_task(loaded.workflow, spiff_task, data)
    instances.settle(loaded, None, (process.get("township_id"), process.get("bank_id")))
    audit.record("task_completed", actor, process_instance_id=loaded.row.id, task_name=row.name,
                 bank_id=process.get("bank_id"), township_id=process.get("township_id"),
                 after={"form": data, "process": {k: process[k] for k in sorted(process) if k != "typename"}},
                 comment=data.get("comment"))
    return row


def _open_task(task_id: int) -> HumanTask:
    row = db.session.get(HumanTask, task_id)
    if row is None or row.loan_id is not None:
        raise NotFoundError(f"task {task_id}")
    if row.state == "completed":
        by = db.session.get(User, row.completed_by_id) if row.completed_by_id else None
        raise AlreadyCompletedError(by.display_name if by else None, row.completed_at)
    if row.state != "ready":
        raise NotFoundError(f"task {task_id} is no longer open")
    return row
