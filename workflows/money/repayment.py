"""Repayments (还款) matched against the schedule: what is owed, what is overdue, how a payment splits.

Matching is cumulative, oldest first: on a given day, the principal due is the schedule's principal
with ``due_on <= day`` and the principal paid is every repayment's *matched* principal with
``paid_on <= day``; interest likewise. An instalment is unpaid until the payments made so far cover
it and every earlier one. A repayment's ``principal_early`` (提前还本, the part beyond what was due)
is not matched: it lowered the schedule's principal still to fall due instead (``schedule.prepay``).
A repayment with no early part recorded (e.g. an imported book's) is matched in full, so its extra
principal counts towards the next principal due; both kinds keep outstanding = schedule principal −
matched principal = contract principal − all principal repaid.
Contract interest and overdue (penalty) interest are separate: penalty interest is computed with
``interest.overdue_interest`` on :func:`overdue_principal_events` (and, where a bank charges
compound interest, :func:`overdue_interest_events`) and never enters this matching.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .schedule import Instalment

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Repayment:
    """A payment received (实收): its principal part and its contract-interest part."""

    paid_on: date
    principal: Decimal
    interest: Decimal
    principal_early: Decimal = ZERO  # of ``principal``: beyond what was due, taken off the schedule

    @property
    def matched_principal(self) -> Decimal:
        return self.principal - self.principal_early


@dataclass(frozen=True)
class Owed:
    """What a loan owes on a day (应还未还).

    ``principal``/``interest``: due on or before the day and unpaid; ``overdue_principal``/
    ``overdue_interest``: the part of it due before the day (逾期); ``outstanding_principal``: all
    principal not yet repaid (贷款余额), due or not; ``oldest_unpaid_due_on``: the earliest due date
    not yet covered (or None); ``days_past_due``: days since that date (逾期天数, 0 on the date).
    """

    principal: Decimal
    interest: Decimal
    overdue_principal: Decimal
    overdue_interest: Decimal
    outstanding_principal: Decimal
    oldest_unpaid_due_on: date | None
    days_past_due: int


@dataclass(frozen=True)
class Allocation:
    """How a payment splits: principal due, principal repaid early (提前还本), interest."""

    principal_due: Decimal
    principal_early: Decimal
    interest: Decimal


class OverpaymentError(ValueError):
    """A payment part exceeds what is owed; ``part`` is ``"principal"`` or ``"interest"``."""

    def __init__(self, part: str, paid: Decimal, owed: Decimal) -> None:
        super().__init__(f"{part} paid {paid} exceeds {part} owed {owed}")
        self.part, self.paid, self.owed = part, paid, owed


def _paid(repayments: Sequence[Repayment], day: date) -> tuple[Decimal, Decimal]:
    done = [item for item in repayments if item.paid_on <= day]
    return sum((r.matched_principal for r in done), ZERO), sum((r.interest for r in done), ZERO)


def _due(schedule: Sequence[Instalment], before: date, inclusive: bool) -> tuple[Decimal, Decimal]:
    items = [i for i in schedule if i.due_on < before or (inclusive and i.due_on == before)]
    return sum((i.principal for i in items), ZERO), sum((i.interest for i in items), ZERO)


def oldest_unpaid_due_on(schedule: Sequence[Instalment], repayments: Sequence[Repayment],
                         day: date) -> date | None:
    """The earliest due date on or before ``day`` whose instalment the payments by ``day`` don't cover."""
    paid_principal, paid_interest = _paid(repayments, day)
    due_principal = due_interest = ZERO
    for item in sorted(schedule, key=lambda i: i.seq):
        if item.due_on > day:
            return None
        due_principal, due_interest = due_principal + item.principal, due_interest + item.interest
        if due_principal > paid_principal or due_interest > paid_interest:
            return item.due_on
    return None


def days_past_due(schedule: Sequence[Instalment], repayments: Sequence[Repayment], day: date) -> int:
    """Days past due (逾期天数) on ``day``: days since the oldest unpaid due date, 0 if none."""
    oldest = oldest_unpaid_due_on(schedule, repayments, day)
    return (day - oldest).days if oldest else 0


