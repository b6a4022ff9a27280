"""Repayment schedule (还款计划): when interest and principal fall due.

Two methods:

- ``interest_quarterly_principal_at_maturity`` (按季结息、到期还本, the default): interest falls due on
  each quarterly interest date (结息日, the ``interest_day`` of March, June, September, December)
  strictly between disbursement and maturity, for the days since the previous due date; principal
  and the remaining interest fall due at maturity. Each period's interest is accrued exactly on the
  daily principal and rounded to the fen once.
- ``equal_instalments`` (等额本息): one instalment a month on the disbursement day-of-month (clamped
  to the month's end, always counted from the disbursement date), the last one on maturity. The
  payment is the annuity ``P·r·(1+r)^n / ((1+r)^n − 1)`` with monthly rate ``r = annual / 12``
  (the day-count basis does not apply), rounded to the fen; each month's interest is the balance ×
  r rounded to the fen; the last instalment repays the remaining balance and absorbs the rounding.

Every instalment's ``period_start``/``period_end`` bound its interest days ``[start, end)``;
``period_end`` equals ``due_on``. The principal of a schedule sums to the contract principal less
the principal repaid early (提前还本), which :func:`prepay` takes off the principal still to fall due:

- quarterly interest: off the principal due at maturity; the interest of the periods not yet ended
  is then accrued again on the actual daily principal (:func:`reaccrue`);
- equal instalments (our convention, the usual one of Chinese banks: 期限不变、月供减少): the term
  stays, the instalment drops. The remaining principal is re-amortised over the remaining
  instalments (the running one included) with the annuity formula; the running instalment's
  interest, fixed at its start on the balance then, loses what the prepaid principal would have
  borne for the rest of its period: ``early × r × days left / days of the period``, to the fen.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from dateutil.relativedelta import relativedelta

from .interest import PrincipalEvents, accrued_interest, round_fen

INTEREST_QUARTERLY = "interest_quarterly_principal_at_maturity"
EQUAL_INSTALMENTS = "equal_instalments"
METHODS = (INTEREST_QUARTERLY, EQUAL_INSTALMENTS)


@dataclass(frozen=True)
class Instalment:
    """One due date of the schedule (期次): principal and interest falling due on ``due_on``."""

    seq: int
    due_on: date
    principal: Decimal
    interest: Decimal
    period_start: date
    period_end: date

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest


def quarterly_due_dates(start: date, end: date, interest_day: int = 20,
                        months: Sequence[int] = (3, 6, 9, 12)) -> list[date]:
    """The interest dates (结息日) strictly after ``start`` and strictly before ``end``."""
    dates = []
    for year in range(start.year, end.year + 1):
        for month in months:
            day = date(year, month, interest_day)
            if start < day < end:
                dates.append(day)
    return dates


def _quarterly(disbursed_on, maturity_date, principal, rate, basis, interest_day, months, prepayments):
    events = [(disbursed_on, principal)]
    for paid_on, amount in sorted(prepayments):
        events.append((paid_on, events[-1][1] - amount))
    due_dates = quarterly_due_dates(disbursed_on, maturity_date, interest_day, months)
    bounds = [disbursed_on, *due_dates, maturity_date]
    instalments = []
    for seq, (start, end) in enumerate(zip(bounds, bounds[1:]), start=1):
        interest = round_fen(accrued_interest(events, start, end, rate, basis))
        due_principal = principal if end == maturity_date else Decimal("0.00")
        instalments.append(Instalment(seq, end, due_principal, interest, start, end))
    return instalments


def annuity_payment(principal: Decimal, monthly_rate: Decimal, months: int) -> Decimal:
    """The monthly payment of an equal-instalment loan (等额本息月供), rounded to the fen."""
    if monthly_rate == 0:
        return round_fen(principal / months)
    growth = (1 + monthly_rate) ** months
    return round_fen(principal * monthly_rate * growth / (growth - 1))


def _equal(disbursed_on, maturity_date, principal, rate):
    due_dates = []
    while (day := disbursed_on + relativedelta(months=len(due_dates) + 1)) < maturity_date:
        due_dates.append(day)
    due_dates.append(maturity_date)
    monthly = Decimal(rate) / 100 / 12
    payment = annuity_payment(principal, monthly, len(due_dates))
    balance, start, instalments = principal, disbursed_on, []
    for seq, due in enumerate(due_dates, start=1):
        interest = round_fen(balance * monthly)
        repaid = balance if seq == len(due_dates) else min(balance, payment - interest)
        instalments.append(Instalment(seq, due, repaid, interest, start, due))
        balance, start = balance - repaid, due
    return instalments


def build_schedule(
    disbursed_on: date,
    maturity_date: date,
    principal: Decimal,
    annual_rate_percent: Decimal,
    method: str = INTEREST_QUARTERLY,
    basis: int = 360,
    interest_day: int = 20,
    prepayments: Sequence[tuple[date, Decimal]] = (),
    interest_months: Sequence[int] = (3, 6, 9, 12),
) -> list[Instalment]:
    """The schedule (还款计划) of a loan of ``principal`` from ``disbursed_on`` to ``maturity_date``.

    ``prepayments`` (提前还本, ``(date, amount)``) lower the principal on which later quarterly
    interest accrues; the principal still falls due, in full, on the final instalment, and the
    prepayments count towards it when repayments are matched (see ``repayment``). Only the
    quarterly method takes prepayments: for equal instalments rebuild from the new balance.
    """
    if maturity_date <= disbursed_on:
        raise ValueError("maturity must come after disbursement")
    principal = round_fen(Decimal(principal))
    if method == INTEREST_QUARTERLY:
        return _quarterly(disbursed_on, maturity_date, principal, annual_rate_percent, basis,
                          interest_day, interest_months, prepayments)
    if method == EQUAL_INSTALMENTS and not prepayments:
        return _equal(disbursed_on, maturity_date, principal, annual_rate_percent)
    raise ValueError(f"unknown method {method!r} or prepayments with equal instalments")


def extend_schedule(
    schedule: Sequence[Instalment],
    extended_principal: Decimal,
    new_maturity: date,
    annual_rate_percent: Decimal,
    method: str = INTEREST_QUARTERLY,
    basis: int = 360,
    interest_day: int = 20,
    interest_months: Sequence[int] = (3, 6, 9, 12),
) -> list[Instalment]:
    """The schedule after an extension (展期): the old one up to its maturity, then a rebuilt tail.

    The principal falling due at the old maturity is lowered by ``extended_principal`` (the
    outstanding principal the bank extends); the interest up to the old maturity and any earlier
    arrears stay due as before. A new schedule for ``extended_principal`` from the old maturity to
    ``new_maturity`` is built with the same terms (rate, method: the notice keeps terms unchanged)
    and appended, numbered on.
    """
    *head, last = schedule
    if not Decimal(0) < extended_principal <= last.principal:
        raise ValueError("the extended principal must be positive and at most the principal due at maturity")
    tail = build_schedule(last.due_on, new_maturity, extended_principal, annual_rate_percent,
                          method, basis, interest_day, interest_months=interest_months)
    kept = [*head, replace(last, principal=last.principal - extended_principal)]
    return kept + [replace(item, seq=len(kept) + item.seq) for item in tail]


def prepay(schedule: Sequence[Instalment], day: date, early: Decimal, annual_rate_percent: Decimal,
           method: str = INTEREST_QUARTERLY) -> list[Instalment]:
    """The schedule after ``early`` principal is repaid on ``day`` beyond what was due (提前还本).

    Only instalments due after ``day`` change. Quarterly: their principal drops by ``early``, from
    the last one back (the caller re-accrues their interest, :func:`reaccrue`). Equal instalments:
    re-amortised as the module says. ``early`` must be positive and at most their principal.
    """
    head = [item for item in schedule if item.due_on <= day]
    future = [item for item in schedule if item.due_on > day]
    if not Decimal(0) < early <= sum((item.principal for item in future), Decimal(0)):
        raise ValueError("the early principal must be positive and at most the principal still to fall due")
    if method == INTEREST_QUARTERLY:
        return head + _lower_from_the_end(future, early)
    if method == EQUAL_INSTALMENTS:
        return head + _reamortise(future, day, early, Decimal(annual_rate_percent) / 100 / 12)
    raise ValueError(f"unknown method {method!r}")


def _lower_from_the_end(future: list[Instalment], early: Decimal) -> list[Instalment]:
    left, lowered = early, []
    for item in reversed(future):
        take = min(item.principal, left)
        lowered.append(replace(item, principal=item.principal - take))
        left -= take
    return lowered[::-1]


def _reamortise(future: list[Instalment], day: date, early: Decimal, monthly: Decimal) -> list[Instalment]:
    running = future[0]
    days_left = Decimal((running.period_end - max(day, running.period_start)).days)
    share = days_left / Decimal((running.period_end - running.period_start).days)
    running_interest = max(Decimal("0.00"), round_fen(running.interest - early * monthly * share))
    balance = sum((item.principal for item in future), Decimal(0)) - early
    payment = annuity_payment(balance, monthly, len(future)) if balance else Decimal("0.00")
    result = []
    for index, item in enumerate(future):
        interest = round_fen(balance * monthly)
        repaid = balance if index == len(future) - 1 else min(balance, payment - interest)
        result.append(replace(item, principal=round_fen(repaid), interest=running_interest if index == 0 else interest))
        balance -= repaid
    return result


def reaccrue(schedule: Sequence[Instalment], since: date, principal_events: PrincipalEvents,
             annual_rate_percent: Decimal, basis: int = 360) -> list[Instalment]:
    """Quarterly interest of the periods ending after ``since`` accrued again on the actual daily
    principal ``principal_events`` (after principal was repaid early, or a repayment was reversed)."""
    return [replace(item, interest=round_fen(accrued_interest(principal_events, item.period_start, item.period_end,
                                                             annual_rate_percent, basis)))
            if item.period_end > since else item for item in schedule]
