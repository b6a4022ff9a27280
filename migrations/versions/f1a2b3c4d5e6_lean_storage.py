"""lean storage: audit hashes as 32 bytes, no index that a composite index already leads with

Two changes that take bytes off every loan without changing what is stored:

- ``audit_events.prev_hash`` and ``hash`` hold the SHA-256 digest's 32 bytes (``BLOB`` / ``bytea``)
  instead of its 64 hex digits: 64 bytes less per event, about 320 per loan taken to disbursement.
  The app still sees hex (``models.Digest``); the hashes themselves do not change, so the trail
  verifies as before. Heads and anchors keep their hex text (one row per partition or anchor).
- Eight single-column indexes were the first column of a unique or composite index on the same table
  (``repayment_schedule_lines.loan_id`` of ``(loan_id, seq)``, ``households.township_id`` of
  ``(township_id, id)``, …): every lookup they served, the longer index serves, and each row paid for
  both. About 80 bytes per loan (the schedule lines') and less work on every insert.

On SQLite the digests are turned from hex into bytes by a function this migration registers on its
connection (SQLite 3.40 has no ``unhex``), then the table is rebuilt with the new column type; on
PostgreSQL ``ALTER … TYPE bytea USING decode(…, 'hex')`` (a rewrite, which fires no row trigger, so
the append-only guard stays as it is). Going down turns them back into lower-case hex and makes the
indexes again.

Revision ID: f1a2b3c4d5e6
Revises: e0f1a2b3c4d5
Create Date: 2026-12-01 08:30:00
"""
import sqlalchemy as sa
from alembic import op


revision = 'f1a2b3c4d5e6'
down_revision = 'e0f1a2b3c4d5'
branch_labels = None
depends_on = None

REDUNDANT = (  # (index, table, column): each column leads another index on its table
    ('ix_repayment_schedule_lines_loan_id', 'repayment_schedule_lines', 'loan_id'),
    ('ix_households_township_id', 'households', 'township_id'),
    ('ix_villages_township_id', 'villages', 'township_id'),
    ('ix_policy_settings_key', 'policy_settings', 'key'),
    ('ix_process_versions_process_key', 'process_versions', 'process_key'),
    ('ix_process_draft_revisions_draft_id', 'process_draft_revisions', 'draft_id'),
    ('ix_subsidy_lines_settlement_id', 'subsidy_lines', 'settlement_id'),
    ('ix_task_attachments_human_task_id', 'task_attachments', 'human_task_id'),
)
DIGESTS = ('prev_hash', 'hash')


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _sqlite_functions() -> None:
    """``unhex``/``tohex`` on this migration's SQLite connection (SQLite 3.40's ``hex`` is upper-case)."""
    raw = op.get_bind().connection.driver_connection
    raw.create_function("unhex", 1, lambda text: None if text is None else bytes.fromhex(text), deterministic=True)
    raw.create_function("tohex", 1, lambda blob: None if blob is None else bytes(blob).hex(), deterministic=True)


def upgrade() -> None:
    for name, table, _column in REDUNDANT:
        op.drop_index(name, table_name=table)
    if _postgres():
        op.execute("ALTER TABLE audit_events "
                   + ", ".join(f"ALTER COLUMN {c} TYPE bytea USING decode({c}, 'hex')" for c in DIGESTS))
        return
    _sqlite_functions()
    op.execute("UPDATE audit_events SET " + ", ".join(f"{c} = unhex({c})" for c in DIGESTS))
    with op.batch_alter_table('audit_events') as batch:
        for column in DIGESTS:
            batch.alter_column(column, existing_type=sa.String(64), type_=sa.LargeBinary(32),
                               existing_nullable=False)


def downgrade() -> None:
    if _postgres():
        op.execute("ALTER TABLE audit_events "
                   + ", ".join(f"ALTER COLUMN {c} TYPE varchar(64) USING encode({c}, 'hex')" for c in DIGESTS))
    else:
        _sqlite_functions()
        op.execute("UPDATE audit_events SET " + ", ".join(f"{c} = tohex({c})" for c in DIGESTS))
        with op.batch_alter_table('audit_events') as batch:
            for column in DIGESTS:
                batch.alter_column(column, existing_type=sa.LargeBinary(32), type_=sa.String(64),
                                   existing_nullable=False)
    for name, table, column in REDUNDANT:
        op.create_index(name, table, [column])
