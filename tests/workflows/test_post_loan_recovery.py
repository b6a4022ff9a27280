"""Recovery (清收处置) by each outcome, the township's confirmation, compensation and write-off."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from models import AuditEvent, Household, Loan, ProcessInstance, db
from models.risk_fund import RiskFundEntry
from workflows import clock, risk_fund
from workflows.errors import PolicyViolationError

from ..conftest import count, one
from ..factories import register
from ..factories_postloan import at, at_maturity_review, complete, open_tasks, pay_all, to_recovery

DAY = date(2025, 3, 1)


def recover(world, loan, outcome, confirmed=True):
    complete(world, loan.id, "recover_loan", "officer_rcb", DAY, recovery_outcome=outcome, recovery_note="多次催收")
    complete(world, loan.id, "confirm_recovery", "clerk_hanfeng", DAY, recovery_confirmed=confirmed,
             confirmation_note=None if confirmed else "情况不实")
    return db.session.get(Loan, loan.id)


@pytest.fixture
def recovering(world):
    loan = at_maturity_review(world)
    to_recovery(world, loan)
    with clock.frozen(at(DAY)):
        risk_fund.record_entry(world.actor("finance"), "deposit", Decimal("100000.00"), DAY, "首期")
    return db.session.get(Loan, loan.id)


def test_money_recovered_is_recorded_and_closes_the_loan(world, recovering):
    """What collection brings back is a repayment: in full, it closes the loan and ends recovery."""
    assert recovering.status == "recovering"
    pay_all(world, recovering, DAY)
    loan = db.session.get(Loan, recovering.id)
    assert loan.status == "closed" and loan.principal_outstanding == 0
    assert one(ProcessInstance, loan_id=loan.id).end_event == "loan_closed" and open_tasks(loan.id) == []
    assert not loan.household.dishonest


def test_recovered_is_refused_while_principal_is_outstanding(world, recovering):
    """The loan would close with its principal still on the books (recovery_not_repaid)."""
    with pytest.raises(PolicyViolationError) as refused:
        complete(world, recovering.id, "recover_loan", "officer_rcb", DAY, recovery_outcome="recovered",
                 recovery_note="已收回")
    assert refused.value.codes == ("recovery_not_repaid",)
    loan = db.session.get(Loan, recovering.id)
    assert loan.status == "recovering" and loan.principal_outstanding == Decimal("30000.00")
    assert open_tasks(loan.id) == ["recover_loan"]


def test_not_confirmed_goes_back_to_the_bank(world, recovering):
    recover(world, recovering, "loss", confirmed=False)
    assert open_tasks(recovering.id) == ["recover_loan"]


def test_loss_is_compensated_and_written_off(world, recovering):
    recover(world, recovering, "loss")
    assert open_tasks(recovering.id) == ["claim_compensation"]
    complete(world, recovering.id, "claim_compensation", "finance", DAY, loss_confirmed=True, comment="")
    loan = db.session.get(Loan, recovering.id)
    assert loan.status == "written_off" and one(ProcessInstance, loan_id=loan.id).end_event == "loan_written_off"
    entry = one(RiskFundEntry, loan_id=loan.id, kind="compensation")
    assert entry.amount == loan.covered_principal * Decimal("0.80")


def test_a_loss_not_confirmed_goes_back_to_collection(world, recovering):
    recover(world, recovering, "loss")
    complete(world, recovering.id, "claim_compensation", "finance", DAY, loss_confirmed=False, comment="材料不全")
    assert open_tasks(recovering.id) == ["recover_loan"] and count(RiskFundEntry, kind="compensation") == 0


def test_malicious_default_lists_the_household_and_refuses_new_loans(world, recovering):
    loan = recover(world, recovering, "malicious")
    household = db.session.get(Household, loan.household_id)
    assert household.dishonest and household.dishonest_reason == "多次催收"
    assert one(AuditEvent, action="dishonest_listed", loan_id=loan.id).codes == ["dishonest_debtor"]
    assert open_tasks(loan.id) == ["claim_compensation"]
    with pytest.raises(PolicyViolationError) as refused, clock.frozen(at(DAY)):
        register(world, household)
    assert "dishonest_debtor" in refused.value.codes


def test_a_repayment_in_full_during_recovery_closes_it(world, recovering):
    from ..factories_postloan import pay_all

    pay_all(world, recovering, DAY)
    loan = db.session.get(Loan, recovering.id)
    assert loan.status == "closed" and open_tasks(loan.id) == []
