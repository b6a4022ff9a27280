"""The append-only, hash-chained audit trail (审计留痕), in ``PARTITIONS`` chains, with anchors.

Each event belongs to one partition's chain (``chain``) at a position (``chain_seq``, 1, 2, …) and
stores the hash of the event before it in that chain and its own hash over its content, so a
changed, deleted or moved event breaks its chain at a place ``audit verify`` can name.
``AuditChainHead`` is one row per partition: a transaction that appends locks the one head of the
partition it writes to, so writers of other partitions do not wait on it and a chain never forks.
``AuditAnchor`` rows chain snapshots of every head: what catches a removed or rewritten chain tail.
See docs/audit.md.
"""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from .base import Base, Digest, UtcDateTime, utcnow

GENESIS_HASH = "0" * 64
# The completed tasks the extensions & recoveries report counts (展期审批, 清收 steps): a partial index holds
# just their events, so the report reads a few per cent of the trail instead of all of it. Queries state
# the predicate literally (``IS_COUNTED_DECISION``): a bound value would hide the index, as for IS_READY.
EXTENSION_DECISION, RECOVERY_STEPS = "approve_extension", ("recover_loan", "confirm_recovery")
COUNTED_DECISIONS = (EXTENSION_DECISION, *RECOVERY_STEPS)
COUNTED_DECISION_PREDICATE = ("action = 'task_completed' AND task_name IN ("
                              + ", ".join(f"'{name}'" for name in COUNTED_DECISIONS) + ")")
NO_LOAN_PREDICATE = "loan_id IS NULL"  # events of processes without a loan (IS_WITHOUT_LOAN states it literally)
PARTITIONS = 16  # a constant: an event's partition is fixed when written (docs/audit.md); raising it later is safe


def genesis_hash(chain: int) -> str:
    """What the first event of a partition links to: the partition's number as 64 hex digits
    (partition 0's is ``GENESIS_HASH``, the single chain's from before partitions)."""
    return f"{chain:064x}"


class AuditEvent(Base):
    """Who did what, in which role, when, from where, to which loan, with the form before/after.

    ``occurred_at`` is wall time; ``business_date`` the business date then (业务日期, null on events
    written before it was recorded).
    """

    __tablename__ = "audit_events"
    __table_args__ = (sa.Index("ix_audit_events_loan_time", "loan_id", "occurred_at"),
                      # a task's earlier rounds, for processes without a loan (a loan's are found by loan_id)
                      sa.Index("ix_audit_events_instance_task", "process_instance_id", "task_name",
                               sqlite_where=sa.text(NO_LOAN_PREDICATE), postgresql_where=sa.text(NO_LOAN_PREDICATE)),
                      sa.Index("ix_audit_events_chain_seq", "chain", "chain_seq", unique=True),
                      sa.Index("ix_audit_events_decisions", "loan_id", "task_name", "occurred_at",
                               sqlite_where=sa.text(COUNTED_DECISION_PREDICATE),
                               postgresql_where=sa.text(COUNTED_DECISION_PREDICATE)))
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    chain: so.Mapped[int]  # the partition (0 … PARTITIONS-1)
    chain_seq: so.Mapped[int]  # the position in the partition's chain, from 1
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
    hash: so.Mapped[str] = so.mapped_column(Digest)  # not unique: (chain, chain_seq) orders the chains
    # No prev_hash: the hash covers the hash of the event before it in its partition, which that event holds.


IS_WITHOUT_LOAN = AuditEvent.loan_id.is_(None)  # = NO_LOAN_PREDICATE: the partial index's condition

IS_COUNTED_DECISION = sa.and_(  # = COUNTED_DECISION_PREDICATE, literally (the partial index's condition)
    AuditEvent.action == sa.literal_column("'task_completed'"),
    AuditEvent.task_name.in_([sa.literal_column(f"'{name}'") for name in COUNTED_DECISIONS]))


class AuditChainHead(Base):
    """A partition's head: the position and hash of its last event. A transaction locks it by updating it
    first and writes it back before it commits."""

    __tablename__ = "audit_chain_heads"
    chain: so.Mapped[int] = so.mapped_column(primary_key=True, autoincrement=False)
    sequence: so.Mapped[int] = so.mapped_column(default=0)  # the last event's chain_seq (0: none yet)
    last_hash: so.Mapped[str] = so.mapped_column(sa.String(64))
    last_event_id: so.Mapped[int | None]


class AuditAnchor(Base):
    """A snapshot of every partition's head, chained to the anchor before it (锚点).

    ``heads`` is ``[[chain, sequence, last_hash], …]`` for every partition; ``hash`` covers the previous
    anchor's hash, ``created_at`` and ``heads``. ``prev_hash`` is unique: two anchors written at once
    cannot fork the anchor chain (the second fails).
    """

    __tablename__ = "audit_anchors"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    created_at: so.Mapped[datetime] = so.mapped_column(UtcDateTime)
    heads: so.Mapped[list] = so.mapped_column(sa.JSON)
    prev_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)


# Append-only on PostgreSQL: the database itself refuses UPDATE and DELETE on audit rows and on the
# anchors, whoever asks (the app never does). A DBA can still disable the triggers or TRUNCATE; the hash
# chains are what catch that. The Alembic migrations carry the same SQL (APPEND_ONLY_SQL /
# DROP_APPEND_ONLY_SQL for audit_events, ANCHORS_APPEND_ONLY_SQL / DROP_ANCHORS_APPEND_ONLY_SQL).


def append_only_sql(table: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(create, drop): the trigger ``<table>_append_only`` and its function ``<table>_refuse_change()``."""
    create = (
        f"CREATE OR REPLACE FUNCTION {table}_refuse_change() RETURNS trigger AS $$\n"
        "BEGIN\n"
        f"  RAISE EXCEPTION '{table} is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';\n"
        "END;\n"
        "$$ LANGUAGE plpgsql",
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION {table}_refuse_change()",
    )
    return create, (f"DROP FUNCTION IF EXISTS {table}_refuse_change()",)


APPEND_ONLY_SQL, DROP_APPEND_ONLY_SQL = append_only_sql("audit_events")
ANCHORS_APPEND_ONLY_SQL, DROP_ANCHORS_APPEND_ONLY_SQL = append_only_sql("audit_anchors")

for _table, (_create, _drop) in ((AuditEvent.__table__, (APPEND_ONLY_SQL, DROP_APPEND_ONLY_SQL)),
                                 (AuditAnchor.__table__, (ANCHORS_APPEND_ONLY_SQL, DROP_ANCHORS_APPEND_ONLY_SQL))):
    for _statement in _create:  # DDL formats with %, hence the doubled percent signs
        sa.event.listen(_table, "after_create", sa.DDL(_statement.replace("%", "%%")).execute_if(dialect="postgresql"))
    for _statement in _drop:
        sa.event.listen(_table, "after_drop", sa.DDL(_statement).execute_if(dialect="postgresql"))
