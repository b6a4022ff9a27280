"""四眼原则 declared in the diagram: a user task names, in its ``four_eyes_with`` property, the
earlier tasks whose performer may not complete it (``approve_loan``: ``investigate_credit``).

The performers are looked up over the loan (every instance of it) or, for a process without a
loan, over the instance. They are written as ``task_exclusions`` when the inbox row is made, so
the inbox hides the task from them with one indexed anti-join, and checked again at completion
(a performer of a parallel branch may have finished after the row was made).
"""
from __future__ import annotations

import functools

import sqlalchemy as sa

from models import HumanTask, HumanTaskState, TaskExclusion, db

PROPERTY = "four_eyes_with"


def earlier_tasks(properties: dict) -> list[str]:
    """The BPMN task ids a task's ``four_eyes_with`` property names (comma or space separated)."""
    value = properties.get(PROPERTY) or ""
    return [name for name in value.replace(",", " ").split() if name]


def performers(row: HumanTask, names: list[str]) -> set[int]:
    """Users who completed any task ``names`` of the row's loan (or of its instance, without a loan)."""
    if not names:
        return set()
    db.session.flush()  # Core statements below: what the transaction changed is written first, as an ORM one would
    return set(db.session.scalars(_performers_query(row.loan_id is not None), _subject(row, names)))


def _subject(row: HumanTask, names: list[str]) -> dict:
    return {"b_subject": row.loan_id if row.loan_id is not None else row.process_instance_id, "b_names": names}


_TASKS = HumanTask.__table__


@functools.cache
def _performers_query(by_loan: bool) -> sa.Select:
    """Core, built once per subject (the loan, or the instance): the completion and the new inbox rows run
    it, and a statement used again keeps its cache key, which SQLAlchemy otherwise works out every time."""
    subject = _TASKS.c.loan_id if by_loan else _TASKS.c.process_instance_id
    return sa.select(_TASKS.c.completed_by_id).where(
        subject == sa.bindparam("b_subject"), _TASKS.c.name.in_(sa.bindparam("b_names", expanding=True)),
        _TASKS.c.state == HumanTaskState.COMPLETED, _TASKS.c.completed_by_id.is_not(None)).distinct()


@functools.cache
def _exclusions_insert(by_loan: bool) -> sa.Insert:
    found = _performers_query(by_loan).subquery()
    return sa.insert(TaskExclusion.__table__).from_select(
        ["human_task_id", "user_id"], sa.select(sa.bindparam("b_task_id", type_=sa.Integer), found.c.completed_by_id))


def exclude_performers(row: HumanTask, properties: dict) -> None:
    """Write the exclusions of a new inbox row (flushed: the row has its id), in one INSERT … SELECT."""
    names = earlier_tasks(properties)
    if not names:
        return
    db.session.flush()
    db.session.execute(_exclusions_insert(row.loan_id is not None), {"b_task_id": row.id, **_subject(row, names)})


def performed_earlier(row: HumanTask, properties: dict, user_id: int | None) -> bool:
    """Whether ``user_id`` performed one of the tasks this one keeps apart (checked at completion)."""
    return user_id is not None and user_id in performers(row, earlier_tasks(properties))
