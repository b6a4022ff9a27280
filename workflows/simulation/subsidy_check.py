"""The quarter's interest subsidy recomputed apart from the settlement code (贴息独立复核), to the fen.

From the stored repayments, schedules and the dated policy only: per loan of the bank, the
contract interest paid on days in the quarter (penalty interest is kept apart by the bank and
never subsidised), matched to the interest periods it pays oldest first; of each part, the share
the subsidised principal (at most 50,000 per household) bears of the daily principal over its
period; rounded to the fen per loan, times ``subsidy_share`` in force on the disbursement day
(an extension keeps its loan's day), rounded again. The bank's total is the sum of its loans.
"""
from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa

from models import Loan, db
from models.repayment import Repayment, RepaymentScheduleLine
from models.subsidy import SubsidySettlement

from .. import clock, policy

FEN = Decimal("0.01")
ZERO = Decimal("0.00")


def fen(amount: Decimal) -> Decimal:
    return amount.quantize(FEN, rounding=ROUND_HALF_UP)


def quarter(year: int, number: int) -> tuple[date, date]:
    start = date(year, 3 * number - 2, 1)
    return start, date(year + 1, 1, 1) if number == 4 else date(year, 3 * number + 1, 1)


def recompute(settlement: SubsidySettlement) -> dict[int, Decimal]:
    """Each loan's subsidy for the settlement's bank and quarter (loans owed nothing are left out)."""
    start, end = quarter(settlement.year, settlement.quarter)
    drawn_up = clock.local(settlement.computed_at).date() if settlement.computed_at else end
    paid = db.session.scalars(sa.select(Repayment.loan_id).where(
        Repayment.paid_on >= start, Repayment.paid_on < end, Repayment.interest > 0, Repayment.standing()))
    loans = db.session.scalars(sa.select(Loan).where(
        Loan.bank_id == settlement.bank_id, Loan.subsidised_principal > 0, Loan.id.in_(paid)).order_by(Loan.id))
    lines = {}
    for loan in loans:
        amount = loan_subsidy(loan, start, end, drawn_up)
        if amount:
            lines[loan.id] = amount
    return lines


def loan_subsidy(loan: Loan, start: date, end: date, known_until: date) -> Decimal:
    received = list(db.session.scalars(sa.select(Repayment).where(Repayment.loan_id == loan.id, Repayment.standing())
                                       .order_by(Repayment.paid_on, Repayment.id)))
    periods = list(db.session.execute(sa.select(RepaymentScheduleLine.period_start, RepaymentScheduleLine.period_end,
                                                RepaymentScheduleLine.interest)
                                      .where(RepaymentScheduleLine.loan_id == loan.id)
                                      .order_by(RepaymentScheduleLine.seq)))
    events = [(loan.disbursed_on, loan.approved_amount)]
    for item in received:
        if item.principal and item.paid_on < known_until:
            events.append((item.paid_on, events[-1][1] - item.principal))
    base = sum((_share(part, period, events, loan.subsidised_principal)
                for part, period in _paid_parts(received, periods, start, end)), ZERO)
    return fen(fen(base) * policy.setting("subsidy_share", loan.disbursed_on))


def _paid_parts(received, periods, start: date, end: date):
    """(interest, (period start, period end)) of each payment in ``[start, end)``, oldest period first."""
    left = [interest for _s, _e, interest in periods]
    for item in received:
        amount, index = item.interest, 0
        while amount > 0 and periods:
            while index < len(periods) - 1 and left[index] <= 0:
                index += 1
            part = amount if index == len(periods) - 1 else min(amount, left[index])
            left[index] -= part
            amount -= part
            if start <= item.paid_on < end:
                yield part, periods[index][:2]


def _share(part: Decimal, period: tuple[date, date], events, cap: Decimal) -> Decimal:
    """The part of ``part`` the subsidised principal bears: Σ min(balance, cap)·days / Σ balance·days."""
    full = covered = Decimal(0)
    for index, (since, amount) in enumerate(events):
        until = events[index + 1][0] if index + 1 < len(events) else period[1]
        days = (min(until, period[1]) - max(since, period[0])).days
        if days > 0:
            full += amount * days
            covered += min(amount, cap) * days
    return part * covered / full if full else ZERO


def settled_quarters() -> list[SubsidySettlement]:
    return list(db.session.scalars(sa.select(SubsidySettlement).where(SubsidySettlement.computed_at.is_not(None))
                                   .order_by(SubsidySettlement.year, SubsidySettlement.quarter,
                                             SubsidySettlement.bank_id)))

