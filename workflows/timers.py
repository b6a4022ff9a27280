"""The timer worker: fire the timers of every instance that is due, one instance per transaction.

Due instances are found by the indexed ``next_timer_at`` column, never by loading states. On
PostgreSQL each instance is taken with ``FOR UPDATE SKIP LOCKED``, so several workers share the
due set without waiting on each other; on SQLite (one writer at a time) the optimistic version
check makes a second worker's save of the same instance fail and roll back instead.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from models import Loan, ProcessInstance, db

from . import clock, engine, instances
from .errors import ConcurrentUpdateError

log = logging.getLogger(__name__)


@dataclass
class SweepReport:
    fired: int = 0
    conflicts: int = 0
    errors: int = 0


def _next_due(now: datetime, skip: set[int]) -> int | None:
    query = (
        sa.select(ProcessInstance.id)
        .where(ProcessInstance.status == "running", ProcessInstance.next_timer_at <= now)
        .order_by(ProcessInstance.next_timer_at, ProcessInstance.id).limit(1)
    )
    if skip:
        query = query.where(ProcessInstance.id.not_in(skip))
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return db.session.scalar(query)


def fire_instance(instance_id: int) -> None:
    """Advance one instance whose timer is due, in the caller's transaction."""
    loaded = instances.load(instance_id)
    engine.run_engine(loaded.workflow)
    loan = db.session.get(Loan, loaded.row.loan_id) if loaded.row.loan_id else None
    instances.settle(loaded, loan)


def sweep(now: datetime | None = None, limit: int | None = None) -> SweepReport:
    """Fire every due timer (as of ``now``, the fake clock for tests and operators)."""
    report, skip = SweepReport(), set()
    now = now or clock.now()
    with clock.frozen(now):
        while limit is None or report.fired < limit:
            instance_id = _next_due(now, skip)
            if instance_id is None:
                break
            try:
                fire_instance(instance_id)
                db.session.commit()
                report.fired += 1
            except ConcurrentUpdateError:
                db.session.rollback()
                report.conflicts += 1
                skip.add(instance_id)
            except Exception:
                log.exception("timer of process instance %s failed; left for the next sweep", instance_id)
                db.session.rollback()
                report.errors += 1
                skip.add(instance_id)
    return report
