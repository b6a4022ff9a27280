"""Repayment schedules and repayments (还款计划与还款登记) of disbursed loans.

The formulas are ``workflows.money``'s; this module stores lines and repayments and holds the rules:

1. **Terms**: the method is the text setting ``repayment_method.<bank code>`` (a bank's product) in
   force on the disbursement day, else ``repayment_method``; the day count ``day_count_basis``.
   Both are fixed for the loan's life (terms stay unchanged) and stored on each line.
2. **Daily principal**: after principal is repaid, the quarterly lines not yet ended are re-accrued
   on the actual daily principal. Equal-instalment lines are not: early principal counts towards
   the next instalments.
3. **Order**: ``paid_on`` lies between disbursement and today, not before the last repayment.
4. **Limits** (``money.repayment.allocate``): principal up to all outstanding principal (提前还本);
   contract interest up to the interest due plus that accrued in the running period up to
   ``paid_on`` (提前结清). More is refused: ``overpayment`` naming the part.
5. **Penalty interest** (罚息): on overdue principal only (no compound interest on unpaid interest),
   at the contract rate × ``penalty_rate_markup`` (read on the disbursement day), actual days /
   basis, from the due date to the day before ``paid_on``. Each repayment charges what accrued
   and was not charged before, kept apart in ``Repayment.penalty_interest``; never subsidised.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from models import OUTSTANDING_STATUSES, Loan, PolicySetting, User, db
from models.repayment import Repayment, RepaymentScheduleLine

from . import audit, clock, loan_queries, policy
from .audit import Actor
from .errors import ConcurrentUpdateError, ForbiddenError, FormInvalidError, PolicyViolationError
from .money import repayment as money_repayment
from .money import schedule as money_schedule
from .money.interest import accrued_interest, overdue_interest, round_fen
from .money.subsidy import PaidPeriod
from .permissions import in_scope
from .unit_of_work import unit_of_work

ZERO = Decimal("0.00")


class IdempotencyKeyReusedError(FormInvalidError):
    """The ``Idempotency-Key`` was used before for another repayment (HTTP 422)."""

    codes = ("idempotency_key_reused",)


def text_setting(key: str, day: date) -> str:
    """The dated text setting ``key`` in force on ``day`` (``policy.setting`` reads numbers)."""
    row = db.session.scalars(PolicySetting.in_force_on(key, day)).first()
    if row is None:
        raise policy.MissingPolicyDataError(f"no policy setting {key!r} in force on {day}")
    return row.value.strip()


def repayment_method(loan: Loan) -> str:
    """The bank's own method if it has one in force on the disbursement day, else the district's."""
    day = loan.disbursed_on
    own = db.session.scalars(PolicySetting.in_force_on(f"repayment_method.{loan.bank.code}", day)).first()
    method = own.value.strip() if own else text_setting("repayment_method", day)
    if method not in money_schedule.METHODS:
        raise policy.MissingPolicyDataError(f"unknown repayment method {method!r}")
    return method


def schedule_lines(loan_id: int) -> list[RepaymentScheduleLine]:
    query = sa.select(RepaymentScheduleLine).where(RepaymentScheduleLine.loan_id == loan_id)
    return list(db.session.scalars(query.order_by(RepaymentScheduleLine.seq)))


def repayments_of(loan_id: int) -> list[Repayment]:
    return list(db.session.scalars(Repayment.of_loan(loan_id)))


def _instalments(lines) -> list[money_schedule.Instalment]:
    return [money_schedule.Instalment(i.seq, i.due_on, i.principal, i.interest, i.period_start, i.period_end)
            for i in lines]


def _received(repayments) -> list[money_repayment.Repayment]:
    return [money_repayment.Repayment(r.paid_on, r.principal, r.interest) for r in repayments]


def _principal_events(loan: Loan, repayments) -> list[tuple[date, Decimal]]:
    """Outstanding principal from disbursement, lowered on each day principal was repaid."""
    events = [(loan.disbursed_on, loan.approved_amount)]
    for item in repayments:
        if item.principal:
            events.append((item.paid_on, events[-1][1] - item.principal))
    return events


def owed(loan: Loan, day: date) -> money_repayment.Owed:
    """What the loan owes on ``day`` (principal and contract interest due and unpaid, overdue parts)."""
    return money_repayment.owed_on(_instalments(schedule_lines(loan.id)), _received(repayments_of(loan.id)), day)


def penalty_due(loan: Loan, day: date, lines=None, repayments=None) -> Decimal:
    """Penalty interest accrued up to ``day`` and not charged yet (rule 5)."""
    lines = schedule_lines(loan.id) if lines is None else lines
    repayments = repayments_of(loan.id) if repayments is None else repayments
    events = money_repayment.overdue_principal_events(_instalments(lines), _received(repayments), day)
    if not lines or not any(amount for _day, amount in events):
        return ZERO
    markup = policy.setting("penalty_rate_markup", loan.disbursed_on)
    total = round_fen(overdue_interest(events, events[0][0], day, loan.annual_rate, markup,
                                       lines[0].day_count_basis))
    charged = sum((r.penalty_interest for r in repayments if r.paid_on <= day), ZERO)
    return max(ZERO, total - charged)


def accrued_allowance(loan: Loan, day: date, lines, repayments) -> Decimal:
    """Interest of the running period accrued up to ``day``, not due yet (payable early, rule 4)."""
    running = next((line for line in lines if line.period_start <= day < line.period_end), None)
    if running is None:
        return ZERO
    accrued = accrued_interest(_principal_events(loan, repayments), running.period_start, day,
                               loan.annual_rate, running.day_count_basis)
    return min(round_fen(accrued), running.interest)


@dataclass(frozen=True)
class Book:
    """A loan's repayment book on a day: schedule, repayments, what is owed, penalty accrued."""

    day: date
    lines: list[RepaymentScheduleLine]
    repayments: list[Repayment]
    owed: money_repayment.Owed
    penalty_interest: Decimal


