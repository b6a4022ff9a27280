"""inbox rows: the SpiffWorkflow task id as 16 bytes

``human_tasks.spiff_task_id`` held a task's UUID as 36 characters of text, in the row and again in
its unique index: about 5 inbox rows per loan taken to disbursement, 40 bytes more each than its 16
bytes. It becomes PostgreSQL's ``uuid`` and, on SQLite, a 16-byte ``BLOB``; the app still reads and
writes the text (``models.TaskId``).

On SQLite the ids are turned into bytes by a function this migration registers on its connection,
then the table is rebuilt with the new column type (its partial inbox indexes and the unique key come
back as they were); on PostgreSQL ``ALTER … TYPE uuid USING spiff_task_id::uuid``. Going down turns
them back into their text.

Revision ID: a2b3c4d5e6f7
Revises: f1a2b3c4d5e6
Create Date: 2026-12-01 09:00:00
"""
import uuid

import sqlalchemy as sa
from alembic import op


revision = 'a2b3c4d5e6f7'
down_revision = 'f1a2b3c4d5e6'
branch_labels = None
depends_on = None


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _sqlite_functions() -> None:
    raw = op.get_bind().connection.driver_connection
    raw.create_function("uuid_bytes", 1, lambda text: None if text is None else uuid.UUID(text).bytes,
                        deterministic=True)
    raw.create_function("uuid_text", 1, lambda blob: None if blob is None else str(uuid.UUID(bytes=bytes(blob))),
                        deterministic=True)


def upgrade() -> None:
    if _postgres():
        op.execute("ALTER TABLE human_tasks ALTER COLUMN spiff_task_id TYPE uuid USING spiff_task_id::uuid")
        return
    _sqlite_functions()
    op.execute("UPDATE human_tasks SET spiff_task_id = uuid_bytes(spiff_task_id)")
    with op.batch_alter_table('human_tasks') as batch:
        batch.alter_column('spiff_task_id', existing_type=sa.String(36), type_=sa.LargeBinary(16),
                           existing_nullable=False)


def downgrade() -> None:
    if _postgres():
        op.execute("ALTER TABLE human_tasks ALTER COLUMN spiff_task_id TYPE varchar(36) USING spiff_task_id::text")
        return
    _sqlite_functions()
    op.execute("UPDATE human_tasks SET spiff_task_id = uuid_text(spiff_task_id)")
    with op.batch_alter_table('human_tasks') as batch:
        batch.alter_column('spiff_task_id', existing_type=sa.LargeBinary(16), type_=sa.String(36),
                           existing_nullable=False)
