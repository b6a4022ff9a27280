"""续贷 renewals: a new loan that repays a household's due loan, once per loan (rule ``extension_limit``).

At registration (``kind = renewal``) the household's loan that is due or overdue is found and
linked (``previous_loan_id``); it is refused with ``extension_limit`` if it is itself a renewal or
the once-only rule of extensions refuses it (``post_loan.extension_allowed``: extended before,
imported extensions counted, or already renewed). The timing and risk-class preconditions of an
extension (``extension_after_maturity``, ``extension_risk_class``) do not apply: POLICY.md sets
them for extensions only, and a renewal repays a loan that is due or overdue. When the renewal is disbursed, the previous loan is closed as
repaid by renewal (audit event ``loan_renewed``).
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from models import OUTSTANDING_STATUSES, Household, Loan, db

from . import loan_events
from .audit import Actor
from .errors import PolicyViolationError
from .post_loan.extension import extension_allowed


def renewable_loan(household: Household, day: date) -> Loan:
    """The household's loan due on or before ``day`` (or overdue) that this renewal repays."""
    loan = db.session.scalars(sa.select(Loan).where(
        Loan.household_id == household.id, Loan.status.in_(OUTSTANDING_STATUSES),
        sa.or_(Loan.maturity_date <= day, Loan.status == "overdue"),
    ).order_by(Loan.maturity_date).limit(1)).first()
    if loan is None:
        raise PolicyViolationError(["renewal_without_due_loan"], {"kind": ["renewal_without_due_loan"]})
    if loan.kind == "renewal" or not extension_allowed(loan, day):
        raise PolicyViolationError(["extension_limit"], {"kind": ["extension_limit"]})
    return loan


def close_renewed(loan: Loan, actor: Actor) -> None:
    """The renewal ``loan`` was disbursed: its previous loan is closed, repaid by the renewal."""
    previous = db.session.get(Loan, loan.previous_loan_id)
    if previous is not None and previous.status in OUTSTANDING_STATUSES:
        previous.principal_outstanding = Decimal("0.00")
        loan_events.close(previous, actor, "loan_renewed", comment=f"renewed by loan #{loan.id}")
