"""task pipeline: instance scope, claim time, four-eyes exclusions

Revision ID: 7a1c2e9d4b10
Revises: 52f03baaed25
Create Date: 2026-11-30 13:30:00

Data: the inbox scope of the instances without a loan is filled in from what they are about (a
bank's subsidy settlement: its bank); loan instances take their loan's township and bank; the
open inbox rows of a subsidy settlement that a timer placed without a bank get their bank.
"""
from alembic import op
import sqlalchemy as sa
import models.base


revision = '7a1c2e9d4b10'
down_revision = '52f03baaed25'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN, not a batch copy: SQLite would rebuild process_instances, which rows of
    # other tables reference, and refuse it with foreign keys on. A nullable column may carry its
    # REFERENCES clause on SQLite too.
    for column, table in (('township_id', 'townships'), ('bank_id', 'banks')):
        name = f'fk_process_instances_{column}_{table}'
        if op.get_bind().dialect.name == 'sqlite':
            op.execute(f'ALTER TABLE process_instances ADD COLUMN {column} INTEGER '
                       f'CONSTRAINT {name} REFERENCES {table} (id)')
        else:
            op.add_column('process_instances', sa.Column(column, sa.Integer(), nullable=True))
            op.create_foreign_key(op.f(name), 'process_instances', table, [column], ['id'])
    op.add_column('human_tasks', sa.Column('claimed_at', models.base.UtcDateTime(timezone=True), nullable=True))
    op.create_table('task_exclusions',
    sa.Column('human_task_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['human_task_id'], ['human_tasks.id'], name=op.f('fk_task_exclusions_human_task_id_human_tasks')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_task_exclusions_user_id_users')),
    sa.PrimaryKeyConstraint('human_task_id', 'user_id', name=op.f('pk_task_exclusions'))
    )
    op.create_index('ix_audit_events_instance_task', 'audit_events', ['process_instance_id', 'task_name'], unique=False)
    _backfill_scope()


def _backfill_scope():
    op.execute("UPDATE process_instances SET township_id = (SELECT loans.township_id FROM loans "
               "WHERE loans.id = process_instances.loan_id), bank_id = (SELECT loans.bank_id FROM loans "
               "WHERE loans.id = process_instances.loan_id) WHERE loan_id IS NOT NULL")
    op.execute("UPDATE process_instances SET bank_id = (SELECT s.bank_id FROM subsidy_settlements s "
               "WHERE s.process_instance_id = process_instances.id) WHERE loan_id IS NULL AND EXISTS "
               "(SELECT 1 FROM subsidy_settlements s WHERE s.process_instance_id = process_instances.id)")
    op.execute("UPDATE human_tasks SET bank_id = (SELECT p.bank_id FROM process_instances p "
               "WHERE p.id = human_tasks.process_instance_id) WHERE loan_id IS NULL AND bank_id IS NULL")


def downgrade():
    op.drop_index('ix_audit_events_instance_task', table_name='audit_events')
    op.drop_table('task_exclusions')
    op.drop_column('human_tasks', 'claimed_at')  # SQLite >= 3.35 drops a plain column in place
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_constraint(op.f('fk_process_instances_bank_id_banks'), 'process_instances', type_='foreignkey')
        op.drop_constraint(op.f('fk_process_instances_township_id_townships'), 'process_instances',
                           type_='foreignkey')
    with op.batch_alter_table('process_instances', schema=None) as batch_op:  # SQLite: columns with REFERENCES
        batch_op.drop_column('bank_id')
        batch_op.drop_column('township_id')
