"""Two timer workers on one PostgreSQL database never do one thing twice.

Each worker is a thread with its own app context (its own session and connection), started
together through a barrier on the same due work: many due timers (post-loan visits and the
closing of last quarter's subsidy settlements), a breach of the risk fund's 1:10 ratio and a new
quarter to schedule. Every timer fires once, one top-up starts, each bank gets one settlement
per quarter (drawn up once), and the audit chain stays whole. The jobs are also run bare, without
the sweep's job lock, to show that their own row lock and unique key hold on their own.
"""
from __future__ import annotations

import threading
import time
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask import current_app

from models import AuditEvent, Bank, HumanTask, ProcessInstance, ProcessVersion, db
from models.subsidy import SubsidySettlement
from workflows import audit, clock, risk_fund, subsidy_settlement, timers
from workflows.audit import Actor

from ..factories import make_household
from ..factories_postloan import at, disbursed

pytestmark = pytest.mark.postgres
LOANS = 4
NOW = at(date(2025, 4, 10))  # the first visits fall due; Q1 has closed; Q2 is running


@pytest.fixture
def due_work(world, is_postgres):
    """Loans waiting on their first visit, Q1 settlements waiting on the quarter's close, a fund too small."""
    if not is_postgres:
        pytest.skip("two workers on one database: PostgreSQL (TEST_DATABASE_URL)")
    loans = [disbursed(world, household=make_household()) for _ in range(LOANS)]
    subsidy_settlement.ensure_scheduled(datetime(2025, 2, 15, tzinfo=timezone.utc))
    risk_fund.record_entry(Actor(world.users["finance"]), "deposit", Decimal("1000.00"), date(2025, 1, 2))
    db.session.commit()
    return loans


def in_two_threads(job) -> list[Exception]:
    """Run ``job()`` in two workers released together; the exceptions they raised."""
    app, failures, start = current_app._get_current_object(), [], threading.Barrier(2)

    def work():
        with app.app_context():
            try:
                start.wait()
                job()
            except Exception as exc:  # reported to the test
                failures.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work) for _ in range(2)]
    with clock.frozen(NOW):  # workflows.clock is process-wide: hold it here so the threads cannot leak it
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    db.session.expire_all()
    return failures


def count(query) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))


def instances_of(process_key: str):
    return sa.select(ProcessInstance.id).join(ProcessVersion).where(ProcessVersion.process_key == process_key)


def events(action: str):
    return sa.select(AuditEvent.id).where(AuditEvent.action == action)


def assert_done_once(banks: int) -> None:
    assert count(instances_of("risk_fund_topup")) == 1 and count(events("risk_fund_topup_started")) == 1
    assert count(sa.select(HumanTask.id).where(HumanTask.name == "record_topup")) == 1
    per_quarter = db.session.execute(sa.select(SubsidySettlement.quarter, sa.func.count()).where(
        SubsidySettlement.year == 2025).group_by(SubsidySettlement.quarter)).all()
    assert sorted(per_quarter) == [(1, banks), (2, banks)]
    assert count(instances_of("interest_subsidy_settlement")) == 2 * banks
    assert count(events("subsidy_settlement_scheduled")) == 2 * banks
    assert count(events("subsidy_settlement_computed")) == banks  # Q1 drawn up once per bank
    assert audit.verify().ok


def test_two_sweeps_at_once_fire_each_timer_once_and_start_each_process_once(due_work):
    banks = count(sa.select(Bank.id))
    reports = []
    assert in_two_threads(lambda: reports.append(timers.sweep(NOW))) == []
    assert len(reports) == 2 and sum(r.errors for r in reports) == 0
    visits = db.session.scalars(sa.select(HumanTask.loan_id).where(HumanTask.name == "post_loan_visit")).all()
    assert sorted(visits) == sorted(loan.id for loan in due_work)
    reviews = db.session.scalars(sa.select(HumanTask.process_instance_id).where(
        HumanTask.name == "review_subsidy_settlement")).all()
    assert len(reviews) == len(set(reviews)) == banks
    fired = [key for event in db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "timers_fired"))
             for key in event.after["instances"]]
    assert len(fired) == len(set(fired)) == LOANS + banks  # every due timer fired, none twice
    assert_done_once(banks)


def test_the_jobs_hold_without_the_sweeps_job_lock(due_work, monkeypatch):
    """Each worker runs the jobs bare; reading what exists is slowed so both read before either writes."""
    banks = count(sa.select(Bank.id))
    for module, name in ((risk_fund, "open_topup"), (subsidy_settlement, "compute_settlement")):
        monkeypatch.setattr(module, name, slowly(getattr(module, name)))

    def jobs():
        risk_fund.check_ratio(NOW)
        subsidy_settlement.ensure_scheduled(NOW)

    assert in_two_threads(jobs) == []
    assert_done_once(banks)


def slowly(function, pause: float = 0.3):
    def slowed(*args, **kwargs):
        result = function(*args, **kwargs)
        time.sleep(pause)
        return result

    return slowed
