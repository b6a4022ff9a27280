"""Interest subsidy (贴息): what the finance bureau owes each bank for a quarter, on actuals (据实).

Method, per loan and per interest period paid in the quarter:

    subsidy base = contract interest paid for the period
                   × Σ min(outstanding, subsidised principal) × days
                   / Σ outstanding × days                       (both over the period's days)

i.e. the paid interest attributable to the subsidised share of the daily principal (only principal
up to 50,000 per household is subsidised: the caller passes each loan's ``subsidised_principal``,
already split per household with ``risk_fund.cap_per_household``). The rate cancels, so a partial
payment is subsidised pro rata and a loan fully under the cap gets exactly its paid interest.
Overdue/penalty interest (罚息) is never passed in and never subsidised.

Share: loans disbursed on or before 2022-12-31 and their extensions (展期; pass the original
disbursement date) get 100 %; later loans, renewals included, the dated share in force on their
disbursement date. A line's base is rounded to the fen, then subsidy = round_fen(base × share);
bank totals and the grand total are sums of the rounded lines.
"""
from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .interest import principal_days, round_fen

ZERO = Decimal("0.00")
ShareFor = Callable[[date], Decimal]


@dataclass(frozen=True)
class PaidPeriod:
    """Contract interest (正常利息, no penalty) paid on ``paid_on`` for the days ``[period_start, period_end)``."""

    paid_on: date
    period_start: date
    period_end: date
    interest_paid: Decimal


@dataclass(frozen=True)
class SubsidyLoan:
    """One loan's facts for the subsidy. ``disbursed_on``: for an extension, the original loan's date."""

    loan_id: Hashable
    bank: str
    disbursed_on: date
    principal_events: Sequence[tuple[date, Decimal]]
    subsidised_principal: Decimal
    paid_periods: Sequence[PaidPeriod]


@dataclass(frozen=True)
class SubsidyLine:
    loan_id: Hashable
    bank: str
    interest_paid: Decimal
    subsidy_base: Decimal
    share: Decimal
    subsidy: Decimal


@dataclass(frozen=True)
class SubsidyStatement:
    """The quarter's subsidy claim (贴息清单): lines, totals per bank, grand total."""

    lines: list[SubsidyLine]
    totals_by_bank: dict[str, Decimal]
    total: Decimal


def quarter_bounds(year: int, quarter: int) -> tuple[date, date]:
    """``[first day, first day of the next quarter)`` of quarter 1–4 of ``year``."""
    if quarter not in (1, 2, 3, 4):
        raise ValueError("quarter is 1 to 4")
    start = date(year, 3 * quarter - 2, 1)
    return start, date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)


def share_schedule(later_shares: Sequence[tuple[date, Decimal]],
                   full_until: date = date(2022, 12, 31)) -> ShareFor:
    """A ``share_for(disbursed_on)``: 1 up to ``full_until``, then the latest ``(effective_from, share)``."""
    dated = sorted(later_shares)

    def share_for(disbursed_on: date) -> Decimal:
        if disbursed_on <= full_until:
            return Decimal(1)
        in_force = [share for since, share in dated if since <= disbursed_on]
        if not in_force:
            raise LookupError(f"no subsidy share in force for loans disbursed on {disbursed_on}")
        return Decimal(in_force[-1])

    return share_for


def period_base(loan: SubsidyLoan, period: PaidPeriod) -> Decimal:
    """The part of ``period.interest_paid`` attributable to the subsidised principal (exact)."""
    cap = Decimal(loan.subsidised_principal)
    capped = [(day, min(Decimal(amount), cap)) for day, amount in loan.principal_events]
    full = principal_days(loan.principal_events, period.period_start, period.period_end)
    if full == 0:
        return ZERO
    covered = principal_days(capped, period.period_start, period.period_end)
    return period.interest_paid * covered / full


def subsidy_line(loan: SubsidyLoan, start: date, end: date, share_for: ShareFor) -> SubsidyLine:
    """One loan's line for the payments received in ``[start, end)``."""
    periods = [p for p in loan.paid_periods if start <= p.paid_on < end]
    paid = sum((p.interest_paid for p in periods), ZERO)
    base = round_fen(sum((period_base(loan, p) for p in periods), ZERO))
    share = share_for(loan.disbursed_on)
    return SubsidyLine(loan.loan_id, loan.bank, paid, base, share, round_fen(base * share))


def subsidy_due(loans: Iterable[SubsidyLoan], quarter_start: date, quarter_end: date,
                share_for: ShareFor) -> SubsidyStatement:
    """The subsidy due for interest paid in ``[quarter_start, quarter_end)``, per loan and per bank."""
    lines = [subsidy_line(loan, quarter_start, quarter_end, share_for) for loan in loans]
    totals: dict[str, Decimal] = {}
    for line in lines:
        totals[line.bank] = totals.get(line.bank, ZERO) + line.subsidy
    return SubsidyStatement(lines, totals, sum(totals.values(), ZERO))
