"""Two timer workers on the same due set: every due timer fires exactly once.

Each worker is a thread with its own app context (and so its own session and connection). Each
leases its batch first (``timers._claim_due``), on SQLite as on PostgreSQL (TEST_DATABASE_URL); the
optimistic version check and the re-check of ``next_timer_at`` after loading keep a second firing
out wherever a lease could not.
"""
from __future__ import annotations

import threading
from datetime import date

import sqlalchemy as sa
from flask import current_app

from models import AuditEvent, HumanTask, ProcessInstance, db
from workflows import clock, timers

from ..factories import make_household
from ..factories_postloan import at, disbursed

LOANS = 4


def run_workers(app, now, workers=2, **sweep_args):
    reports, failures, start = [], [], threading.Barrier(workers)

    def work():
        with app.app_context():
            try:
                start.wait()
                reports.append(timers.sweep(now, **sweep_args))
            except Exception as exc:  # reported to the test below
                failures.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work) for _ in range(workers)]
    with clock.frozen(now):  # workflows.clock is process-wide: hold it here so the threads cannot leak it
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    return reports, failures


def test_two_workers_fire_each_due_timer_once(world):
    loans = [disbursed(world, household=make_household()) for _ in range(LOANS)]
    db.session.commit()
    app = current_app._get_current_object()
    reports, failures = run_workers(app, at(date(2025, 4, 10)))
    db.session.expire_all()
    assert failures == [] and len(reports) == 2
    visits = db.session.scalars(sa.select(HumanTask.loan_id).where(HumanTask.name == "post_loan_visit")).all()
    assert sorted(visits) == sorted(loan.id for loan in loans)  # one visit task per loan, none twice
    instance_ids = {str(i) for i in db.session.scalars(sa.select(ProcessInstance.id).where(
        ProcessInstance.loan_id.in_([loan.id for loan in loans])))}
    fired = [key for event in db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "timers_fired"))
             for key in event.after["instances"] if key in instance_ids]
    assert sorted(fired) == sorted(instance_ids)  # each instance's timer recorded as fired exactly once
    assert sum(r.fired for r in reports) >= LOANS  # other areas' timers may fire too
    due = db.session.scalar(sa.select(sa.func.count()).select_from(ProcessInstance).where(
        ProcessInstance.loan_id.in_([loan.id for loan in loans]), ProcessInstance.next_timer_at < at(date(2025, 4, 10))))
    assert due == 0  # the visits wait on the clerk; the other post-loan timers lie ahead


def test_a_second_sweep_finds_nothing_left(world):
    loan = disbursed(world)
    first = timers.sweep(at(date(2025, 4, 10)))
    again = timers.sweep(at(date(2025, 4, 10)))
    assert first.fired >= 1 and (again.fired, again.errors) == (0, 0)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(HumanTask).where(
        HumanTask.loan_id == loan.id)) == 6


def test_two_workers_lease_disjoint_batches_and_run_them_side_by_side(world, monkeypatch):
    """Each worker leases its batch before it runs it: both hold a batch at once (a barrier in the
    engine phase waits for both), neither fires the other's, and nothing conflicts. Without the
    lease both would take the same oldest batch and one of them would be refused at its save."""
    loans = [disbursed(world, household=make_household()) for _ in range(LOANS)]
    db.session.commit()
    both_running, fire_many = threading.Barrier(2, timeout=20), timers._fire_many
    held: dict[str, list[int]] = {}

    def fire_many_together(taken, now):
        if threading.current_thread().name not in held:
            held[threading.current_thread().name] = list(taken)
            both_running.wait()
        return fire_many(taken, now)

    monkeypatch.setattr(timers, "_fire_many", fire_many_together)
    reports, failures = run_workers(current_app._get_current_object(), at(date(2025, 4, 10)), batch_size=1)
    assert failures == [] and len(held) == 2
    first, second = held.values()
    assert not set(first) & set(second)
    assert all(report.fired >= 1 and report.conflicts == 0 for report in reports)
    visits = db.session.scalars(sa.select(HumanTask.loan_id).where(HumanTask.name == "post_loan_visit")).all()
    assert sorted(visits) == sorted(loan.id for loan in loans)
    leased = db.session.scalar(sa.select(sa.func.count()).select_from(ProcessInstance).where(
        ProcessInstance.timer_lease_until.is_not(None)))
    assert leased == 0  # every save ended its lease
