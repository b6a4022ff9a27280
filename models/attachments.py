"""Comments on a loan and files on a task (评论与附件).

A comment belongs to a loan's thread; it may be addressed as a question on one of the loan's tasks.
A file belongs to the task it was attached to (and, for a loan's task, to the loan): its bytes live in
the attachment storage under their SHA-256 (``sha256``), so a file attached twice is stored once.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from .base import Base, UtcDateTime, utcnow
from .organisation import User
from .process import HumanTask

COMMENT_MAX = 2000


class Comment(Base):
    """评论: one message in a loan's thread, or a question on one of its tasks (``human_task_id``)."""

    __tablename__ = "loan_comments"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    loan_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("loans.id"), index=True)
    human_task_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("human_tasks.id"), index=True)
    author_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))
    body: so.Mapped[str] = so.mapped_column(sa.String(COMMENT_MAX))
    created_at: so.Mapped[datetime] = so.mapped_column(UtcDateTime, default=utcnow)
    author: so.Mapped[User] = so.relationship()
    task: so.Mapped[HumanTask | None] = so.relationship()


class Attachment(Base):
    """附件: a checked JPEG, PNG or PDF attached to a task (visit photos, a contract scan)."""

    __tablename__ = "task_attachments"
    __table_args__ = (sa.UniqueConstraint("human_task_id", "sha256", name="uq_task_attachments_task_sha256"),)
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    # no index of its own: the composite index it leads serves its lookups
    human_task_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("human_tasks.id"))
    loan_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("loans.id"), index=True)
    sha256: so.Mapped[str] = so.mapped_column(sa.String(64), index=True)
    content_type: so.Mapped[str] = so.mapped_column(sa.String(32))  # image/jpeg, image/png, application/pdf
    file_name: so.Mapped[str] = so.mapped_column(sa.String(200))
    size_bytes: so.Mapped[int] = so.mapped_column(sa.Integer)
    width: so.Mapped[int | None] = so.mapped_column(sa.Integer)
    height: so.Mapped[int | None] = so.mapped_column(sa.Integer)
    thumbnail_sha256: so.Mapped[str | None] = so.mapped_column(sa.String(64))  # a small JPEG, images only
    uploaded_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))
    uploaded_at: so.Mapped[datetime] = so.mapped_column(UtcDateTime, default=utcnow)
    uploaded_by: so.Mapped[User] = so.relationship()
    task: so.Mapped[HumanTask] = so.relationship()

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")
