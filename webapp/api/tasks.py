"""My tasks: list, read with the form's fields, claim, unclaim, complete.

Scope rule (also in the OpenAPI document): a task that exists but lies outside the caller's role
and scope answers 403 ``forbidden``, as the task pages do; a task id that does not exist answers 404.
Supervisors may read any task (read-only).
"""
from __future__ import annotations

import sqlalchemy as sa

from forms import describe_fields, form_class, form_from_json
from models import HumanTask, Loan, ProcessInstance, db
from workflows import inbox, loans, task_claims
from workflows.errors import AlreadyCompletedError, ForbiddenError, NotFoundError
from workflows.permissions import in_scope

from . import serialize
from .base import MAX_PAGE, MAX_PER_PAGE, actor, api_user, bp, int_arg, json_body, validated

TASKS_PER_PAGE = 50


def task_or_refuse(task_id: int, *, reading: bool = False) -> HumanTask:
    """The task if the caller's role and scope cover it: 404 if there is none, else 403."""
    row = db.session.get(HumanTask, task_id)
    if row is None:
        raise NotFoundError(f"task {task_id}")
    user = api_user()
    if not in_scope(user, row.role, row.township_id, row.bank_id) and not (reading and inbox.may_view_all(user)):
        raise ForbiddenError("this task is not in your role or scope")
    return row


@bp.get("/tasks")
def list_tasks():
    """One page of my actionable tasks, soonest due first (the same indexed query as the inbox page)."""
    page, per_page = int_arg("page", 1, high=MAX_PAGE), int_arg("per_page", TASKS_PER_PAGE, high=MAX_PER_PAGE)
    query = inbox.inbox_query(api_user(), view="available")
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))
    rows = db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)).all()
    return {"items": [serialize.task_json(row) for row in rows], "total": total, "page": page, "per_page": per_page}


@bp.get("/tasks/<int:task_id>")
def get_task(task_id: int):
    row = task_or_refuse(task_id, reading=True)
    instance = db.session.get(ProcessInstance, row.process_instance_id)
    fields = describe_fields(form_class(row.form)(formdata=None, meta={"csrf": False})) if row.form else []
    return {**serialize.task_json(row), "form": row.form, "fields": fields, "instance_version": instance.version}


@bp.post("/tasks/<int:task_id>/claim")
def claim_task(task_id: int):
    task_or_refuse(task_id)
    return serialize.task_json(task_claims.claim(actor(), task_id))


@bp.post("/tasks/<int:task_id>/unclaim")
def unclaim_task(task_id: int):
    task_or_refuse(task_id)
    return serialize.task_json(task_claims.unclaim(actor(), task_id))


@bp.post("/tasks/<int:task_id>/complete")
def complete_task(task_id: int):
    row = task_or_refuse(task_id)
    if row.state == "completed":
        raise AlreadyCompletedError(row.completed_by.display_name if row.completed_by else None, row.completed_at)
    form = validated(form_from_json(form_class(row.form), json_body()))
    done = loans.complete_task(actor(), task_id, form.to_data(), getattr(form, "expected_version", None))
    loan = db.session.get(Loan, done.loan_id)
    return {"task": serialize.task_json(done), "loan": {"id": loan.id, "status": loan.status}}
