"""history of each loan's balance, days past due, risk class, covered principal and status

One row per lent loan per change (``models.loan_history``). The backfill writes one row per loan
already lent (``disbursed_on`` set) with its figures now, valid from its disbursement date: what the
loan said before the upgrade was not kept, so a report "as of" an earlier day reads today's figures
of the loans lent by then.

Revision ID: b2c3d4e5f6a7
Revises: a1b2c3d4e5f6
Create Date: 2026-11-30 19:40:00
"""
from alembic import op
import sqlalchemy as sa

from models.base import Money


revision = 'b2c3d4e5f6a7'
down_revision = 'a1b2c3d4e5f6'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'loan_history',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('loan_id', sa.Integer(), nullable=False),
        sa.Column('valid_from', sa.Date(), nullable=False),
        sa.Column('balance', Money(), nullable=False),
        sa.Column('days_past_due', sa.Integer(), nullable=False),
        sa.Column('risk_class', sa.String(length=16), nullable=False),
        sa.Column('covered_principal', Money(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('township_id', sa.Integer(), nullable=False),
        sa.Column('bank_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['bank_id'], ['banks.id'], name=op.f('fk_loan_history_bank_id_banks')),
        sa.ForeignKeyConstraint(['loan_id'], ['loans.id'], name=op.f('fk_loan_history_loan_id_loans')),
        sa.ForeignKeyConstraint(['township_id'], ['townships.id'], name=op.f('fk_loan_history_township_id_townships')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_loan_history')),
        sa.UniqueConstraint('loan_id', 'valid_from', name=op.f('uq_loan_history_loan_id')),
    )
    op.create_index('ix_loan_history_valid_from', 'loan_history', ['valid_from'], unique=False)
    loans = sa.table('loans', *(sa.column(name) for name in (
        'id', 'disbursed_on', 'principal_outstanding', 'days_past_due', 'risk_class', 'covered_principal',
        'approved_amount', 'status', 'township_id', 'bank_id')))
    covered = sa.case((loans.c.approved_amount > 0, sa.func.round(
        loans.c.covered_principal * loans.c.principal_outstanding / loans.c.approved_amount, 2)), else_=0)
    history = sa.table('loan_history', *(sa.column(name) for name in (
        'loan_id', 'valid_from', 'balance', 'days_past_due', 'risk_class', 'covered_principal', 'status',
        'township_id', 'bank_id')))
    op.execute(history.insert().from_select(
        [c.name for c in history.c],
        sa.select(loans.c.id, loans.c.disbursed_on, loans.c.principal_outstanding, loans.c.days_past_due,
                  loans.c.risk_class, covered, loans.c.status, loans.c.township_id, loans.c.bank_id)
        .where(loans.c.disbursed_on.is_not(None))))


def downgrade() -> None:
    op.drop_index('ix_loan_history_valid_from', table_name='loan_history')
    op.drop_table('loan_history')
