"""audit events: the link to the event before is hashed, not stored (no prev_hash column)

An event's hash is sha256 over its content and ``prev_hash``, the hash of the event before it in its
partition (its genesis, the partition's number as 64 hex digits, for the first). That event holds
it; ``audit verify`` walks each partition in order and hands each event the hash before it, so a
changed, removed or swapped event breaks the chain exactly as before (docs/audit.md). The hashes
do not change. Storing the link again was 32 bytes an event (five a loan to disbursement; 180 MB
at a province's 5.7 million events).

On SQLite the column goes with ``ALTER TABLE … DROP COLUMN`` (SQLite 3.35+; nothing indexes it),
so the table keeps its indexes, partial ones included. The downgrade puts the links back, each
event's from the event before it in its partition.

Revision ID: e6f7a8b9c0d1
Revises: d5e6f7a8b9c0
Create Date: 2026-12-01 11:55:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'e6f7a8b9c0d1'
down_revision = 'd5e6f7a8b9c0'
branch_labels = None
depends_on = None

BEFORE = ("(SELECT before_it.hash FROM audit_events AS before_it WHERE before_it.chain = audit_events.chain "
          "AND before_it.chain_seq = audit_events.chain_seq - 1)")


def upgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ALTER TABLE audit_events DROP COLUMN prev_hash')
    else:
        op.drop_column('audit_events', 'prev_hash')


def downgrade() -> None:
    bind = op.get_bind()
    postgres = bind.dialect.name == 'postgresql'
    if postgres:  # the trail is append-only there (f6a7b8c9d0e1): its owner fills the new column
        op.execute('ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only')
    op.add_column('audit_events', sa.Column('prev_hash', sa.LargeBinary(32), nullable=True))
    op.execute(f'UPDATE audit_events SET prev_hash = {BEFORE} WHERE chain_seq > 1')
    firsts = bind.execute(sa.text('SELECT DISTINCT chain FROM audit_events WHERE chain_seq = 1')).scalars().all()
    for chain in firsts:  # models.genesis_hash, as of this revision
        bind.execute(sa.text('UPDATE audit_events SET prev_hash = :genesis WHERE chain = :chain AND chain_seq = 1'),
                     {'genesis': bytes.fromhex(f'{chain:064x}'), 'chain': chain})
    if postgres:  # SQLite cannot add NOT NULL afterwards without a table rebuild
        op.alter_column('audit_events', 'prev_hash', nullable=False)
        op.execute('ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only')
