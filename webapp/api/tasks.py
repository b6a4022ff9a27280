"""My tasks: list, read with the form's fields, claim, unclaim, complete — for every process.

The access authority (``workflows.tasks.access``) answers every request as the task page does: a
task id that does not exist is 404; one outside the caller's role and scope 403 ``forbidden``
(supervisors and administrators may read any task); a colleague's claimed task 403 ``claimed``;
one that four eyes keeps from the caller 403 ``four_eyes``; a completed one 409.
"""
from __future__ import annotations

from forms import describe_fields, form_from_json, task_form_class
from models import Loan, ProcessInstance, db
from workflows.tasks import access, claims, facts, inbox, service
from workflows.tasks.access import Purpose

from flask import request

from workflows.errors import FormInvalidError

from . import messages, serialize
from .base import actor, api_user, bp, paging, validated
from .inputs import json_object

TASKS_PER_PAGE = 50


@bp.get("/tasks")
def list_tasks():
    """One page of my actionable tasks, soonest due first (the same indexed query as the inbox page)."""
    page, per_page = paging(TASKS_PER_PAGE)
    cursor = request.args.get("cursor") or None
    try:
        found = inbox.inbox_page(api_user(), view="available", cursor=cursor, limit=per_page,
                                 offset=0 if cursor else (page - 1) * per_page)
    except ValueError as bad:
        raise FormInvalidError({"cursor": [str(messages.NOT_VALID)]}) from bad
    return {"items": [serialize.task_json(row.HumanTask) for row in found.items], "total": found.total,
            "total_capped": found.total_capped, "next_cursor": found.next_cursor, "page": page, "per_page": per_page}


@bp.get("/tasks/<int:task_id>")
def get_task(task_id: int):
    row = access.task_for(api_user(), task_id, Purpose.READ)
    instance = db.session.get(ProcessInstance, row.process_instance_id)
    form, form_fields = facts.form_of(row, instance)
    fields = describe_fields(task_form_class(form, form_fields)(formdata=None, meta={"csrf": False}))
    return {**serialize.task_json(row), "process": instance.process_version.process_key, "form": form,
            "fields": fields, "instance_version": instance.version}


@bp.post("/tasks/<int:task_id>/claim")
def claim_task(task_id: int):
    return serialize.task_json(claims.claim(actor(), task_id))


@bp.post("/tasks/<int:task_id>/unclaim")
def unclaim_task(task_id: int):
    return serialize.task_json(claims.unclaim(actor(), task_id))


@bp.post("/tasks/<int:task_id>/complete")
def complete_task(task_id: int):
    """Validate the body against the task's form (registered or defined in the diagram), then complete."""
    row = service.check_completion(actor(), task_id)
    form, form_fields = facts.form_of(row, db.session.get(ProcessInstance, row.process_instance_id))
    form = validated(form_from_json(task_form_class(form, form_fields), json_object("TaskCompletion")))
    done = service.complete_task(actor(), task_id, form.to_data(), getattr(form, "expected_version", None))
    loan = db.session.get(Loan, done.loan_id) if done.loan_id else None
    instance = db.session.get(ProcessInstance, done.process_instance_id)
    return {"task": serialize.task_json(done), "loan": {"id": loan.id, "status": loan.status} if loan else None,
            "process_instance": {"id": instance.id, "process": instance.process_version.process_key,
                                 "status": instance.status}}
