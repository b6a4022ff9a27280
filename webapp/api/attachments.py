"""Comments and files by API (评论与附件接口).

- ``GET|POST /loans/{loan_id}/comments``: the loan's thread, and a new comment in it, for whoever may
  see the loan (404 otherwise); ``{"body": "…", "task_id": null}``, a ``task_id`` of another loan is 422.
- ``GET /loans/{loan_id}/attachments``: the files of all the loan's tasks (404 outside the scope).
- ``GET|POST /tasks/{task_id}/attachments``: a task's files (403 outside its role and scope, as
  ``GET /tasks/{task_id}``), and a multipart upload (field ``file``) by whoever may complete it; the
  same bytes again answer 200 with the first attachment.
- ``GET /attachments/{attachment_id}``: the bytes, with their checked type, for whoever may see the loan.
"""
from __future__ import annotations

from flask import request

from models import Attachment, Comment
from models.attachments import COMMENT_MAX
from workflows import loan_queries
from workflows.attachments import comments, content, files
from workflows.errors import FormInvalidError
from workflows.tasks import access
from workflows.tasks.access import Purpose

from ..attachments import attachment_storage, file_answer, read_limited
from .base import actor, api_user, bp
from .inputs import json_object
from .messages import FIELD_MESSAGES
from .openapi import EXTRA_SCHEMAS, EXTRA_TAGS, add_paths, op, path_id, wrapped
from .openapi_schemas import INSTANT, integer, obj, text
from .serialize import instant


@bp.get("/loans/<int:loan_id>/comments")
def loan_comments(loan_id: int):
    loan = loan_queries.loan_for(api_user(), loan_id)
    return {"items": [comment_json(row) for row in comments.thread(loan.id)]}


@bp.post("/loans/<int:loan_id>/comments")
def post_comment(loan_id: int):
    loan = loan_queries.loan_for(api_user(), loan_id)
    body = json_object("CommentInput", required=False)
    row = comments.add(actor(), loan.id, body.get("body"), body.get("task_id"))
    return {"comment": comment_json(row)}, 201


@bp.get("/loans/<int:loan_id>/attachments")
def loan_attachments(loan_id: int):
    loan = loan_queries.loan_for(api_user(), loan_id)
    return {"items": [attachment_json(row) for row in files.loan_files(loan)]}


@bp.get("/tasks/<int:task_id>/attachments")
def task_attachments(task_id: int):
    return {"items": [attachment_json(row) for row in files.task_files(api_user(), task_id)]}


@bp.post("/tasks/<int:task_id>/attachments")
def upload_attachment(task_id: int):
    task = access.task_for(api_user(), task_id, Purpose.COMPLETE)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise FormInvalidError({"file": [str(FIELD_MESSAGES["required"])]})
    row, created = files.attach(actor(), task.id, upload.filename, read_limited(upload), attachment_storage())
    return {"attachment": attachment_json(row)}, 201 if created else 200


@bp.get("/attachments/<int:attachment_id>")
def download_attachment(attachment_id: int):
    row = files.file_for(api_user(), attachment_id)
    return file_answer(row, attachment_storage().read(row.sha256))


def comment_json(row: Comment) -> dict:
    return {"id": row.id, "loan_id": row.loan_id, "task_id": row.human_task_id,
            "author": row.author.display_name, "body": row.body, "created_at": instant(row.created_at)}


def attachment_json(row: Attachment) -> dict:
    return {"id": row.id, "task_id": row.human_task_id, "loan_id": row.loan_id, "file_name": row.file_name,
            "content_type": row.content_type, "size_bytes": row.size_bytes, "sha256": row.sha256,
            "width": row.width, "height": row.height, "uploaded_by": row.uploaded_by.display_name,
            "uploaded_at": instant(row.uploaded_at), "download": f"/api/v1/attachments/{row.id}"}


TYPES = list(content.EXTENSIONS)
NOT_BLANK = "^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$"
EXTRA_SCHEMAS.update({
    "CommentInput": obj(["body"], body=text(minLength=1, maxLength=COMMENT_MAX, pattern=NOT_BLANK,
                                            description="the comment (not blank)"),
                        task_id=integer(True, minimum=1, maximum=2**31 - 1,
                                        description="a question on this task of the loan (null: on the loan)")),
    "Comment": obj(["id", "loan_id", "task_id", "author", "body", "created_at"], id=integer(), loan_id=integer(),
                   task_id=integer(True), author=text(), body=text(), created_at=INSTANT),
    "Attachment": obj(["id", "task_id", "loan_id", "file_name", "content_type", "size_bytes", "sha256",
                       "uploaded_by", "uploaded_at", "download"],
                      id=integer(), task_id=integer(), loan_id=integer(True), file_name=text(),
                      content_type=text(enum=TYPES), size_bytes=integer(), sha256=text(pattern="^[0-9a-f]{64}$"),
                      width=integer(True), height=integer(True), uploaded_by=text(), uploaded_at=INSTANT,
                      download=text(description="the path of the file's bytes")),
})
EXTRA_TAGS.append("attachments")
UPLOAD_RULES = (
    f"JPEG, PNG or PDF, judged by the bytes (the name's extension must fit them), at most "
    f"{content.MAX_FILE_BYTES // (1024 * 1024)} MiB, images at most {content.MAX_PIXELS:,} pixels, "
    f"{files.MAX_FILES_PER_TASK} files a task. 422 `attachment_type_refused`, `attachment_too_large`, "
    "`attachment_bomb`, `attachment_limit`; 403 for whoever may not complete the task; 409 `already_completed`."
)


@add_paths
def _paths() -> dict:
    loan_id, task_id = path_id("loan_id"), path_id("task_id")
    upload = op("upload_attachment", "Attach a file to an open task (whoever may complete it)",
                {**wrapped("201", "attached", "attachment", "Attachment"),
                 **wrapped("200", "the same file was attached already: the first attachment", "attachment",
                           "Attachment")},
                403, 404, 409, 422, params=[task_id], tag="attachments", description=UPLOAD_RULES)
    upload["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": obj(
        ["file"], file=text(format="binary", description="the file (JPEG, PNG or PDF)"))}}}
    binary = {"schema": text(format="binary")}
    return {
        "/loans/{loan_id}/comments": {
            "get": op("loan_comments", "The loan's comment thread, oldest first",
                      wrapped("200", "comments", "items", "Comment", many=True), 404, params=[loan_id],
                      tag="attachments"),
            "post": op("post_comment", "Comment on a loan (whoever may see it); `comment_empty` for a blank one",
                       wrapped("201", "posted", "comment", "Comment"), 404, 422, body="CommentInput",
                       params=[loan_id], tag="attachments")},
        "/loans/{loan_id}/attachments": {"get": op(
            "loan_attachments", "The files of every task of the loan, oldest first",
            wrapped("200", "files", "items", "Attachment", many=True), 404, params=[loan_id], tag="attachments")},
        "/tasks/{task_id}/attachments": {
            "get": op("task_attachments", "The files of a task", wrapped("200", "files", "items", "Attachment",
                                                                           many=True),
                      403, 404, params=[task_id], tag="attachments"),
            "post": upload},
        "/attachments/{attachment_id}": {"get": op(
            "download_attachment", "The file's bytes (a PDF as a download), for whoever may see its loan",
            {"200": {"description": "the file", "content": {kind: binary for kind in TYPES}}}, 404,
            params=[path_id("attachment_id")], tag="attachments")},
    }
