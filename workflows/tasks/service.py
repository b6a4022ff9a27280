"""The one completion use case (办理任务) for every process: loan, post-loan, risk fund, subsidy, and
any process an administrator deploys.

``complete_task`` is one transaction: the access authority hands over the open task, the instance
is loaded at the version the form was opened on, the task's registered step checks and writes its
business columns around the engine, the inbox rows follow the engine, and one ``task_completed``
audit event is appended. Its subject is the loan when the instance has one, otherwise the process
instance itself (a settlement, a top-up). A refusal writes nothing but an ``attempt_refused`` event.
"""
from __future__ import annotations

from models import HumanTask, HumanTaskState, Loan, db

from .. import audit, clock, engine, instances
from ..audit import Actor
from ..errors import FourEyesError
from ..unit_of_work import unit_of_work
from . import four_eyes, refusals, steps
from .access import Purpose, task_for

COMMENT_FIELDS = ("approval_comment", "eligibility_note", "comment", "visit_note", "recovery_note",
                  "confirmation_note", "extension_comment", "extension_reason", "review_note", "reminder_note",
                  "decline_reason")
LOAN_COLUMNS = ("status", "amount", "grade", "credit_line", "recommended_amount", "approved_amount", "rate_cap",
                "approved_term_months", "annual_rate", "disbursed_on", "maturity_date", "principal_outstanding")


@refusals.audited("complete_task", refusals.task_subject)
@unit_of_work
def complete_task(actor: Actor, task_id: int, data: dict, expected_version: int | None = None) -> HumanTask:
    """Complete a ready user task of any process with the data its form validated."""
    row = task_for(actor.user, task_id, Purpose.COMPLETE)
    actor = Actor(actor.user, row.role, actor.ip_address)
    loaded = instances.load(row.process_instance_id, expected_version)
    spiff_task = instances.find_ready_task(loaded, row.spiff_task_id)
    if four_eyes.performed_earlier(row, engine.task_properties(spiff_task), actor.user_id):
        raise FourEyesError("you performed an earlier step this task keeps apart (four eyes)")
    loan = db.session.get(Loan, row.loan_id) if row.loan_id else None
    before = loan_snapshot(loan) if loan else None
    ctx = run_step(actor, loaded, loan, spiff_task, row, data)
    changed_before, after = _changes(before, loan, data, ctx.task_data)
    audit.record("task_completed", actor, loan=loan, process_instance_id=loaded.row.id, task_name=row.name,
                 township_id=row.township_id, bank_id=row.bank_id, before=changed_before, after=after,
                 comment=task_comment(data))
    return row


@refusals.audited("complete_task", refusals.task_subject)
def check_completion(actor: Actor, task_id: int) -> HumanTask:
    """The access check of a completion on its own, for the page and the API to run before they
    validate the form: a refusal (outside scope, claimed, four eyes, done) is audited like one
    raised by ``complete_task``."""
    return task_for(actor.user, task_id, Purpose.COMPLETE)


def run_step(actor: Actor, loaded: instances.LoadedInstance, loan: Loan | None, spiff_task, row: HumanTask,
             data: dict, facts: dict | None = None) -> steps.StepContext:
    """Mark the row done, run the registered step around the engine, then settle inbox, status and state.

    ``facts`` are engine inputs that are not the user's (the registration's policy facts). The row is
    marked through the ORM, written at the transaction's first flush like every row it changes: before
    the audit head is locked (one lock order), and not before the engine has run unless the step reads
    the database first (a write takes SQLite's lock until commit)."""
    step = steps.step_of(spiff_task, row.name)
    # a copy: what a step adds in ``before`` reaches the engine, not the submitted data the audit records
    ctx = steps.StepContext(loaded.row, loan, actor, loaded.workflow, dict(spiff_task.data), dict(data))
    row.state, row.completed_at, row.completed_by_id = HumanTaskState.COMPLETED, clock.now(), actor.user_id
    step.before(ctx)
    engine.complete_user_task(loaded.workflow, spiff_task, {**ctx.data, **(facts or {})})
    step.after(ctx)
    instances.settle(loaded, loan)
    return ctx


def _changes(before: dict | None, loan: Loan | None, data: dict, task_data: dict) -> tuple[dict | None, dict]:
    """The audit's before and after of a step: the loan columns the step changed (their old and new
    values: the event records what changed, not the whole loan twice) and the submitted form; for a
    process without a loan, the form and the process data."""
    if loan is None:
        return None, {"form": data, "process": {k: task_data[k] for k in sorted(task_data)
                                                if k not in engine.RESERVED_DATA_KEYS}}
    now = loan_snapshot(loan)
    changed = [key for key in now if before.get(key) != now[key]]
    return {key: before.get(key) for key in changed}, {"form": data, "loan": {key: now[key] for key in changed}}


def task_comment(data: dict) -> str | None:
    """The free-text remark of a form, whichever field carries it."""
    for key in COMMENT_FIELDS:
        if data.get(key):
            return str(data[key])
    return None


def loan_snapshot(loan: Loan) -> dict:
    return audit.jsonable({c: getattr(loan, c) for c in LOAN_COLUMNS})
