"""The timer worker: fire the timers of every instance that is due, a batch per transaction.

Due instances are found by the indexed ``next_timer_at`` column, never by loading states, and taken
``BATCH_SIZE`` at a time. A worker first leases its batch (``_claim_due``: one UPDATE of
``timer_lease_until`` on due instances nobody holds, committed at once), so two workers take
disjoint batches and run their engines side by side, on SQLite too, where only the short writes
take turns. A batch is then read with one query per table, its engines run in memory and its
writes go out as executemany and one flush, so the SQL statements of a batch do not grow with its
size (``_fire_many``; tests/workflows/timers/). The one exception is SQLite's: new inbox rows go in
as a completion's do (``instances.insert_rows``), one INSERT each there. Each save ends its
instance's lease; an instance whose engine fails is left out of its batch and its lease ended (it
is due again at the next sweep); a batch whose write fails (a user completed a step of one of its
instances meanwhile) is fired again one instance per transaction (``_fire_alone``), where the
optimistic version check keeps a timer from firing twice. A lease of a worker that died runs out
after ``LEASE``.

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
from datetime import datetime, timedelta

import sqlalchemy as sa

from models import IS_READY, HumanTask, HumanTaskState, Loan, ProcessInstance, db

from . import audit, clock, engine, instances, overdue, risk_fund, subsidy_settlement
from .credit_rating import designations
from .errors import ConcurrentUpdateError
from .tasks import four_eyes

log = logging.getLogger(__name__)
BATCH_SIZE = 50
LEASE = timedelta(minutes=5)  # how long a worker's claim on a due instance holds if it never saves
JOB_LOCKS = {"overdue": 7_310_001, "risk_fund": 7_310_002, "subsidy": 7_310_003,  # PostgreSQL advisory lock keys
             "credit_designations": 7_310_004, "audit_anchor": 7_310_005}


@dataclass
class SweepReport:
    fired: int = 0
    conflicts: int = 0
    errors: int = 0
    skipped: int = 0
    overdue_changed: int = 0
    jobs_skipped: int = 0  # housekeeping jobs another worker was running


def _claim_due(now: datetime, skip: set[int], size: int) -> list[int]:
    """Lease up to ``size`` due instances to this worker, oldest timer first, and commit the lease.

    One UPDATE sets ``timer_lease_until`` on due instances no other worker holds a lease on, in a
    short transaction of its own: a worker then reads and runs its batch without a lock, so several
    workers (on SQLite as on PostgreSQL, where ``SKIP LOCKED`` keeps two claims from waiting on each
    other) run their engines at once on disjoint batches. The save of each instance ends its lease;
    a lease left by a worker that died runs out after ``LEASE``.
    """
    due = (
        sa.select(ProcessInstance.id)
        .where(ProcessInstance.status == "running", ProcessInstance.next_timer_at < now,  # Spiff fires strictly after
               sa.or_(ProcessInstance.timer_lease_until.is_(None), ProcessInstance.timer_lease_until <= now))
        .order_by(ProcessInstance.next_timer_at, ProcessInstance.id).limit(size)
    )
    if skip:
        due = due.where(ProcessInstance.id.not_in(skip))
    if db.engine.dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    taken = list(db.session.scalars(
        sa.update(ProcessInstance).where(ProcessInstance.id.in_(due.scalar_subquery()))
        .values(timer_lease_until=now + LEASE).returning(ProcessInstance.id)
        .execution_options(synchronize_session=False)))
    db.session.commit()
    return sorted(taken)


def _release(instance_ids: list[int]) -> None:
    """End this worker's lease on instances it did not fire (they are due again at the next sweep)."""
    if instance_ids:
        db.session.execute(sa.update(ProcessInstance).where(ProcessInstance.id.in_(instance_ids))
                           .values(timer_lease_until=None).execution_options(synchronize_session=False))


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
    (or is refused as busy); on PostgreSQL it waits for a save of the row by another transaction.
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
            ("credit_designations", lambda: _credit_designations(now)),
            ("audit_anchor", lambda: audit.anchor(every=audit.ANCHOR_INTERVAL)))
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

    The batch is read with one query per table and written by executemany (``_fire_many``); an
    instance whose engine fails is left out of it (logged, counted, still due). If the write fails
    (another worker saved one of them first), the batch is rolled back and its instances are fired
    again one per transaction, so one bad instance never holds back the others. Returns how many were taken.
    """
    taken, results, failed = [], [], []
    try:
        taken = _claim_due(now, skip, size)
        if taken:
            results, failed = _fire_many(taken, now)
            _release(failed + [result.instance_id for result in results if not result.fired])
            _record(results)
            db.session.commit()
    except Exception:
        db.session.rollback()
        for instance_id in taken:
            _fire_alone(instance_id, now, skip, report)
        return len(taken)
    report.errors += len(failed)
    skip.update(failed)
    for result in results:
        _tally(result.instance_id, result, skip, report)
    return len(taken)


@dataclass
class _Staged:
    """One instance of a batch after its engine ran in memory: what its save writes (nothing written yet)."""

    row: ProcessInstance
    loan: Loan | None
    state: bytes
    next_timer_at: datetime | None
    completed: bool
    end_event: str | None
    cancelled: list[HumanTask]
    created: list[HumanTask]
    properties: list[dict]  # of each created row's task, for its four-eyes exclusions
    loan_status: str | None
    rejection_codes: list | None


def _fire_many(taken: list[int], now: datetime) -> tuple[list[Fired], list[int]]:
    """Fire the instances ``taken`` in the caller's transaction: (what fired or not, ids whose engine failed).

    Reads the rows, their loans and their open inbox rows with one query each and runs every engine
    in memory; then one executemany writes the states (each checked against the version it was
    read at: another worker's save raises ``ConcurrentUpdateError``), one flush the cancelled rows
    and loan statuses, then ``instances.insert_rows`` the new inbox rows with their ids (one INSERT on
    PostgreSQL, one per row on SQLite). Same outcome per instance as ``fire_instance``.
    """
    rows = db.session.scalars(sa.select(ProcessInstance).where(ProcessInstance.id.in_(taken))).all()
    loan_ids = {row.loan_id for row in rows if row.loan_id is not None}
    loans = ({loan.id: loan for loan in db.session.scalars(sa.select(Loan).where(Loan.id.in_(loan_ids)))}
             if loan_ids else {})
    open_rows: dict[int, list[HumanTask]] = {}
    for task in db.session.scalars(sa.select(HumanTask).where(
            HumanTask.process_instance_id.in_(taken), IS_READY)):
        open_rows.setdefault(task.process_instance_id, []).append(task)
    by_id = {row.id: row for row in rows}
    results, failed, staged = [], [], []
    for instance_id in taken:
        row = by_id.get(instance_id)
        if row is None or row.status != "running" or row.next_timer_at is None or not row.next_timer_at < now:
            results.append(Fired(instance_id, False))
            continue
        try:
            staged.append(_run(row, loans.get(row.loan_id), open_rows.get(instance_id, [])))
        except Exception:
            log.exception("timer of process instance %s failed; left for the next sweep", instance_id)
            failed.append(instance_id)
    if staged:
        _write(staged)
    for item in staged:
        following = item.next_timer_at
        results.append(Fired(item.row.id, True, following is not None and following < now,
                             tuple(task.name for task in item.created)))
    return results, failed


def _write(staged: list[_Staged]) -> None:
    """Write a batch's staged instances: the states by one executemany, the cancelled inbox rows and loan
    statuses by one flush, then the new inbox rows as a completion inserts them (``instances.insert_rows``,
    which flushes nothing: the flush goes first) and, with the ids they come back with, their four-eyes
    exclusions."""
    written = [instances.saved_values(item.row, item.state, item.next_timer_at, item.end_event, item.completed)
               for item in staged]
    if db.session.execute(instances.SAVE_STATE, written).rowcount != len(staged):
        raise ConcurrentUpdateError("another worker fired one of these timers")
    for item, values in zip(staged, written):
        _apply(item, values)
    db.session.flush()
    instances.insert_rows([task for item in staged for task in item.created])
    for item in staged:
        for task, properties in zip(item.created, item.properties):
            four_eyes.exclude_performers(task, properties)  # only a task that declares ``four_eyes_with`` has any


def _run(row: ProcessInstance, loan: Loan | None, open_rows: list[HumanTask]) -> _Staged:
    """Load, run and dump one instance's workflow, and work out its inbox and loan changes; writes nothing."""
    loaded = instances.LoadedInstance(row, engine.load_state(engine.SPECS.get(row.process_version), row.state),
                                      row.version)
    workflow = loaded.workflow
    engine.run_engine(workflow)
    ready = {str(task.id): task for task in engine.ready_user_tasks(workflow)}
    known = {task.spiff_task_id for task in open_rows}
    township_id, bank_id = (loan.township_id, loan.bank_id) if loan else (row.township_id, row.bank_id)
    fresh = [task for key, task in ready.items() if key not in known]
    created = [instances.inbox_row(row, loan, task, township_id, bank_id) for task in fresh]
    status, codes = instances.loan_outcome(loaded, fresh, loan.status) if loan is not None else (None, None)
    return _Staged(row, loan, engine.dump_state(workflow), engine.next_timer_at(workflow), workflow.completed,
                   instances.reached_end(workflow) if workflow.completed else None,
                   [task for task in open_rows if task.spiff_task_id not in ready], created,
                   [engine.task_properties(task) for task in fresh], status, codes)


def _apply(item: _Staged, written: dict) -> None:
    """One staged instance's changes on its ORM rows: the state as written (not to be flushed again),
    the cancelled inbox rows and the loan's status (flushed, so the loan's own hooks see them)."""
    instances.mark_saved(item.row, written)
    for task in item.cancelled:
        task.state = HumanTaskState.CANCELLED
    if item.loan is not None:
        item.loan.status = item.loan_status or item.loan.status
        if item.rejection_codes is not None:
            item.loan.rejection_codes = item.rejection_codes


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
