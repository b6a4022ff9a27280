"""The append-only, hash-chained audit trail (审计留痕).

Each row stores the hash of the row before it and its own hash over its content, so a changed
or deleted row breaks the chain at a place ``audit verify`` can name. ``AuditChainHead`` is a
single row every appender updates first: that serialises appenders on SQLite and PostgreSQL
alike, so the chain never forks.
"""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from .base import Base, UtcDateTime, utcnow

GENESIS_HASH = "0" * 64


class AuditEvent(Base):
    """Who did what, in which role, when, from where, to which loan, with the form before/after.

    ``occurred_at`` is wall time; ``business_date`` the business date then (业务日期, null on events
    written before it was recorded).
    """

    __tablename__ = "audit_events"
    __table_args__ = (sa.Index("ix_audit_events_loan_time", "loan_id", "occurred_at"),
                      sa.Index("ix_audit_events_instance_task", "process_instance_id", "task_name"))
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    occurred_at: so.Mapped[datetime] = so.mapped_column(UtcDateTime, default=utcnow, index=True)
    business_date: so.Mapped[date | None] = so.mapped_column(sa.Date)
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


# Append-only on PostgreSQL: the database itself refuses UPDATE and DELETE on audit rows, whoever
# asks (the app never does). A DBA can still disable the trigger or TRUNCATE; the hash chain is what
# catches that. The Alembic migration carries the same SQL (APPEND_ONLY_SQL / DROP_APPEND_ONLY_SQL).
APPEND_ONLY_SQL = (
    "CREATE OR REPLACE FUNCTION audit_events_refuse_change() RETURNS trigger AS $$\n"
    "BEGIN\n"
    "  RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';\n"
    "END;\n"
    "$$ LANGUAGE plpgsql",
    "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events "
    "FOR EACH ROW EXECUTE FUNCTION audit_events_refuse_change()",
)
DROP_APPEND_ONLY_SQL = ("DROP FUNCTION IF EXISTS audit_events_refuse_change()",)

for _statement in APPEND_ONLY_SQL:  # DDL formats with %, hence the doubled percent signs
    sa.event.listen(AuditEvent.__table__, "after_create",
                    sa.DDL(_statement.replace("%", "%%")).execute_if(dialect="postgresql"))
for _statement in DROP_APPEND_ONLY_SQL:
    sa.event.listen(AuditEvent.__table__, "after_drop", sa.DDL(_statement).execute_if(dialect="postgresql"))
