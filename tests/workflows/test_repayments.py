"""Recording repayments: limits against what is owed, daily principal, dates, idempotency, who may."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from models import AuditEvent
from models.repayment import Repayment
from tests.conftest import count, one
from tests.factories import drive, make_household, register
from tests.factories_repayments import active_loan, install_settings, pay
from workflows import repayments
from workflows.errors import ForbiddenError, FormInvalidError, NotFoundError, PolicyViolationError

D = Decimal


@pytest.fixture
def loan(world):
    """30,000.00 at 3.00 % from 2024-01-15 to 2025-01-15; interest due 162.50 on 2024-03-20."""
    return active_loan(world, date(2024, 1, 15))


def test_the_quarter_interest_paid_on_its_day(world, loan):
    recorded = pay(world, loan, date(2024, 3, 20), "0", "162.50")
    repayment = recorded.repayment
    assert recorded.created and repayment.penalty_interest == D("0.00") and repayment.loan_status_after == "active"
    assert repayment.recorded_by_id == world.users["officer_rcb"].id
    assert repayments.owed(loan, date(2024, 3, 20)).interest == D("0.00")
    assert repayments.owed(loan, date(2024, 6, 20)).interest == D("230.00")
    event = one(AuditEvent, action="repayment_recorded")
    assert event.loan_id == loan.id and event.actor_role == "bank_officer"
    assert event.after["form"] == {"paid_on": "2024-03-20", "principal": "0.00", "interest": "162.50",
                                   "penalty_interest": "0.00", "principal_early": "0.00"}


@pytest.mark.parametrize("principal, interest, part", [("0", "162.51", "interest"), ("30000.01", "0", "principal")])
def test_more_than_is_owed_is_refused_naming_the_part(world, loan, principal, interest, part):
    with pytest.raises(PolicyViolationError) as refused:
        pay(world, loan, date(2024, 3, 20), principal, interest)
    assert refused.value.codes == ("overpayment",) and refused.value.field_errors == {part: ["overpayment"]}
    assert count(Repayment) == 0


def test_interest_accrued_so_far_may_be_paid_early_but_no_more(world, loan):
    # 2024-01-15 to 2024-02-14 is 30 days: 30000 × 30 × 3 / 36000 = 75.00
    with pytest.raises(PolicyViolationError):
        pay(world, loan, date(2024, 2, 14), "0", "75.01")
    assert pay(world, loan, date(2024, 2, 14), "0", "75.00").created
    assert repayments.owed(loan, date(2024, 3, 20)).interest == D("87.50")


def test_early_principal_lowers_the_interest_still_to_accrue(world, loan):
    pay(world, loan, date(2024, 3, 20), "0", "162.50")
    pay(world, loan, date(2024, 5, 1), "10000.00", "0")
    assert loan.principal_outstanding == D("20000.00")
    assert [line.interest for line in repayments.schedule_lines(loan.id)] == [
        D("162.50"),
        D("188.33"),  # 30000 × 42 days + 20000 × 50 days, × 3 / 36000 = 188.333…
        D("153.33"),  # 20000 × 92 × 3 / 36000
        D("151.67"),  # 20000 × 91 × 3 / 36000
        D("43.33"),  # 20000 × 26 × 3 / 36000
    ]
    assert repayments.owed(loan, date(2025, 1, 15)).principal == D("20000.00")


@pytest.mark.parametrize("paid_on, today, code", [
    (date(2024, 1, 14), date(2024, 3, 20), "paid_on_out_of_range"),  # before disbursement
    (date(2024, 3, 21), date(2024, 3, 20), "paid_on_out_of_range"),  # tomorrow
    (date(2024, 2, 1), date(2024, 3, 20), "paid_on_before_last_repayment"),
])
def test_payment_dates_lie_between_the_last_repayment_and_today(world, loan, paid_on, today, code):
    pay(world, loan, date(2024, 2, 10), "0", "10.00")
    with pytest.raises(FormInvalidError) as refused:
        pay(world, loan, paid_on, "0", "1.00", today=today)
    assert refused.value.field_errors == {"paid_on": [code]}


@pytest.mark.parametrize("principal, interest, errors", [
    ("0", "0", {"__all__": ["nothing_paid"]}), ("-1", "5", {"principal": ["invalid"]}),
    ("1.005", "0", {"principal": ["invalid"]}),
])
def test_bad_amounts(world, loan, principal, interest, errors):
    with pytest.raises(FormInvalidError) as refused:
        pay(world, loan, date(2024, 3, 20), principal, interest)
    assert refused.value.field_errors == errors


def test_the_same_key_twice_records_once(world, loan):
    first = pay(world, loan, date(2024, 3, 20), "0", "162.50", key="bank-42")
    again = pay(world, loan, date(2024, 3, 20), "0", "162.50", key="bank-42", today=date(2024, 3, 22))
    assert not again.created and again.repayment.id == first.repayment.id
    assert count(Repayment) == 1 and count(AuditEvent, action="repayment_recorded") == 1


def test_the_same_key_with_another_body_or_loan_is_refused(world, loan):
    pay(world, loan, date(2024, 3, 20), "0", "162.50", key="bank-42")
    with pytest.raises(repayments.IdempotencyKeyReusedError) as refused:
        pay(world, loan, date(2024, 3, 20), "0", "100.00", key="bank-42")
    assert isinstance(refused.value, FormInvalidError) and refused.value.codes == ("idempotency_key_reused",)
    other = active_loan(world, date(2024, 1, 15))
    with pytest.raises(repayments.IdempotencyKeyReusedError):
        pay(world, other, date(2024, 3, 20), "0", "162.50", key="bank-42")
    assert count(Repayment) == 1


@pytest.mark.parametrize("username, error", [
    ("approver_rcb", ForbiddenError), ("clerk_hanfeng", ForbiddenError), ("supervisor", ForbiddenError),
    ("officer_psbc", NotFoundError),
])
def test_only_officers_of_the_loan_bank_record(world, loan, username, error):
    with pytest.raises(error):
        pay(world, loan, date(2024, 3, 20), "0", "162.50", user=username)
    assert repayments.may_record(world.users["officer2_rcb"], loan)


def test_a_loan_not_disbursed_takes_no_repayment(world):
    install_settings()
    waiting = drive(world, register(world, make_household()).id, "approve_loan")
    with pytest.raises(PolicyViolationError) as refused:
        pay(world, waiting, date.today(), "0", "1.00")
    assert refused.value.codes == ("loan_not_outstanding",)
    assert repayments.book(waiting, date.today()).lines == []
