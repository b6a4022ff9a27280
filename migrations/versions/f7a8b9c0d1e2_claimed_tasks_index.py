"""inbox rows: the index by assignee holds the claimed rows only

``ix_human_tasks_assignee_id`` serves one query, a user's claimed tasks given back when the user
is deactivated (``assignee_id = :user``, which implies the condition) and the foreign key's check
when a user row is deleted. It held an entry for every inbox row, five a loan taken to
disbursement, nearly all of them NULL: most tasks are completed without being claimed. It becomes
partial, ``WHERE assignee_id IS NOT NULL``.

Revision ID: f7a8b9c0d1e2
Revises: e6f7a8b9c0d1
Create Date: 2026-12-01 11:45:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'f7a8b9c0d1e2'
down_revision = 'e6f7a8b9c0d1'
branch_labels = None
depends_on = None

CLAIMED = "assignee_id IS NOT NULL"  # as written here (models may change theirs in a later revision)


def upgrade() -> None:
    op.drop_index('ix_human_tasks_assignee_id', table_name='human_tasks')
    op.create_index('ix_human_tasks_assignee_id', 'human_tasks', ['assignee_id'],
                    sqlite_where=sa.text(CLAIMED), postgresql_where=sa.text(CLAIMED))


def downgrade() -> None:
    op.drop_index('ix_human_tasks_assignee_id', table_name='human_tasks')
    op.create_index('ix_human_tasks_assignee_id', 'human_tasks', ['assignee_id'])
