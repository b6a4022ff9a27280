"""Factories for the post-loan tests: settings, a loan disbursed through the diagram, the fake clock."""
from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

import sqlalchemy as sa

from models import Bank, HumanTask, Loan, ProcessInstance, db
from tests.factories import APPROVAL, INVESTIGATION, World, drive, make_household, register
from tests.factories_finance import install_finance
from tests.factories_repayments import install_settings
from workflows import clock, deployment, post_loan, repayments, timers
from workflows.tasks import service

# The rows the lead adds to workflows/data/policy_settings.csv; inserted here while they are not there.
SETTINGS = tuple((key, date(2021, 1, 1), value) for key, value in (
    ("visit_interval_months", "3"), ("maturity_reminder_days", "30"), ("max_extension_months", "12"),
    ("max_extensions", "1"), ("risk_threshold_substandard", "90"), ("risk_threshold_doubtful", "270"),
    ("risk_threshold_loss", "360"), ("visit_escalation_days", "30"),
))
DISBURSED = date(2025, 1, 10)


def install() -> None:
    install_settings(*SETTINGS)
    install_finance()


def at(day: date, hour: int = 10) -> datetime:
    """``hour`` o'clock of ``day`` in the district (timers fire at 09:00)."""
    return datetime.combine(day, time(hour), tzinfo=clock.BUSINESS_TZ)


def disbursed(world: World, on: date = DISBURSED, term: int = 12, amount: Decimal = Decimal("30000.00"),
              household=None, clerk: str = "clerk_hanfeng", **overrides) -> Loan:
    """A loan registered, approved and disbursed on ``on`` through the services (post-loan running)."""
    install()
    with clock.frozen(at(on)):
        loan = register(world, household or make_household(), clerk, amount=amount, term_months=term, **overrides)
        loan = drive(world, loan.id, "end",
                     investigate_credit={**INVESTIGATION, "recommended_amount": amount,
                                         "recommended_term_months": term},
                     approve_loan={**APPROVAL, "approved_amount": amount, "approved_term_months": term},
                     disburse_loan={"disbursed_on": on})
    return loan


def sweep(day: date, hour: int = 10) -> timers.SweepReport:
    return timers.sweep(at(day, hour))


def open_tasks(loan_id: int) -> list[str]:
    return sorted(db.session.scalars(sa.select(HumanTask.name).where(
        HumanTask.loan_id == loan_id, HumanTask.state == "ready")))


def task_count(loan_id: int, name: str) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(HumanTask).where(
        HumanTask.loan_id == loan_id, HumanTask.name == name))


def complete(world: World, loan_id: int, name: str, user: str, day: date, **data) -> HumanTask:
    """Complete the ready task ``name`` of the loan as ``user`` with the clock on ``day``."""
    task = db.session.scalars(sa.select(HumanTask).where(
        HumanTask.loan_id == loan_id, HumanTask.name == name, HumanTask.state == "ready")).one()
    with clock.frozen(at(day)):
        return service.complete_task(world.actor(user), task.id, data)


def pay_all(world: World, loan: Loan, day: date):
    """Repay on ``day`` the principal outstanding and the contract interest due (penalty is B's to charge)."""
    owed = repayments.owed(loan, day)
    with clock.frozen(at(day)):
        return repayments.record_repayment(world.actor("officer_rcb"), loan.id, {
            "paid_on": day, "principal": owed.outstanding_principal, "interest": owed.interest})


VISIT_OK = {"used_for_production": True, "visit_note": "养殖正常"}


def at_maturity_review(world: World, **overrides) -> Loan:
    """A one-month loan (disbursed 2025-01-10) whose reminder was given, waiting at ``maturity_review``."""
    loan = disbursed(world, term=1, **overrides)
    sweep(date(2025, 1, 11))
    complete(world, loan.id, "maturity_reminder", "officer_rcb", date(2025, 1, 11), household_informed=True)
    sweep(date(2025, 2, 10))
    return db.session.get(Loan, loan.id)


def to_recovery(world: World, loan: Loan, day: date = date(2025, 2, 11)) -> None:
    complete(world, loan.id, "maturity_review", "officer_rcb", day, maturity_decision="recover", review_note="")


def follow_timers(world: World, loan: Loan, until: date) -> None:
    """Fire the loan's timers up to ``until``, doing each visit and reminder on its day; stop at a review."""
    while True:
        due = db.session.scalar(sa.select(ProcessInstance.next_timer_at).where(ProcessInstance.loan_id == loan.id))
        if due is None or clock.local(due).date() > until:
            return
        day = clock.local(due).date()
        sweep(day)
        for name in open_tasks(loan.id):
            if name not in ROUTINE:
                return
            user, data = ROUTINE[name]
            complete(world, loan.id, name, user, day, **data)


VISIT_OK = {"used_for_production": True, "visit_note": "养殖正常"}
ROUTINE = {"post_loan_visit": ("clerk_hanfeng", VISIT_OK),
           "maturity_reminder": ("officer_rcb", {"household_informed": True})}


def imported(world: World, disbursed_on: date, term: int, status: str = "active", days_past_due: int = 0,
             risk_class: str = "normal", extension_count: int = 0, amount: Decimal = Decimal("30000.00")) -> Loan:
    """A loan of an earlier campaign period as an import leaves it: disbursed, no process instance yet."""
    install()
    deployment.deploy_bundled()
    household = make_household()
    bank = db.session.scalars(sa.select(Bank).where(Bank.code == "cqrcb")).one()
    loan = Loan(household=household, township_id=household.township_id, bank=bank, status=status, kind="new",
                applicant_id_number=household.id_number, amount=amount, term_months=term, purpose_category="planting",
                purpose="种植柑橘", applied_on=disbursed_on, approved_amount=amount, approved_term_months=term,
                annual_rate=Decimal("3.45"), disbursed_on=disbursed_on, contract_number="KZ-OLD-1",
                maturity_date=post_loan.maturity_of(disbursed_on, term), principal_outstanding=amount,
                days_past_due=days_past_due, risk_class=risk_class, extension_count=extension_count)
    db.session.add(loan)
    db.session.commit()
    return loan
