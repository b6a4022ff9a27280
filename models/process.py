"""Deployed process versions, running instances and the inbox projection of their human tasks."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
import sqlalchemy.orm as so

from .base import Base, TaskId, UtcDateTime, utcnow
from .organisation import User


class ProcessVersion(Base):
    """One deployed version of a process: its BPMN and DMN sources, stored once, with their hash."""

    __tablename__ = "process_versions"
    __table_args__ = (sa.UniqueConstraint("process_key", "version"),)
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    # no index of its own: the composite index it leads serves its lookups
    process_key: so.Mapped[str] = so.mapped_column(sa.String(64))
    version: so.Mapped[int]
    sources: so.Mapped[dict] = so.mapped_column(sa.JSON, deferred=True)  # file name -> XML text, read to parse
    source_hash: so.Mapped[str] = so.mapped_column(sa.String(64), index=True)
    comment: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    deployed_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    deployed_at: so.Mapped[datetime] = so.mapped_column(UtcDateTime, default=utcnow)
    deployed_by: so.Mapped[User | None] = so.relationship()

    @classmethod
    def latest(cls, process_key: str) -> sa.Select:
        return sa.select(cls).where(cls.process_key == process_key).order_by(cls.version.desc()).limit(1)


class ProcessInstance(Base):
    """A running (or finished) process: its serialized state without the spec.

    ``version`` is the optimistic-lock counter: a save that finds another version than it loaded
    fails with ``ConcurrentUpdateError``. ``next_timer_at`` lets the timer worker pick due
    instances with an index instead of loading every state; ``timer_lease_until`` is a worker's claim
    on a due instance while it fires it (another worker leaves it alone until then; a save ends it).
    """

    __tablename__ = "process_instances"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    process_version_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("process_versions.id"), index=True)
    loan_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("loans.id"), index=True)
    # The inbox scope of an instance without a loan (a bank's subsidy settlement); a loan's comes from the loan.
    township_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("townships.id"))
    bank_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("banks.id"))
    status: so.Mapped[str] = so.mapped_column(sa.String(16), default="running")  # running|completed|error
    end_event: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    state: so.Mapped[bytes] = so.mapped_column(sa.LargeBinary)  # zlib-compressed JSON
    version: so.Mapped[int] = so.mapped_column(default=1)
    next_timer_at: so.Mapped[datetime | None] = so.mapped_column(UtcDateTime, index=True)
    timer_lease_until: so.Mapped[datetime | None] = so.mapped_column(UtcDateTime)
    created_at: so.Mapped[datetime] = so.mapped_column(UtcDateTime, default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)
    process_version: so.Mapped[ProcessVersion] = so.relationship()

    __mapper_args__ = {"version_id_col": version}


class HumanTaskState(StrEnum):
    """Where an inbox row stands: waiting for a person, done, or withdrawn by the engine."""

    READY = "ready"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


READY_PREDICATE = "state = 'ready'"
_READY_ONLY = {"sqlite_where": sa.text(READY_PREDICATE), "postgresql_where": sa.text(READY_PREDICATE)}
CLAIMED_PREDICATE = "assignee_id IS NOT NULL"


class HumanTask(Base):
    """The inbox projection of one ready (or done) user task: who may act on it and when it is due.

    A user's inbox is one indexed query on (role, bank, township) over the ready rows; no workflow
    state is deserialized to list tasks. Queries for ready rows say so with ``IS_READY`` (the
    predicate written literally, which is what lets the planner use the ready-only indexes).
    """

    __tablename__ = "human_tasks"
    __table_args__ = (  # the inbox indexes hold ready rows only (docs/scale.md, "Ready-only indexes")
        sa.Index("ix_human_tasks_inbox", "role", "bank_id", "township_id", **_READY_ONLY),
        sa.Index("ix_human_tasks_due", "due_at", "id", **_READY_ONLY),  # pages of the inbox in due order
        sa.Index("ix_human_tasks_role_due", "role", "due_at", "id", **_READY_ONLY),  # one role's page in due order
        sa.Index("ix_human_tasks_role_received", "role", "created_at", "id", **_READY_ONLY),  # … in order of arrival
        sa.Index("ix_human_tasks_role_name", "role", "name", **_READY_ONLY),  # the kinds of task a role has waiting
        sa.Index("ix_human_tasks_township_due", "role", "township_id", "due_at", "id", **_READY_ONLY),  # a clerk's page
        sa.Index("ix_human_tasks_bank_due", "role", "bank_id", "due_at", "id", **_READY_ONLY),  # bank staff's page
        sa.Index("ix_human_tasks_assignee_id", "assignee_id",  # claimed rows only: most rows are never claimed
                 sqlite_where=sa.text(CLAIMED_PREDICATE), postgresql_where=sa.text(CLAIMED_PREDICATE)),
        sa.UniqueConstraint("spiff_task_id"),
    )
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    process_instance_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("process_instances.id"), index=True)
    loan_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("loans.id"), index=True)
    spiff_task_id: so.Mapped[str] = so.mapped_column(TaskId)
    name: so.Mapped[str] = so.mapped_column(sa.String(64))  # the BPMN task id, e.g. approve_loan
    title: so.Mapped[str] = so.mapped_column(sa.String(128))
    form: so.Mapped[str] = so.mapped_column(sa.String(64))
    role: so.Mapped[str] = so.mapped_column(sa.String(32))
    township_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("townships.id"))
    bank_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("banks.id"))
    state: so.Mapped[str] = so.mapped_column(sa.String(16), default=HumanTaskState.READY)  # a HumanTaskState
    assignee_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    claimed_at: so.Mapped[datetime | None] = so.mapped_column(UtcDateTime)
    created_at: so.Mapped[datetime] = so.mapped_column(UtcDateTime, default=utcnow)
    due_at: so.Mapped[datetime | None] = so.mapped_column(UtcDateTime)
    completed_at: so.Mapped[datetime | None] = so.mapped_column(UtcDateTime)
    completed_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    assignee: so.Mapped[User | None] = so.relationship(foreign_keys=[assignee_id])
    completed_by: so.Mapped[User | None] = so.relationship(foreign_keys=[completed_by_id])


IS_READY = HumanTask.state == sa.literal_column("'ready'")  # = READY_PREDICATE; a bound value would hide the indexes


class TaskExclusion(Base):
    """四眼原则 in the inbox: a user who performed an earlier task that this task names in its
    ``four_eyes_with`` property may not take it. Filled when the inbox row is made."""

    __tablename__ = "task_exclusions"
    # one user's exclusions, for the inbox's NOT EXISTS (migration d4e5f6a7b8c9, docs/scale.md)
    __table_args__ = (sa.Index("ix_task_exclusions_user_id", "user_id", "human_task_id"),)
    human_task_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("human_tasks.id"), primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), primary_key=True)
