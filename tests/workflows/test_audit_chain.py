"""The hash chain: intact after real work, broken and located after tampering.

On PostgreSQL the table refuses UPDATE and DELETE (trigger ``audit_events_append_only``), so the
tamper tests first disable it as the table owner would: that is the DBA-level tamper the chain
exists to reveal.
"""
from __future__ import annotations

from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from models import AuditEvent, db
from workflows import audit

from ..factories import drive, make_household, register

TRIGGER = "audit_events_append_only"
TRIGGERS = {"audit_events": TRIGGER, "audit_anchors": "audit_anchors_append_only"}


def _events(world) -> list[int]:
    loan = register(world, make_household())
    drive(world, loan.id, until="disburse_loan")
    return list(db.session.scalars(sa.select(AuditEvent.id).order_by(AuditEvent.id)))


@contextmanager
def tampering():
    """Run raw SQL on the audit tables as their owner would, with the append-only triggers off."""
    postgres = db.engine.dialect.name == "postgresql"
    for table, trigger in TRIGGERS.items() if postgres else ():
        db.session.execute(sa.text(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}"))
    yield
    for table, trigger in TRIGGERS.items() if postgres else ():
        db.session.execute(sa.text(f"ALTER TABLE {table} ENABLE TRIGGER {trigger}"))
    db.session.commit()


def tamper(sql: str, **params) -> None:
    with tampering():
        db.session.execute(sa.text(sql), params)


def test_the_chain_is_intact_after_a_loan(world):
    ids = _events(world)
    report = audit.verify()
    assert report.ok and report.checked == len(ids)


def test_a_changed_row_is_found(world):
    ids = _events(world)
    target = ids[len(ids) // 2]
    tamper("UPDATE audit_events SET comment = 'changed' WHERE id = :id", id=target)
    report = audit.verify()
    assert not report.ok and report.broken_event_id == target and "content" in report.reason


def test_a_deleted_row_is_found(world):
    ids = _events(world)
    tamper("DELETE FROM audit_events WHERE id = :id", id=ids[3])
    report = audit.verify()
    assert not report.ok and report.broken_event_id == ids[4]


def test_cli_audit_verify(world, runner):
    ids = _events(world)
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    tamper("UPDATE audit_events SET actor_name = 'someone' WHERE id = :id", id=ids[2])
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and f"event {ids[2]}" in result.output


@pytest.mark.parametrize("sql", ["UPDATE audit_events SET comment = 'changed' WHERE id = :id",
                                 "DELETE FROM audit_events WHERE id = :id"])
def test_postgresql_refuses_update_and_delete(world, is_postgres, sql):
    if not is_postgres:
        pytest.skip("the append-only trigger exists on PostgreSQL only")
    ids = _events(world)
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        db.session.execute(sa.text(sql), {"id": ids[1]})
    db.session.rollback()
    assert audit.verify().ok
