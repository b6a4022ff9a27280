"""audit events: no unique index on the hash

``audit_events.hash`` had a unique constraint from the first schema, when the trail was one chain and
the constraint kept two writers from appending after the same event. Since the partitioned chains
(a1b2c3d4e5f6) the unique ``(chain, chain_seq)`` index and the locked partition head do that; no query
looks an event up by its hash, and ``audit verify`` recomputes every hash in chain order. The index
cost about 410 bytes a loan (bench/engine.py) and one more B-tree insert per event.

Revision ID: b8c9d0e1f2a3
Revises: a7b8c9d0e1f2
Create Date: 2026-12-01 00:10:00
"""
from alembic import op


revision = 'b8c9d0e1f2a3'
down_revision = 'a7b8c9d0e1f2'
branch_labels = None
depends_on = None



def upgrade() -> None:
    with op.batch_alter_table('audit_events') as batch:  # plain ALTER on PostgreSQL; a rebuild on SQLite
        batch.drop_constraint('uq_audit_events_hash', type_='unique')


def downgrade() -> None:
    with op.batch_alter_table('audit_events') as batch:
        batch.create_unique_constraint('uq_audit_events_hash', ['hash'])
