"""One chain per partition: events spread by loan, every partition verified from its genesis, and a
changed, deleted or reordered event found and named in whichever partition it is.

Tampering runs raw SQL as the table's owner would (the append-only trigger off on PostgreSQL).
"""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from models import PARTITIONS, AuditChainHead, AuditEvent, db, genesis_hash
from workflows import audit

from ..test_audit_chain import tamper
from .trail import by_partition, events_in, loans, set_head, swap_positions

SOME = (0, 1, 9, PARTITIONS - 1)


def test_an_empty_trail_verifies(app):
    report = audit.verify()
    assert report == audit.ChainReport(True, 0) and report.breaks == () and report.anchors == 0


def test_events_of_many_loans_spread_over_every_partition_each_loan_in_one_chain(world):
    rows = loans(2 * PARTITIONS)
    for loan in rows:
        events_in(loan, 2)
    placed = db.session.execute(sa.select(AuditEvent.loan_id, AuditEvent.chain, AuditEvent.chain_seq)
                                .where(AuditEvent.loan_id.is_not(None))).all()
    assert {loan_id: chain for loan_id, chain, _ in placed} == {loan.id: loan.id % PARTITIONS for loan in rows}
    assert {chain for _, chain, _ in placed} == set(range(PARTITIONS))
    heads = {head.chain: head for head in db.session.scalars(sa.select(AuditChainHead))}
    for chain in range(PARTITIONS):
        positions = sorted(seq for _, c, seq in placed if c == chain)
        assert positions[-1] == heads[chain].sequence
    report = audit.verify()
    assert report.ok and report.checked == db.session.scalar(sa.select(sa.func.count(AuditEvent.id)))


def test_a_transaction_writes_all_its_events_in_one_partition(world):
    first, second = by_partition(loans())[3], by_partition(loans())[11]
    audit.record("first", loan=first)
    audit.record("second", loan=second)
    audit.record("no_loan")
    db.session.commit()
    chains = db.session.execute(sa.select(AuditEvent.action, AuditEvent.chain, AuditEvent.chain_seq).where(
        AuditEvent.action.in_(["first", "second", "no_loan"])).order_by(AuditEvent.id)).all()
    base = chains[0].chain_seq
    assert [tuple(row) for row in chains] == [("first", 3, base), ("second", 3, base + 1), ("no_loan", 3, base + 2)]
    assert audit.verify().ok


def test_the_first_event_of_each_partition_links_to_that_partitions_genesis(world):
    for chain, loan in by_partition(loans()).items():
        audit.record("opening", loan=loan)
        db.session.commit()
    firsts = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.chain_seq == 1)).all()
    assert firsts and all(event.hash == audit.event_hash(event, genesis_hash(event.chain)) for event in firsts)


def _three_in(partition: int) -> list[int]:
    return events_in(by_partition(loans())[partition])


@pytest.mark.parametrize("partition", SOME)
def test_a_changed_event_is_named_with_its_partition(world, partition):
    ids = _three_in(partition)
    tamper("UPDATE audit_events SET comment = 'changed' WHERE id = :id", id=ids[1])
    report = audit.verify()
    assert not report.ok and report.broken_event_id == ids[1] and report.chain == partition
    assert "content" in report.reason and f"partition {partition}" in report.reason
    assert [(b.chain, b.event_id) for b in report.breaks] == [(partition, ids[1])]


@pytest.mark.parametrize("partition", SOME)
def test_a_deleted_event_is_found_at_the_event_after_it(world, partition):
    ids = _three_in(partition)
    tamper("DELETE FROM audit_events WHERE id = :id", id=ids[1])
    report = audit.verify()
    assert not report.ok and report.broken_event_id == ids[2] and report.chain == partition
    assert "event before it" in report.reason and "follows" in report.reason


@pytest.mark.parametrize("partition", SOME)
def test_two_swapped_events_are_both_named(world, partition):
    ids = _three_in(partition)
    swap_positions(ids[0], ids[1])
    report = audit.verify()
    assert not report.ok and report.chain == partition
    assert [b.event_id for b in report.breaks] == [ids[1], ids[0], ids[2]]
    assert "is not after" in report.breaks[1].reason


@pytest.mark.parametrize("partition", SOME)
def test_removing_the_last_event_of_a_partition_is_found_by_its_head(world, partition):
    ids = _three_in(partition)
    tamper("DELETE FROM audit_events WHERE id = :id", id=ids[2])
    report = audit.verify()
    assert not report.ok and report.chain == partition and report.broken_event_id == ids[2]
    assert "last events were removed" in report.reason


def test_an_event_moved_to_another_partition_breaks_both(world):
    rows = by_partition(loans())
    first, second = events_in(rows[2]), events_in(rows[5])
    top = db.session.scalar(sa.select(AuditChainHead.sequence).where(AuditChainHead.chain == 5))
    tamper("UPDATE audit_events SET chain = 5, chain_seq = :seq WHERE id = :id", seq=top + 1, id=first[1])
    report = audit.verify()
    assert {(b.chain, b.event_id) for b in report.breaks} >= {(2, first[2]), (5, first[1])}
    assert second and not report.ok


def test_every_partition_tampered_at_once_is_named_partition_by_partition(world):
    """A changed event in each of the PARTITIONS chains: each is named, in partition order."""
    changed = {}
    for chain, loan in sorted(by_partition(loans()).items()):
        changed[chain] = events_in(loan, 2)[0]
    for event_id in changed.values():
        tamper("UPDATE audit_events SET actor_role = 'forged' WHERE id = :id", id=event_id)
    report = audit.verify()
    assert [(b.chain, b.event_id) for b in report.breaks] == sorted(changed.items())


def test_statements_per_transaction_one_lock_the_inserts_one_head_write(world):
    """1 event: UPDATE … RETURNING (lock + read the head), INSERT, UPDATE of the head before commit.
    3 events: the same lock and head write, once, and the INSERTs."""
    loan = by_partition(loans())[6]
    events_in(loan, 1)  # the partition's head exists (created on a partition's first event ever)
    seen: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement.split()[0].upper())

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        audit.record("one", loan=loan)
        db.session.commit()
        one = list(seen)
        seen.clear()
        for number in range(3):
            audit.record("three", loan=loan, after={"n": number})
        db.session.commit()
        three = list(seen)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    assert one == ["UPDATE", "INSERT", "UPDATE"]
    inserts = 1 if db.engine.dialect.name == "postgresql" else 3  # PostgreSQL: one multi-row INSERT … RETURNING
    assert three == ["UPDATE"] + ["INSERT"] * inserts + ["UPDATE"]
    assert audit.verify().ok


def test_an_event_appended_while_verify_walks_is_not_taken_for_tampering(world, monkeypatch):
    """verify reads the heads before walking the events: a head read before the partition's last
    append is behind its events; read again, it has reached them."""
    loan = by_partition(loans())[8]
    events_in(loan, 2)
    before_the_append = audit.stored_heads()
    events_in(loan, 1)
    monkeypatch.setattr(audit, "stored_heads", lambda: before_the_append)
    assert audit.verify().ok


def test_a_head_moved_back_behind_its_events_is_found(world):
    loan = by_partition(loans())[8]
    ids = events_in(loan, 3)
    earlier = db.session.get(AuditEvent, ids[1])
    set_head(8, earlier.chain_seq, earlier.hash, earlier.id)
    report = audit.verify()
    assert not report.ok and report.chain == 8 and report.broken_event_id == ids[2]
    assert f"events after the partition's head (the head is at position {earlier.chain_seq})" in report.reason
