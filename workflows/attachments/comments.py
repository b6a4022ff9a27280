"""A loan's comment thread (贷款评论): written and read by whoever may see the loan.

A comment may be addressed as a question on one of the loan's tasks (``task_id``); a task of another
loan is refused as invalid. An empty comment is ``comment_empty``, a longer one than ``COMMENT_MAX``
characters ``comment_too_long``. Each comment is an audit event ``comment_added`` with its text.
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so

from models import Comment, HumanTask, db
from models.attachments import COMMENT_MAX

from .. import audit, clock, loan_queries
from ..errors import FormInvalidError, PolicyViolationError
from ..permissions import acting_role
from ..unit_of_work import unit_of_work


@unit_of_work
def add(actor: audit.Actor, loan_id: int, body: str | None, task_id: int | None = None) -> Comment:
    """Add ``body`` to the thread of the loan ``loan_id`` (``NotFoundError`` when the user may not see it)."""
    loan = loan_queries.loan_for(actor.user, loan_id)
    text = (body or "").strip()
    if not text:
        raise PolicyViolationError(["comment_empty"], {"body": ["comment_empty"]})
    if len(text) > COMMENT_MAX:
        raise PolicyViolationError(["comment_too_long"], {"body": ["comment_too_long"]})
    task = _task_of(loan.id, task_id)
    row = Comment(loan_id=loan.id, human_task_id=task.id if task else None, author_id=actor.user.id, body=text,
                  created_at=clock.wall_now())
    db.session.add(row)
    db.session.flush()
    audit.record("comment_added", audit.Actor(actor.user, actor.role or acting_role(actor.user), actor.ip_address),
                 loan=loan, task_name=task.name if task else None, comment=text)
    return row


def _task_of(loan_id: int, task_id: int | None) -> HumanTask | None:
    if task_id is None:
        return None
    task = db.session.get(HumanTask, task_id)
    if task is None or task.loan_id != loan_id:
        raise FormInvalidError({"task_id": ["not a task of this loan"]})
    return task


def thread(loan_id: int) -> list[Comment]:
    """The loan's comments, oldest first, with their authors and tasks (the caller checked the loan is visible)."""
    query = (sa.select(Comment).where(Comment.loan_id == loan_id)
             .options(so.joinedload(Comment.author), so.joinedload(Comment.task))
             .order_by(Comment.created_at, Comment.id))
    return list(db.session.scalars(query))


def questions_on(task_id: int) -> list[Comment]:
    """The comments addressed to one task, oldest first."""
    query = (sa.select(Comment).where(Comment.human_task_id == task_id).options(so.joinedload(Comment.author))
             .order_by(Comment.created_at, Comment.id))
    return list(db.session.scalars(query))
