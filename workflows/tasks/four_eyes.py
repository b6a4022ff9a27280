"""四眼原则 declared in the diagram: a user task names, in its ``four_eyes_with`` property, the
earlier tasks whose performer may not complete it (``approve_loan``: ``investigate_credit``).

The performers are looked up over the loan (every instance of it) or, for a process without a
loan, over the instance. They are written as ``task_exclusions`` when the inbox row is made, so
the inbox hides the task from them with one indexed anti-join, and checked again at completion
(a performer of a parallel branch may have finished after the row was made).
"""
from __future__ import annotations

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
    return set(db.session.scalars(_performers_query(row, names)))


def _performers_query(row: HumanTask, names: list[str]) -> sa.Select:
    subject = (HumanTask.loan_id == row.loan_id if row.loan_id is not None
               else HumanTask.process_instance_id == row.process_instance_id)
    return sa.select(HumanTask.completed_by_id).where(
        subject, HumanTask.name.in_(names), HumanTask.state == HumanTaskState.COMPLETED,
        HumanTask.completed_by_id.is_not(None)).distinct()


def exclude_performers(row: HumanTask, properties: dict) -> None:
    """Write the exclusions of a new inbox row (flushed: the row has its id), in one INSERT … SELECT."""
    names = earlier_tasks(properties)
    if not names:
        return
    found = _performers_query(row, names).subquery()
    db.session.execute(sa.insert(TaskExclusion).from_select(
        ["human_task_id", "user_id"], sa.select(sa.literal(row.id), found.c.completed_by_id)))


def performed_earlier(row: HumanTask, properties: dict, user_id: int | None) -> bool:
    """Whether ``user_id`` performed one of the tasks this one keeps apart (checked at completion)."""
    return user_id is not None and user_id in performers(row, earlier_tasks(properties))
