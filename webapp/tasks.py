"""Task pages: register an application (with the household look-up, 户查询), withdraw one (撤回), and
the one page of every user task of every process.

``/tasks/<id>`` asks the access authority (``workflows.tasks.access``) what the user may do, shows
the facts panel of the task's process beside its form (a registered WTForms class or the fields
the diagram defines), and hands the validated form to the one completion service.
"""
from __future__ import annotations

import functools

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from forms import LOAN_KIND_CHOICES, PURPOSE_CATEGORIES, RegisterApplicationForm, task_form_class
from forms.application import WithdrawApplicationForm
from forms.prefill import prefill
from workflows import loan_queries, loans, registration, resident_id
from workflows.errors import (AlreadyCompletedError, ClaimedByColleagueError, ConcurrentUpdateError, DomainError,
                              ForbiddenError, PolicyViolationError, ProcessError)
from workflows.tasks import access, facts, inbox, service
from workflows.tasks.access import Purpose

from .auth import current_actor, roles_required
from .rule_messages import rule_message
from .template_helpers import local_dt, task_title

bp = Blueprint("tasks", __name__)
PURPOSE_LABELS, KIND_LABELS = dict(PURPOSE_CATEGORIES), dict(LOAN_KIND_CHOICES)


@bp.route("/applications/new", methods=["GET", "POST"])
@roles_required("township_clerk")
def new_application():
    form = RegisterApplicationForm()
    if not form.validate_on_submit():
        return render_template("tasks/new_application.html", form=form, alerts=[]), 422 if form.errors else 200
    try:
        loan = loans.register_application(current_actor(), form.to_data())
    except (PolicyViolationError, loans.OtherTownshipError) as exc:  # beside the field, the form kept
        alerts = attach_errors(form, exc.field_errors)
        return render_template("tasks/new_application.html", form=form, alerts=alerts), \
            403 if isinstance(exc, ForbiddenError) else 422
    flash(Markup('{} <a class="alert-link" href="{}" data-new-loan="{}">{}</a>').format(
        _("Application #%(id)d registered and passed the policy check.", id=loan.id),
        url_for("loans.show", loan_id=loan.id), loan.id, _("Open loan #%(id)d", id=loan.id)), "success")
    return redirect(next_url())


@bp.get("/applications/households")
@roles_required("township_clerk")
def household_lookup():
    """户查询: the listed households of the clerk's township matching ``q`` (name or ID tail), masked IDs."""
    choices = registration.lookup_households(current_user, request.args.get("q", "")[:64])
    return jsonify({"items": [choice.as_json() for choice in choices]})


@bp.route("/loans/<int:loan_id>/withdraw", methods=["GET", "POST"])
@roles_required("township_clerk")
def withdraw_application(loan_id: int):
    """撤回申请: a clerk of the loan's township records that the household withdrew, until disbursement."""
    loan = loan_queries.loan_for(current_user, loan_id)
    form = WithdrawApplicationForm()
    page = functools.partial(render_template, "tasks/withdraw.html", loan=loan, form=form)
    if not form.validate_on_submit():
        return page(alerts=[], withdrawable=registration.may_withdraw(current_user, loan)), 422 if form.errors else 200
    try:
        registration.withdraw_application(current_actor(), loan.id, form.reason.data)
    except (PolicyViolationError, ForbiddenError) as exc:
        alerts = attach_errors(form, getattr(exc, "field_errors", {}) or {"__all__": list(exc.codes)})
        return page(alerts=alerts, withdrawable=False), 403 if isinstance(exc, ForbiddenError) else 422
    flash(_("Application #%(id)d withdrawn.", id=loan.id), "success")
    return redirect(url_for("loans.show", loan_id=loan.id))


@bp.app_template_global()
def may_withdraw(loan) -> bool:
    """Whether the loan page offers 撤回 to the signed-in user."""
    return registration.may_withdraw(current_user, loan)


@bp.route("/tasks/<int:task_id>", methods=["GET", "POST"])
@roles_required()
def show(task_id: int):
    task = readable_task(task_id)
    task_facts = facts.facts_for(task)
    refusal = access.refusal_for(current_user, task, Purpose.COMPLETE)
    form = task_form_class(task_facts.form, task_facts.form_fields)()
    if refusal is not None and form.is_submitted():
        return refused_submission(task_facts)
    if refusal is not None:
        return render_page(task_facts, None, notes=[refusal_note(refusal)])
    if not form.is_submitted():
        if task_facts.history:
            prefill(form, task_facts.history.previous_values)
        form.instance_version.data = task_facts.instance_version
        return render_page(task_facts, form)
    if not form.validate():
        return render_page(task_facts, form, status=422)
    return complete(task_facts, form)


