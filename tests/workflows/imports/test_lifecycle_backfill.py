"""The data fix for loans imported before the lifecycle: schedule, status and post-loan process, once."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from models import AuditEvent, Loan, ProcessInstance, db
from tests.conftest import count, one
from tests.factories import make_household
from tests.factories_finance import disbursed_loan, repayment
from tests.factories_imports import install_lifecycle
from tests.factories_postloan import at, open_tasks
from workflows import audit, clock, repayments

FIX_DAY = date(2026, 11, 30)


def imported_the_old_way(outstanding: str = "30000.00") -> Loan:
    """A loan as the import left it before issue 10, after the sweep had set it back to current."""
    loan = disbursed_loan(make_household(), "50000", date(2024, 6, 1), rate="4.35", months=24)
    loan.principal_outstanding = Decimal(outstanding)
    audit.record("loan_imported", audit.SYSTEM, loan=loan, after={"status": "overdue"})
    db.session.commit()
    return loan


def run(runner) -> str:
    with clock.frozen(at(FIX_DAY)):
        answer = runner.invoke(args=["imports", "backfill-lifecycle"])
    assert answer.exit_code == 0, answer.output
    return answer.output


def test_the_command_gives_an_old_import_its_book_status_and_process(world, runner):
    install_lifecycle()
    loan = imported_the_old_way()
    assert (loan.status, loan.days_past_due) == ("active", 0)
    assert "entered into the lifecycle: 1; left as they are: 0" in run(runner)
    db.session.refresh(loan)
    assert (loan.status, loan.days_past_due, loan.risk_class) == ("overdue", 182, "substandard")
    owed = repayments.owed(loan, FIX_DAY)
    assert (owed.outstanding_principal, owed.days_past_due) == (Decimal("30000.00"), 182)
    assert one(ProcessInstance, loan_id=loan.id).status == "running"
    assert "maturity_review" in open_tasks(loan.id)
    assert count(AuditEvent, action="imported_loan_backfilled") == 1


def test_running_it_again_does_nothing(world, runner):
    install_lifecycle()
    imported_the_old_way()
    run(runner)
    assert "entered into the lifecycle: 0; left as they are: 0" in run(runner)
    assert count(ProcessInstance) == 1


def test_a_loan_with_repayments_recorded_is_left_and_reported(world, runner):
    install_lifecycle()
    paid = imported_the_old_way()
    repayment(paid, date(2024, 9, 20), "100.00")
    current = imported_the_old_way(outstanding="50000.00")
    current.maturity_date = date(2027, 6, 1)
    db.session.commit()
    output = run(runner)
    assert f"loan {paid.id}: has_repayments" in output and "entered into the lifecycle: 1;" in output
    db.session.refresh(current)
    assert (current.status, current.days_past_due) == ("active", 0)
    assert [p.loan_id for p in db.session.query(ProcessInstance)] == [current.id]
