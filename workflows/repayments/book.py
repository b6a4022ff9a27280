"""A loan's repayment book (还款台账): its schedule, its standing repayments, what it owes, penalty.

Reads only; every figure comes from ``workflows.money`` on the stored lines and the repayments not
reversed (``Repayment.standing``).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from models import Loan, db
from models.repayment import Repayment, RepaymentScheduleLine

from .. import policy
from ..money import repayment as money_repayment
from ..money import schedule as money_schedule
from ..money.interest import accrued_interest, overdue_interest, round_fen
from ..money.subsidy import PaidPeriod

ZERO = Decimal("0.00")
COMPOUND_KEY = "penalty_on_unpaid_interest"  # 复利: "1" charges penalty interest on unpaid interest too


def text_setting(key: str, day: date) -> str:
    """The dated text setting ``key`` in force on ``day`` (``policy.setting`` reads numbers)."""
    value = policy.setting_text(key, day)
    if value is None:
        raise policy.MissingPolicyDataError(f"no policy setting {key!r} in force on {day}")
    return value.strip()


def bank_setting(key: str, loan: Loan, default: str | None = None) -> str:
    """The loan's bank's own ``<key>.<bank code>`` in force on the disbursement day, else the district's
    ``key``, else ``default`` (``None``: the setting must exist). Read once: terms stay unchanged."""
    day = loan.disbursed_on
    for name in (f"{key}.{loan.bank.code}", key):
        value = policy.setting_text(name, day)
        if value is not None:
            return value.strip()
    if default is None:
        raise policy.MissingPolicyDataError(f"no policy setting {key!r} in force on {day}")
    return default


def repayment_method(loan: Loan) -> str:
    """The bank's own method if it has one in force on the disbursement day, else the district's."""
    method = bank_setting("repayment_method", loan)
    if method not in money_schedule.METHODS:
        raise policy.MissingPolicyDataError(f"unknown repayment method {method!r}")
    return method


def charges_compound_interest(loan: Loan) -> bool:
    """Whether the loan's bank charges penalty interest on unpaid interest (复利); off by default."""
    return bank_setting(COMPOUND_KEY, loan, default="0") == "1"


# built once (bound loan id): a statement used again keeps its cache key, which SQLAlchemy otherwise works out
_SCHEDULE_LINES = (sa.select(RepaymentScheduleLine).where(RepaymentScheduleLine.loan_id == sa.bindparam("b_loan_id"))
                   .order_by(RepaymentScheduleLine.seq))


def schedule_lines(loan_id: int) -> list[RepaymentScheduleLine]:
    return list(db.session.scalars(_SCHEDULE_LINES, {"b_loan_id": loan_id}))


def repayments_of(loan_id: int) -> list[Repayment]:
    """The loan's standing (not reversed) repayments, in the order paid."""
    return list(db.session.scalars(Repayment.of_loan(loan_id)))


def history_of(loan_id: int) -> list[Repayment]:
    """Every repayment of the loan, reversed ones included (the page lists both)."""
    return list(db.session.scalars(Repayment.history_of_loan(loan_id)))


def instalments(lines) -> list[money_schedule.Instalment]:
    return [money_schedule.Instalment(i.seq, i.due_on, i.principal, i.interest, i.period_start, i.period_end)
            for i in lines]


def received(repayments) -> list[money_repayment.Repayment]:
    return [money_repayment.Repayment(r.paid_on, r.principal, r.interest, r.principal_early) for r in repayments]


def principal_events(loan: Loan, repayments) -> list[tuple[date, Decimal]]:
    """Outstanding principal from disbursement, lowered on each day principal was repaid."""
    events = [(loan.disbursed_on, loan.approved_amount)]
    for item in repayments:
        if item.principal:
            events.append((item.paid_on, events[-1][1] - item.principal))
    return events


def owed(loan: Loan, day: date) -> money_repayment.Owed:
    """What the loan owes on ``day`` (principal and contract interest due and unpaid, overdue parts)."""
    return money_repayment.owed_on(instalments(schedule_lines(loan.id)), received(repayments_of(loan.id)), day)


def penalty_due(loan: Loan, day: date, lines=None, repayments=None) -> Decimal:
    """Penalty interest (罚息) accrued up to ``day`` and not charged yet: on overdue principal, and on
    unpaid contract interest where the bank charges compound interest (复利), at the same rate."""
    lines = schedule_lines(loan.id) if lines is None else lines
    repayments = repayments_of(loan.id) if repayments is None else repayments
    if not lines:
        return ZERO
    schedule, paid = instalments(lines), received(repayments)
    bases = [money_repayment.overdue_principal_events(schedule, paid, day)]
    if charges_compound_interest(loan):
        bases.append(money_repayment.overdue_interest_events(schedule, paid, day))
    if not any(amount for events in bases for _day, amount in events):
        return ZERO
    markup = policy.setting("penalty_rate_markup", loan.disbursed_on)
    start, basis = lines[0].period_start, lines[0].day_count_basis
    total = round_fen(sum(overdue_interest(events, start, day, loan.annual_rate, markup, basis) for events in bases))
    charged = sum((r.penalty_interest for r in repayments if r.paid_on <= day), ZERO)
    return max(ZERO, total - charged)


def accrued_allowance(loan: Loan, day: date, lines, repayments) -> Decimal:
    """Interest of the running period accrued up to ``day``, not due yet (payable early)."""
    running = next((line for line in lines if line.period_start <= day < line.period_end), None)
    if running is None:
        return ZERO
    accrued = accrued_interest(principal_events(loan, repayments), running.period_start, day,
                               loan.annual_rate, running.day_count_basis)
    return min(round_fen(accrued), running.interest)


@dataclass(frozen=True)
class Book:
    """A loan's repayment book on a day: schedule (with each line's part paid), repayments (standing;
    ``history`` has the reversed ones too), what is owed, penalty accrued."""

    day: date
    lines: list[RepaymentScheduleLine]
    repayments: list[Repayment]
    owed: money_repayment.Owed
    penalty_interest: Decimal
    paid: dict[int, money_repayment.LinePaid]
    history: list[Repayment]


def book(loan: Loan, day: date) -> Book:
    lines, history = schedule_lines(loan.id), history_of(loan.id)
    repayments = [item for item in history if not item.is_reversed]
    schedule, paid = instalments(lines), received(repayments)
    owed_now = money_repayment.owed_on(schedule, paid, day)
    per_line = {item.seq: item for item in money_repayment.paid_per_line(schedule, paid, day)}
    return Book(day, lines, repayments, owed_now, penalty_due(loan, day, lines, repayments), per_line, history)


def interest_paid(loan_id: int, start: date, end: date) -> list[PaidPeriod]:
    """Contract interest paid on days in ``[start, end)``, split over the periods it pays, oldest
    first (as ``money.repayment`` matches payments; never penalty interest, never a reversed payment)."""
    lines, periods = schedule_lines(loan_id), []
    if not lines:
        return periods
    remaining = [line.interest for line in lines]
    for item in repayments_of(loan_id):
        left, index = item.interest, 0
        while left > 0:
            while index < len(lines) - 1 and remaining[index] <= 0:
                index += 1
            part = left if index == len(lines) - 1 else min(left, remaining[index])
            remaining[index] -= part
            left -= part
            if start <= item.paid_on < end:
                periods.append(PaidPeriod(item.paid_on, lines[index].period_start, lines[index].period_end, part))
    return periods
