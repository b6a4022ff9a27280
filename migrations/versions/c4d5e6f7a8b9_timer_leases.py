"""process instances: a timer worker's lease on a due instance (timer_lease_until)

A timer worker leases a batch of due instances in a short transaction of its own before it runs
their engines (``workflows.timers._claim_due``), so two workers take disjoint batches and work side
by side on SQLite too (docs/engine.md, "Two timer workers"). The column is NULL except while a
worker holds the instance; every save of the state sets it back to NULL. No index: the lease is
only read on the due instances, which ``ix_process_instances_next_timer_at`` finds.

Revision ID: c4d5e6f7a8b9
Revises: b3c4d5e6f7a8
Create Date: 2026-12-01 11:30:00
"""
import sqlalchemy as sa
from alembic import op

import models.base

revision = 'c4d5e6f7a8b9'
down_revision = 'b3c4d5e6f7a8'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('process_instances') as batch:
        batch.add_column(sa.Column('timer_lease_until', models.base.UtcDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('process_instances') as batch:
        batch.drop_column('timer_lease_until')
