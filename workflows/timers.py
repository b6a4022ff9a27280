"""The timer worker: fire the timers of every instance that is due, one instance per transaction.

Due instances are found by the indexed ``next_timer_at`` column, never by loading states. On
PostgreSQL each instance is taken with ``FOR UPDATE SKIP LOCKED``, so several workers share the
due set without waiting on each other; on SQLite (one writer at a time) the optimistic version
check makes a second worker's save of the same instance fail and roll back instead, and an
instance whose timer another worker already fired (its ``next_timer_at`` moved on) is left alone.

After the due timers, each sweep recomputes days past due and risk classes
(``overdue.recompute``), checks the risk fund ratio and schedules subsidy settlements. Two workers
never run one of these jobs at once on PostgreSQL: each takes a transaction-scoped advisory lock,
without waiting (``_job_lock``: the worker that holds it does the job; the other skips it this
sweep). The jobs hold on their own too, wherever they are called from and on SQLite: the ratio
check locks the fund's row before looking for an open top-up, scheduling inserts each settlement
on its unique key and draws one up only once it holds its row.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from models import Loan, ProcessInstance, db

from . import audit, clock, engine, instances, overdue, risk_fund, subsidy_settlement
from .credit_rating import designations
from .errors import ConcurrentUpdateError

log = logging.getLogger(__name__)
BATCH_SIZE = 50
JOB_LOCKS = {"overdue": 7_310_001, "risk_fund": 7_310_002, "subsidy": 7_310_003,  # PostgreSQL advisory lock keys
             "credit_designations": 7_310_004}


@dataclass
class SweepReport:
    fired: int = 0
    conflicts: int = 0
    errors: int = 0
    skipped: int = 0
    overdue_changed: int = 0
    jobs_skipped: int = 0  # housekeeping jobs another worker was running


def _due_ids(now: datetime, skip: set[int], size: int) -> list[int]:
    """Up to ``size`` due instances, oldest timer first (locked, skipping rows other workers hold, on PostgreSQL)."""
    query = (
        sa.select(ProcessInstance.id)
        .where(ProcessInstance.status == "running", ProcessInstance.next_timer_at < now)  # Spiff fires strictly after
        .order_by(ProcessInstance.next_timer_at, ProcessInstance.id).limit(size)
    )
    if skip:
        query = query.where(ProcessInstance.id.not_in(skip))
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(db.session.scalars(query))


@dataclass(frozen=True)
class Fired:
    instance_id: int
    fired: bool
    still_due: bool = False
    tasks: tuple[str, ...] = ()


def fire_instance(instance_id: int, now: datetime) -> Fired:
    """Advance one instance whose timer is due, in the caller's transaction.

    Not fired if another worker already moved it on; still due if its next timer is also past (it
    fires in the next sweep, so one sweep never loops on an instance).
    """
    loaded = instances.load(instance_id)
    due = loaded.row.next_timer_at
    if loaded.row.status != "running" or due is None or not due < now:
        return Fired(instance_id, False)
    _claim(loaded)
    engine.run_engine(loaded.workflow)
    loan = db.session.get(Loan, loaded.row.loan_id) if loaded.row.loan_id else None
    created = instances.settle(loaded, loan)
    following = loaded.row.next_timer_at
    return Fired(instance_id, True, following is not None and following < now, tuple(r.name for r in created))


def _claim(loaded) -> None:
    """Take the instance's row for this worker before running anything (a no-op UPDATE on the loaded version).

    On SQLite this takes the write lock, so a second worker waits and then finds another version
    (or is refused as busy); on PostgreSQL the row is already locked by ``_due_ids``.
    """
    claimed = db.session.execute(
        sa.update(ProcessInstance).where(ProcessInstance.id == loaded.row.id,
                                         ProcessInstance.version == loaded.loaded_version)
        .values(next_timer_at=loaded.row.next_timer_at).execution_options(synchronize_session=False)
    ).rowcount
    if not claimed:
        raise ConcurrentUpdateError("another worker fired this timer")


def housekeeping(now: datetime, report: SweepReport) -> None:
    """The daily jobs each sweep runs after the timers, each in its own transaction.

    A job another worker is running is skipped (``report.jobs_skipped``). A job that fails is
    logged, rolled back and counted in ``report.errors``; the next sweep runs it again.
    """
    jobs = (("overdue", lambda: _recompute(report)), ("risk_fund", lambda: risk_fund.check_ratio(now)),
            ("subsidy", lambda: subsidy_settlement.ensure_scheduled(now)),
            ("credit_designations", lambda: _credit_designations(now)))
    for name, job in jobs:
        try:
            if _job_lock(name):
                job()
            else:
                report.jobs_skipped += 1
            db.session.commit()
        except Exception:
            log.exception("housekeeping job %s failed; it runs again next sweep", name)
            db.session.rollback()
            report.errors += 1


def _job_lock(name: str) -> bool:
    """Whether this worker runs the job now: on PostgreSQL, a lock held until the job's transaction
    ends, taken only if free (``pg_try_advisory_xact_lock``); SQLite runs one writer at a time and
    the job's own locks and unique keys hold there."""
    if db.engine.dialect.name != "postgresql":
        return True
    return bool(db.session.scalar(sa.select(sa.func.pg_try_advisory_xact_lock(JOB_LOCKS[name]))))


