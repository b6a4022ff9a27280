"""The timer worker fires a batch of due instances with a fixed number of SQL statements (but for
SQLite's one INSERT per new inbox row), and an instance whose engine fails is left out of its batch
without holding back the others.

The due instances are clones of a real loan's post-loan instance waiting on its first visit (fresh
task ids, as in ``bench/timers.py``), all due in one batch.
"""
from __future__ import annotations

import re
import uuid
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from models import AuditEvent, HumanTask, ProcessInstance, db
from tests.factories_postloan import at, disbursed
from workflows import state_codec, timers

NOW = at(date(2025, 4, 10))  # the first visit of a loan disbursed on 2025-01-10 is due
UUID = re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@pytest.fixture
def template(world) -> ProcessInstance:
    """A disbursed loan's post-loan instance, put off so that only the clones below are due."""
    loan = disbursed(world)
    row = db.session.scalars(sa.select(ProcessInstance).filter_by(loan_id=loan.id)).one()
    row.next_timer_at = NOW + timedelta(days=30)
    db.session.commit()
    return row


@pytest.fixture
def only_timers(monkeypatch):
    """The sweep without its housekeeping jobs (they do not depend on the due count)."""
    monkeypatch.setattr(timers, "housekeeping", lambda now, report: None)


def clone_due(template: ProcessInstance, count: int) -> list[int]:
    """``count`` copies of the template's state with fresh task ids, due an hour ago."""
    ids = []
    for _ in range(count):
        mapping: dict[bytes, bytes] = {}
        text = UUID.sub(lambda m: mapping.setdefault(m.group(0), str(uuid.uuid4()).encode()),
                        state_codec.decompress(template.state))
        row = ProcessInstance(process_version_id=template.process_version_id, loan_id=template.loan_id,
                              state=state_codec.compress(text), next_timer_at=NOW - timedelta(hours=1))
        db.session.add(row)
        db.session.flush()
        ids.append(row.id)
    db.session.commit()
    return ids


def statements_of_a_sweep() -> tuple[timers.SweepReport, list[str]]:
    """One sweep and the statements it sent, less the audit trail's (its partition is drawn at random:
    a first event in a partition takes two more statements)."""
    statements = []

    def count(_conn, _cursor, statement, *_args):
        if "audit_" not in statement:
            statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        report = timers.sweep(NOW)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    return report, statements


def visits(instance_ids: list[int]) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(HumanTask).where(
        HumanTask.process_instance_id.in_(instance_ids), HumanTask.name == "post_loan_visit"))


def inbox_inserts(statements: list[str]) -> tuple[list[str], list[str]]:
    """(the new inbox rows' INSERTs, the other statements)."""
    inserts = [s for s in statements if s.startswith("INSERT INTO human_tasks")]
    return inserts, [s for s in statements if s not in inserts]


def test_a_batch_takes_as_many_statements_for_eight_timers_as_for_two(template, only_timers, is_postgres):
    """Any statement added per fired timer (a query per instance, a flush per row) makes 8 cost more than 2.
    The new inbox rows go in as a completion's (``instances.insert_rows``): one INSERT on PostgreSQL, one
    per row on SQLite (RETURNING the ids in order), the only statements there that grow with the batch."""
    few = clone_due(template, 2)
    small, small_statements = statements_of_a_sweep()
    many = clone_due(template, 8)
    large, large_statements = statements_of_a_sweep()
    assert (small.fired, large.fired, small.errors, large.errors) == (2, 8, 0, 0)
    assert visits(few) == 2 and visits(many) == 8
    small_inserts, small_others = inbox_inserts(small_statements)
    large_inserts, large_others = inbox_inserts(large_statements)
    assert (len(small_inserts), len(large_inserts)) == ((1, 1) if is_postgres else (2, 8))
    assert len(large_others) == len(small_others), "\n".join(large_others)
    assert len(large_others) <= 9  # due ids (twice), rows, loans, inbox rows, spec, states


def test_an_instance_that_raises_leaves_the_others_of_its_batch_fired(template, only_timers, caplog):
    good_before, bad, good_after = clone_due(template, 3)
    broken = db.session.get(ProcessInstance, bad)
    broken.state = state_codec.compress(b'{"data": {}}')  # no task tree: the engine cannot load it
    db.session.commit()
    version = broken.version
    report = timers.sweep(NOW)
    assert (report.fired, report.errors, report.conflicts) == (2, 1, 0)
    assert visits([good_before, good_after]) == 2 and visits([bad]) == 0
    db.session.expire_all()
    left = db.session.get(ProcessInstance, bad)
    assert (left.version, left.next_timer_at) == (version, NOW - timedelta(hours=1))  # untouched: due next sweep
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "timers_fired")).all()
    assert len(events) == 1  # the two others fired in their batch, not one by one after a rollback
    assert sorted(events[0].after["instances"]) == sorted([str(good_before), str(good_after)])
    assert f"timer of process instance {bad} failed" in caplog.text
    again = timers.sweep(NOW)
    assert (again.fired, again.errors) == (0, 1)  # tried again, still failing, the others not fired twice


def test_a_batch_another_worker_wrote_first_is_fired_one_by_one(template, only_timers, monkeypatch, is_postgres):
    """A state another worker saved between the batch's read and its write (SQLite: on PostgreSQL the
    batch holds its rows locked): the batch is rolled back and each instance fired alone, the one
    already moved on skipped."""
    if is_postgres:
        pytest.skip("on PostgreSQL the batch's rows are locked FOR UPDATE: no one else writes them")
    first, moved, last = clone_due(template, 3)
    run = timers._run

    def meanwhile(row, loan, open_rows):
        staged = run(row, loan, open_rows)
        if row.id == moved:  # another worker fires it and commits: a new version, its timer moved on
            with db.engine.connect() as other:
                other.execute(sa.update(ProcessInstance.__table__).where(ProcessInstance.id == moved).values(
                    version=ProcessInstance.version + 1, next_timer_at=NOW + timedelta(days=90)))
                other.commit()
        return staged

    monkeypatch.setattr(timers, "_run", meanwhile)
    report = timers.sweep(NOW)
    assert (report.fired, report.skipped, report.errors) == (2, 1, 0)
    assert visits([first, last]) == 2 and visits([moved]) == 0
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "timers_fired")).all()
    assert sorted(key for e in events for key in e.after["instances"]) == sorted([str(first), str(last)])
