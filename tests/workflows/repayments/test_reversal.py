"""Reversing a repayment (冲正): balances restored, four eyes, a reason, one at a time, audited."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from models import AuditEvent, Loan, db
from models.subsidy import SubsidySettlement
from tests.conftest import count, one
from tests.factories_repayments import active_loan, pay, reverse
from workflows import accounts, repayments
from workflows.errors import ForbiddenError, FourEyesError, NotFoundError, PolicyViolationError

D = Decimal
ORIGINAL = [D("162.50"), D("230.00"), D("230.00"), D("227.50"), D("65.00")]  # 30,000 at 3 % from 2024-01-15


@pytest.fixture
def loan(world):
    return active_loan(world, date(2024, 1, 15))


def book_of(loan, day):
    book = repayments.book(loan, day)
    return ([(line.principal, line.interest) for line in book.lines],
            [(paid.principal, paid.interest) for paid in book.paid.values()], book.penalty_interest)


def test_reversing_a_prepayment_puts_the_schedule_and_the_balance_back(world, loan):
    pay(world, loan, date(2024, 3, 20), "0", "162.50")
    before = book_of(loan, date(2024, 5, 2))
    prepaid = pay(world, loan, date(2024, 5, 1), "5000.00", "0").repayment
    assert repayments.schedule_lines(loan.id)[-1].principal == D("25000.00")
    reversed_ = reverse(world, loan, prepaid.id, today=date(2024, 5, 2))
    assert (reversed_.reversed_on, reversed_.reversed_by_id) == (date(2024, 5, 2), world.users["approver_rcb"].id)
    assert book_of(loan, date(2024, 5, 2)) == before
    assert [line.interest for line in repayments.schedule_lines(loan.id)] == ORIGINAL
    loan = db.session.get(Loan, loan.id)
    assert loan.principal_outstanding == D("30000.00") and repayments.owed(loan, date(2025, 1, 15)).principal == D("30000.00")
    event = one(AuditEvent, action="repayment_reversed")
    assert (event.actor_name, event.actor_role, event.comment) == ("approver_rcb", "bank_approver", "录入金额有误")
    assert event.before["principal_outstanding"] == "25000.00" and event.after["loan"]["principal_outstanding"] == "30000.00"


def test_reversing_a_late_payment_restores_the_penalty_and_the_overdue_status(world, loan):
    late = pay(world, loan, date(2025, 1, 20), "10000.00", "915.00").repayment
    assert late.penalty_interest == D("18.75")  # 30000 × 5 days × 4.5 / 36000
    reverse(world, loan, late.id, today=date(2025, 1, 21))
    loan = db.session.get(Loan, loan.id)
    assert (loan.principal_outstanding, loan.status, loan.days_past_due) == (D("30000.00"), "overdue", 307)
    assert loan.risk_class == "doubtful"  # oldest unpaid: 2024-03-20, 307 days before 2025-01-21 (over 270)
    assert repayments.penalty_due(loan, date(2025, 1, 20)) == D("18.75")  # due again, none charged
    again = pay(world, loan, date(2025, 1, 21), "30000.00", "915.00").repayment
    assert again.penalty_interest == D("22.50") and again.loan_status_after == "closed"  # 6 days


def test_a_reversed_repayment_stays_listed_but_counts_nowhere(world, loan):
    first = pay(world, loan, date(2024, 3, 20), "0", "162.50").repayment
    reverse(world, loan, first.id, today=date(2024, 3, 21))
    assert repayments.repayments_of(loan.id) == [] and [r.id for r in repayments.history_of(loan.id)] == [first.id]
    assert repayments.interest_paid(loan.id, date(2024, 1, 1), date(2025, 1, 1)) == []
    assert repayments.owed(loan, date(2024, 3, 21)).days_past_due == 1


def test_the_recorder_never_reverses_it(world, loan):
    both = accounts.create_user("officer_approver", "pw-123456789", ["bank_officer", "bank_approver"], bank="cqrcb")
    db.session.commit()
    world.users["officer_approver"] = both
    repayment = pay(world, loan, date(2024, 3, 20), "0", "162.50", user="officer_approver").repayment
    with pytest.raises(FourEyesError) as refused:
        reverse(world, loan, repayment.id, user="officer_approver", today=date(2024, 3, 21))
    assert refused.value.codes == ("reversal_four_eyes",)
    assert reverse(world, loan, repayment.id, user="approver2_rcb", today=date(2024, 3, 21)).is_reversed


@pytest.mark.parametrize("username, error", [("officer_rcb", ForbiddenError), ("supervisor", ForbiddenError),
                                             ("officer_psbc", NotFoundError)])
def test_only_approvers_of_the_loan_bank_reverse(world, loan, username, error):
    repayment = pay(world, loan, date(2024, 3, 20), "0", "162.50").repayment
    with pytest.raises(error) as refused:
        reverse(world, loan, repayment.id, user=username, today=date(2024, 3, 21))
    assert error is NotFoundError or refused.value.codes == ("reversal_not_approver",)


def refusal(world, loan, repayment_id, reason="录入金额有误", today=date(2024, 6, 21)) -> tuple[str, ...]:
    with pytest.raises(PolicyViolationError) as refused:
        reverse(world, loan, repayment_id, reason=reason, today=today)
    return refused.value.codes


def test_each_refusal_has_its_code(world, loan):
    first = pay(world, loan, date(2024, 3, 20), "0", "162.50").repayment
    second = pay(world, loan, date(2024, 6, 20), "0", "230.00").repayment
    assert refusal(world, loan, second.id, reason="  ") == ("reversal_reason_missing",)
    assert refusal(world, loan, first.id) == ("reversal_not_latest",)
    reverse(world, loan, second.id, today=date(2024, 6, 21))
    assert refusal(world, loan, second.id) == ("repayment_already_reversed",)
    db.session.add(SubsidySettlement(year=2024, quarter=1, bank_id=loan.bank_id, status="computed"))
    db.session.commit()
    assert refusal(world, loan, first.id) == ("reversal_subsidy_settled",)
    assert count(AuditEvent, action="repayment_reversed") == 1


def test_a_scheduled_settlement_does_not_block(world, loan):
    first = pay(world, loan, date(2024, 3, 20), "0", "162.50").repayment
    db.session.add(SubsidySettlement(year=2024, quarter=1, bank_id=loan.bank_id, status="scheduled"))
    db.session.commit()
    assert reverse(world, loan, first.id, today=date(2024, 3, 25)).is_reversed


def test_the_repayment_that_closed_the_loan_is_not_reversed(world, loan):
    last = pay(world, loan, date(2025, 1, 15), "30000.00", "915.00").repayment
    assert refusal(world, loan, last.id, today=date(2025, 1, 16)) == ("reversal_loan_closed",)
    assert db.session.get(Loan, loan.id).status == "closed"


def test_an_extension_after_the_repayment_blocks_it(world, loan):
    prepaid = pay(world, loan, date(2024, 5, 1), "5000.00", "0").repayment
    repayments.extend_schedule(loan, date(2025, 7, 15))
    db.session.commit()
    assert refusal(world, loan, prepaid.id, today=date(2024, 5, 2)) == ("reversal_schedule_changed",)


def test_a_repayment_of_another_loan_is_not_found(world, loan):
    other = active_loan(world, date(2024, 1, 15))
    repayment = pay(world, other, date(2024, 3, 20), "0", "162.50").repayment
    with pytest.raises(NotFoundError):
        reverse(world, loan, repayment.id, today=date(2024, 3, 21))
