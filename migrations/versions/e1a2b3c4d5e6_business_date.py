"""business date: the settable business clock and the audit events' business date

Revision ID: e1a2b3c4d5e6
Revises: d7b2e5c9a1f4
Create Date: 2026-11-30 16:00:00

``business_clock`` holds the one row of the stored business date (业务日期; ``workflows/clock.py``),
with ``settable`` marking a demo or test database. ``audit_events.business_date`` carries the
business date beside each event's wall time. Existing events keep it null: it enters an event's
hash only when present, so every event written before the upgrade still verifies unchanged
(``tests/migrations/test_business_date_migration.py``). Both are added in place (``add_column``,
``create_table``): nothing is copied, and PostgreSQL's append-only trigger on audit rows is not
touched. Going back down drops both; events written meanwhile hash their business date, which the
previous code does not know, so ``audit verify`` of that code stops at the first of them.
"""
from alembic import op
import sqlalchemy as sa

import models.base


revision = 'e1a2b3c4d5e6'
down_revision = 'd7b2e5c9a1f4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'business_clock',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('business_date', sa.Date(), nullable=True),
        sa.Column('settable', sa.Boolean(), nullable=False),
        sa.Column('changed_at', models.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column('changed_by_id', sa.Integer(), nullable=True),
        sa.CheckConstraint('id = 1', name=op.f('ck_business_clock_single_row')),
        sa.ForeignKeyConstraint(['changed_by_id'], ['users.id'], name=op.f('fk_business_clock_changed_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_business_clock')),
    )
    op.add_column('audit_events', sa.Column('business_date', sa.Date(), nullable=True))


def downgrade():
    op.drop_column('audit_events', 'business_date')
    op.drop_table('business_clock')
