"""Audit events carry the business date beside the wall time: hashed when present, so events from
before (none) still verify; findings that measure durations measure business time."""
from __future__ import annotations

import hashlib
import json
from contextlib import contextmanager
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from models import AuditEvent, db
from workflows import audit, audit_findings, clock
from workflows.tasks import service

from ...factories import APPROVAL, INVESTIGATION, drive, make_household, ready_task, register
from ...factories_audit import at
from ..test_audit_chain import tamper


def event_of(action: str) -> AuditEvent:
    return db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)).one()


def previous_hash(event: AuditEvent, prev_hash: str) -> str:
    """The hash as the code before the business date computed it."""
    content = {name: audit.jsonable(getattr(event, name)) for name in audit.HASHED_FIELDS}
    content["prev_hash"] = prev_hash
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def record_as_before(action: str) -> tuple[AuditEvent, str]:
    """An event appended as the previous code did: no business date, the previous hash; and its link."""
    tail = audit._tail(None, None)  # this transaction's partition, locked
    link = tail.last_hash
    event = AuditEvent(action=action, occurred_at=at(2, 9), chain=tail.chain, chain_seq=tail.sequence + 1)
    event.hash = previous_hash(event, link)
    db.session.add(event)
    tail.advance(event)
    db.session.commit()
    return event, link


def test_an_event_from_before_the_business_date_hashes_as_before_and_verifies(world):
    old, link = record_as_before("old_event")
    assert old.business_date is None and audit.event_hash(old, link) == old.hash
    audit.record("new_event")
    db.session.commit()
    new = event_of("new_event")
    assert new.business_date == clock.today() and audit.event_hash(new, old.hash) != previous_hash(new, old.hash)
    assert audit.verify().ok


def test_a_changed_or_removed_business_date_breaks_the_chain(world):
    audit.record("first")
    audit.record("second")
    db.session.commit()
    first, second = event_of("first"), event_of("second")
    recorded = first.business_date
    tamper("UPDATE audit_events SET business_date = :day WHERE id = :id", day=date(2030, 1, 1), id=first.id)
    db.session.expire_all()
    assert audit.verify().broken_event_id == first.id
    tamper("UPDATE audit_events SET business_date = :day WHERE id = :id", day=recorded, id=first.id)
    tamper("UPDATE audit_events SET business_date = NULL WHERE id = :id", id=second.id)
    db.session.expire_all()
    assert audit.verify().broken_event_id == second.id


@contextmanager
def wall_and_business(wall: datetime, business: datetime):
    with clock.frozen(wall), clock.held(business):
        yield


def complete(world, loan_id: int, name: str, username: str, data: dict, wall: datetime, business: datetime):
    with wall_and_business(wall, business):
        service.complete_task(world.actor(username), ready_task(loan_id, name).id, data)


def too_fast(world) -> list[int]:
    return [f.event.loan_id for f in audit_findings.find(world.users["supervisor"], "too_fast")]


def test_too_fast_counts_business_time_not_wall_time(world):
    """Two business days between investigation and approval, ten wall minutes: not too fast; and the other
    way round (ten business minutes, two wall days): too fast."""
    slow_in_business, fast_in_business = (drive(world, register(world, make_household()).id, "investigate_credit")
                                          for _ in range(2))
    start = at(2, 9)
    for loan in (slow_in_business, fast_in_business):
        complete(world, loan.id, "investigate_credit", "officer_rcb", INVESTIGATION, start, start)
    complete(world, slow_in_business.id, "approve_loan", "approver_rcb", APPROVAL,
             start + timedelta(minutes=10), start + timedelta(days=2, minutes=10))
    complete(world, fast_in_business.id, "approve_loan", "approver_rcb", APPROVAL,
             start + timedelta(days=2, minutes=10), start + timedelta(minutes=10))
    approval = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.loan_id == slow_in_business.id, AuditEvent.task_name == "approve_loan")).one()
    assert approval.business_date == date(2026, 3, 4) and clock.local(approval.occurred_at).date() == date(2026, 3, 2)
    assert too_fast(world) == [fast_in_business.id]
