"""audit_anchors append-only on PostgreSQL

Revision ID: f6a7b8c9d0e1
Revises: e5f6a7b8c9d0
Create Date: 2026-11-30 23:20:00

The anchors (锚点) get the guard ``audit_events`` has had since the initial schema: a trigger
``audit_anchors_append_only`` refusing UPDATE and DELETE, whoever asks (the app only inserts
anchors). PostgreSQL only; nothing on SQLite. Going down drops the trigger and its function.
"""
from alembic import op

from models.audit import ANCHORS_APPEND_ONLY_SQL, DROP_ANCHORS_APPEND_ONLY_SQL


revision = 'f6a7b8c9d0e1'
down_revision = 'e5f6a7b8c9d0'
branch_labels = None
depends_on = None


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    if _postgres():
        for statement in ANCHORS_APPEND_ONLY_SQL:
            op.execute(statement)


def downgrade() -> None:
    if _postgres():
        op.execute("DROP TRIGGER IF EXISTS audit_anchors_append_only ON audit_anchors")
        for statement in DROP_ANCHORS_APPEND_ONLY_SQL:
            op.execute(statement)
