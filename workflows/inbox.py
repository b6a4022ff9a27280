"""The inbox (待办): ready human tasks a user may take, as one indexed query on ``human_tasks``.

The scope mirrors ``permissions.in_scope``: a township clerk sees the township's tasks, bank
staff their bank's, district roles every task of their role. Supervisors read every ready task,
claimed or not (``view="all"``). No workflow state is deserialized to list tasks.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
import sqlalchemy.orm as so

from models import AuditEvent, Bank, Household, HumanTask, Loan, LprRate, ProcessInstance, Township, User, db

from . import clock, policy
from .errors import ForbiddenError
from .permissions import BANK_ROLES, TOWNSHIP_ROLES

VIEWS = ("available", "mine", "all")
ALL_TASKS_ROLES = frozenset({"supervisor"})
Assignee = so.aliased(User, name="assignee")


def may_view_all(user: User) -> bool:
    """Supervisors read every ready task (read-only)."""
    return user.is_active and bool(user.roles & ALL_TASKS_ROLES)


def _role_scope(user: User, role: str):
    """The condition for tasks of ``role`` inside the user's township or bank (None: out of scope)."""
    if role in TOWNSHIP_ROLES:
        return None if user.township_id is None else sa.and_(
            HumanTask.role == role, HumanTask.township_id == user.township_id)
    if role in BANK_ROLES:
        return None if user.bank_id is None else sa.and_(HumanTask.role == role, HumanTask.bank_id == user.bank_id)
    return HumanTask.role == role


def scope_condition(user: User, view: str = "available"):
    """Which ready tasks ``user`` may list in ``view``; ``sa.false()`` when none."""
    if view not in VIEWS:
        raise ValueError(f"unknown inbox view {view!r}")
    if view == "all":
        if not may_view_all(user):
            raise ForbiddenError("only supervisors see every task")
        return sa.true()
    scopes = [c for c in (_role_scope(user, role) for role in sorted(user.roles)) if c is not None]
    if not user.is_active or not scopes:
        return sa.false()
    mine = HumanTask.assignee_id == user.id
    return sa.and_(sa.or_(*scopes), mine if view == "mine" else sa.or_(HumanTask.assignee_id.is_(None), mine))


def inbox_query(user: User, *, view: str = "available", task_name: str | None = None,
                township_id: int | None = None, overdue_only: bool = False) -> sa.Select:
    """Rows of (HumanTask, Loan, Household, township_name, bank_name, assignee_name), due first."""
    query = (
        sa.select(HumanTask, Loan, Household, Township.name.label("township_name"),
                  Bank.name.label("bank_name"), Assignee.display_name.label("assignee_name"))
        .join(Loan, Loan.id == HumanTask.loan_id)
        .join(Household, Household.id == Loan.household_id)
        .join(Township, Township.id == Loan.township_id)
        .join(Bank, Bank.id == Loan.bank_id)
        .outerjoin(Assignee, Assignee.id == HumanTask.assignee_id)
        .where(HumanTask.state == "ready", scope_condition(user, view))
    )
    return _filtered(query, task_name, township_id, overdue_only).order_by(HumanTask.due_at, HumanTask.id)


def _filtered(query: sa.Select, task_name: str | None, township_id: int | None, overdue_only: bool) -> sa.Select:
    if task_name:
        query = query.where(HumanTask.name == task_name)
    if township_id:
        query = query.where(HumanTask.township_id == township_id)
    if overdue_only:
        query = query.where(HumanTask.due_at < clock.now())
    return query


def counts_by_task(user: User, view: str = "available") -> dict[str, int]:
    """How many tasks of each kind (BPMN task id) the user's ``view`` holds."""
    query = (
        sa.select(HumanTask.name, sa.func.count())
        .where(HumanTask.state == "ready", HumanTask.loan_id.is_not(None), scope_condition(user, view))
        .group_by(HumanTask.name).order_by(HumanTask.name)
    )
    return {name: n for name, n in db.session.execute(query)}


def next_task(user: User, *, after_id: int | None = None) -> HumanTask | None:
    """The user's next available task, oldest due first (claimed by them or unclaimed)."""
    query = inbox_query(user)
    if after_id is not None:
        query = query.where(HumanTask.id != after_id)
    row = db.session.execute(query.limit(1)).first()
    return row[0] if row else None


def is_overdue(task: HumanTask) -> bool:
    return task.due_at is not None and task.due_at < clock.now()


def township_choices() -> list[tuple[int, str]]:
    """(id, name) of every township, for the district roles' filter."""
    return [(t.id, t.name) for t in db.session.scalars(sa.select(Township).order_by(Township.code))]


@dataclass(frozen=True)
class TaskFacts:
    """What a task page shows beside its form."""

    task: HumanTask
    loan: Loan
    instance_version: int
    investigation_report: str | None
    lpr: LprRate | None


def task_facts(task: HumanTask) -> TaskFacts:
    """The loan, the instance version to carry in the form, the investigation and the LPR in force."""
    loan = db.session.get(Loan, task.loan_id)
    instance = db.session.get(ProcessInstance, task.process_instance_id)
    try:
        lpr = policy.lpr_in_force(clock.today())
    except policy.MissingPolicyDataError:
        lpr = None
    return TaskFacts(task, loan, instance.version, _investigation_report(loan.id), lpr)


def _investigation_report(loan_id: int) -> str | None:
    """The report of the latest completed investigation, as its audit event recorded the form."""
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.loan_id == loan_id, AuditEvent.action == "task_completed",
                                    AuditEvent.task_name == "investigate_credit")
        .order_by(AuditEvent.id.desc()).limit(1)
    ).first()
    return ((event.after or {}).get("form") or {}).get("investigation_report") if event else None
