"""household loan rate: the outstanding loans by township and household, and the removed households

The household loan rate (户贷率) counts, per township, the distinct households with a loan
outstanding. At a province's million loans that was a pass over every loan joined to every household
and an external sort for ``count(DISTINCT …)``: about 0.9 s of the report's 1.0 s.
``ix_loans_borrowing`` holds only the outstanding loans (``models.OUTSTANDING_PREDICATE``), ordered by
township and household, with the bank, the disbursement day and the principal outstanding beside them
(INCLUDE, PostgreSQL only), so the count is an index-only scan already in ``DISTINCT`` order.
``ix_households_removed`` holds the few households taken off the list, which the count leaves out with
an anti-join instead of a join to all the others. About 0.15–0.25 s (docs/scale.md).

The price: a repayment changes ``principal_outstanding``, which the index includes, so that update is
no longer HOT on PostgreSQL (a status change never was: ``ix_loans_status_bank_township``).

Revision ID: e0f1a2b3c4d5
Revises: d0e1f2a3b4c5
Create Date: 2026-12-01 06:00:00
"""
import sqlalchemy as sa
from alembic import op


revision = 'e0f1a2b3c4d5'
down_revision = 'd0e1f2a3b4c5'
branch_labels = None
depends_on = None

# the predicates as they were written here (models may change theirs in a later revision)
OUTSTANDING = "status IN ('active', 'extended', 'overdue', 'recovering')"
REMOVED = "removed"


def upgrade() -> None:
    op.create_index('ix_loans_borrowing', 'loans', ['township_id', 'household_id'],
                    postgresql_include=['bank_id', 'disbursed_on', 'principal_outstanding'],
                    sqlite_where=sa.text(OUTSTANDING), postgresql_where=sa.text(OUTSTANDING))
    op.create_index('ix_households_removed', 'households', ['id'],
                    sqlite_where=sa.text(REMOVED), postgresql_where=sa.text(REMOVED))


def downgrade() -> None:
    op.drop_index('ix_households_removed', table_name='households')
    op.drop_index('ix_loans_borrowing', table_name='loans')