def book(loan: Loan, day: date) -> Book:
    lines, repayments = schedule_lines(loan.id), repayments_of(loan.id)
    owed_now = money_repayment.owed_on(_instalments(lines), _received(repayments), day)
    return Book(day, lines, repayments, owed_now, penalty_due(loan, day, lines, repayments))


def interest_paid(loan_id: int, start: date, end: date) -> list[PaidPeriod]:
    """Contract interest paid on days in ``[start, end)``, split over the periods it pays, oldest
    first (as ``money.repayment`` matches payments; never penalty interest)."""
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
def _line(loan: Loan, item, part: str, method: str, basis: int) -> RepaymentScheduleLine:
    return RepaymentScheduleLine(loan_id=loan.id, seq=item.seq, due_on=item.due_on, principal=item.principal,
                                 interest=item.interest, period_start=item.period_start,
                                 period_end=item.period_end, part=part, method=method, day_count_basis=basis)


def create_schedule(loan: Loan) -> list[RepaymentScheduleLine]:
    """The loan's schedule, made once at disbursement in the caller's transaction (idempotent)."""
    existing = schedule_lines(loan.id)
    if existing:
        return existing
    method, basis = repayment_method(loan), int(policy.setting("day_count_basis", loan.disbursed_on))
    built = money_schedule.build_schedule(loan.disbursed_on, loan.maturity_date, loan.approved_amount,
                                          loan.annual_rate, method, basis)
    lines = [_line(loan, item, "original", method, basis) for item in built]
    db.session.add_all(lines)
    db.session.flush()
    return lines


def extend_schedule(loan: Loan, new_maturity: date) -> None:
    """展期: the unpaid principal of the last instalment falls due at ``new_maturity`` instead; the new
    lines (``part = "extension"``) carry the same terms. Idempotent: nothing happens when the schedule
    already runs to ``new_maturity`` or no principal is left to extend."""
    lines = schedule_lines(loan.id) or create_schedule(loan)  # a loan disbursed before schedules existed
    last = lines[-1]
    if new_maturity <= last.due_on:
        return
    paid = sum((r.principal for r in repayments_of(loan.id)), ZERO)
    earlier = sum((line.principal for line in lines[:-1]), ZERO)
    extended = min(last.principal, last.principal - max(ZERO, paid - earlier))
    if extended <= 0:
        return
    built = money_schedule.extend_schedule(_instalments(lines), extended, new_maturity, loan.annual_rate,
                                           last.method, last.day_count_basis)
    last.principal = built[len(lines) - 1].principal
    db.session.add_all(_line(loan, item, "extension", last.method, last.day_count_basis)
                       for item in built[len(lines):])
    db.session.flush()


def may_record(user: User | None, loan: Loan) -> bool:
    """Only bank officers of the loan's own bank record its repayments."""
    return user is not None and in_scope(user, "bank_officer", None, loan.bank_id)


def loan_for_repayment(user: User | None, loan_id: int) -> Loan:
    """The loan, if ``user`` may record its repayments: 404 outside their scope, 403 inside it."""
    loan = loan_queries.loan_for(user, loan_id)
    if not may_record(user, loan):
        raise ForbiddenError("only bank officers of the loan's bank record repayments")
    return loan


@dataclass(frozen=True)
class Recorded:
    repayment: Repayment
    created: bool  # False: a replay of the same Idempotency-Key, nothing written


