"""audit events: a partial index of the decisions the extensions & recoveries report counts

The report (展期与清收) counts, per loan, the completed ``approve_extension``, ``recover_loan`` and
``confirm_recovery`` tasks. Without an index of its own it passed over every task-completion event of
the trail (5.7 million at a province's million loans: 1.3 s); ``ix_audit_events_decisions`` holds only
those events (a few per cent of loans ever reach them), ordered by loan, so the report reads them
and nothing else. Queries state the predicate literally (``models.IS_COUNTED_DECISION``).

Revision ID: c9d0e1f2a3b4
Revises: b8c9d0e1f2a3
Create Date: 2026-12-01 02:40:00
"""
import sqlalchemy as sa
from alembic import op


revision = 'c9d0e1f2a3b4'
down_revision = 'b8c9d0e1f2a3'
branch_labels = None
depends_on = None

# the predicate as it was written here (models.COUNTED_DECISION_PREDICATE may change in a later revision)
PREDICATE = "action = 'task_completed' AND task_name IN ('approve_extension', 'recover_loan', 'confirm_recovery')"


def upgrade() -> None:
    op.create_index('ix_audit_events_decisions', 'audit_events', ['loan_id', 'task_name', 'occurred_at'],
                    sqlite_where=sa.text(PREDICATE), postgresql_where=sa.text(PREDICATE))


def downgrade() -> None:
    op.drop_index('ix_audit_events_decisions', table_name='audit_events')
