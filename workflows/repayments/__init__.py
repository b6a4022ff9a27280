"""Repayment schedules and repayments (还款计划与还款登记) of disbursed loans.

The formulas are ``workflows.money``'s; this package stores lines and repayments and holds the rules:

1. **Terms**: the method is the text setting ``repayment_method.<bank code>`` (a bank's product) in
   force on the disbursement day, else ``repayment_method``; the day count ``day_count_basis``.
   Both are fixed for the loan's life (terms stay unchanged) and stored on each line.
2. **Prepayment** (提前还本): principal paid beyond what is due is kept apart on the repayment
   (``principal_early``) and taken off the principal still to fall due: with quarterly interest off
   the principal due at maturity, and the periods not yet ended re-accrue on the actual daily
   principal; with equal instalments the remaining principal is re-amortised over the remaining
   instalments (same term, lower instalment: ``money.schedule``). Any principal repayment of a
   quarterly loan re-accrues the periods not yet ended.
3. **Order**: ``paid_on`` lies between disbursement and today, not before the last repayment.
4. **Limits** (``money.repayment.allocate``): principal up to all outstanding principal (提前还本);
   contract interest up to the interest due plus that accrued in the running period up to
   ``paid_on`` (提前结清). More is refused: ``overpayment`` naming the part.
5. **Penalty interest** (罚息): on overdue principal, at the contract rate × ``penalty_rate_markup``
   (read on the disbursement day), actual days / basis, from the due date to the day before
   ``paid_on``; and on contract interest due and unpaid (复利) at the same rate where the bank's
   dated setting ``penalty_on_unpaid_interest.<bank code>`` (else ``penalty_on_unpaid_interest``,
   else off) in force on the disbursement day is ``1``. Each repayment charges what accrued and was
   not charged before, kept apart in ``Repayment.penalty_interest``; never subsidised.
6. **Idempotency-Key**: the loan's row is locked before the key is looked up, so the same key never
   records twice, even from two requests at once: the second answers the first's repayment.
7. **Reversal** (冲正): ``reversal`` (four eyes, a reason, the refusals listed there).

Service entry points (each one transaction): ``record(actor, loan_id, data, idempotency_key)`` and
``reverse(actor, loan_id, repayment_id, data)``.
"""
from __future__ import annotations

from .book import (
    Book, accrued_allowance, bank_setting, book, charges_compound_interest, history_of, interest_paid, owed,
    penalty_due, repayment_method, repayments_of, schedule_lines, text_setting,
)
from .recording import IdempotencyKeyReusedError, Recorded, loan_for_repayment, may_record, record, record_repayment
from .reversal import REASON_MAX, ReversalFourEyesError, ReversalRoleError, loan_for_reversal, may_reverse, reverse
from .schedules import create_schedule, extend_schedule

__all__ = [
    "REASON_MAX", "Book", "IdempotencyKeyReusedError", "Recorded", "ReversalFourEyesError", "ReversalRoleError",
    "accrued_allowance", "bank_setting", "book", "charges_compound_interest", "create_schedule",
    "extend_schedule", "history_of", "interest_paid", "loan_for_repayment", "loan_for_reversal", "may_record",
    "may_reverse", "owed", "penalty_due", "record", "record_repayment", "repayment_method", "repayments_of",
    "reverse", "schedule_lines", "text_setting",
]
