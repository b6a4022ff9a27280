"""The inbox (待办): ready tasks of the user's role and scope, with claim / unclaim / hand over."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import format_timedelta
from flask_babel import gettext as _
from flask_login import current_user

from forms.inbox import InboxFilterForm, ReassignForm
from models import db
from workflows import clock
from workflows.errors import ClaimedByColleagueError, ConcurrentUpdateError, FormInvalidError
from workflows.tasks import claims, inbox

from .auth import current_actor, roles_required
from .rule_messages import field_messages
from .template_helpers import task_title

bp = Blueprint("inbox", __name__, url_prefix="/inbox")
PAGE_SIZE = 25

def waiting_time(task) -> str:
    """How long the task has waited, e.g. 2 天 / 2 days."""
    return format_timedelta(clock.now() - task.created_at, threshold=1.0)


@bp.get("")
@roles_required()
def index():
    view = request.args.get("view") or ("all" if inbox.may_view_all(current_user) else "available")
    counts = inbox.counts_by_task(current_user, view)
    filters = InboxFilterForm(request.args, tasks=[(n, task_title(n)) for n in counts],
                              townships=inbox.township_choices() if current_user.township_id is None else [])
    page = max(request.args.get("page", 1, type=int), 1)
    query = inbox.inbox_query(current_user, view=view, task_name=filters.task.data or None,
                              township_id=filters.township_id(), overdue_only=bool(filters.overdue.data))
    rows = db.session.execute(query.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)).all()
    return render_template(
        "inbox/index.html", rows=rows[:PAGE_SIZE], view=view, counts=counts, filters=filters, page=page,
        has_more=len(rows) > PAGE_SIZE, colleagues=_colleague_choices(rows), reassign_form=ReassignForm(),
        read_only=view == "all", waiting_time=waiting_time, is_overdue=inbox.is_overdue)


def _colleague_choices(rows) -> dict[int, list[tuple[str, str]]]:
    """Per task id, the colleagues it can be handed to (one query per role and scope, not per row)."""
    by_scope: dict[tuple, list] = {}
    choices = {}
    for row in rows:
        task = row.HumanTask
        key = (task.role, task.township_id, task.bank_id)
        if key not in by_scope:
            by_scope[key] = [(u.username, u.display_name) for u in claims.colleagues(task)]
        choices[task.id] = [(name, label) for name, label in by_scope[key] if name != current_user.username]
    return choices


@bp.post("/tasks/<int:task_id>/claim")
@roles_required()
def claim(task_id: int):
    return _change(claims.claim, task_id, _("Task claimed: it is now in “Claimed by me”."))


@bp.post("/tasks/<int:task_id>/unclaim")
@roles_required()
def unclaim(task_id: int):
    return _change(claims.unclaim, task_id, _("Task given back to your colleagues."))


@bp.post("/tasks/<int:task_id>/reassign")
@roles_required()
def reassign(task_id: int):
    """The service checks role and scope first (403), then the colleague chosen (a message)."""
    form = ReassignForm()
    return _change(claims.reassign, task_id, _("Task handed over."), form.to_username.data or "")


def _change(service, task_id: int, done: str, *args):
    """Run a claim service; a lost race or a refused colleague is a message, not an error page."""
    try:
        service(current_actor(), task_id, *args)
    except (ConcurrentUpdateError, ClaimedByColleagueError):
        flash(_("A colleague took or handed over this task a moment ago."), "warning")
    except FormInvalidError as exc:
        for messages in field_messages(_claim_messages(exc.field_errors)).values():
            for message in messages:
                flash(message, "danger")
    else:
        flash(done, "success")
    return redirect(_back())


def _claim_messages(field_errors: dict) -> dict:
    known = {"unknown_user": _("No active user has this name."),
             "not_in_scope": _("That colleague does not hold this task's role in its township or bank."),
             "four_eyes": _("That colleague did an earlier step of this case, so four eyes keeps them from this task.")}
    return {field: [known.get(code, code) for code in codes] for field, codes in field_errors.items()}


def _back() -> str:
    view = request.args.get("view")
    return url_for("inbox.index", view=view) if view else url_for("inbox.index")
