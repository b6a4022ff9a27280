"""Append to and verify the hash-chained audit trail (审计留痕).

An event keeps the wall time it happened (``occurred_at``) and the business date then
(``business_date``, see ``workflows/clock.py``). The business date enters the hash when it is
present; events from before it was recorded have none and hash as they always did, so they verify.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa

from models import GENESIS_HASH, AuditChainHead, AuditEvent, Loan, User, db

from . import clock

HASHED_FIELDS = (
    "occurred_at", "action", "actor_id", "actor_name", "actor_role", "ip_address", "loan_id",
    "household_id", "township_id", "bank_id", "process_instance_id", "task_name", "before",
    "after", "codes", "comment", "prev_hash",
)


@dataclass(frozen=True)
class Actor:
    """Who acts: the user, the role they act in and the address the request came from."""

    user: User | None
    role: str | None = None
    ip_address: str | None = None

    @property
    def user_id(self) -> int | None:
        return self.user.id if self.user else None


SYSTEM = Actor(None, "system")


def jsonable(value):
    """Task data and column values as JSON: Decimal as a string, dates as ISO text."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def event_hash(event: AuditEvent) -> str:
    content = {name: jsonable(getattr(event, name)) for name in HASHED_FIELDS}
    if event.business_date is not None:
        content["business_date"] = event.business_date.isoformat()
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _lock_chain_head() -> AuditChainHead:
    """Update the head row first: on both databases this holds a write lock until commit."""
    updated = db.session.execute(
        sa.update(AuditChainHead).where(AuditChainHead.id == 1).values(sequence=AuditChainHead.sequence + 1)
    ).rowcount
    if not updated:
        db.session.add(AuditChainHead(id=1, last_hash=GENESIS_HASH, sequence=1))
        db.session.flush()
    return db.session.execute(
        sa.select(AuditChainHead).where(AuditChainHead.id == 1).execution_options(populate_existing=True)
    ).scalar_one()


def record(action: str, actor: Actor = SYSTEM, *, loan: Loan | None = None, **fields) -> AuditEvent:
    """Append one event in the current transaction (the caller commits)."""
    head = _lock_chain_head()
    if loan is not None:
        fields.setdefault("loan_id", loan.id)
        fields.setdefault("household_id", loan.household_id)
        fields.setdefault("township_id", loan.township_id)
        fields.setdefault("bank_id", loan.bank_id)
    for key in ("before", "after", "codes"):
        if fields.get(key) is not None:
            fields[key] = jsonable(fields[key])
    event = AuditEvent(
        action=action, occurred_at=clock.wall_now(), business_date=clock.today(),
        actor_id=actor.user_id, actor_name=actor.user.username if actor.user else None,
        actor_role=actor.role, ip_address=actor.ip_address, prev_hash=head.last_hash, **fields,
    )
    event.hash = event_hash(event)
    db.session.add(event)
    db.session.flush()
    head.last_event_id, head.last_hash = event.id, event.hash
    return event


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    broken_event_id: int | None = None
    reason: str | None = None


def verify(batch_size: int = 1000) -> ChainReport:
    """Walk the chain in id order; report the first row whose link or content does not match."""
    expected_prev, checked, last_id = GENESIS_HASH, 0, 0
    while True:
        rows = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.id > last_id).order_by(AuditEvent.id).limit(batch_size)
        ).all()
        if not rows:
            break
        for event in rows:
            if event.prev_hash != expected_prev:
                return ChainReport(False, checked, event.id, "link to the previous event does not match")
            if event_hash(event) != event.hash:
                return ChainReport(False, checked, event.id, "content does not match its hash")
            expected_prev, checked, last_id = event.hash, checked + 1, event.id
            db.session.expunge(event)
    head = db.session.get(AuditChainHead, 1)
    if head is not None and head.last_hash != expected_prev:
        return ChainReport(False, checked, head.last_event_id, "the last events were removed")
    return ChainReport(True, checked)
