"""The hash chain: intact after real work, broken and located after tampering."""
from __future__ import annotations

import sqlalchemy as sa

from models import AuditEvent, db
from workflows import audit

from ..factories import drive, make_household, register


def _events(world) -> list[int]:
    loan = register(world, make_household())
    drive(world, loan.id, until="end")
    return list(db.session.scalars(sa.select(AuditEvent.id).order_by(AuditEvent.id)))


def test_the_chain_is_intact_after_a_whole_loan(world):
    ids = _events(world)
    report = audit.verify()
    assert report.ok and report.checked == len(ids)


def test_a_changed_row_is_found(world):
    ids = _events(world)
    target = ids[len(ids) // 2]
    db.session.execute(sa.text("UPDATE audit_events SET comment = 'changed' WHERE id = :id"), {"id": target})
    db.session.commit()
    report = audit.verify()
    assert not report.ok and report.broken_event_id == target and "content" in report.reason


def test_a_deleted_row_is_found(world):
    ids = _events(world)
    db.session.execute(sa.text("DELETE FROM audit_events WHERE id = :id"), {"id": ids[3]})
    db.session.commit()
    report = audit.verify()
    assert not report.ok and report.broken_event_id == ids[4]


def test_cli_audit_verify(world, runner):
    ids = _events(world)
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    db.session.execute(sa.text("UPDATE audit_events SET actor_name = 'someone' WHERE id = :id"), {"id": ids[2]})
    db.session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and f"event {ids[2]}" in result.output