def readable_task(task_id: int):
    """The task if the user may read it; a form posted to one they may not even read is an audited attempt."""
    try:
        return access.task_for(current_user, task_id, Purpose.READ)
    except ForbiddenError:
        if request.method == "POST":
            service.check_completion(current_actor(), task_id)
        raise


def complete(task_facts: facts.TaskFacts, form):
    """Hand the validated form to the service; every refusal comes back on the same page."""
    task = task_facts.task
    try:
        service.complete_task(current_actor(), task.id, form.to_data(), expected_version=form.expected_version)
    except PolicyViolationError as exc:
        return render_page(task_facts, form, status=422, alerts=attach_errors(form, exc.field_errors))
    except ProcessError as exc:
        return render_page(task_facts, form, status=422, alerts=[process_error_text(exc)])
    except ConcurrentUpdateError:
        alert = _("Someone else changed this loan while you were working. Reload the page and check before you submit again.")
        return render_page(task_facts, None, status=409, alerts=[alert], reload=True)
    except (ForbiddenError, AlreadyCompletedError) as exc:
        return render_page(task_facts, None, status=refusal_status(exc), alerts=[refusal_note(exc)])
    subject = _("loan #%(id)d", id=task_facts.loan.id) if task_facts.loan else task_title(task.name, task.title)
    flash(_("Done: %(task)s for %(subject)s.", task=task_title(task.name, task.title), subject=subject), "success")
    return redirect(next_url(after_id=task.id))


def refused_submission(task_facts: facts.TaskFacts):
    """A form posted by someone the task refuses: the attempt is audited, the page says why."""
    try:
        service.check_completion(current_actor(), task_facts.task.id)
    except DomainError as exc:
        return render_page(task_facts, None, status=refusal_status(exc), notes=[refusal_note(exc)])
    return redirect(url_for("tasks.show", task_id=task_facts.task.id))  # allowed meanwhile: show the form


def refusal_status(exc: DomainError) -> int:
    return 409 if isinstance(exc, AlreadyCompletedError) else 403


def refusal_note(exc: DomainError) -> str:
    """Why the user sees the task without its form, in words a clerk understands."""
    if isinstance(exc, ClaimedByColleagueError):
        return _("%(who)s has claimed this task (since %(when)s). Ask them, or a supervisor, to hand it over.",
                 who=exc.holder or _("a colleague"), when=local_dt(exc.since) if exc.since else "—")
    if isinstance(exc, AlreadyCompletedError):
        return already_done(exc)
    if isinstance(exc, ForbiddenError) and exc.codes == ("forbidden",):
        return _("Read-only: you supervise this task but do not act on it.")
    return str(rule_message(exc.codes[0]))


def process_error_text(exc: ProcessError) -> str:
    where = _("process %(process)s, step %(task)s", process=exc.process or "—", task=exc.task or "—")
    if exc.line:
        where = _("%(where)s, line %(line)d", where=where, line=exc.line)
    return _("The process diagram failed at %(where)s: %(detail)s. Nothing was saved; tell the administrator "
             "(process_error).", where=where, detail=str(exc))


def render_page(task_facts: facts.TaskFacts, form, *, status: int = 200, alerts=(), notes=(), reload: bool = False):
    task, loan = task_facts.task, task_facts.loan
    read_only = form is None
    id_number = loan.applicant_id_number if loan else None
    return render_template(
        "tasks/show.html", task=task, facts=task_facts, loan=loan, form=form, alerts=list(alerts), notes=list(notes),
        read_only=read_only, reload=reload, title=task_title(task.name, task.title),
        id_number=resident_id.mask(id_number) if read_only and id_number else id_number,
        done=already_done_text(task) if task.state == "completed" else None,
        purpose_label=lambda code: PURPOSE_LABELS.get(code, code), kind_label=lambda code: KIND_LABELS.get(code, code),
    ), status


def attach_errors(form, field_errors: dict[str, list[str]]) -> list:
    """Put rule codes beside their fields (the macro turns codes into messages); the rest become alerts."""
    alerts = []
    for field, codes in field_errors.items():
        if field in form._fields and field != "instance_version":
            form[field].errors = [*form[field].errors, *codes]
        else:
            alerts.extend(rule_message(code) for code in codes)
    return alerts


def already_done(exc: AlreadyCompletedError) -> str:
    return _("Already done by %(who)s at %(when)s.", who=exc.completed_by or _("a colleague"),
             when=local_dt(exc.completed_at) if exc.completed_at else "")


def already_done_text(task) -> str:
    who = task.completed_by.display_name if task.completed_by else None
    return already_done(AlreadyCompletedError(who, task.completed_at))


def next_url(after_id: int | None = None) -> str:
    """The user's next available task (oldest due first, none that four eyes keeps from them), else the inbox."""
    task = inbox.next_task(current_user, after_id=after_id)
    return url_for("tasks.show", task_id=task.id) if task else url_for("inbox.index")
