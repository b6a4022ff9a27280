"""Storing a loan's schedule (还款计划): made at disbursement, extended (展期), recomputed after a
prepayment (提前还本) or a principal repayment, and put back when that repayment is reversed (冲正).
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from models import Loan, db
from models.base import utcnow
from models.repayment import Repayment, RepaymentScheduleLine

from .. import policy
from ..money import schedule as money_schedule
from .book import ZERO, instalments, principal_events, repayment_method, repayments_of, schedule_lines


class ScheduleChangedError(ValueError):
    """The schedule has lines the snapshot does not know (an extension since): it cannot be put back."""


def _row(loan: Loan, item, part: str, method: str, basis: int) -> dict:
    return dict(loan_id=loan.id, seq=item.seq, due_on=item.due_on, principal=item.principal, interest=item.interest,
                period_start=item.period_start, period_end=item.period_end, part=part, method=method,
                day_count_basis=basis, created_at=utcnow())


def _line(loan: Loan, item, part: str, method: str, basis: int) -> RepaymentScheduleLine:
    return RepaymentScheduleLine(**_row(loan, item, part, method, basis))


def create_schedule(loan: Loan, want_lines: bool = True) -> list[RepaymentScheduleLine]:
    """The loan's schedule, made once at disbursement in the caller's transaction (idempotent); its
    lines, read back unless ``want_lines`` is false (the disbursement step does not need them)."""
    existing = schedule_lines(loan.id)
    if existing:
        return existing
    method, basis = repayment_method(loan), int(policy.setting("day_count_basis", loan.disbursed_on))
    built = money_schedule.build_schedule(loan.disbursed_on, loan.maturity_date, loan.approved_amount,
                                          loan.annual_rate, method, basis)
    # one multi-row INSERT (the ORM would send one per line), then the lines as the session's objects
    db.session.execute(sa.insert(RepaymentScheduleLine), [_row(loan, item, "original", method, basis) for item in built])
    return schedule_lines(loan.id) if want_lines else []


def extend_schedule(loan: Loan, new_maturity: date) -> None:
    """展期: the unpaid principal of the last instalment falls due at ``new_maturity`` instead; the new
    lines (``part = "extension"``) carry the same terms. Idempotent: nothing happens when the schedule
    already runs to ``new_maturity`` or no principal is left to extend."""
    lines = schedule_lines(loan.id) or create_schedule(loan)  # a loan disbursed before schedules existed
    last = lines[-1]
    if new_maturity <= last.due_on:
        return
    matched = sum((r.principal - r.principal_early for r in repayments_of(loan.id)), ZERO)
    earlier = sum((line.principal for line in lines[:-1]), ZERO)
    extended = min(last.principal, last.principal - max(ZERO, matched - earlier))
    if extended <= 0:
        return
    built = money_schedule.extend_schedule(instalments(lines), extended, new_maturity, loan.annual_rate,
                                           last.method, last.day_count_basis)
    last.principal = built[len(lines) - 1].principal
    db.session.add_all(_line(loan, item, "extension", last.method, last.day_count_basis)
                       for item in built[len(lines):])
    db.session.flush()


def snapshot(lines) -> list[list]:
    """The lines' principal and interest as they are, for :func:`restore`."""
    return [[line.seq, str(line.principal), str(line.interest)] for line in lines]


def recompute_after(loan: Loan, lines, repayment: Repayment, standing) -> None:
    """After ``repayment`` (already in ``standing``): its early principal comes off the principal still
    to fall due (``money.schedule.prepay``) and, with quarterly interest, the periods not yet ended
    accrue again on the daily principal. Saves the lines' figures before on the repayment first."""
    method = lines[0].method
    reaccrue = repayment.principal and method == money_schedule.INTEREST_QUARTERLY
    if not (repayment.principal_early or reaccrue):
        return
    repayment.schedule_before = snapshot(lines)
    schedule = instalments(lines)
    if repayment.principal_early:
        schedule = money_schedule.prepay(schedule, repayment.paid_on, repayment.principal_early, loan.annual_rate,
                                         method)
    if reaccrue:
        schedule = money_schedule.reaccrue(schedule, repayment.paid_on, principal_events(loan, standing),
                                           loan.annual_rate, lines[0].day_count_basis)
    _write(lines, {item.seq: item for item in schedule})


def restore(lines, repayment: Repayment) -> None:
    """Put back the figures ``repayment`` changed (its reversal); refuses when lines were added since."""
    if repayment.schedule_before is None:
        return
    before = {seq: (Decimal(principal), Decimal(interest)) for seq, principal, interest in repayment.schedule_before}
    if {line.seq for line in lines} != set(before):
        raise ScheduleChangedError("the schedule has changed since this repayment")
    for line in lines:
        line.principal, line.interest = before[line.seq]


def _write(lines, items: dict) -> None:
    for line in lines:
        line.principal, line.interest = items[line.seq].principal, items[line.seq].interest


