"""Risk compensation fund (风险补偿金): household cap, 1:10 ratio, top-up, compensation."""
from __future__ import annotations

from decimal import Decimal as D

import pytest

from workflows.money import PolicyParameters
from workflows.money.risk_fund import cap_per_household, compensation, needs_topup, topup_amount

POLICY = PolicyParameters()


def test_cap_per_household_in_disbursement_order():
    capped = cap_per_household({
        "H1": [("A", D("50000")), ("B", D("30000"))],
        "H2": [("C", D("20000")), ("D", D("40000"))],
        "H3": [("E", D("12345.67"))],
    }, POLICY.covered_principal_cap)
    assert capped == {"A": D("50000"), "B": D("0"), "C": D("20000"), "D": D("30000"), "E": D("12345.67")}


@pytest.mark.parametrize(("covered", "fund", "needed"), [
    ("1000000.00", "100000.00", False),  # exactly 1:10
    ("1000000.01", "100000.00", True),
    ("999999.99", "100000.00", False),
])
def test_needs_topup(covered, fund, needed):
    assert needs_topup(D(covered), D(fund), POLICY.fund_ratio) is needed


@pytest.mark.parametrize(("covered", "fund", "amount"), [
    ("1234567.89", "100000.00", "23457.00"),  # 123,456.789 − 100,000 = 23,456.789 → up to 23,457
    ("1100000.00", "100000.00", "10000.00"),  # exactly 10,000
    ("1000000.01", "100000.00", "1.00"),      # 0.001 → 1 yuan
    ("900000.00", "100000.00", "0.00"),       # no top-up needed
])
def test_topup_amount_rounds_up_to_the_yuan(covered, fund, amount):
    assert topup_amount(D(covered), D(fund), POLICY.fund_ratio) == D(amount)


def test_topup_restores_the_ratio():
    covered, fund = D("1234567.89"), D("100000.00")
    assert not needs_topup(covered, fund + topup_amount(covered, fund))


@pytest.mark.parametrize(("lost", "fund", "paid"), [
    ("30000.00", "100000.00", "24000.00"),   # 0.80 × 30,000
    ("12345.67", "100000.00", "9876.54"),    # 0.80 × 12,345.67 = 9,876.536 → 9,876.54
    ("30000.00", "10000.50", "10000.50"),    # capped by the fund balance
])
def test_compensation(lost, fund, paid):
    assert compensation(D(lost), POLICY.compensation_share, D(fund)) == D(paid)


@pytest.mark.parametrize(("lost", "share"), [("-1", "0.8"), ("100", "1.2")])
def test_compensation_refuses_bad_inputs(lost, share):
    with pytest.raises(ValueError):
        compensation(D(lost), D(share), D("1000"))
