"""inbox indexes over the ready rows only

The seven inbox indexes of ``human_tasks`` led with ``state`` and held every row, done and withdrawn
ones included: about five rows a loan, of which at most one or two are ever waiting. Only ready rows
are ever looked up through them (the inbox, its counts and kinds menu, the monitoring and weekly
figures), so they become partial indexes ``WHERE state = 'ready'`` without the ``state`` column: a
loan stores about 1.6 KB less (bench/engine.py), completing a task removes its entries instead of
moving them, and a province's inbox indexes hold its waiting tasks, not its history. Queries name
the predicate literally (``models.IS_READY``): a bound value would not let SQLite use a partial index.

Revision ID: a7b8c9d0e1f2
Revises: f6a7b8c9d0e1
Create Date: 2026-11-30 23:30:00
"""
import sqlalchemy as sa
from alembic import op


revision = 'a7b8c9d0e1f2'
down_revision = 'f6a7b8c9d0e1'
branch_labels = None
depends_on = None

READY = "state = 'ready'"
INDEXES = {  # name: (columns before, columns now)
    "ix_human_tasks_inbox": (["state", "role", "bank_id", "township_id"], ["role", "bank_id", "township_id"]),
    "ix_human_tasks_due": (["state", "due_at", "id"], ["due_at", "id"]),
    "ix_human_tasks_role_due": (["state", "role", "due_at", "id"], ["role", "due_at", "id"]),
    "ix_human_tasks_role_received": (["state", "role", "created_at", "id"], ["role", "created_at", "id"]),
    "ix_human_tasks_role_name": (["state", "role", "name"], ["role", "name"]),
    "ix_human_tasks_township_due": (["state", "role", "township_id", "due_at", "id"],
                                    ["role", "township_id", "due_at", "id"]),
    "ix_human_tasks_bank_due": (["state", "role", "bank_id", "due_at", "id"], ["role", "bank_id", "due_at", "id"]),
}


def upgrade() -> None:
    for name, (_, columns) in INDEXES.items():
        op.drop_index(name, table_name="human_tasks")
        op.create_index(name, "human_tasks", columns, sqlite_where=sa.text(READY), postgresql_where=sa.text(READY))


def downgrade() -> None:
    for name, (columns, _) in INDEXES.items():
        op.drop_index(name, table_name="human_tasks")
        op.create_index(name, "human_tasks", columns)
