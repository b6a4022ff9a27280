"""Forms of comments and attachments (评论与附件): a comment on a loan, files for a task.

The file form checks only that files were chosen and the request kept its CSRF token: what a file is
and how large it may be is decided by its content in ``workflows.attachments.content``.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from models.attachments import COMMENT_MAX

from .fields import as_choices

__all__: list[str] = []

ACCEPT = ".jpg,.jpeg,.png,.pdf,image/jpeg,image/png,application/pdf"


def optional_id(value):
    """An id from the form, or None for nothing chosen."""
    if value in (None, "", "None"):
        return None
    return int(value)


class FilesChosen:
    """At least one file with a name was chosen."""

    def __call__(self, form, field) -> None:
        if not any(getattr(item, "filename", None) for item in field.data or ()):
            raise ValidationError(_l("Choose at least one file."))


class AttachmentUploadForm(FlaskForm):
    """附件上传: photos (JPEG, PNG) or PDF scans for an open task."""

    files = MultipleFileField(_l("Files (JPEG, PNG or PDF)"), validators=[FilesChosen()],
                              render_kw={"accept": ACCEPT})

    def uploads(self) -> list:
        return [item for item in self.files.data or () if getattr(item, "filename", None)]


class CommentForm(FlaskForm):
    """评论: a message in the loan's thread, optionally a question on one of its open tasks."""

    body = TextAreaField(_l("Your comment"), validators=[InputRequired(_l("Write something before posting.")),
                                                    Length(max=COMMENT_MAX)])
    task_id = SelectField(_l("Question on task"), coerce=optional_id, validators=[Optional()])

    def offer_tasks(self, tasks) -> CommentForm:
        """The choices of ``task_id``: none (a plain comment), or one of ``tasks`` as (id, title) pairs."""
        self.task_id.choices = as_choices([(None, _l("None (a comment on the loan)")), *tasks])
        return self

