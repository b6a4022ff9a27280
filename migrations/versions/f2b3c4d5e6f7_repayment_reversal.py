"""repayments: reversal (冲正) and recomputed schedules

Revision ID: f2b3c4d5e6f7
Revises: e1a2b3c4d5e6
Create Date: 2026-11-30 16:00:00

``repayments`` gains ``principal_early`` (the part of the principal beyond what was due, 提前还本,
taken off the schedule instead of matched against it; 0 for every repayment recorded before, which
keeps their books exactly as they were: their extra principal still counts towards the next
principal due), ``schedule_before`` (the line figures a repayment recomputed, for its reversal) and
the reversal's ``reversed_at`` / ``reversed_on`` / ``reversed_by_id`` / ``reversal_reason``. No
table references ``repayments``, so the batch copy on SQLite is safe. Going down drops the columns
(a reversed repayment would then count again: reverse nothing before downgrading).
"""
from alembic import op
import sqlalchemy as sa

import models.base


revision = 'f2b3c4d5e6f7'
down_revision = 'e1a2b3c4d5e6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('repayments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('principal_early', models.base.Money(precision=14, scale=2),
                                      server_default=sa.text('0'), nullable=False))
        batch_op.add_column(sa.Column('schedule_before', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('reversed_at', models.base.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('reversed_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('reversed_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('reversal_reason', sa.String(length=500), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_repayments_reversed_by_id_users'), 'users',
                                    ['reversed_by_id'], ['id'])


def downgrade():
    with op.batch_alter_table('repayments', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_repayments_reversed_by_id_users'), type_='foreignkey')
        for column in ('reversal_reason', 'reversed_by_id', 'reversed_on', 'reversed_at', 'schedule_before',
                       'principal_early'):
            batch_op.drop_column(column)