def _credit_designations(now: datetime) -> None:
    """The yearly proposal of credit households, villages and towns, and the daily revocation of a
    credit village whose overdue rate reached the limit."""
    designations.yearly(now)
    designations.revoke_failing(clock.today())


def _recompute(report: SweepReport) -> None:
    report.overdue_changed = overdue.recompute(clock.today()).changed


def sweep(now: datetime | None = None, limit: int | None = None, batch_size: int = BATCH_SIZE) -> SweepReport:
    """Fire every due timer (as of ``now``, the fake clock for tests and operators), then housekeeping.

    Without ``now`` the sweep reads the business clock afresh (a business date set since the last
    sweep counts at once) and holds that instant for the whole sweep; wall time (audit timestamps) runs on.
    """
    report, skip = SweepReport(), set()
    clock.forget()
    now = now or clock.now()
    with clock.held(now):
        while limit is None or report.fired < limit:
            size = batch_size if limit is None else min(batch_size, limit - report.fired)
            if not _fire_batch(now, skip, size, report):
                break
        housekeeping(now, report)
    return report


def _fire_batch(now: datetime, skip: set[int], size: int, report: SweepReport) -> int:
    """Fire up to ``size`` due instances in one transaction (one commit: SQLite's fsync dominates).

    If any of them fails, the batch is rolled back and its instances are fired again one per
    transaction, so one bad instance never holds back the others. Returns how many were taken.
    """
    taken, results = [], []
    try:
        taken = _due_ids(now, skip, size)
        results = [fire_instance(instance_id, now) for instance_id in taken]
        _record(results)
        db.session.commit()
    except Exception:
        db.session.rollback()
        for instance_id in taken:
            _fire_alone(instance_id, now, skip, report)
        return len(taken)
    for instance_id, result in zip(taken, results):
        _tally(instance_id, result, skip, report)
    return len(taken)


def _fire_alone(instance_id: int, now: datetime, skip: set[int], report: SweepReport) -> None:
    try:
        result = fire_instance(instance_id, now)
        _record([result])
        db.session.commit()
    except ConcurrentUpdateError:
        db.session.rollback()
        report.conflicts += 1
        skip.add(instance_id)
        return
    except Exception:
        log.exception("timer of process instance %s failed; left for the next sweep", instance_id)
        db.session.rollback()
        report.errors += 1
        skip.add(instance_id)
        return
    _tally(instance_id, result, skip, report)


def _tally(instance_id: int, result: Fired, skip: set[int], report: SweepReport) -> None:
    report.fired += result.fired
    report.skipped += not result.fired
    if result.still_due or not result.fired:
        skip.add(instance_id)  # at most once per sweep: a timer due again fires in the next sweep


def _record(results: list[Fired]) -> None:
    """One audit event per committed batch: which instances fired and the tasks they opened."""
    fired = [r for r in results if r.fired]
    if fired:
        audit.record("timers_fired", after={"instances": {str(r.instance_id): r.tasks for r in fired}})
