"""``start_standalone``: the post-loan part started on its own for a loan disbursed elsewhere (imported)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from models import AuditEvent, Loan, ProcessInstance, db
from workflows import clock, loan_events, post_loan

from workflows.errors import PolicyViolationError, ProcessError

from ...conftest import count, one
from ...factories_postloan import VISIT_OK, at, complete, imported, open_tasks, sweep


def start(world, loan, day):
    with clock.frozen(at(day)):
        row = post_loan.start_standalone(loan, world.actor("admin"))
        db.session.commit()
    return row


def test_a_current_loan_waits_for_its_next_visit(world):
    loan = imported(world, date(2025, 1, 10), 24)
    row = start(world, loan, date(2025, 5, 1))
    assert row.process_version.process_key == "post_loan" and row.status == "running"
    assert open_tasks(loan.id) == [] and clock.local(row.next_timer_at).date() == date(2025, 7, 10)
    sweep(date(2025, 7, 10))
    complete(world, loan.id, "post_loan_visit", "clerk_hanfeng", date(2025, 7, 10), **VISIT_OK)
    assert count(AuditEvent, action="post_loan_started", loan_id=loan.id) == 1


def test_a_loan_past_maturity_opens_its_review_at_once(world):
    loan = imported(world, date(2025, 6, 1), 12, status="overdue", days_past_due=30, risk_class="special_mention")
    start(world, loan, date(2026, 7, 1))
    assert open_tasks(loan.id) == ["maturity_review"]  # no reminder for a maturity already past


def test_a_loan_in_recovery_opens_recovery_at_once(world):
    loan = imported(world, date(2024, 6, 1), 12, status="recovering", days_past_due=400, risk_class="loss")
    start(world, loan, date(2026, 7, 1))
    assert open_tasks(loan.id) == ["recover_loan"]
    sweep(date(2026, 12, 1))
    assert open_tasks(loan.id) == ["recover_loan"]


def test_an_imported_extension_counts(world):
    loan = imported(world, date(2025, 6, 1), 12, status="overdue", extension_count=1)
    start(world, loan, date(2026, 6, 1))
    with pytest.raises(PolicyViolationError, match="extension_limit"):
        complete(world, loan.id, "maturity_review", "officer_rcb", date(2026, 6, 1), maturity_decision="extend")


def test_repaid_in_full_ends_the_part_started_on_its_own(world):
    loan = imported(world, date(2025, 1, 10), 24)
    start(world, loan, date(2025, 5, 1))
    sweep(date(2025, 7, 10))
    assert open_tasks(loan.id) == ["post_loan_visit"]
    with clock.frozen(at(date(2025, 7, 11))):  # as workflows.repayments calls it when no principal is left
        loan = db.session.get(Loan, loan.id)
        loan.principal_outstanding = Decimal("0.00")
        loan_events.repaid_in_full(loan, world.actor("officer_rcb"))
        db.session.commit()
    row = one(ProcessInstance, loan_id=loan.id)
    assert (row.status, row.end_event, row.next_timer_at) == ("completed", "post_loan_repaid", None)
    assert open_tasks(loan.id) == [] and db.session.get(Loan, loan.id).principal_outstanding == Decimal("0.00")


def test_a_loan_starts_its_part_once(world):
    loan = imported(world, date(2025, 1, 10), 24)
    start(world, loan, date(2025, 5, 1))
    with pytest.raises(ProcessError, match="already has a running process"):
        start(world, loan, date(2025, 5, 2))
    undisbursed = imported(world, date(2025, 1, 10), 24)
    undisbursed.disbursed_on = None
    with pytest.raises(ProcessError, match="no disbursement"):
        start(world, undisbursed, date(2025, 5, 2))
