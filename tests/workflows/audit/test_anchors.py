"""Anchors: a chained snapshot of every partition's head, written by the timer worker (at most hourly)
and by ``flask audit anchor``. They catch what a head alone cannot: a partition's last events removed
or rewritten together with its head."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from models import PARTITIONS, AuditAnchor, AuditEvent, db
from workflows import audit, clock, timers

from ..test_audit_chain import tamper, tampering
from .trail import by_partition, events_in, loans, set_head

T0 = datetime(2026, 11, 30, 8, 0, tzinfo=timezone.utc)


def _anchor_at(when: datetime) -> AuditAnchor | None:
    with clock.frozen(when):
        written = audit.anchor()
    db.session.commit()
    return written


def test_an_anchor_chains_every_partitions_head_and_is_written_only_when_a_head_moved(world):
    rows = by_partition(loans())
    assert audit.anchor() is not None  # the world's own events (users created) moved heads
    db.session.commit()
    assert _anchor_at(T0) is None  # nothing since
    events_in(rows[4], 2)
    second = _anchor_at(T0)
    first = db.session.scalars(sa.select(AuditAnchor).order_by(AuditAnchor.id)).first()
    assert second.prev_hash == first.hash and second.hash == audit.anchor_hash(second)
    assert [chain for chain, _, _ in second.heads] == list(range(PARTITIONS))
    last = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.chain == 4)
                              .order_by(AuditEvent.chain_seq.desc())).first()
    assert second.heads[4] == [4, last.chain_seq, last.hash]
    report = audit.verify()
    assert report.ok and report.anchors == 2


def test_nothing_to_anchor_on_an_empty_trail(app):
    assert audit.anchor() is None and audit.last_anchor() is None


def test_a_partitions_tail_removed_with_its_head_rewritten_is_caught_by_the_anchor(world):
    loan = by_partition(loans())[7]
    ids = events_in(loan, 3)
    _anchor_at(T0)
    before_last = db.session.get(AuditEvent, ids[1])
    tamper("DELETE FROM audit_events WHERE id = :id", id=ids[2])
    set_head(7, before_last.chain_seq, before_last.hash, before_last.id)
    report = audit.verify()
    assert not report.ok and report.chain == 7 and "anchor #" in report.reason and "gone" in report.reason
    assert report.breaks[0].position == before_last.chain_seq + 1


def test_a_partitions_tail_rewritten_and_rechained_with_its_head_is_caught_by_the_anchor(world):
    """The DBA replaces the last event by a forged one, correctly hashed and linked, and moves the head."""
    loan = by_partition(loans())[12]
    ids = events_in(loan, 3)
    _anchor_at(T0)
    before = db.session.get(AuditEvent, ids[1])
    forged = db.session.get(AuditEvent, ids[2])
    db.session.expunge(forged)  # forged outside the session: on PostgreSQL a flushed UPDATE is refused
    forged.comment = "forged"
    new_hash = audit.event_hash(forged, before.hash)
    tamper("UPDATE audit_events SET comment = 'forged', hash = :hash WHERE id = :id",
           hash=bytes.fromhex(new_hash), id=ids[2])  # the column holds the digest's bytes (models.Digest)
    set_head(12, forged.chain_seq, new_hash, ids[2])
    report = audit.verify()
    assert not report.ok and report.broken_event_id == ids[2] and report.chain == 12
    assert "anchor #" in report.reason and "another event" in report.reason


def test_without_an_anchor_after_them_a_removed_tail_and_rewritten_head_go_unseen(world):
    """The documented limit (docs/audit.md): between two anchors, a DBA who removes a partition's last
    events AND rewrites its head leaves a consistent, shorter chain. The next anchor cannot tell."""
    loan = by_partition(loans())[3]
    ids = events_in(loan, 3)
    kept = db.session.get(AuditEvent, ids[1])
    tamper("DELETE FROM audit_events WHERE id = :id", id=ids[2])
    set_head(3, kept.chain_seq, kept.hash, kept.id)
    assert audit.verify().ok


def test_a_changed_anchor_or_a_removed_one_is_named(world):
    loan = by_partition(loans())[1]
    events_in(loan, 1)
    first = _anchor_at(T0)
    events_in(loan, 1)
    second = _anchor_at(T0 + timedelta(hours=1))
    events_in(loan, 1)
    third = _anchor_at(T0 + timedelta(hours=2))
    with tampering():
        db.session.execute(sa.update(AuditAnchor).where(AuditAnchor.id == first.id)
                           .values(heads=[[c, 0, s] for c, _, s in first.heads]))
    report = audit.verify()
    assert not report.ok and any(f"anchor #{first.id}: content" in b.reason for b in report.breaks)
    tamper("DELETE FROM audit_anchors WHERE id = :id", id=second.id)
    report = audit.verify()
    assert any(f"anchor #{third.id}: link" in b.reason for b in report.breaks)


def test_the_timer_worker_anchors_at_most_once_an_hour(world):
    loan = by_partition(loans())[9]
    with clock.frozen(T0):
        timers.sweep(T0)
    assert db.session.scalar(sa.select(sa.func.count(AuditAnchor.id))) == 1
    events_in(loan, 1)
    with clock.frozen(T0 + timedelta(minutes=30)):
        timers.sweep(T0 + timedelta(minutes=30))
    assert db.session.scalar(sa.select(sa.func.count(AuditAnchor.id))) == 1  # too soon
    later = T0 + timedelta(hours=1, minutes=1)
    with clock.frozen(later):
        timers.sweep(later)
    anchors = db.session.scalars(sa.select(AuditAnchor).order_by(AuditAnchor.id)).all()
    assert len(anchors) == 2 and anchors[1].created_at == later
    assert audit.verify().ok
