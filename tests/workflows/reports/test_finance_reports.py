"""Risk fund coverage and compensation, subsidy due, paid and passed on: figures worked out by hand."""
from __future__ import annotations

from decimal import Decimal as D

import pytest

from tests.factories_reports import Q1_FROM, Q1_TO, build_portfolio
from workflows import reports
from workflows.reports import ReportFilters

Q1 = ReportFilters(Q1_FROM, Q1_TO)
RCB, PSBC = "重庆农村商业银行开州支行", "中国邮政储蓄银行开州区支行"


@pytest.fixture
def loans(world):
    return build_portfolio()


def test_risk_fund_coverage_against_one_to_ten(world, loans):
    result = reports.run(world.users["supervisor"], "risk_fund", Q1)
    # Covered: L1 30000; L2 50000 × 40000 / 50000 = 40000; L6 40000. L4 is written off (its 2000 compensation).
    assert result.rows == [[RCB, 1, D("30000.00"), 1, D("2000.00")], [PSBC, 2, D("80000.00"), 0, D("0.00")]]
    assert result.totals == ["total", 3, D("110000.00"), 1, D("2000.00")]
    # Fund on 2026-03-31: 10000 deposit − 2000 compensation (the April top-up comes later).
    assert result.summary == {"fund_balance": D("8000.00"), "covered_balance": D("110000.00"),
                              "risk_fund_ratio": D("10"), "required_fund": D("11000.00"),
                              "coverage_multiple": D("13.75"), "meets_ratio": False}


def test_risk_fund_after_the_top_up_and_in_a_bank_scope(world, loans):
    april = ReportFilters(Q1_FROM, Q1_TO.replace(month=4, day=30))
    result = reports.run(world.users["officer_rcb"], "risk_fund", april)
    assert result.rows == [[RCB, 1, D("30000.00"), 1, D("2000.00")]]
    assert result.summary["fund_balance"] == D("9000.00")
    assert result.summary["meets_ratio"] is True  # 30000 ≤ 10 × 9000 in this bank's view


def test_subsidy_due_paid_and_passed_on(world, loans):
    result = reports.run(world.users["finance"], "subsidy", Q1)
    assert result.rows == [["2026 Q1", RCB, "paid", 2, D("300.00"), D("300.00"), D("300.00"), D("0.00")],
                           ["2026 Q1", PSBC, "confirmed", 1, D("300.00"), D("300.00"), D("300.00"), D("300.00")]]
    assert result.totals == ["total", None, None, 3, D("600.00"), D("600.00"), D("600.00"), D("300.00")]
    assert result.summary == {"subsidy_due": D("600.00"), "subsidy_paid": D("600.00"),
                              "subsidy_passed_on": D("300.00")}


def test_subsidy_in_a_township_scope_and_other_periods(world, loans):
    clerk = reports.run(world.users["clerk_hanfeng"], "subsidy", Q1)
    assert [row[3:] for row in clerk.rows] == [[1, D("200.00"), D("200.00"), D("200.00"), D("0.00")],
                                               [1, D("300.00"), D("300.00"), D("300.00"), D("300.00")]]
    year = reports.run(world.users["supervisor"], "subsidy", ReportFilters(Q1_FROM.replace(year=2025), Q1_TO))
    assert [(row[0], row[2]) for row in year.rows] == [("2025 Q4", "confirmed"), ("2026 Q1", "paid"),
                                                       ("2026 Q1", "confirmed")]
    assert reports.run(world.users["officer_psbc"], "subsidy", Q1).totals[5] == D("300.00")