def owed_on(schedule: Sequence[Instalment], repayments: Sequence[Repayment], day: date) -> Owed:
    """What is due and unpaid on ``day`` (see :class:`Owed`)."""
    paid_principal, paid_interest = _paid(repayments, day)
    due_principal, due_interest = _due(schedule, day, inclusive=True)
    late_principal, late_interest = _due(schedule, day, inclusive=False)
    total_principal = sum((i.principal for i in schedule), ZERO)
    oldest = oldest_unpaid_due_on(schedule, repayments, day)
    return Owed(
        principal=max(ZERO, due_principal - paid_principal),
        interest=max(ZERO, due_interest - paid_interest),
        overdue_principal=max(ZERO, late_principal - paid_principal),
        overdue_interest=max(ZERO, late_interest - paid_interest),
        outstanding_principal=total_principal - paid_principal,
        oldest_unpaid_due_on=oldest,
        days_past_due=(day - oldest).days if oldest else 0,
    )


def allocate(payment_principal: Decimal, payment_interest: Decimal, owed: Owed,
             interest_accrued: Decimal = ZERO) -> Allocation:
    """Split and check a payment against ``owed``.

    Principal may go up to the outstanding principal: beyond what is due it is an early repayment.
    Interest may go up to the interest due plus ``interest_accrued`` (interest of the running period
    not yet due, which the caller passes when the borrower repays early, 提前结清).
    Raises :class:`OverpaymentError` naming the part that exceeds; negative parts are ``ValueError``.
    """
    if payment_principal < 0 or payment_interest < 0:
        raise ValueError("payment parts cannot be negative")
    if payment_principal > owed.outstanding_principal:
        raise OverpaymentError("principal", payment_principal, owed.outstanding_principal)
    if payment_interest > owed.interest + interest_accrued:
        raise OverpaymentError("interest", payment_interest, owed.interest + interest_accrued)
    principal_due = min(payment_principal, owed.principal)
    return Allocation(principal_due, payment_principal - principal_due, payment_interest)


def _overdue_events(schedule, repayments, until: date, part: int) -> list[tuple[date, Decimal]]:
    days = sorted({i.due_on for i in schedule} | {r.paid_on for r in repayments})
    return [(day, max(ZERO, _due(schedule, day, inclusive=True)[part] - _paid(repayments, day)[part]))
            for day in days if day <= until]


def overdue_principal_events(schedule: Sequence[Instalment], repayments: Sequence[Repayment],
                             until: date) -> list[tuple[date, Decimal]]:
    """Overdue principal as ``(date, amount from that date)`` for ``interest.overdue_interest``.

    Principal unpaid at the end of its due date is overdue from that date: a payment on the due
    date stops it the same day, one a day later costs one day of penalty interest.
    """
    return _overdue_events(schedule, repayments, until, 0)


def overdue_interest_events(schedule: Sequence[Instalment], repayments: Sequence[Repayment],
                            until: date) -> list[tuple[date, Decimal]]:
    """Contract interest due and unpaid, as :func:`overdue_principal_events` gives principal: the base
    of compound interest (复利) for a bank that charges it, from the due date to the day before it is paid."""
    return _overdue_events(schedule, repayments, until, 1)


@dataclass(frozen=True)
class LinePaid:
    """How much of one instalment the payments by a day cover (oldest first): principal, interest."""

    seq: int
    principal: Decimal
    interest: Decimal


def paid_per_line(schedule: Sequence[Instalment], repayments: Sequence[Repayment], day: date) -> list[LinePaid]:
    """Each instalment's part covered by the (matched) payments made by ``day``, oldest first."""
    left_principal, left_interest = _paid(repayments, day)
    result = []
    for item in sorted(schedule, key=lambda i: i.seq):
        principal, interest = min(item.principal, left_principal), min(item.interest, left_interest)
        left_principal, left_interest = left_principal - principal, left_interest - interest
        result.append(LinePaid(item.seq, principal, interest))
    return result
