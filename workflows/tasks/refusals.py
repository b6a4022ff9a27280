"""Refused attempts leave a trace (拒绝留痕): the refused change writes nothing, but the attempt
becomes an audit event in the chain, in a transaction of its own after the rollback.

- ``attempt_refused``: a policy refusal, four eyes, a task outside one's scope or claimed by a
  colleague, a stale or late write; ``codes`` holds the rule code(s), ``after`` what was tried.
- ``process_error``: the engine failed inside a diagram (a script, a condition, a DMN cell);
  ``after`` names the process, the task and the line.

Bad input (``FormInvalidError``) and unknown ids (``NotFoundError``) are not attempts worth a trace.
"""
from __future__ import annotations

import functools
import logging
from collections.abc import Callable

from models import HumanTask, Loan, db

from .. import audit
from ..audit import Actor
from ..permissions import acting_role
from ..errors import (AlreadyCompletedError, ConcurrentUpdateError, DomainError, ForbiddenError, PolicyViolationError,
                      ProcessError)

log = logging.getLogger(__name__)
AUDITED = (PolicyViolationError, ForbiddenError, ConcurrentUpdateError, AlreadyCompletedError, ProcessError)


def audited(use_case: str, subject: Callable[..., dict]):
    """Wrap a unit-of-work service: an audited refusal it raises is recorded, then re-raised.

    ``subject(*args, **kwargs)`` names what was tried (``task_id`` or application facts) as
    audit fields; it runs after the rollback, so it reads only what is committed."""

    def wrap(service):
        @functools.wraps(service)
        def run(actor: Actor, *args, **kwargs):
            try:
                return service(actor, *args, **kwargs)
            except AUDITED as exc:
                _record(use_case, actor, exc, subject(*args, **kwargs))
                raise

        return run

    return wrap


def task_subject(task_id: int, *args, **kwargs) -> dict:
    """The audit fields of an attempt on a task: its name, instance, loan and scope."""
    row = db.session.get(HumanTask, task_id)
    if row is None:
        return {"after": {"task_id": task_id}}
    loan = db.session.get(Loan, row.loan_id) if row.loan_id else None
    fields = {"task_name": row.name, "process_instance_id": row.process_instance_id, "role": row.role,
              "township_id": row.township_id, "bank_id": row.bank_id, "after": {"task_id": task_id}}
    if loan is not None:
        fields.update(loan_id=loan.id, household_id=loan.household_id)
    return fields


def _record(use_case: str, actor: Actor, exc: DomainError, fields: dict) -> None:
    """Append the event in its own transaction; a failure here never hides the refusal itself.

    The event names the role the attempt was made in (the task's lane, the clerk's registration),
    or the user's own role when the subject names none."""
    after = {**fields.pop("after", {}), "use_case": use_case}
    role = fields.pop("role", None) or actor.role or (acting_role(actor.user) if actor.user else None)
    actor = Actor(actor.user, role, actor.ip_address)
    try:
        if isinstance(exc, ProcessError):
            audit.record("process_error", actor, codes=list(exc.codes), comment=str(exc)[:500],
                         after={**after, **exc.where()}, **fields)
        else:
            audit.record("attempt_refused", actor, codes=list(exc.codes), comment=str(exc)[:500], after=after, **fields)
        db.session.commit()
    except Exception:  # the caller still gets the original refusal
        db.session.rollback()
        log.exception("could not record the refused attempt %s", use_case)
