"""loan history: each row's end of validity (valid_until)

A report as of a past day found each loan's row valid then with a ``GROUP BY max(valid_from)`` over
every history row, joined back to the rows: 2–5 s at a province's million loans. Each row now keeps
the day it stopped holding (``valid_until``, exclusive: the next row's ``valid_from``; empty for the
loan's current row), so the row valid on a day is a plain condition on the row itself
(``valid_from <= day < valid_until``). The backfill gives each existing row its successor's
``valid_from`` in one UPDATE … FROM a ``lead()`` over the table (one sort, whatever the number of
loans); rows with no successor stay current. No index on the column (see ``models.loan_history``).

Revision ID: d0e1f2a3b4c5
Revises: c9d0e1f2a3b4
Create Date: 2026-12-01 02:30:00
"""
import sqlalchemy as sa
from alembic import op


revision = 'd0e1f2a3b4c5'
down_revision = 'c9d0e1f2a3b4'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('loan_history') as batch:  # a plain ADD COLUMN on both
        batch.add_column(sa.Column('valid_until', sa.Date(), nullable=True))
    history = sa.table('loan_history', sa.column('id'), sa.column('loan_id'), sa.column('valid_from'),
                       sa.column('valid_until'))
    following = sa.select(history.c.id, sa.func.lead(history.c.valid_from).over(
        partition_by=history.c.loan_id, order_by=history.c.valid_from).label('next_from')).subquery('following')
    op.execute(history.update().where(history.c.id == following.c.id, following.c.next_from.is_not(None))
               .values(valid_until=following.c.next_from))


def downgrade() -> None:
    with op.batch_alter_table('loan_history') as batch:  # a rebuild on SQLite (no table references this one)
        batch.drop_column('valid_until')
