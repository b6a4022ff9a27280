"""users and roles in the browser: password reset at next sign-in, delegation while away

Revision ID: d8f9a0b1c2d3
Revises: c6e7f8a9b0c1
Create Date: 2026-11-30 16:10:00

``users.must_change_password`` (added in place: other tables reference ``users``, so no batch copy
on SQLite) and the ``delegations`` table (代理: a colleague stands in for a user for a period).
"""
from alembic import op
import sqlalchemy as sa

import models.base


revision = 'd8f9a0b1c2d3'
down_revision = 'c6e7f8a9b0c1'
branch_labels = None
depends_on = None

ROLES = ("township_clerk", "rural_bureau", "bank_officer", "bank_approver", "finance_bureau", "supervisor", "admin")


def upgrade():
    op.add_column("users", sa.Column("must_change_password", sa.Boolean(), nullable=False,
                                     server_default=sa.false()))
    op.create_table(
        "delegations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("principal_id", sa.Integer(), nullable=False),
        sa.Column("delegate_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", models.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", models.base.UtcDateTime(timezone=True), nullable=True),
        *(sa.ForeignKeyConstraint([column], ["users.id"], name=f"fk_delegations_{column}_users")
          for column in ("principal_id", "delegate_id", "created_by_id")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delegations")),
        sa.CheckConstraint(sa.column("role").in_(ROLES), name=op.f("ck_delegations_known_role")),
        sa.CheckConstraint("starts_on <= ends_on", name=op.f("ck_delegations_period_ordered")),
        sa.CheckConstraint("principal_id <> delegate_id", name=op.f("ck_delegations_not_to_self")),
    )
    op.create_index("ix_delegations_principal_id", "delegations", ["principal_id"])
    op.create_index("ix_delegations_delegate_period", "delegations", ["delegate_id", "ends_on"])


def downgrade():
    op.drop_index("ix_delegations_delegate_period", table_name="delegations")
    op.drop_index("ix_delegations_principal_id", table_name="delegations")
    op.drop_table("delegations")
    op.drop_column("users", "must_change_password")
