"""Claim, unclaim and hand over a ready task within its role (认领, 退回, 转办).

Each function is one transaction with one audit event. The assignee changes only through a
conditional UPDATE, so of two people claiming at the same moment exactly one wins.
"""
from __future__ import annotations

import sqlalchemy as sa

from models import HumanTask, Loan, User, UserRole, db

from . import audit
from .audit import Actor
from .errors import AlreadyCompletedError, ConcurrentUpdateError, ForbiddenError, FormInvalidError, NotFoundError
from .permissions import BANK_ROLES, TOWNSHIP_ROLES, in_scope
from .unit_of_work import unit_of_work


@unit_of_work
def claim(actor: Actor, task_id: int) -> HumanTask:
    """Take the task: colleagues no longer see it as available. Claiming one's own task again is a no-op."""
    row = _ready_task(task_id)
    _require_scope(actor.user, row)
    if row.assignee_id == actor.user_id:
        return row
    _set_assignee(row, expected=None, new=actor.user_id)
    _record("task_claimed", actor, row, before=None, after=actor.user.username)
    return row


@unit_of_work
def unclaim(actor: Actor, task_id: int) -> HumanTask:
    """Give the task back to the role's pool; only its assignee may."""
    row = _ready_task(task_id)
    if actor.user is None or row.assignee_id != actor.user_id:
        raise ForbiddenError("only the assignee may give a task back")
    _require_scope(actor.user, row)
    _set_assignee(row, expected=actor.user_id, new=None)
    _record("task_unclaimed", actor, row, before=actor.user.username, after=None)
    return row


@unit_of_work
def reassign(actor: Actor, task_id: int, to_username: str) -> HumanTask:
    """Hand the task to a colleague holding the same role in the same township or bank."""
    row = _ready_task(task_id)
    _require_scope(actor.user, row)
    target = db.session.scalars(sa.select(User).where(User.username == (to_username or "").strip())).first()
    if target is None or not target.is_active:
        raise FormInvalidError({"to_username": ["unknown_user"]})
    if not in_scope(target, row.role, row.township_id, row.bank_id):
        raise FormInvalidError({"to_username": ["not_in_scope"]})
    before = row.assignee.username if row.assignee else None
    if row.assignee_id != target.id:
        _set_assignee(row, expected=row.assignee_id, new=target.id)
    _record("task_reassigned", actor, row, before=before, after=target.username)
    return row


def colleagues(task: HumanTask) -> list[User]:
    """Active users who hold the task's role within its township or bank (reassign targets)."""
    query = (sa.select(User).join(UserRole, UserRole.user_id == User.id)
             .where(UserRole.role == task.role, User.is_active.is_(True)).order_by(User.username))
    if task.role in TOWNSHIP_ROLES:
        query = query.where(User.township_id == task.township_id)
    elif task.role in BANK_ROLES:
        query = query.where(User.bank_id == task.bank_id)
    return list(db.session.scalars(query))


def _ready_task(task_id: int) -> HumanTask:
    row = db.session.get(HumanTask, task_id)
    if row is None:
        raise NotFoundError(f"task {task_id}")
    if row.state == "completed":
        raise AlreadyCompletedError(row.completed_by.display_name if row.completed_by else None, row.completed_at)
    if row.state != "ready":
        raise NotFoundError(f"task {task_id} is no longer open")
    return row


def _require_scope(user: User | None, row: HumanTask) -> None:
    if user is None or not in_scope(user, row.role, row.township_id, row.bank_id):
        raise ForbiddenError("this task is not in your role or scope")


def _set_assignee(row: HumanTask, *, expected: int | None, new: int | None) -> None:
    """UPDATE … WHERE the assignee is still ``expected``: no row changed means someone else was faster."""
    current = HumanTask.assignee_id.is_(None) if expected is None else HumanTask.assignee_id == expected
    changed = db.session.execute(
        sa.update(HumanTask).where(HumanTask.id == row.id, HumanTask.state == "ready", current)
        .values(assignee_id=new).execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        raise ConcurrentUpdateError("a colleague claimed or handed over this task first")
    db.session.refresh(row)


def _record(action: str, actor: Actor, row: HumanTask, *, before: str | None, after: str | None) -> None:
    loan = db.session.get(Loan, row.loan_id) if row.loan_id else None
    audit.record(action, Actor(actor.user, row.role, actor.ip_address), loan=loan, task_name=row.name,
                 process_instance_id=row.process_instance_id,
                 before={"assignee": before}, after={"assignee": after})
