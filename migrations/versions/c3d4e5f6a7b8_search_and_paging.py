"""loan search keys and keyset paging indexes

Revision ID: c3d4e5f6a7b8
Revises: b2c3d4e5f6a7
Create Date: 2026-11-30 19:40:00

Indexes only, no new columns (nothing to backfill, nothing a writer could forget):

- ``ix_households_name_prefix``: a household name by its start (a two-character Chinese name is too
  short for pg_trgm); ``text_pattern_ops`` on PostgreSQL so ``LIKE '冉光%'`` uses it whatever the
  database's collation.
- ``ix_households_id_tail``: the last four characters of the resident ID (the four the mask shows),
  an index on the expression ``substr(id_number, 15)``, on PostgreSQL only (SQLite cannot reflect
  one, so the models and the schema comparison leave it out; a small SQLite database scans).
- ``ix_households_township_order``: 应贷未贷 page by page in township and household order; on PostgreSQL
  with statistics on the birth date in the resident ID (``st_households_birth``), without which the
  planner guesses the age bounds keep almost no one and sorts every household instead of reading the index.
- ``ix_loans_contract_prefix``: a contract number by its start (``text_pattern_ops`` on PostgreSQL).
- ``ix_human_tasks_role_received``: one role's inbox page in order of arrival (keyset on created_at, id).
- ``ix_human_tasks_role_name``: the kinds of task a role has waiting, one probe per kind.
- ``ix_human_tasks_township_due`` / ``ix_human_tasks_bank_due``: a township clerk's or bank staff's page in
  due order, inside their township or bank (one range, not the district's tasks filtered).
"""
from alembic import op
import sqlalchemy as sa


revision = 'c3d4e5f6a7b8'
down_revision = 'b2c3d4e5f6a7'
branch_labels = None
depends_on = None
BIRTH_STATISTICS = "st_households_birth"  # PostgreSQL: how many heads were born in a range (应贷未贷's age bounds)


def upgrade() -> None:
    op.create_index("ix_households_name_prefix", "households", ["name"],
                    postgresql_ops={"name": "text_pattern_ops"})
    if op.get_bind().dialect.name == "postgresql":  # SQLite cannot reflect an expression index (see models.household)
        op.create_index("ix_households_id_tail", "households", [sa.text("substr(id_number, 15)")])
        op.execute(f"CREATE STATISTICS {BIRTH_STATISTICS} ON (substr(id_number::text, 7, 8)) FROM households")
    op.create_index("ix_households_township_order", "households", ["township_id", "id"])
    op.create_index("ix_loans_contract_prefix", "loans", ["contract_number"],
                    postgresql_ops={"contract_number": "text_pattern_ops"})
    op.create_index("ix_human_tasks_role_received", "human_tasks", ["state", "role", "created_at", "id"])
    op.create_index("ix_human_tasks_role_name", "human_tasks", ["state", "role", "name"])
    op.create_index("ix_human_tasks_township_due", "human_tasks", ["state", "role", "township_id", "due_at", "id"])
    op.create_index("ix_human_tasks_bank_due", "human_tasks", ["state", "role", "bank_id", "due_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_human_tasks_bank_due", table_name="human_tasks")
    op.drop_index("ix_human_tasks_township_due", table_name="human_tasks")
    op.drop_index("ix_human_tasks_role_name", table_name="human_tasks")
    op.drop_index("ix_human_tasks_role_received", table_name="human_tasks")
    op.drop_index("ix_loans_contract_prefix", table_name="loans")
    op.drop_index("ix_households_township_order", table_name="households")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP STATISTICS IF EXISTS {BIRTH_STATISTICS}")
        op.drop_index("ix_households_id_tail", table_name="households")
    op.drop_index("ix_households_name_prefix", table_name="households")
