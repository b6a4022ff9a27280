"""The opening book of an imported loan (存量贷款期初账): its schedule and what was repaid before import.

A bank's file gives the loan's terms, its outstanding principal and its days past due on the import
day; the repayment book must say the same, so that ``overdue.recompute`` keeps the loan where the
bank had it. From the terms the schedule is built as at disbursement (``money.schedule``), then:

1. **The oldest unpaid due date** is the import day − days past due (the import day itself when the
   loan is current). When no instalment falls due on that day, the instalment whose interest days
   hold it is split there: interest of the days before it falls due on it (proportional to the days,
   to the fen), the rest and the principal on the instalment's own due date.
2. **Paid before** (导入前已还): every instalment due before that day was paid in full on its due
   date (so no penalty interest accrued on it); the instalments due from that day on are unpaid.
3. **Principal repaid early** (提前还本): the principal repaid (amount − outstanding) beyond the
   principal of the paid instalments was repaid on the last paid due date (the disbursement day if
   none), as a repayment's ``principal_early``: ``money.schedule.prepay`` takes it off the principal
   still to fall due (so the schedule shows what is left to repay), and with quarterly interest the
   later periods accrue on the lower principal (``build_schedule``'s prepayments). Repaid principal
   short of the paid instalments' would be arrears older than the days past due: the row is refused.

``opening_book`` checks its result with ``money.repayment.owed_on``: on the import day the book
owes exactly the outstanding principal and is exactly the days past due overdue.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal

from ..money import repayment as money_repayment
from ..money import schedule as money_schedule
from ..money.interest import round_fen

ZERO = Decimal("0.00")


class InconsistentBookError(ValueError):
    """The imported figures admit no book (``code`` names the column's row error)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Terms:
    """A loan's contract terms as imported (the method and day count as the bank's settings give them)."""

    disbursed_on: date
    maturity_date: date
    principal: Decimal
    annual_rate: Decimal
    method: str
    basis: int


@dataclass(frozen=True)
class OpeningBook:
    instalments: list[money_schedule.Instalment]
    repaid: list[money_repayment.Repayment]  # paid before import, oldest first
    owed: money_repayment.Owed  # on the import day


def oldest_unpaid_on(day: date, days_past_due: int) -> date:
    return day - timedelta(days=days_past_due)


def split_at(instalments: list[money_schedule.Instalment], day: date) -> list[money_schedule.Instalment]:
    """The schedule with an instalment falling due on ``day`` (rule 1); unchanged if one does already."""
    result = []
    for item in instalments:
        if item.period_start < day < item.period_end:
            share = Decimal((day - item.period_start).days) / Decimal((item.period_end - item.period_start).days)
            first = round_fen(item.interest * share)
            result.append(replace(item, due_on=day, principal=ZERO, interest=first, period_end=day))
            result.append(replace(item, interest=item.interest - first, period_start=day))
        else:
            result.append(item)
    return [replace(item, seq=seq) for seq, item in enumerate(result, start=1)]


def _schedule(terms: Terms, prepayments=()) -> list[money_schedule.Instalment]:
    return money_schedule.build_schedule(terms.disbursed_on, terms.maturity_date, terms.principal,
                                         terms.annual_rate, terms.method, terms.basis, prepayments=prepayments)


def opening_book(terms: Terms, day: date, outstanding: Decimal, days_past_due: int) -> OpeningBook:
    """The schedule and the repayments before ``day`` that agree with the imported figures (rules 1–3)."""
    cutoff = oldest_unpaid_on(day, days_past_due)
    if cutoff > terms.maturity_date or (days_past_due and cutoff <= terms.disbursed_on):
        raise InconsistentBookError("days_past_due_out_of_range", "the oldest unpaid day lies outside the term")
    plain = _schedule(terms)
    paid = [item for item in plain if item.due_on < cutoff]
    early = terms.principal - outstanding - sum((item.principal for item in paid), ZERO)
    if early < 0:
        raise InconsistentBookError("outstanding_above_schedule", "principal fell due before the days past due")
    early_on = paid[-1].due_on if paid else terms.disbursed_on
    instalments = _prepaid(terms, plain, early_on, early) if early else plain
    instalments = split_at(instalments, cutoff) if days_past_due else instalments
    repaid = _repaid(instalments, cutoff, early_on, early)
    owed = money_repayment.owed_on(instalments, repaid, day)
    if owed.outstanding_principal != outstanding or owed.days_past_due != days_past_due:
        raise InconsistentBookError("days_past_due_inconsistent", f"the book gives {owed}")
    return OpeningBook(instalments, repaid, owed)


def _prepaid(terms: Terms, plain, early_on: date, early: Decimal) -> list[money_schedule.Instalment]:
    """The schedule after ``early`` principal repaid on ``early_on`` (rule 3)."""
    quarterly = terms.method == money_schedule.INTEREST_QUARTERLY
    built = _schedule(terms, [(early_on, early)]) if quarterly else plain
    return money_schedule.prepay(built, early_on, early, terms.annual_rate, terms.method)


def _repaid(instalments, cutoff: date, early_on: date, early: Decimal) -> list[money_repayment.Repayment]:
    by_day: dict[date, list[Decimal]] = {}
    if early:
        by_day[early_on] = [early, ZERO, early]
    for item in instalments:
        if item.due_on < cutoff:
            parts = by_day.setdefault(item.due_on, [ZERO, ZERO, ZERO])
            parts[0] += item.principal
            parts[1] += item.interest
    return [money_repayment.Repayment(paid_on, principal, interest, principal_early)
            for paid_on, (principal, interest, principal_early) in sorted(by_day.items()) if principal or interest]
