"""Reversing a repayment (冲正): a bank approver of the loan's bank, never the officer who recorded it
(four eyes), with a reason, takes a repayment back out of the book in one transaction.

What is restored: the principal outstanding, the schedule lines the repayment recomputed (from the
figures it saved, ``Repayment.schedule_before``), so each line's part paid and the penalty still due
(both derived from the standing repayments), and the loan's days past due, risk class and overdue
status (recomputed for the loan on the business date, ``overdue.recompute``). The row stays,
marked reversed (who, when, why); the audit event ``repayment_reversed`` keeps the before and after.

Refusals (rule codes; messages in ``webapp.repayments``):

- ``reversal_not_approver`` (403): only bank approvers of the loan's bank reverse;
- ``reversal_four_eyes`` (403): the user who recorded the repayment never reverses it;
- ``reversal_reason_missing``: a reason is required;
- ``repayment_already_reversed``: a repayment is reversed once;
- ``reversal_not_latest``: only the loan's latest standing repayment (reverse later ones first: each
  later repayment's penalty and schedule were computed on the book this one made);
- ``reversal_loan_closed``: the repayment closed the loan (结清) and ended its post-loan process;
  reopening a closed loan is a correction outside this system's lifecycle, so it is refused;
- ``reversal_subsidy_settled``: the repayment paid interest in a quarter whose subsidy settlement for
  the bank is computed or further on (the subsidy was claimed on it);
- ``reversal_schedule_changed``: the schedule was extended (展期) after the repayment.
"""
from __future__ import annotations

import sqlalchemy as sa

from models import Loan, User, db
from models.repayment import Repayment
from models.subsidy import SubsidySettlement

from .. import audit, clock, loan_queries, overdue
from ..audit import Actor
from ..errors import ForbiddenError, FormInvalidError, FourEyesError, NotFoundError, PolicyViolationError
from ..permissions import in_scope
from ..unit_of_work import unit_of_work
from .book import ZERO, repayments_of, schedule_lines
from .recording import lock_loan, state
from .schedules import ScheduleChangedError, restore

REASON_MAX = 500


class ReversalRoleError(ForbiddenError):
    codes = ("reversal_not_approver",)


class ReversalFourEyesError(FourEyesError):
    codes = ("reversal_four_eyes",)


def may_reverse(user: User | None, loan: Loan) -> bool:
    """Bank approvers of the loan's own bank reverse its repayments (and see the button)."""
    return user is not None and in_scope(user, "bank_approver", None, loan.bank_id)


def loan_for_reversal(user: User | None, loan_id: int) -> Loan:
    """The loan, if ``user`` may reverse its repayments: 404 outside their scope, 403 inside it."""
    loan = loan_queries.loan_for(user, loan_id)
    if not may_reverse(user, loan):
        raise ReversalRoleError("only bank approvers of the loan's bank reverse repayments")
    return loan


def _refuse(code: str, field: str = "__all__"):
    return PolicyViolationError([code], {field: [code]})


def check(user: User, loan: Loan, repayment: Repayment, reason: str) -> None:
    """Raise the first refusal that applies (see the module's list), or return."""
    if repayment.is_reversed:
        raise _refuse("repayment_already_reversed")
    if repayment.recorded_by_id == user.id:
        raise ReversalFourEyesError("the officer who recorded a repayment does not reverse it")
    if not reason:
        raise _refuse("reversal_reason_missing", "reason")
    if repayments_of(loan.id)[-1].id != repayment.id:
        raise _refuse("reversal_not_latest")
    if repayment.loan_status_after == "closed" or loan.status == "closed":
        raise _refuse("reversal_loan_closed")
    if repayment.interest > 0 and _settled(loan, repayment):
        raise _refuse("reversal_subsidy_settled")


def _settled(loan: Loan, repayment: Repayment) -> bool:
    year, quarter = repayment.paid_on.year, (repayment.paid_on.month - 1) // 3 + 1
    return db.session.scalar(sa.select(sa.func.count()).select_from(SubsidySettlement).where(
        SubsidySettlement.bank_id == loan.bank_id, SubsidySettlement.year == year,
        SubsidySettlement.quarter == quarter, SubsidySettlement.status != "scheduled")) > 0


@unit_of_work
def reverse(actor: Actor, loan_id: int, repayment_id: int, data: dict) -> Repayment:
    """冲正 ``repayment_id`` of loan ``loan_id``; ``data``: ``{"reason": str}`` (1–500 characters)."""
    loan = loan_for_reversal(actor.user, loan_id)
    lock_loan(loan)
    repayment = db.session.get(Repayment, repayment_id)
    if repayment is None or repayment.loan_id != loan.id:
        raise NotFoundError("no such repayment of this loan")
    reason = str(data.get("reason") or "").strip()
    if len(reason) > REASON_MAX:
        raise FormInvalidError({"reason": ["invalid"]})
    check(actor.user, loan, repayment, reason)
    before = {**state(loan), "days_past_due": loan.days_past_due, "risk_class": loan.risk_class}
    try:
        restore(schedule_lines(loan.id), repayment)
    except ScheduleChangedError as exc:
        raise _refuse("reversal_schedule_changed") from exc
    repayment.reversed_at, repayment.reversed_on = clock.wall_now(), clock.today()
    repayment.reversed_by_id, repayment.reversal_reason = actor.user_id, reason
    db.session.flush()
    loan.principal_outstanding = loan.approved_amount - sum((r.principal for r in repayments_of(loan.id)), ZERO)
    overdue.recompute(clock.today(), loan_ids=[loan.id])
    db.session.refresh(loan)
    after = {**state(loan), "days_past_due": loan.days_past_due, "risk_class": loan.risk_class}
    audit.record("repayment_reversed", Actor(actor.user, "bank_approver", actor.ip_address), loan=loan,
                 before=before, after={"loan": after, "repayment": _entries(repayment)}, comment=reason)
    return repayment


def _entries(repayment: Repayment) -> dict:
    return {name: getattr(repayment, name) for name in
            ("id", "paid_on", "principal", "interest", "penalty_interest", "principal_early", "recorded_by_id")}
