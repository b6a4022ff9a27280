"""Interest (利息) on the daily outstanding principal, and overdue interest (罚息).

Principal is given as a step function: ``principal_events`` is a list of ``(date, amount)``, each
amount being the outstanding principal from that date until the next event (before the first event
the principal is zero). Interest for the days in ``[start, end)`` is
``Σ principal × days × annual_rate_percent / 100 / basis``, kept exact (no rounding) so that callers
round a period's total once with :func:`round_fen`.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext

FEN = Decimal("0.01")
ALLOWED_BASES = (360, 365)
PrincipalEvents = Sequence[tuple[date, Decimal]]


def round_fen(amount: Decimal) -> Decimal:
    """Round to the fen (分, 0.01 yuan), half up, as a bank does when an amount falls due or is paid."""
    return amount.quantize(FEN, rounding=ROUND_HALF_UP)


def _check(start: date, end: date, basis: int) -> None:
    if basis not in ALLOWED_BASES:
        raise ValueError(f"day-count basis must be one of {ALLOWED_BASES}, not {basis}")
    if end < start:
        raise ValueError(f"period ends ({end}) before it starts ({start})")


def principal_days(principal_events: PrincipalEvents, start: date, end: date) -> Decimal:
    """Σ outstanding principal × days over ``[start, end)`` (积数, the daily balance sum)."""
    events = sorted(principal_events, key=lambda event: event[0])
    total = Decimal(0)
    for index, (since, amount) in enumerate(events):
        until = events[index + 1][0] if index + 1 < len(events) else end
        days = (min(until, end) - max(since, start)).days
        if days > 0:
            total += Decimal(amount) * days
    return total


def accrued_interest(
    principal_events: PrincipalEvents,
    start: date,
    end: date,
    annual_rate_percent: Decimal,
    basis: int = 360,
) -> Decimal:
    """Contract interest (正常利息) accrued on the days in ``[start, end)``, exact (not rounded).

    Actual days over ``basis`` (实际天数/360 by default; 365 allowed); ``annual_rate_percent`` is
    e.g. ``Decimal("3.45")``.
    """
    _check(start, end, basis)
    with localcontext() as context:
        context.prec = 50
        return principal_days(principal_events, start, end) * Decimal(annual_rate_percent) / (100 * basis)


def overdue_interest(
    overdue_principal_events: PrincipalEvents,
    start: date,
    end: date,
    annual_rate_percent: Decimal,
    penalty_markup: Decimal = Decimal("1.5"),
    basis: int = 360,
) -> Decimal:
    """Overdue (penalty) interest (逾期罚息) on overdue principal over ``[start, end)``, exact.

    The rate is the contract rate × ``penalty_markup``. Kept apart from :func:`accrued_interest`
    because the district subsidy (贴息) never covers it.
    """
    rate = Decimal(annual_rate_percent) * Decimal(penalty_markup)
    return accrued_interest(overdue_principal_events, start, end, rate, basis)
