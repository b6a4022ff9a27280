"""indexes for a province's million loans

What bench/province.py found on a generated province (bench/portfolio.py, docs/scale.md) that an index
answers; the search and paging indexes are c3d4e5f6a7b8's.

- ``ix_task_exclusions_user_id`` (user_id, human_task_id): every inbox query, count and badge asks
  ``NOT EXISTS (task_exclusions WHERE human_task_id = task.id AND user_id = :me)`` (四眼原则), and the
  stand-in condition the same for the colleague. The primary key starts with ``human_task_id``, so
  without this index PostgreSQL either probes the key once per candidate task or, as it chose on the
  generated databases, reads the whole table (one row per four-eyes task: about a million rows for a
  million loans) to find the few rows of one user. With it, the user's exclusions are one index range.

Revision ID: d4e5f6a7b8c9
Revises: c3d4e5f6a7b8
Create Date: 2026-11-30 19:40:00
"""
from alembic import op


revision = 'd4e5f6a7b8c9'
down_revision = 'c3d4e5f6a7b8'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_task_exclusions_user_id", "task_exclusions", ["user_id", "human_task_id"])


def downgrade() -> None:
    op.drop_index("ix_task_exclusions_user_id", table_name="task_exclusions")
