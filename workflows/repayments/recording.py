"""Recording a repayment (还款登记): checks, the stored row, the recomputed schedule, the loan's balance."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from models import OUTSTANDING_STATUSES, Loan, User, db
from models.repayment import Repayment

from .. import audit, clock, loan_queries, overdue
from ..audit import Actor
from ..errors import ConcurrentUpdateError, ForbiddenError, FormInvalidError, PolicyViolationError
from ..money import repayment as money_repayment
from ..money.interest import round_fen
from ..permissions import in_scope
from ..unit_of_work import unit_of_work
from .book import ZERO, accrued_allowance, instalments, penalty_due, received, repayments_of, schedule_lines
from .schedules import recompute_after


class IdempotencyKeyReusedError(FormInvalidError):
    """The ``Idempotency-Key`` was used before for another repayment (HTTP 422)."""

    codes = ("idempotency_key_reused",)


def may_record(user: User | None, loan: Loan) -> bool:
    """Only bank officers of the loan's own bank record its repayments."""
    return user is not None and in_scope(user, "bank_officer", None, loan.bank_id)


def loan_for_repayment(user: User | None, loan_id: int) -> Loan:
    """The loan, if ``user`` may record its repayments: 404 outside their scope, 403 inside it."""
    loan = loan_queries.loan_for(user, loan_id)
    if not may_record(user, loan):
        raise ForbiddenError("only bank officers of the loan's bank record repayments")
    return loan


def lock_loan(loan: Loan) -> None:
    """Hold the loan's row until the transaction ends, before anything of its book is read: one
    repayment or reversal of a loan at a time, and a concurrent request with the same key waits here,
    then finds the first one's row. A no-op UPDATE (as ``risk_fund.lock_fund``): a row lock on
    PostgreSQL, the database's write lock on SQLite."""
    db.session.execute(sa.update(Loan).where(Loan.id == loan.id).values(updated_at=Loan.updated_at)
                       .execution_options(synchronize_session=False))
    db.session.refresh(loan)


@dataclass(frozen=True)
class Recorded:
    repayment: Repayment
    created: bool  # False: a replay of the same Idempotency-Key, nothing written


def record_repayment(actor: Actor, loan_id: int, data: dict, idempotency_key: str | None = None) -> Repayment:
    return record(actor, loan_id, data, idempotency_key).repayment


@unit_of_work
def record(actor: Actor, loan_id: int, data: dict, idempotency_key: str | None = None) -> Recorded:
    """Check and store a repayment; close the loan through ``loan_events`` when no principal is left.

    ``data``: ``{"paid_on": date, "principal": Decimal, "interest": Decimal}``. The same
    ``idempotency_key`` with the same loan and parts answers the first repayment (``created`` False),
    even if it was reversed since; with other parts it is ``idempotency_key_reused``.
    """
    loan = loan_for_repayment(actor.user, loan_id)
    paid_on, principal, interest = parts = _parse(data)
    lock_loan(loan)
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
    owed_then = money_repayment.owed_on(instalments(lines), received(done), paid_on)
    try:
        split = money_repayment.allocate(principal, interest, owed_then,
                                         accrued_allowance(loan, paid_on, lines, done))
    except money_repayment.OverpaymentError as exc:
        raise PolicyViolationError(["overpayment"], {exc.part: ["overpayment"]}) from exc
    return Recorded(_store(actor, loan, lines, done, (*parts, split.principal_early), idempotency_key), True)


def _store(actor: Actor, loan: Loan, lines, done, parts, key) -> Repayment:
    paid_on, principal, interest, early = parts
    actor, before = Actor(actor.user, "bank_officer", actor.ip_address), state(loan)
    repayment = Repayment(loan_id=loan.id, paid_on=paid_on, principal=principal, interest=interest,
                          principal_early=early if lines else ZERO,
                          penalty_interest=penalty_due(loan, paid_on, lines, done), idempotency_key=key,
                          recorded_by_id=actor.user_id, principal_outstanding_after=ZERO, loan_status_after="")
    db.session.add(repayment)
    try:
        db.session.flush()
    except sa.exc.IntegrityError as exc:  # cannot happen behind lock_loan; kept as the last guard
        raise ConcurrentUpdateError("idempotency key used concurrently") from exc
    loan.principal_outstanding = loan.approved_amount - sum((r.principal for r in done), ZERO) - principal
    if lines:
        recompute_after(loan, lines, repayment, [*done, repayment])
    entries = {name: getattr(repayment, name)
               for name in ("paid_on", "principal", "interest", "penalty_interest", "principal_early")}
    audit.record("repayment_recorded", actor, loan=loan, before=before, after={"form": entries, "loan": state(loan)})
    if loan.principal_outstanding == 0:
        from ..loan_events import repaid_in_full  # the post-loan area's: closes the loan, ends its process
        repaid_in_full(loan, actor)
    else:  # days past due, risk class and overdue status as the timer would set them today
        overdue.recompute(clock.today(), loan_ids=[loan.id])
        db.session.refresh(loan)
    repayment.principal_outstanding_after, repayment.loan_status_after = loan.principal_outstanding, loan.status
    return repayment


def state(loan: Loan) -> dict:
    return {"status": loan.status, "principal_outstanding": loan.principal_outstanding}


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
