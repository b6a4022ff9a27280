"""The inbox (待办): ready user tasks of every process a user may take, as one indexed query.

Each row's scope is its lane's role: a township clerk sees the township's tasks, bank staff their
bank's, district roles (rural bureau, finance bureau, supervisor) every task of their role. A task
that four eyes keeps from the user (``task_exclusions``) is not offered. Supervisors also read every
ready task, claimed or not (``view="all"``). Tasks without a loan (a subsidy settlement, a
fund top-up) are listed like the others. No workflow state is deserialized to list tasks.
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so

from models import Bank, Household, HumanTask, HumanTaskState, Loan, TaskExclusion, Township, User, db

from .. import clock
from ..errors import ForbiddenError
from ..permissions import BANK_ROLES, TOWNSHIP_ROLES

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
    not_excluded = ~sa.exists().where(TaskExclusion.human_task_id == HumanTask.id, TaskExclusion.user_id == user.id)
    claim = mine if view == "mine" else sa.or_(HumanTask.assignee_id.is_(None), mine)
    return sa.and_(sa.or_(*scopes), claim, not_excluded)


def inbox_query(user: User, *, view: str = "available", task_name: str | None = None,
                township_id: int | None = None, overdue_only: bool = False) -> sa.Select:
    """Rows of (HumanTask, Loan?, Household?, township_name?, bank_name?, assignee_name?), due first.

    A task without a loan has no Loan and Household; one without a township or bank no name there."""
    query = (
        sa.select(HumanTask, Loan, Household, Township.name.label("township_name"),
                  Bank.name.label("bank_name"), Assignee.display_name.label("assignee_name"))
        .outerjoin(Loan, Loan.id == HumanTask.loan_id)
        .outerjoin(Household, Household.id == Loan.household_id)
        .outerjoin(Township, Township.id == HumanTask.township_id)
        .outerjoin(Bank, Bank.id == HumanTask.bank_id)
        .outerjoin(Assignee, Assignee.id == HumanTask.assignee_id)
        .where(HumanTask.state == HumanTaskState.READY, scope_condition(user, view))
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
        .where(HumanTask.state == HumanTaskState.READY, scope_condition(user, view))
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
