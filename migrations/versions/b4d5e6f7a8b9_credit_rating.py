"""credit rating campaigns (评级授信), ratings and credit household/village/town designations

Revision ID: b4d5e6f7a8b9
Revises: f2b3c4d5e6f7
Create Date: 2026-11-30 16:00:00

Four new tables: ``credit_campaigns`` (a bank's campaign over a township or some of its villages),
``credit_roster_entries`` (its listed households, included or left out with a reason),
``credit_ratings`` (grade, credit line, validity, rated and approved by two people) and
``credit_designations`` (信用户/信用村/信用镇, proposed, published or revoked). Only new tables:
nothing existing is copied, so SQLite needs no batch mode. Going down drops them.
"""
from alembic import op
import sqlalchemy as sa

import models.base


revision = 'b4d5e6f7a8b9'
down_revision = 'f2b3c4d5e6f7'
branch_labels = None
depends_on = None


def _fk(table, column, referred):
    return sa.ForeignKeyConstraint([column], [f'{referred}.id'], name=f'fk_{table}_{column}_{referred}')


def _status(table, name, values):
    return sa.CheckConstraint(sa.column(name).in_(values), name=f'ck_{table}_known_{name}')


def upgrade():
    op.create_table(
        'credit_campaigns',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('bank_id', sa.Integer(), nullable=False),
        sa.Column('township_id', sa.Integer(), nullable=False),
        sa.Column('village_ids', sa.JSON(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('opened_by_id', sa.Integer(), nullable=False),
        sa.Column('opened_on', sa.Date(), nullable=False),
        sa.Column('valid_until', sa.Date(), nullable=False),
        sa.Column('published_on', sa.Date(), nullable=True),
        sa.Column('process_instance_id', sa.Integer(), nullable=True),
        sa.Column('created_at', models.base.UtcDateTime(timezone=True), nullable=False),
        _status('credit_campaigns', 'status', ("roster", "rating", "approval", "publishing", "published")),
        _fk('credit_campaigns', 'bank_id', 'banks'), _fk('credit_campaigns', 'township_id', 'townships'),
        _fk('credit_campaigns', 'opened_by_id', 'users'),
        _fk('credit_campaigns', 'process_instance_id', 'process_instances'),
        sa.PrimaryKeyConstraint('id', name='pk_credit_campaigns'),
    )
    op.create_index('ix_credit_campaigns_bank_id', 'credit_campaigns', ['bank_id'])
    op.create_index('ix_credit_campaigns_township_id', 'credit_campaigns', ['township_id'])
    op.create_table(
        'credit_roster_entries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('campaign_id', sa.Integer(), nullable=False),
        sa.Column('household_id', sa.Integer(), nullable=False),
        sa.Column('included', sa.Boolean(), nullable=False),
        sa.Column('exclusion_reason', sa.String(length=32), nullable=True),
        _fk('credit_roster_entries', 'campaign_id', 'credit_campaigns'),
        _fk('credit_roster_entries', 'household_id', 'households'),
        sa.PrimaryKeyConstraint('id', name='pk_credit_roster_entries'),
        sa.UniqueConstraint('campaign_id', 'household_id', name='uq_credit_roster_entries_campaign_id'),
    )
    op.create_index('ix_credit_roster_entries_household_id', 'credit_roster_entries', ['household_id'])
    op.create_table(
        'credit_ratings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('campaign_id', sa.Integer(), nullable=True),
        sa.Column('household_id', sa.Integer(), nullable=False),
        sa.Column('bank_id', sa.Integer(), nullable=False),
        sa.Column('grade', sa.String(length=8), nullable=False),
        sa.Column('credit_line', models.base.Money(precision=14, scale=2), nullable=False),
        sa.Column('valid_until', sa.Date(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('rated_by_id', sa.Integer(), nullable=False),
        sa.Column('rated_at', models.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column('approved_by_id', sa.Integer(), nullable=True),
        sa.Column('approved_at', models.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column('revoked_at', models.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column('revocation_reason', sa.String(length=200), nullable=True),
        _status('credit_ratings', 'status', ("proposed", "approved", "revoked")),
        _fk('credit_ratings', 'campaign_id', 'credit_campaigns'), _fk('credit_ratings', 'household_id', 'households'),
        _fk('credit_ratings', 'bank_id', 'banks'), _fk('credit_ratings', 'rated_by_id', 'users'),
        _fk('credit_ratings', 'approved_by_id', 'users'),
        sa.PrimaryKeyConstraint('id', name='pk_credit_ratings'),
        sa.UniqueConstraint('campaign_id', 'household_id', name='uq_credit_ratings_campaign_id'),
    )
    op.create_index('ix_credit_ratings_household_status', 'credit_ratings', ['household_id', 'status'])
    op.create_table(
        'credit_designations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('subject_id', sa.Integer(), nullable=False),
        sa.Column('township_id', sa.Integer(), nullable=False),
        sa.Column('computed_on', sa.Date(), nullable=False),
        sa.Column('decided_on', sa.Date(), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('share', sa.Numeric(precision=7, scale=4), nullable=True),
        sa.Column('reason', sa.String(length=200), nullable=True),
        sa.Column('revoked_at', models.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column('process_instance_id', sa.Integer(), nullable=True),
        sa.Column('created_at', models.base.UtcDateTime(timezone=True), nullable=False),
        _status('credit_designations', 'kind', ("household", "village", "town")),
        _status('credit_designations', 'status', ("proposed", "published", "revoked")),
        _fk('credit_designations', 'township_id', 'townships'),
        _fk('credit_designations', 'process_instance_id', 'process_instances'),
        sa.PrimaryKeyConstraint('id', name='pk_credit_designations'),
    )
    op.create_index('ix_credit_designations_subject', 'credit_designations', ['kind', 'subject_id', 'status'])
    op.create_index('ix_credit_designations_township_id', 'credit_designations', ['township_id'])


def downgrade():
    op.drop_index('ix_credit_designations_township_id', table_name='credit_designations')
    op.drop_index('ix_credit_designations_subject', table_name='credit_designations')
    op.drop_table('credit_designations')
    op.drop_index('ix_credit_ratings_household_status', table_name='credit_ratings')
    op.drop_table('credit_ratings')
    op.drop_index('ix_credit_roster_entries_household_id', table_name='credit_roster_entries')
    op.drop_table('credit_roster_entries')
    op.drop_index('ix_credit_campaigns_township_id', table_name='credit_campaigns')
    op.drop_index('ix_credit_campaigns_bank_id', table_name='credit_campaigns')
    op.drop_table('credit_campaigns')
