"""audit events: the index by process instance holds only the events of processes without a loan

``ix_audit_events_instance_task (process_instance_id, task_name)`` serves one query: a task's earlier
rounds (``tasks/history.py``), by process instance only for the processes that have no loan (risk
fund top-ups, subsidy settlements, credit designations); a loan's task looks its rounds up by
``loan_id`` (``ix_audit_events_loan_time``). Yet it held an entry for every event with an instance,
five a loan taken to disbursement (about 160 bytes a loan on SQLite, 5.7 million entries at a
province's million loans). It becomes partial, ``WHERE loan_id IS NULL``, and the query states that
condition literally (``models.IS_WITHOUT_LOAN``) so that SQLite and PostgreSQL use it.

Revision ID: b3c4d5e6f7a8
Revises: a2b3c4d5e6f7
Create Date: 2026-12-01 09:30:00
"""
import sqlalchemy as sa
from alembic import op


revision = 'b3c4d5e6f7a8'
down_revision = 'a2b3c4d5e6f7'
branch_labels = None
depends_on = None

NO_LOAN = "loan_id IS NULL"  # as written here (models may change theirs in a later revision)


def upgrade() -> None:
    op.drop_index('ix_audit_events_instance_task', table_name='audit_events')
    op.create_index('ix_audit_events_instance_task', 'audit_events', ['process_instance_id', 'task_name'],
                    sqlite_where=sa.text(NO_LOAN), postgresql_where=sa.text(NO_LOAN))


def downgrade() -> None:
    op.drop_index('ix_audit_events_instance_task', table_name='audit_events')
    op.create_index('ix_audit_events_instance_task', 'audit_events', ['process_instance_id', 'task_name'])
