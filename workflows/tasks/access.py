"""The one access authority for tasks (任务权限): who may read, claim, complete or hand over a task.

``task_for(user, task_id, purpose)`` answers the open task or raises the refusal the page, the API
and the services all show alike:

- ``NotFoundError``: no such task, or (acting) it is no longer open;
- ``ForbiddenError``: outside the user's role and scope (supervisors read every task);
- ``AlreadyCompletedError``: (acting) somebody completed it, with who and when;
- ``FourEyesError``: (acting) the user performed an earlier task this one names in ``four_eyes_with``;
- ``ClaimedByColleagueError``: (claim, complete) a colleague holds it, with who and since when.

A delegate (代理, ``delegations``) acts on the tasks the colleague they stand in for claimed as that
colleague would; four eyes excludes them for what they performed and for what the colleague performed.
"""
from __future__ import annotations

import functools
from enum import StrEnum

import sqlalchemy as sa
import sqlalchemy.orm as so

from models import HumanTask, HumanTaskState, Loan, ProcessInstance, ProcessVersion, TaskExclusion, User, db

from ..errors import (AlreadyCompletedError, ClaimedByColleagueError, DomainError, ForbiddenError, FourEyesError,
                      NotFoundError)
from ..permissions import in_scope
from . import delegations

READERS = frozenset({"supervisor"})  # read every task
OVERSEERS = frozenset({"supervisor", "admin"})  # may hand over a task a colleague holds


class Purpose(StrEnum):
    READ = "read"
    CLAIM = "claim"
    UNCLAIM = "unclaim"
    COMPLETE = "complete"
    REASSIGN = "reassign"


EXCLUSIONS_SEEN = "task_exclusions_seen"  # session.info: {(task id, user id): excluded} for this transaction
SUBJECTS_HELD = "task_subjects_held"  # session.info: the rows loaded with the last task (the identity map is weak)


def task_for(user: User, task_id: int, purpose: Purpose | str = Purpose.READ) -> HumanTask:
    """The task, if ``user`` may use it for ``purpose``; otherwise the refusal (see the module).

    One statement: the row with whether four eyes excludes ``user`` from it, and to complete it also
    its process instance, version and loan (the completion needs them next). Asked again in the same
    transaction (the page and the API check before they validate the form), it reads nothing."""
    purpose = Purpose(purpose)
    row = _seen_row(user, task_id)
    if row is None:
        row = _load(user, task_id, with_subject=purpose is Purpose.COMPLETE)
    if row is None:
        raise NotFoundError(f"task {task_id}")
    refusal = refusal_for(user, row, Purpose(purpose))
    if refusal is not None:
        raise refusal
    return row


def _seen_row(user: User | None, task_id: int) -> HumanTask | None:
    """The row this transaction already checked for ``user``, from the session, without a statement."""
    if user is None or (task_id, user.id) not in db.session.info.get(EXCLUSIONS_SEEN, {}):
        return None
    return db.session.identity_map.get(db.session.identity_key(HumanTask, task_id))


def _load(user: User | None, task_id: int, *, with_subject: bool) -> HumanTask | None:
    params = {"task_id": task_id} if user is None else {"task_id": task_id, "user_id": user.id}
    found = db.session.execute(_load_query(user is not None, with_subject), params).first()
    if found is None:
        return None
    if user is not None:
        db.session.info.setdefault(EXCLUSIONS_SEEN, {})[(task_id, user.id)] = bool(found.excluded)
    db.session.info[SUBJECTS_HELD] = tuple(found)  # held until the next task is loaded: the answer reads them
    return found[0]


