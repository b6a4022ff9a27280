"""A renewal (续贷) repays the loan it renews: at its disbursement that loan no longer counts against the
per-household caps on subsidised and covered principal (50,000 each), so 30,000 renewing 30,000 keeps
its whole 30,000 subsidised and covered (before the fix: 50,000 − 30,000 = 20,000)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from models import Loan, db

from ..factories_postloan import at_maturity_review, disbursed


def test_a_renewal_is_capped_without_the_loan_it_renews(world):
    old = at_maturity_review(world)
    assert old.principal_outstanding == Decimal("30000.00")
    renewal = disbursed(world, on=date(2025, 2, 12), household=old.household, kind="renewal")
    assert db.session.get(Loan, old.id).status == "closed"
    assert renewal.subsidised_principal == Decimal("30000.00")
    assert renewal.covered_principal == Decimal("30000.00")


def test_a_second_loan_beside_an_outstanding_one_is_still_capped(world):
    first = disbursed(world, amount=Decimal("30000.00"))
    second = disbursed(world, amount=Decimal("30000.00"), household=first.household)
    assert second.subsidised_principal == Decimal("20000.00")
    assert second.covered_principal == Decimal("20000.00")
