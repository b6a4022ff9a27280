"""Draft process diagrams being edited by administrators (流程草稿).

A draft is a full set of BPMN/DMN sources (file name -> XML) that becomes a new
``ProcessVersion`` when deployed. ``revision`` is the optimistic-lock counter: a save names the
revision it started from, and a save from a stale revision is refused. Every saved revision's
sources are kept in ``process_draft_revisions`` so a refused save can be told exactly what the
other administrator changed meanwhile.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from .base import Base, UtcDateTime, utcnow
from .organisation import User
from .process import ProcessVersion


class ProcessDraft(Base):
    """One draft of a process's diagrams, based on a deployed version (or on nothing)."""

    __tablename__ = "process_drafts"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    process_key: so.Mapped[str] = so.mapped_column(sa.String(64), index=True)
    based_on_version_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("process_versions.id"))
    sources: so.Mapped[dict] = so.mapped_column(sa.JSON)  # file name -> XML text
    revision: so.Mapped[int] = so.mapped_column(default=1)
    author_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    updated_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    deployed_version_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("process_versions.id"))
    created_at: so.Mapped[datetime] = so.mapped_column(UtcDateTime, default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)
    comment: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    based_on: so.Mapped[ProcessVersion | None] = so.relationship(foreign_keys=[based_on_version_id])
    deployed_version: so.Mapped[ProcessVersion | None] = so.relationship(foreign_keys=[deployed_version_id])
    author: so.Mapped[User | None] = so.relationship(foreign_keys=[author_id])
    updated_by: so.Mapped[User | None] = so.relationship(foreign_keys=[updated_by_id])

    __mapper_args__ = {"version_id_col": revision}


class ProcessDraftRevision(Base):
    """The sources of one saved revision of a draft (kept to explain conflicting saves)."""

    __tablename__ = "process_draft_revisions"
    __table_args__ = (sa.UniqueConstraint("draft_id", "revision"),)
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    # no index of its own: the composite index it leads serves its lookups
    draft_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("process_drafts.id"))
    revision: so.Mapped[int]
    sources: so.Mapped[dict] = so.mapped_column(sa.JSON)
    saved_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    saved_at: so.Mapped[datetime] = so.mapped_column(UtcDateTime, default=utcnow)
