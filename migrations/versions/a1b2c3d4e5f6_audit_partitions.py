"""audit chain per partition with anchors

Revision ID: a1b2c3d4e5f6
Revises: e9a0b1c2d3e4
Create Date: 2026-11-30 19:40:00

The audit trail becomes ``PARTITIONS`` (16) chains (docs/audit.md): ``audit_events`` gains ``chain``
and ``chain_seq`` (unique together), ``audit_chain_heads`` holds one head per partition in place of
the single ``audit_chain_head`` row, and ``audit_anchors`` chains snapshots of the heads.

Existing events keep their hashes and links: they become partition 0's chain, numbered in id order,
and the single head (its sequence, last hash and last event, as they were, so a tail removed before
the upgrade is still found) becomes partition 0's head. Partition 0's genesis is the single chain's
(``"0" * 64``), so they verify unchanged. The other partitions start empty at their own genesis.

Filling the two columns updates every existing event: on PostgreSQL the append-only trigger is
disabled for that UPDATE and enabled again in the same transaction (it stays; the columns are added
with plain ALTER TABLE). On SQLite the NOT NULL change rebuilds the table (batch mode).

Going back down puts partition 0's head back as the single head and drops the rest. Events written
meanwhile in partitions other than 0 do not link into the single chain: the previous code's
``audit verify`` stops at the first of them.
"""
from alembic import op
import sqlalchemy as sa

import models.base


revision = 'a1b2c3d4e5f6'
down_revision = 'e9a0b1c2d3e4'
branch_labels = None
depends_on = None

PARTITIONS = 16
TRIGGER = "audit_events_append_only"
NUMBER_EVENTS = (
    "UPDATE audit_events SET chain = 0, chain_seq = numbered.position FROM "
    "(SELECT id, row_number() OVER (ORDER BY id) AS position FROM audit_events) AS numbered "
    "WHERE audit_events.id = numbered.id"
)


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade():
    op.add_column('audit_events', sa.Column('chain', sa.Integer(), nullable=True))
    op.add_column('audit_events', sa.Column('chain_seq', sa.Integer(), nullable=True))
    if _postgres():
        op.execute(f"ALTER TABLE audit_events DISABLE TRIGGER {TRIGGER}")
    op.execute(NUMBER_EVENTS)
    if _postgres():
        op.execute(f"ALTER TABLE audit_events ENABLE TRIGGER {TRIGGER}")
    with op.batch_alter_table('audit_events') as batch:  # plain ALTER on PostgreSQL; a rebuild on SQLite
        batch.alter_column('chain', existing_type=sa.Integer(), nullable=False)
        batch.alter_column('chain_seq', existing_type=sa.Integer(), nullable=False)
    op.create_index('ix_audit_events_chain_seq', 'audit_events', ['chain', 'chain_seq'], unique=True)

    heads = op.create_table(
        'audit_chain_heads',
        sa.Column('chain', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('sequence', sa.Integer(), nullable=False),
        sa.Column('last_hash', sa.String(length=64), nullable=False),
        sa.Column('last_event_id', sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint('chain', name=op.f('pk_audit_chain_heads')),
    )
    bind = op.get_bind()
    single = bind.execute(sa.text(
        "SELECT sequence, last_hash, last_event_id FROM audit_chain_head WHERE id = 1")).first()
    if single is None:  # no head: take the last event's, if any
        single = bind.execute(sa.text(
            "SELECT chain_seq, hash, id FROM audit_events ORDER BY id DESC LIMIT 1")).first()
    first = ({"chain": 0, "sequence": single[0], "last_hash": single[1], "last_event_id": single[2]} if single
             else {"chain": 0, "sequence": 0, "last_hash": "0" * 64, "last_event_id": None})
    others = [{"chain": chain, "sequence": 0, "last_hash": f"{chain:064x}", "last_event_id": None}
              for chain in range(1, PARTITIONS)]
    op.bulk_insert(heads, [first, *others])
    op.drop_table('audit_chain_head')

    op.create_table(
        'audit_anchors',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('created_at', models.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column('heads', sa.JSON(), nullable=False),
        sa.Column('prev_hash', sa.String(length=64), nullable=False),
        sa.Column('hash', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_anchors')),
        sa.UniqueConstraint('hash', name=op.f('uq_audit_anchors_hash')),
        sa.UniqueConstraint('prev_hash', name=op.f('uq_audit_anchors_prev_hash')),
    )


def downgrade():
    op.drop_table('audit_anchors')
    single = op.create_table(
        'audit_chain_head',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('last_event_id', sa.Integer(), nullable=True),
        sa.Column('last_hash', sa.String(length=64), nullable=False),
        sa.Column('sequence', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_chain_head')),
    )
    head = op.get_bind().execute(sa.text(
        "SELECT sequence, last_hash, last_event_id FROM audit_chain_heads WHERE chain = 0 AND sequence > 0")).first()
    if head is not None:
        op.bulk_insert(single, [{"id": 1, "sequence": head[0], "last_hash": head[1], "last_event_id": head[2]}])
    op.drop_table('audit_chain_heads')
    op.drop_index('ix_audit_events_chain_seq', table_name='audit_events')
    with op.batch_alter_table('audit_events') as batch:  # plain ALTER on PostgreSQL; a rebuild on SQLite
        batch.drop_column('chain_seq')
        batch.drop_column('chain')