@functools.cache
def _load_query(for_user: bool, with_subject: bool) -> sa.Select:
    """The task look-up, built once per shape with bound ``task_id`` and ``user_id``: a statement
    object used again keeps its cache key, which SQLAlchemy otherwise works out at every execution
    (for this four-entity query, more than half of the look-up's time)."""
    excluded = (sa.exists().where(TaskExclusion.human_task_id == HumanTask.id,
                                  TaskExclusion.user_id == sa.bindparam("user_id"))
                if for_user else sa.false())
    query = sa.select(HumanTask, excluded.label("excluded")).where(HumanTask.id == sa.bindparam("task_id"))
    if with_subject:  # into the session's identity map: instances.load and the loan look-up find them there
        query = (query.add_columns(ProcessInstance, ProcessVersion, Loan)
                 .join(ProcessInstance, ProcessInstance.id == HumanTask.process_instance_id)
                 .join(ProcessVersion, ProcessVersion.id == ProcessInstance.process_version_id)
                 .outerjoin(Loan, Loan.id == HumanTask.loan_id))
    return query


@sa.event.listens_for(so.Session, "after_transaction_end")
def _forget_exclusions(session, transaction) -> None:
    if transaction.parent is None:  # the outermost transaction: a new one reads afresh
        session.info.pop(EXCLUSIONS_SEEN, None)


def refusal_for(user: User | None, row: HumanTask, purpose: Purpose) -> DomainError | None:
    """Why ``user`` may not use ``row`` for ``purpose``, or None if they may."""
    if user is None or not user.is_active:
        return ForbiddenError("not signed in")
    if purpose is Purpose.READ:
        return None if may_read(user, row) else ForbiddenError("this task is not in your role or scope")
    if row.state == HumanTaskState.COMPLETED:
        return AlreadyCompletedError(row.completed_by.display_name if row.completed_by else None, row.completed_at)
    if row.state != HumanTaskState.READY:
        return NotFoundError(f"task {row.id} is no longer open")
    if purpose is Purpose.REASSIGN:
        return _reassign_refusal(user, row)
    own = in_scope(user, row.role, row.township_id, row.bank_id)
    principal = acting_for(user, row)  # 代理: standing in for an absent colleague
    if not own and principal is None:
        return ForbiddenError("this task is not in your role or scope")
    if purpose is Purpose.UNCLAIM:
        return None if row.assignee_id == user.id else ForbiddenError("only the assignee may give a task back")
    if is_excluded(user, row) or (principal is not None and is_excluded(principal, row)):
        return FourEyesError("you performed an earlier step this task keeps apart (four eyes)")
    if row.assignee_id not in (None, user.id) and principal is None:
        return ClaimedByColleagueError(row.assignee.display_name if row.assignee else None, row.claimed_at)
    return None


def acting_for(user: User, row: HumanTask) -> User | None:
    """The colleague ``user`` stands in for today (代理) when ``row`` is a task that colleague claimed;
    None when ``user`` acts for themselves."""
    if row.assignee_id is None or row.assignee_id == user.id:
        return None
    principal = delegations.principal_for(user, row)
    return principal if principal is not None and row.assignee_id == principal.id else None


def _reassign_refusal(user: User, row: HumanTask) -> DomainError | None:
    """Its holder, a supervisor or an administrator hands a claimed task over; an unclaimed one
    may be handed out by anyone in its role and scope."""
    if user.roles & OVERSEERS or row.assignee_id == user.id:
        return None
    if not in_scope(user, row.role, row.township_id, row.bank_id):
        return ForbiddenError("this task is not in your role or scope")
    if row.assignee_id is not None:
        return ClaimedByColleagueError(row.assignee.display_name if row.assignee else None, row.claimed_at)
    return None


def may_read(user: User, row: HumanTask) -> bool:
    """In the task's role and scope, a supervisor (read-only), or standing in for a colleague whose task it is."""
    return user.is_active and (bool(user.roles & READERS) or in_scope(user, row.role, row.township_id, row.bank_id)
                               or acting_for(user, row) is not None)


def may(user: User | None, row: HumanTask, purpose: Purpose | str) -> bool:
    return refusal_for(user, row, Purpose(purpose)) is None


def is_excluded(user: User, row: HumanTask) -> bool:
    """四眼原则: ``user`` performed an earlier task that ``row`` keeps apart from it."""
    seen = db.session.info.get(EXCLUSIONS_SEEN, {}).get((row.id, user.id))
    if seen is not None:
        return seen
    return db.session.scalar(sa.select(sa.exists().where(
        TaskExclusion.human_task_id == row.id, TaskExclusion.user_id == user.id))) or False
