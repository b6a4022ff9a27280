"""Claim, give back and hand over a ready task (认领, 放回, 转办).

Each function is one transaction with one audit event, and asks the access authority first
(``access.task_for``): a task outside one's scope is 403, a colleague's claimed task 403
``claimed`` (with who holds it), a task four eyes keeps from the user 403 ``four_eyes``. Handing over
a claimed task is for its holder, a supervisor or an administrator. The assignee changes only
through a conditional UPDATE, so of two people claiming at the same moment exactly one wins.
"""
from __future__ import annotations

import sqlalchemy as sa

from models import IS_READY, HumanTask, Loan, User, UserRole, db

from .. import audit, clock
from ..audit import Actor
from ..errors import ConcurrentUpdateError, DomainError, FormInvalidError
from ..permissions import BANK_ROLES, TOWNSHIP_ROLES, in_scope
from ..unit_of_work import unit_of_work
from . import refusals
from .access import Purpose, is_excluded, task_for


@refusals.audited("claim_task", refusals.task_subject)
@unit_of_work
def claim(actor: Actor, task_id: int) -> HumanTask:
    """Take the task: colleagues no longer see it as available. Claiming one's own task again is a no-op."""
    row = task_for(actor.user, task_id, Purpose.CLAIM)
    if row.assignee_id == actor.user_id:
        return row
    before = row.assignee.username if row.assignee else None  # a delegate takes over the absent colleague's claim
    _set_assignee(row, expected=row.assignee_id, new=actor.user_id)
    _record("task_claimed", actor, row, before=before, after=actor.user.username)
    return row


def claim_many(actor: Actor, task_ids: list[int]) -> dict[int, DomainError | None]:
    """Claim several tasks, each in its own transaction: one refusal does not undo the others.

    Returns, per task id, None when claimed or the refusal."""
    results: dict[int, DomainError | None] = {}
    for task_id in dict.fromkeys(task_ids):
        try:
            claim(actor, task_id)
            results[task_id] = None
        except DomainError as exc:
            results[task_id] = exc
    return results


@refusals.audited("unclaim_task", refusals.task_subject)
@unit_of_work
def unclaim(actor: Actor, task_id: int) -> HumanTask:
    """Give the task back to the role's pool; only its assignee may."""
    row = task_for(actor.user, task_id, Purpose.UNCLAIM)
    _set_assignee(row, expected=actor.user_id, new=None)
    _record("task_unclaimed", actor, row, before=actor.user.username, after=None)
    return row


@refusals.audited("reassign_task", refusals.task_subject)
@unit_of_work
def reassign(actor: Actor, task_id: int, to_username: str) -> HumanTask:
    """Hand the task to a colleague holding its role in its township or bank (not one four eyes excludes)."""
    row = task_for(actor.user, task_id, Purpose.REASSIGN)
    target = db.session.scalars(sa.select(User).where(User.username == (to_username or "").strip())).first()
    if target is None or not target.is_active:
        raise FormInvalidError({"to_username": ["unknown_user"]})
    if not in_scope(target, row.role, row.township_id, row.bank_id):
        raise FormInvalidError({"to_username": ["not_in_scope"]})
    if is_excluded(target, row):
        raise FormInvalidError({"to_username": ["four_eyes"]})
    before = row.assignee.username if row.assignee else None
    if row.assignee_id != target.id:
        _set_assignee(row, expected=row.assignee_id, new=target.id)
    _record("task_reassigned", actor, row, before=before, after=target.username)
    return row


def release_claims_of(actor: Actor, user: User) -> int:
    """A deactivated user's claimed tasks go back to their role's pool (in the caller's transaction)."""
    rows = db.session.scalars(sa.select(HumanTask).where(
        HumanTask.assignee_id == user.id, IS_READY)).all()
    for row in rows:
        _set_assignee(row, expected=user.id, new=None)
        _record("task_unclaimed", actor, row, before=user.username, after=None)
    return len(rows)


def colleagues(task: HumanTask) -> list[sa.Row]:
    """Active users who hold the task's role within its township or bank (hand-over targets): their
    ``id``, ``username`` and ``display_name`` (one light query: the inbox asks once per role and scope)."""
    query = (sa.select(User.id, User.username, User.display_name).join(UserRole, UserRole.user_id == User.id)
             .where(UserRole.role == task.role, User.is_active.is_(True)).order_by(User.username))
    if task.role in TOWNSHIP_ROLES:
        query = query.where(User.township_id == task.township_id)
    elif task.role in BANK_ROLES:
        query = query.where(User.bank_id == task.bank_id)
    return list(db.session.execute(query))


def _set_assignee(row: HumanTask, *, expected: int | None, new: int | None) -> None:
    """UPDATE … WHERE the assignee is still ``expected``: no row changed means someone else was faster."""
    current = HumanTask.assignee_id.is_(None) if expected is None else HumanTask.assignee_id == expected
    changed = db.session.execute(
        sa.update(HumanTask).where(HumanTask.id == row.id, IS_READY, current)
        .values(assignee_id=new, claimed_at=clock.now() if new else None)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        raise ConcurrentUpdateError("a colleague claimed or handed over this task first")
    db.session.refresh(row)


def _record(action: str, actor: Actor, row: HumanTask, *, before: str | None, after: str | None) -> None:
    loan = db.session.get(Loan, row.loan_id) if row.loan_id else None
    audit.record(action, Actor(actor.user, row.role, actor.ip_address), loan=loan, task_name=row.name,
                 process_instance_id=row.process_instance_id, township_id=row.township_id, bank_id=row.bank_id,
                 before={"assignee": before}, after={"assignee": after})
