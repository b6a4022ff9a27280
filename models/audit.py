"""The append-only, hash-chained audit trail (审计留痕).

Each row stores the hash of the row before it and its own hash over its content, so a changed
or deleted row breaks the chain at a place ``audit verify`` can name. ``AuditChainHead`` is a
single row every appender updates first: that serialises appenders on SQLite and PostgreSQL
alike, so the chain never forks.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from .base import Base, UtcDateTime, utcnow

GENESIS_HASH = "0" * 64


class AuditEvent(Base):
    """Who did what, in which role, when, from where, to which loan, with the form before/after."""

    __tablename__ = "audit_events"
    __table_args__ = (sa.Index("ix_audit_events_loan_time", "loan_id", "occurred_at"),)
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    occurred_at: so.Mapped[datetime] = so.mapped_column(UtcDateTime, default=utcnow, index=True)
    action: so.Mapped[str] = so.mapped_column(sa.String(64), index=True)
    actor_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    actor_name: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    actor_role: so.Mapped[str | None] = so.mapped_column(sa.String(32))
    ip_address: so.Mapped[str | None] = so.mapped_column(sa.String(45))
    loan_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("loans.id"))
    household_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("households.id"), index=True)
    township_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("townships.id"))
    bank_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("banks.id"))
    process_instance_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("process_instances.id"))
    task_name: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    before: so.Mapped[dict | None] = so.mapped_column(sa.JSON)
    after: so.Mapped[dict | None] = so.mapped_column(sa.JSON)
    codes: so.Mapped[list | None] = so.mapped_column(sa.JSON)
    comment: so.Mapped[str | None] = so.mapped_column(sa.Text)
    prev_hash: so.Mapped[str] = so.mapped_column(sa.String(64))
    hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)


class AuditChainHead(Base):
    """The single row holding the chain's last hash; appenders lock it by updating it first."""

    __tablename__ = "audit_chain_head"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    last_event_id: so.Mapped[int | None]
    last_hash: so.Mapped[str] = so.mapped_column(sa.String(64), default=GENESIS_HASH)
    sequence: so.Mapped[int] = so.mapped_column(default=0)
