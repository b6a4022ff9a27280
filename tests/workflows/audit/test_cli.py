"""``flask audit anchor`` and ``flask audit verify`` on the partitioned trail."""
from __future__ import annotations

import sqlalchemy as sa

from models import AuditAnchor, AuditEvent, db

from ..test_audit_chain import tamper
from .trail import by_partition, events_in, loans


def test_audit_anchor_prints_the_anchor_for_a_witness(app, runner):
    assert runner.invoke(args=["audit", "anchor"]).output.strip() == "nothing to anchor: the audit trail is empty"


def test_audit_anchor_then_verify(world, runner):
    events_in(by_partition(loans())[5], 2)
    result = runner.invoke(args=["audit", "anchor"])
    anchor = db.session.scalars(sa.select(AuditAnchor)).one()
    assert result.exit_code == 0 and result.output.split() == ["anchor", f"#{anchor.id}",
                                                              anchor.created_at.isoformat(), anchor.hash]
    again = runner.invoke(args=["audit", "anchor"])
    assert again.exit_code == 0 and f"#{anchor.id}" in again.output and "unchanged" in again.output
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "events verified, 1 anchors" in result.output


def test_audit_verify_names_every_broken_event_and_partition(world, runner):
    rows = by_partition(loans())
    in_4, in_13 = events_in(rows[4]), events_in(rows[13])
    tamper("UPDATE audit_events SET comment = 'changed' WHERE id = :id", id=in_4[1])
    tamper("DELETE FROM audit_events WHERE id = :id", id=in_13[0])
    changed, after_gap = (db.session.get(AuditEvent, event_id).chain_seq for event_id in (in_4[1], in_13[1]))
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    first = (f"BROKEN at event {in_4[1]}: partition 4, position {changed}: "
             "content, or the event before it, does not match its hash")
    assert first in result.output
    assert (f"also broken: partition 13, position {after_gap}: content, or the event before it, does not match "
            "its hash; "
            f"position {after_gap} follows {after_gap - 2} (event {in_13[1]})") in result.output
