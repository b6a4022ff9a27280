"""Comment and attachment pages (评论与附件): upload files to a task, download them, comment on a loan.

- ``POST /tasks/<id>/attachments``: files for an open task, by whoever may complete it (else 403);
  each file is checked by its content and refused with its rule code, the others are kept.
- ``GET /attachments/<id>`` and ``/attachments/<id>/thumbnail``: the file (a PDF as a download, an image
  inline) or its thumbnail, for whoever may see the loan, checked on every request (else 404).
- ``POST /loans/<id>/comments``: a comment in the loan's thread, by whoever may see the loan (else 404).

The loan page and the task page show the panels of ``templates/attachments`` through the template
globals ``loan_attachments(loan)`` and ``task_attachments(task)`` registered here.
"""
from __future__ import annotations

import io

from flask import Blueprint, current_app, flash, redirect, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from forms.attachments import AttachmentUploadForm, CommentForm
from models import Attachment, HumanTask, HumanTaskState, Loan
from workflows import loan_queries
from workflows.attachments import comments, content, files, storage
from workflows.errors import NotFoundError, PolicyViolationError
from workflows.tasks import access
from workflows.tasks.access import Purpose

from .auth import current_actor, roles_required
from .rule_messages import rule_message
from .template_helpers import task_title

bp = Blueprint("attachments", __name__)


def attachment_storage() -> storage.Storage:
    return storage.from_setting(current_app.config.get("ATTACHMENT_STORAGE"), current_app.instance_path)


@bp.post("/tasks/<int:task_id>/attachments")
@roles_required()
def upload(task_id: int):
    task = access.task_for(current_user, task_id, Purpose.COMPLETE)
    form = AttachmentUploadForm()
    if not form.validate_on_submit():
        flash(_("Choose at least one file."), "danger")
        return redirect(url_for("tasks.show", task_id=task.id, _anchor="attachments"))
    kept = 0
    for upload_file in form.uploads():
        try:
            files.attach(current_actor(), task.id, upload_file.filename, read_limited(upload_file), attachment_storage())
            kept += 1
        except PolicyViolationError as exc:
            flash(f"{files.clean_name(upload_file.filename)}: {rule_message(exc.codes[0])}", "danger")
    if kept:
        flash(_("%(count)d file(s) attached.", count=kept), "success")
    return redirect(url_for("tasks.show", task_id=task.id, _anchor="attachments"))


def read_limited(upload_file) -> bytes:
    """The upload's bytes, at most one past the limit (enough to refuse it as too large)."""
    return upload_file.stream.read(content.MAX_FILE_BYTES + 1)


@bp.get("/attachments/<int:attachment_id>")
@roles_required()
def download(attachment_id: int):
    row = files.file_for(current_user, attachment_id)
    return file_answer(row, attachment_storage().read(row.sha256))


def file_answer(row: Attachment, data: bytes):
    """The bytes with their checked type: a PDF as a download, an image inline; never sniffed by the browser."""
    answer = send_file(io.BytesIO(data), mimetype=row.content_type, as_attachment=not row.is_image,
                       download_name=row.file_name, etag=row.sha256, max_age=0)
    answer.headers["X-Content-Type-Options"] = "nosniff"
    answer.headers["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    return answer


@bp.get("/attachments/<int:attachment_id>/thumbnail")
@roles_required()
def thumbnail(attachment_id: int):
    row = files.file_for(current_user, attachment_id)
    digest = row.thumbnail_sha256
    if digest is None:
        raise NotFoundError(f"no thumbnail of attachment {attachment_id}")  # a PDF: the page shows an icon
    answer = send_file(io.BytesIO(attachment_storage().read(digest)), mimetype="image/jpeg", etag=digest, max_age=0)
    answer.headers["X-Content-Type-Options"] = "nosniff"
    return answer


@bp.post("/loans/<int:loan_id>/comments")
@roles_required()
def comment(loan_id: int):
    loan = loan_queries.loan_for(current_user, loan_id)
    form = CommentForm().offer_tasks(task_choices(loan))
    if not form.validate_on_submit():
        for messages in form.errors.values():
            for message in messages:
                flash(str(message), "danger")
        return redirect(url_for("loans.show", loan_id=loan.id, _anchor="comments"))
    try:
        comments.add(current_actor(), loan.id, form.body.data, form.task_id.data)
    except PolicyViolationError as exc:
        flash(str(rule_message(exc.codes[0])), "danger")
    else:
        flash(_("Comment posted."), "success")
    return redirect(url_for("loans.show", loan_id=loan.id, _anchor="comments"))


def task_choices(loan: Loan) -> list[tuple[int, str]]:
    """The loan's open tasks a comment may be addressed to, as (id, title)."""
    return [(task.id, task_title(task.name, task.title)) for task in loan_queries.open_tasks(loan.id)]


@bp.app_context_processor
def panels() -> dict:
    return {"loan_attachments": loan_panel, "task_attachments": task_panel}


def loan_panel(loan: Loan) -> dict:
    """What the loan page's panel shows: every file of its tasks, the thread and the comment form."""
    return {"files": files.loan_files(loan), "comments": comments.thread(loan.id),
            "form": CommentForm(formdata=None).offer_tasks(task_choices(loan))}


def task_panel(task: HumanTask) -> dict:
    """What the task page's panel shows: the task's files, the questions on it and, while it is open
    and the user may complete it, the upload form with its limits."""
    may_attach = task.state == HumanTaskState.READY and access.may(current_user, task, Purpose.COMPLETE)
    return {"files": files.task_files(current_user, task.id) if files.may_see(current_user, task) else [],
            "questions": comments.questions_on(task.id),
            "form": AttachmentUploadForm(formdata=None) if may_attach else None,
            "max_mb": content.MAX_FILE_BYTES // (1024 * 1024), "max_files": files.MAX_FILES_PER_TASK,
            "max_upload_mb": (current_app.config.get("MAX_CONTENT_LENGTH") or 0) // (1024 * 1024)}
