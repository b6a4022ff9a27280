"""Imported loans enter the lifecycle (存量贷款纳入贷后管理): book, status, risk class, post-loan process.

For each imported loan, in the import's transaction:

* its **opening book** (``opening``): the schedule lines and the repayments made before import, so
  that the book owes the outstanding principal and is the imported days past due overdue; the
  method and day count are the bank's settings in force on the disbursement day (the import day's
  for a loan older than every setting, as for the caps);
* its **status**: ``recovering`` when the bank has it in recovery (清收), else ``overdue`` with days
  past due, else ``extended`` when it was extended before (as ``overdue.status_for`` brings an
  extended loan back), else ``active``; the **risk class** from the dated thresholds of the import
  day (``overdue.thresholds``). So the daily recompute finds the same figures and changes nothing;
* its **post-loan process**, started on its own at the point the columns say
  (``post_loan.start_standalone``: the next visit or reminder, the maturity review, recovery).

Rows the lifecycle writes are marked as the import's: the repayments are recorded by the importing
officer, on the due dates they paid.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from models import Bank, Loan, db
from models.repayment import Repayment, RepaymentScheduleLine

from .. import overdue, policy, post_loan, repayments
from ..audit import Actor
from ..money.risk_class import risk_class
from .opening import OpeningBook, Terms, opening_book

SETTINGS = ("day_count_basis", *overdue.THRESHOLD_KEYS)  # numbers; repayment_method is text


def terms_for(bank: Bank, disbursed_on: date, maturity_date: date, amount: Decimal, rate: Decimal,
              today: date) -> Terms:
    """The contract terms; method and day count read on the disbursement day, else on ``today``."""
    try:
        return _terms(bank, disbursed_on, disbursed_on, maturity_date, amount, rate)
    except policy.MissingPolicyDataError:
        return _terms(bank, today, disbursed_on, maturity_date, amount, rate)


def _terms(bank: Bank, read_on: date, disbursed_on: date, maturity_date: date, amount, rate) -> Terms:
    method = repayments.repayment_method(Loan(bank=bank, disbursed_on=read_on))
    basis = int(policy.setting("day_count_basis", read_on))
    return Terms(disbursed_on, maturity_date, amount, rate, method, basis)


def prepare(bank: Bank, data: dict, today: date) -> None:
    """Add ``terms`` and ``book`` to a checked row's data (``opening.InconsistentBookError`` if no book fits)."""
    terms = terms_for(bank, data["disbursed_on"], data["maturity_date"], data["amount"], data["annual_rate"], today)
    data["book"] = opening_book(terms, today, data["principal_outstanding"], data["days_past_due"])
    data["terms"] = terms


def status_for(days_past_due: int, extension_count: int, in_recovery: bool) -> str:
    if in_recovery:
        return "recovering"
    if days_past_due:
        return "overdue"
    return "extended" if extension_count else "active"


def classify(loan: Loan, days_past_due: int, in_recovery: bool, today: date) -> None:
    """Days past due, risk class and status of a new imported loan."""
    loan.days_past_due = days_past_due
    loan.risk_class = risk_class(days_past_due, overdue.thresholds(today))
    loan.status = status_for(days_past_due, loan.extension_count, in_recovery)


def store_book(officer: Actor, loan: Loan, book: OpeningBook, terms_method: str, basis: int) -> None:
    """Write the schedule lines and the repayments before import of ``loan``."""
    db.session.add_all(RepaymentScheduleLine(
        loan_id=loan.id, seq=item.seq, due_on=item.due_on, principal=item.principal, interest=item.interest,
        period_start=item.period_start, period_end=item.period_end, part="original", method=terms_method,
        day_count_basis=basis) for item in book.instalments)
    left = loan.approved_amount
    for item in book.repaid:
        left -= item.principal
        db.session.add(Repayment(loan_id=loan.id, paid_on=item.paid_on, principal=item.principal,
                                 principal_early=item.principal_early, interest=item.interest,
                                 penalty_interest=Decimal("0.00"),
                                 principal_outstanding_after=left, loan_status_after="active",
                                 recorded_by_id=officer.user_id))
    db.session.flush()


def enter(officer: Actor, loan: Loan, data: dict, today: date):
    """Book, status and risk class of a prepared row's loan, then its post-loan process at its point."""
    book, terms = data["book"], data["terms"]
    store_book(officer, loan, book, terms.method, terms.basis)
    classify(loan, book.owed.days_past_due, data["in_recovery"], today)
    return post_loan.start_standalone(loan, officer)
