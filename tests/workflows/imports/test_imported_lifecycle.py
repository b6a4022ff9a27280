"""Imported loans enter the lifecycle: the issue's overdue loan stays overdue, is counted, and reaches recovery."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from models import HumanTask, ProcessInstance, db
from tests.conftest import one
from tests.factories import make_household, ready_task
from tests.factories_imports import imported_loan, install_lifecycle
from tests.factories_postloan import at, complete, open_tasks, sweep
from workflows import clock, monitoring, repayments, risk_fund
from workflows.errors import PolicyViolationError
from workflows.reports import ReportFilters, portfolio, risk
from workflows.tasks import access

IMPORT_DAY = date(2026, 11, 30)  # the issue's loan matured on 2026-06-01: 182 days past due


@pytest.fixture
def overdue_loan(world):
    install_lifecycle()
    return imported_loan(world, make_household(), IMPORT_DAY)


def test_the_issues_loan_is_imported_overdue_with_its_book(overdue_loan):
    loan = overdue_loan
    assert (loan.status, loan.days_past_due, loan.risk_class) == ("overdue", 182, "substandard")
    book = repayments.book(loan, IMPORT_DAY)
    assert book.lines[-1].due_on == date(2026, 6, 1) and book.lines[-1].principal == Decimal("30000.00")
    assert sum(r.principal for r in book.repayments) == Decimal("20000.00")
    assert (book.owed.outstanding_principal, book.owed.days_past_due) == (Decimal("30000.00"), 182)
    assert one(ProcessInstance, loan_id=loan.id).status == "running"


def test_the_timer_sweep_keeps_it_overdue_in_the_right_class(overdue_loan):
    sweep(date(2026, 12, 1))
    db.session.refresh(overdue_loan)
    assert (overdue_loan.status, overdue_loan.days_past_due, overdue_loan.risk_class) == (
        "overdue", 183, "substandard")
    sweep(date(2027, 2, 26))  # 270 days: still substandard; the day after, doubtful
    db.session.refresh(overdue_loan)
    assert (overdue_loan.days_past_due, overdue_loan.risk_class) == (270, "substandard")
    sweep(date(2027, 2, 27))
    db.session.refresh(overdue_loan)
    assert (overdue_loan.status, overdue_loan.days_past_due, overdue_loan.risk_class) == (
        "overdue", 271, "doubtful")


def test_it_is_counted_in_monitoring_the_reports_and_the_fund(overdue_loan, world):
    sweep(date(2026, 12, 1))
    officer = world.users["officer_rcb"]
    with clock.frozen(at(date(2026, 12, 1))):
        lists = monitoring.monitoring(officer, monitoring.MonitoringFilters())
        filters = ReportFilters(date(2026, 1, 1), date(2026, 12, 1))
        overdue_report = risk.overdue(officer, filters)
        balance = portfolio.balance_by_bank(officer, filters)
        earlier = portfolio.balance_by_bank(officer, ReportFilters(date(2025, 1, 1), date(2025, 12, 31)))
    assert [loan.id for loan in lists.overdue] == [overdue_loan.id]
    assert lists.overdue_by_class == {"substandard": 1}
    assert overdue_report.summary["overdue_principal"] == Decimal("30000.00")
    assert overdue_report.totals[1 + 1 + 1 + 1 + 1 + 2] == Decimal("30000.00")  # the substandard column
    assert balance.totals[3:5] == [1, Decimal("30000.00")]
    assert earlier.totals[3:5] == [1, Decimal("50000.00")]  # before the 20,000 repaid on 2026-03-20
    assert risk_fund.covered_balance() == Decimal("30000.00") == lists.covered_balance


def test_it_reaches_recovery_through_the_bank_officers_inbox(overdue_loan, world):
    assert "maturity_review" in open_tasks(overdue_loan.id)
    review = ready_task(overdue_loan.id, "maturity_review")
    assert (review.role, review.bank_id) == ("bank_officer", overdue_loan.bank_id)
    assert access.may(world.users["officer_rcb"], review, "complete")
    assert not access.may(world.users["officer_psbc"], review, "complete")
    complete(world, overdue_loan.id, "maturity_review", "officer_rcb", date(2026, 12, 1),
             maturity_decision="recover", review_note="")
    db.session.refresh(overdue_loan)
    assert "recover_loan" in open_tasks(overdue_loan.id) and overdue_loan.status == "recovering"
    sweep(date(2026, 12, 2))
    db.session.refresh(overdue_loan)
    assert (overdue_loan.status, overdue_loan.days_past_due) == ("recovering", 184)


def test_a_loan_the_bank_has_in_recovery_starts_at_recovery(world):
    install_lifecycle()
    loan = imported_loan(world, make_household(), IMPORT_DAY, in_recovery="是")
    assert (loan.status, loan.risk_class) == ("recovering", "substandard")
    task = ready_task(loan.id, "recover_loan")
    assert (task.role, task.bank_id) == ("bank_officer", loan.bank_id)
    assert db.session.query(HumanTask).filter_by(loan_id=loan.id, name="maturity_review").count() == 0
    with clock.frozen(at(IMPORT_DAY)):
        report = risk.extensions_recoveries(world.users["officer_rcb"], ReportFilters(date(2026, 1, 1), IMPORT_DAY))
    assert report.totals[3] == 1  # loans in recovery now


CURRENT = {"amount": "30000", "disbursed_on": "2026-05-10", "maturity_date": "2027-05-10", "annual_rate": "3.85",
           "principal_outstanding": "30000"}


def test_a_current_loan_gets_its_schedule_and_waits_for_its_next_visit(world):
    install_lifecycle()
    loan = imported_loan(world, make_household(), IMPORT_DAY, **CURRENT)
    assert (loan.status, loan.days_past_due, loan.risk_class) == ("active", 0, "normal")
    lines = [(line.due_on, line.principal, line.interest) for line in repayments.schedule_lines(loan.id)]
    # 30,000 × 3.85% / 360 = 3.2083… a day: 41, 92, 91, 90 and 51 days.
    assert lines == [(date(2026, 6, 20), Decimal("0.00"), Decimal("131.54")),
                     (date(2026, 9, 20), Decimal("0.00"), Decimal("295.17")),
                     (date(2026, 12, 20), Decimal("0.00"), Decimal("291.96")),
                     (date(2027, 3, 20), Decimal("0.00"), Decimal("288.75")),
                     (date(2027, 5, 10), Decimal("30000.00"), Decimal("163.63"))]
    paid = [(r.paid_on, r.principal, r.interest) for r in repayments.repayments_of(loan.id)]
    assert paid == [(date(2026, 6, 20), Decimal("0.00"), Decimal("131.54")),
                    (date(2026, 9, 20), Decimal("0.00"), Decimal("295.17"))]
    assert open_tasks(loan.id) == []
    sweep(date(2027, 2, 9))  # visits every 3 months from 2026-05-10: 08-10 and 11-10 have passed
    assert "post_loan_visit" not in open_tasks(loan.id)
    sweep(date(2027, 2, 10))
    assert "post_loan_visit" in open_tasks(loan.id)


@pytest.mark.parametrize("extensions, refused", [("1", True), ("0", False)])
def test_an_imported_extension_counts_towards_the_one_allowed(world, extensions, refused):
    install_lifecycle()
    loan = imported_loan(world, make_household(), IMPORT_DAY, extension_count=extensions,
                         **{**CURRENT, "maturity_date": "2026-12-20"})
    assert loan.status == ("extended" if extensions == "1" else "active")
    sweep(date(2026, 12, 1))  # 19 days before maturity: the reminder is due (30 days before) at once
    assert "maturity_reminder" in open_tasks(loan.id)
    if refused:
        with pytest.raises(PolicyViolationError) as refusal:
            complete(world, loan.id, "maturity_reminder", "officer_rcb", date(2026, 12, 1),
                     household_informed=True, extension_requested=True)
        assert list(refusal.value.codes) == ["extension_limit"]
    else:
        complete(world, loan.id, "maturity_reminder", "officer_rcb", date(2026, 12, 1),
                 household_informed=True, extension_requested=True)
        assert "request_extension" in open_tasks(loan.id)
