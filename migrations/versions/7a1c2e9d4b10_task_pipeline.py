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
    with op.batch_alter_table('process_instances', schema=None) as batch_op:
        batch_op.add_column(sa.Column('township_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('bank_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_process_instances_township_id_townships'), 'townships',
                                    ['township_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_process_instances_bank_id_banks'), 'banks', ['bank_id'], ['id'])
    with op.batch_alter_table('human_tasks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_at', models.base.UtcDateTime(timezone=True), nullable=True))
    op.create_table('task_exclusions',
    sa.Column('human_task_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['human_task_id'], ['human_tasks.id'], name=op.f('fk_task_exclusions_human_task_id_human_tasks')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_task_exclusions_user_id_users')),
    sa.PrimaryKeyConstraint('human_task_id', 'user_id', name=op.f('pk_task_exclusions'))
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index('ix_audit_events_instance_task', ['process_instance_id', 'task_name'], unique=False)
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
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_events_instance_task')
    op.drop_table('task_exclusions')
    with op.batch_alter_table('human_tasks', schema=None) as batch_op:
        batch_op.drop_column('claimed_at')
    with op.batch_alter_table('process_instances', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_process_instances_bank_id_banks'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_process_instances_township_id_townships'), type_='foreignkey')
        batch_op.drop_column('bank_id')
        batch_op.drop_column('township_id')
