"""Task pages: register an application, and open, check and complete one user task of a loan."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from forms import LOAN_KIND_CHOICES, PURPOSE_CATEGORIES, RegisterApplicationForm, form_class
from models import HumanTask, db
from workflows import inbox, loans, resident_id
from workflows.errors import AlreadyCompletedError, ConcurrentUpdateError, FourEyesError, PolicyViolationError
from workflows.permissions import may_act_on_task

from .auth import current_actor, roles_required
from .inbox import task_title
from .rule_messages import rule_message
from .template_helpers import local_dt

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
    except PolicyViolationError as exc:
        alerts = attach_errors(form, exc.field_errors)
        return render_template("tasks/new_application.html", form=form, alerts=alerts), 422
    flash(_("Application #%(id)d registered and passed the policy check.", id=loan.id), "success")
    return redirect(next_url())


@bp.route("/tasks/<int:task_id>", methods=["GET", "POST"])
@roles_required()
def show(task_id: int):
    task, read_only = load_task_or_abort(task_id)
    facts = inbox.task_facts(task)
    form = form_class(task.form)()
    if read_only and form.is_submitted():
        abort(403)
    if read_only or (task.state != "ready" and not form.is_submitted()):
        return render_page(task, facts, None, read_only=read_only)
    if not form.is_submitted():
        form.instance_version.data = facts.instance_version
        return render_page(task, facts, form)
    if not form.validate():
        return render_page(task, facts, form, status=422)
    return complete(task, facts, form)


def complete(task: HumanTask, facts, form):
    """Hand the validated form to the service; every refusal comes back on the same page."""
    try:
        loans.complete_task(current_actor(), task.id, form.to_data(), expected_version=form.expected_version)
    except PolicyViolationError as exc:
        return render_page(task, facts, form, status=422, alerts=attach_errors(form, exc.field_errors))
    except FourEyesError:
        alert = _("You investigated this loan yourself. Another approver of your bank must decide it (four eyes).")
        return render_page(task, facts, None, status=403, alerts=[alert])
    except AlreadyCompletedError as exc:
        return render_page(task, facts, None, status=409, alerts=[already_done(exc)])
    except ConcurrentUpdateError:
        alert = _("Someone else changed this loan while you were working. Reload the page and check before you submit again.")
        return render_page(task, facts, None, status=409, alerts=[alert], reload=True)
    flash(_("Done: %(task)s for loan #%(loan)d.", task=task_title(task.name, task.title), loan=facts.loan.id), "success")
    return redirect(next_url(after_id=task.id))


def load_task_or_abort(task_id: int) -> tuple[HumanTask, bool]:
    """The task and whether the user may only read it: actors in role and scope act, supervisors read."""
    task = db.session.get(HumanTask, task_id)
    if task is None or task.loan_id is None:
        abort(404)
    if may_act_on_task(current_user, task):
        return task, False
    if inbox.may_view_all(current_user):
        return task, True
    abort(403)


def render_page(task, facts, form, *, status: int = 200, alerts=(), read_only: bool = False, reload: bool = False):
    id_number = facts.loan.applicant_id_number
    return render_template(
        "tasks/show.html", task=task, facts=facts, loan=facts.loan, form=form, alerts=list(alerts),
        read_only=read_only, reload=reload, title=task_title(task.name, task.title),
        id_number=resident_id.mask(id_number) if read_only else id_number,
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


def already_done_text(task: HumanTask) -> str:
    who = task.completed_by.display_name if task.completed_by else None
    return already_done(AlreadyCompletedError(who, task.completed_at))


def next_url(after_id: int | None = None) -> str:
    """The user's next available task (oldest due first), else the inbox."""
    task = inbox.next_task(current_user, after_id=after_id)
    return url_for("tasks.show", task_id=task.id) if task else url_for("inbox.index")
