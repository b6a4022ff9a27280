"""Two transactions that write events for two loans in opposite order, on PostgreSQL: each locks the
head of its first loan's partition only, so neither waits on the other (no deadlock), and the trail
verifies. Per-event partition locking would deadlock here: T1 holding a's head waits for b's, T2
holding b's waits for a's."""
from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from flask import current_app

from models import AuditEvent, Loan, db
from workflows import audit

from .trail import by_partition, loans

pytestmark = pytest.mark.postgres


def test_two_transactions_writing_two_loans_in_opposite_order_do_not_deadlock(world, is_postgres):
    if not is_postgres:
        pytest.skip("concurrent writers on one database: PostgreSQL (TEST_DATABASE_URL)")
    rows = by_partition(loans())
    a, b = rows[2].id, rows[10].id
    app, failures = current_app._get_current_object(), []
    step = threading.Barrier(2, timeout=30)

    def write(name: str, first: int, second: int) -> None:
        with app.app_context():
            try:
                db.session.execute(sa.text("SET lock_timeout = '10s'"))
                audit.record(name, loan=db.session.get(Loan, first))
                db.session.flush()
                step.wait()  # both hold the head of their first loan's partition
                audit.record(name, loan=db.session.get(Loan, second))
                db.session.flush()
                step.wait()  # both wrote their second event before either commits
                db.session.commit()
            except Exception as exc:  # reported to the test
                failures.append(exc)
                step.abort()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=write, args=("t1", a, b)), threading.Thread(target=write, args=("t2", b, a))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    placed = db.session.execute(sa.select(AuditEvent.action, AuditEvent.loan_id, AuditEvent.chain)
                                .where(AuditEvent.action.in_(["t1", "t2"])).order_by(AuditEvent.id)).all()
    assert sorted(tuple(row) for row in placed) == sorted([("t1", a, 2), ("t1", b, 2), ("t2", b, 10), ("t2", a, 10)])
    assert audit.verify().ok
