"""sessions that end and a sign-in throttle shared by all workers

Revision ID: c4e8f1a2b3d5
Revises: 7a1c2e9d4b10
Create Date: 2026-12-01 09:00:00

users.session_generation: page sessions stamped with an older value are refused (sign-out,
password change, deactivation). users.failed_logins goes: failures are rows of sign_in_attempts
now, shared by every worker. Existing page sessions carry no generation and end once; users sign
in again.
"""
from alembic import op
import sqlalchemy as sa
import models.base


revision = 'c4e8f1a2b3d5'
down_revision = '7a1c2e9d4b10'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD/DROP COLUMN, not a batch copy: SQLite would rebuild users, which many tables reference.
    op.add_column('users', sa.Column('session_generation', sa.Integer(), server_default=sa.text('0'),
                                     nullable=False))
    op.drop_column('users', 'failed_logins')  # SQLite >= 3.35 drops a plain column in place
    op.create_table('sign_in_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('occurred_at', models.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('ip_address', sa.String(length=45), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('succeeded', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_attempts'))
    )
    op.create_index('ix_sign_in_attempts_address_at', 'sign_in_attempts', ['ip_address', 'occurred_at'],
                    unique=False)
    op.create_index('ix_sign_in_attempts_username_at', 'sign_in_attempts', ['username', 'occurred_at'],
                    unique=False)
    op.create_index(op.f('ix_sign_in_attempts_occurred_at'), 'sign_in_attempts', ['occurred_at'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_sign_in_attempts_occurred_at'), table_name='sign_in_attempts')
    op.drop_index('ix_sign_in_attempts_username_at', table_name='sign_in_attempts')
    op.drop_index('ix_sign_in_attempts_address_at', table_name='sign_in_attempts')
    op.drop_table('sign_in_attempts')
    op.add_column('users', sa.Column('failed_logins', sa.Integer(), server_default=sa.text('0'), nullable=False))
    op.drop_column('users', 'session_generation')
