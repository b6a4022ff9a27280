"""Repayments of the day (还款登记), recorded by the loan's bank officer through
``repayments.record_repayment``, the service of the repayment page.

When a loan is disbursed its instalments are put on the agenda by the household's behaviour: on
the due date (on time), 5 to 60 days after it (late: the service charges penalty interest), or not
at all after the first few (default). What is paid is what the bank's book says is owed that day
(``repayments.owed``), never a figure the simulator keeps itself.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from models import OUTSTANDING_STATUSES, Loan, db

from .. import repayments
from ..errors import DomainError
from . import applications
from .state import Application, Payment, State

HUNDRED = Decimal("100")


def run(state: State, day: date) -> None:
    for payment in state.payments.pop(day, []):
        pay(state, day, payment)


def pay(state: State, day: date, payment: Payment) -> bool:
    """Record the payment if the loan still owes it; whether anything was recorded."""
    loan = db.session.get(Loan, payment.loan_id)
    if loan is None or loan.status not in OUTSTANDING_STATUSES:
        return False
    owed = repayments.owed(loan, day)
    principal, interest = _amounts(payment.kind, owed)
    if principal <= 0 and interest <= 0:
        return False
    officer = state.world.staff.one("bank_officer", bank_id=loan.bank_id)
    try:
        recorded = repayments.record_repayment(officer, loan.id, {"paid_on": day, "principal": principal,
                                                                 "interest": interest})
    except DomainError as exc:
        state.tally.count("repayments_refused", *sorted(getattr(exc, "codes", ()) or [type(exc).__name__])[:1])
        return False
    state.tally.count("repayments", "late" if owed.days_past_due > 0 else payment.kind)
    if recorded.loan_status_after == "closed":
        state.tally.count("loans_closed", "repaid")
        applications.reapply(state, day, loan.household_id)
    return True


def _amounts(kind: str, owed) -> tuple[Decimal, Decimal]:
    if kind == "all":
        return owed.outstanding_principal, owed.interest
    if kind == "interest":
        return Decimal("0.00"), owed.interest
    if kind == "prepay":
        part = (owed.outstanding_principal * Decimal("0.3") / HUNDRED).quantize(Decimal("1")) * HUNDRED
        return min(part, owed.outstanding_principal - owed.principal).quantize(Decimal("0.01")), Decimal("0.00")
    return owed.principal, owed.interest


def plan_repayments(state: State, loan: Loan, day: date) -> None:
    """Put the loan's instalments due from ``day`` on the agenda, as its plan says the household pays."""
    plan, d = state.plans.get(loan.id), state.decisions
    if plan is None:
        return
    lines = [line for line in repayments.schedule_lines(loan.id) if line.due_on >= day]
    for index, line in enumerate(lines):
        last = index == len(lines) - 1
        if plan.behaviour == "default" and index >= plan.paid_lines:
            break
        kind = "interest" if last and plan.maturity in ("extend", "renew") and plan.behaviour != "default" else "due"
        offset = d.late_days() if plan.behaviour == "late" else 0
        state.payments[state.later(line.due_on, offset)].append(Payment(loan.id, kind))
    if plan.maturity == "renew" and plan.behaviour != "default" and loan.maturity_date >= day:
        bank = applications.bank_code(loan.bank_id)
        state.applications[loan.maturity_date].append(
            Application(loan.household_id, "renewal", bank, loan.approved_amount, False))
    if plan.prepay and loan.maturity_date > day:
        state.payments[state.later(day, (loan.maturity_date - day).days // 2)].append(Payment(loan.id, "prepay"))


def collect(state: State, loan: Loan, day: date) -> None:
    """A household in recovery that is not a defaulter pays everything within a few weeks (清收收回)."""
    if loan.id not in state.collecting:
        state.collecting.add(loan.id)
        state.payments[state.later(day, state.decisions.between(5, 25))].append(Payment(loan.id, "all"))
