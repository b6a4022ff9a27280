"""The fund ledger: balance = sum of lines, an audit event per line, covered balance, compensation."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from models import AuditEvent, db
from models.risk_fund import RiskFundEntry
from tests.factories import make_household
from tests.factories_finance import disbursed_loan, install_finance, repayment, set_setting
from workflows import risk_fund
from workflows.audit import Actor
from workflows.errors import ForbiddenError, PolicyViolationError

D = Decimal


@pytest.fixture
def fin(world):
    install_finance()
    return Actor(world.users["finance"], "finance_bureau", "127.0.0.1")


def lines_sum() -> Decimal:
    return sum((e.signed for e in db.session.scalars(sa.select(RiskFundEntry))), D("0.00"))


def test_balance_is_always_the_sum_of_its_lines_and_each_line_has_its_audit_event(fin):
    household = make_household()
    loan = disbursed_loan(household, "30000", date(2024, 1, 5))
    risk_fund.record_entry(fin, "deposit", D("5000.00"), date(2024, 1, 2), "首期存入", voucher_number="V-1")
    assert risk_fund.fund_balance() == lines_sum() == D("5000.00")
    risk_fund.record_entry(fin, "interest", D("12.34"), date(2024, 3, 21), "结息")
    assert risk_fund.fund_balance() == lines_sum() == D("5012.34")
    paid = risk_fund.pay_compensation(fin, loan)
    db.session.commit()
    assert paid == D("5012.34")  # 0.8 × 30,000 = 24,000 is more than the fund holds
    assert risk_fund.fund_balance() == lines_sum() == D("0.00")
    entries = db.session.scalars(sa.select(RiskFundEntry).order_by(RiskFundEntry.id)).all()
    events = {e.after["entry_id"]: e for e in db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action.like("risk_fund_%")))}
    assert [e.kind for e in entries] == ["deposit", "interest", "compensation"]
    for entry in entries:
        event = events[entry.id]
        assert event.action == f"risk_fund_{entry.kind}" and D(event.after["amount"]) == entry.amount
    assert events[entries[2].id].loan_id == loan.id and events[entries[0].id].actor_role == "finance_bureau"
    newest_first = [balance for _, balance in risk_fund.ledger().items]
    assert newest_first == [D("0.00"), D("5012.34"), D("5000.00")]


def test_compensation_pays_the_share_of_covered_principal_lost_when_the_fund_holds_enough(fin):
    risk_fund.record_entry(fin, "deposit", D("100000.00"), date(2024, 1, 2))
    household = make_household()
    first = disbursed_loan(household, "40000", date(2024, 1, 5))
    additional = disbursed_loan(household, "30000", date(2024, 2, 5))  # only 10,000 covered
    repayment(additional, date(2024, 3, 1), "0", principal="6000")  # 24,000 left: 8,000 covered
    assert additional.covered_principal == D("10000.00")
    assert risk_fund.pay_compensation(fin, additional) == D("6400.00")  # 0.8 × 8,000
    assert risk_fund.fund_balance() == D("93600.00")
    with pytest.raises(PolicyViolationError) as refused:
        risk_fund.pay_compensation(fin, additional)
    assert refused.value.codes == ("already_compensated",)
    set_setting("compensation_share", "0.5")
    assert risk_fund.pay_compensation(fin, first) == D("20000.00")


def test_an_empty_fund_pays_nothing_and_the_claim_is_still_audited(fin):
    loan = disbursed_loan(make_household(), "20000", date(2024, 1, 5))
    assert risk_fund.pay_compensation(fin, loan) == D("0.00")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RiskFundEntry)) == 0
    event = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "risk_fund_compensation_unpaid")).one()
    assert event.loan_id == loan.id and event.after["covered_principal_lost"] == "20000.00"


def test_covered_balance_counts_outstanding_loans_scaled_by_what_is_left(fin):
    household = make_household()
    first = disbursed_loan(household, "40000", date(2024, 1, 5))
    second = disbursed_loan(household, "30000", date(2024, 2, 5))  # above the cap: 10,000 covered
    assert risk_fund.covered_balance() == D("50000.00")
    repayment(first, date(2024, 3, 1), "0", principal="10000")  # 30,000 of 40,000 left
    assert risk_fund.covered_outstanding(first) == D("30000.00")
    assert risk_fund.covered_balance() == D("40000.00")
    second.status = "closed"
    assert risk_fund.covered_balance() == D("30000.00")
    disbursed_loan(make_household(), "10000", date(2024, 1, 5), status="written_off")
    assert risk_fund.covered_balance() == D("30000.00")


def test_only_the_finance_bureau_keeps_the_ledger_and_only_money_in(fin, world):
    clerk = Actor(world.users["clerk_hanfeng"], None, "127.0.0.1")
    with pytest.raises(ForbiddenError):
        risk_fund.record_entry(clerk, "deposit", D("1.00"), date(2024, 1, 2))
    with pytest.raises(ForbiddenError):
        risk_fund.record_entry(Actor(world.users["supervisor"]), "deposit", D("1.00"), date(2024, 1, 2))
    with pytest.raises(PolicyViolationError):
        risk_fund.record_entry(fin, "compensation", D("1.00"), date(2024, 1, 2))
    with pytest.raises(PolicyViolationError):
        risk_fund.record_entry(fin, "deposit", D("0.00"), date(2024, 1, 2))
    assert risk_fund.fund_balance() == D("0.00")