def record_repayment(actor: Actor, loan_id: int, data: dict, idempotency_key: str | None = None) -> Repayment:
    return record(actor, loan_id, data, idempotency_key).repayment


@unit_of_work
def record(actor: Actor, loan_id: int, data: dict, idempotency_key: str | None = None) -> Recorded:
    """Check and store a repayment; close the loan through ``loan_events`` when no principal is left."""
    loan = loan_for_repayment(actor.user, loan_id)
    db.session.refresh(loan, with_for_update=True)  # one repayment of a loan at a time
    paid_on, principal, interest = parts = _parse(data)
    first = db.session.scalars(sa.select(Repayment).where(Repayment.idempotency_key == idempotency_key)).first() \
        if idempotency_key else None
    if first is not None:  # a replay: the same repayment again, or a key reused for another one
        if (first.loan_id, first.paid_on, first.principal, first.interest) != (loan.id, *parts):
            raise IdempotencyKeyReusedError({"idempotency_key": ["idempotency_key_reused"]})
        return Recorded(first, False)
    if loan.status not in OUTSTANDING_STATUSES:
        raise PolicyViolationError(["loan_not_outstanding"], {"__all__": ["loan_not_outstanding"]})
    lines, done = schedule_lines(loan.id), repayments_of(loan.id)
    _check_day(loan, paid_on, done)
    owed_then = money_repayment.owed_on(_instalments(lines), _received(done), paid_on)
    try:
        money_repayment.allocate(principal, interest, owed_then, accrued_allowance(loan, paid_on, lines, done))
    except money_repayment.OverpaymentError as exc:
        raise PolicyViolationError(["overpayment"], {exc.part: ["overpayment"]}) from exc
    return Recorded(_store(actor, loan, lines, done, parts, idempotency_key), True)


def _store(actor: Actor, loan: Loan, lines, done, parts, key) -> Repayment:
    paid_on, principal, interest = parts
    actor, before = Actor(actor.user, "bank_officer", actor.ip_address), _state(loan)
    repayment = Repayment(loan_id=loan.id, paid_on=paid_on, principal=principal, interest=interest,
                          penalty_interest=penalty_due(loan, paid_on, lines, done), idempotency_key=key,
                          recorded_by_id=actor.user_id, principal_outstanding_after=ZERO, loan_status_after="")
    db.session.add(repayment)
    try:
        db.session.flush()
    except sa.exc.IntegrityError as exc:  # the same key recorded concurrently: the client's retry replays it
        raise ConcurrentUpdateError("idempotency key used concurrently") from exc
    loan.principal_outstanding = loan.approved_amount - sum((r.principal for r in done), ZERO) - principal
    if principal and lines and lines[0].method == money_schedule.INTEREST_QUARTERLY:
        _reaccrue(loan, lines, [*done, repayment], paid_on)
    entries = {name: getattr(repayment, name) for name in ("paid_on", "principal", "interest", "penalty_interest")}
    audit.record("repayment_recorded", actor, loan=loan, before=before, after={"form": entries, "loan": _state(loan)})
    if loan.principal_outstanding == 0:
        from .loan_events import repaid_in_full  # the post-loan area's: closes the loan, ends its process
        repaid_in_full(loan, actor)
    repayment.principal_outstanding_after, repayment.loan_status_after = loan.principal_outstanding, loan.status
    return repayment


def _state(loan: Loan) -> dict:
    return {"status": loan.status, "principal_outstanding": loan.principal_outstanding}


def _reaccrue(loan: Loan, lines, repayments, since: date) -> None:
    events = _principal_events(loan, repayments)
    for line in lines:
        if line.period_end > since:
            line.interest = round_fen(accrued_interest(events, line.period_start, line.period_end,
                                                       loan.annual_rate, line.day_count_basis))


def _parse(data: dict) -> tuple[date, Decimal, Decimal]:
    paid_on, principal, interest = data.get("paid_on"), data.get("principal"), data.get("interest")
    errors = {name: ["invalid"] for name, value in (("principal", principal), ("interest", interest))
              if not isinstance(value, Decimal) or value < 0 or value != round_fen(value)}
    errors.update({} if isinstance(paid_on, date) else {"paid_on": ["invalid"]})
    if errors:
        raise FormInvalidError(errors)
    if principal == 0 and interest == 0:
        raise FormInvalidError({"__all__": ["nothing_paid"]})
    return paid_on, round_fen(principal), round_fen(interest)


def _check_day(loan: Loan, paid_on: date, done) -> None:
    if not loan.disbursed_on <= paid_on <= clock.today():
        raise FormInvalidError({"paid_on": ["paid_on_out_of_range"]})
    if done and paid_on < done[-1].paid_on:
        raise FormInvalidError({"paid_on": ["paid_on_before_last_repayment"]})
