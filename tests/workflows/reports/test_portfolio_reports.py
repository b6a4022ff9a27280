"""Loans and balance by township and bank, overdue and risk classes, extensions: figures worked out by hand."""
from __future__ import annotations

from decimal import Decimal as D

import pytest

from tests.factories_reports import Q1_FROM, Q1_TO, build_portfolio
from workflows import reports
from workflows.errors import FormInvalidError, ForbiddenError, NotFoundError
from workflows.reports import ReportFilters

Q1 = ReportFilters(Q1_FROM, Q1_TO)


@pytest.fixture
def loans(world):
    return build_portfolio()


def figures(world, username, name, filters=Q1):
    result = reports.run(world.users[username], name, filters)
    return result.rows, result.totals


def test_balance_by_township_for_the_district(world, loans):
    rows, totals = figures(world, "supervisor", "balance_by_township")
    # L2 counts 40000 + the 5000 repaid after the end date; L3 its 20000 repaid after; L4 written off: nothing.
    assert rows == [["大德镇", 1, D("20000.00"), 1, D("20000.00")],
                    ["汉丰街道", 1, D("30000.00"), 2, D("75000.00")],
                    ["赵家街道", 0, D("0.00"), 1, D("40000.00")]]
    assert totals == ["total", 2, D("50000.00"), 4, D("135000.00")]


def test_balance_by_bank_and_the_scopes(world, loans):
    rows, totals = figures(world, "finance", "balance_by_bank")
    assert rows == [["重庆农村商业银行开州支行", 2, D("50000.00"), 2, D("50000.00")],
                    ["中国邮政储蓄银行开州区支行", 0, D("0.00"), 2, D("85000.00")]]
    assert figures(world, "officer_psbc", "balance_by_bank")[0] == [rows[1]]
    clerk_rows, clerk_totals = figures(world, "clerk_hanfeng", "balance_by_township")
    assert clerk_rows == [["汉丰街道", 1, D("30000.00"), 2, D("75000.00")]]
    assert clerk_totals == ["total", 1, D("30000.00"), 2, D("75000.00")]
    by_township = figures(world, "officer_psbc", "balance_by_township")[0]
    assert [row[3:] for row in by_township] == [[0, D("0.00")], [1, D("45000.00")], [1, D("40000.00")]]


def test_filters_narrow_by_township_bank_and_period(world, loans):
    only = ReportFilters(Q1_FROM, Q1_TO, township="hanfeng", bank="psbc")
    assert figures(world, "supervisor", "balance_by_township", only)[0] == [["汉丰街道", 0, D("0.00"), 1, D("45000.00")]]
    january = ReportFilters(Q1_FROM, Q1_FROM.replace(day=31))
    rows = figures(world, "supervisor", "balance_by_township", january)[0]
    assert rows[0] == ["大德镇", 0, D("0.00"), 0, D("0.00")]  # L3 disbursed in February


def test_overdue_and_the_five_classes(world, loans):
    result = reports.run(world.users["supervisor"], "overdue", Q1)
    # as the books said on 2026-03-31: L2 45000 (its 5000 came in April), L3 20000 still active
    hanfeng = ["汉丰街道", D("75000.00"), 1, D("45000.00"), D("60.00"), D("30000.00"), D("0.00"), D("45000.00"),
               D("0.00"), D("0.00")]
    assert result.rows[1] == hanfeng
    assert result.rows[0] == ["大德镇", D("20000.00"), 0, D("0.00"), D("0.00"), D("20000.00"), *[D("0.00")] * 4]
    assert result.totals == ["total", D("135000.00"), 2, D("85000.00"), D("62.96"), D("50000.00"), D("40000.00"),
                             D("45000.00"), D("0.00"), D("0.00")]
    assert result.chart["series"]["principal"] == result.totals[5:]
    assert result.summary == {"overdue_principal": D("85000.00"), "overdue_rate": D("62.96")}


def test_extensions_and_recoveries(world, loans):
    rows, totals = figures(world, "supervisor", "extensions_recoveries")
    assert rows == [["重庆农村商业银行开州支行", 0, 0, 0, 1, 1, 1, D("8000.00")],
                    ["中国邮政储蓄银行开州区支行", 1, 1, 1, 0, 0, 0, D("0.00")]]
    assert totals == ["total", 1, 1, 1, 1, 1, 1, D("8000.00")]


def test_who_may_read_reports(world, loans):
    with pytest.raises(ForbiddenError):
        reports.run(world.users["admin"], "overdue", Q1)
    with pytest.raises(NotFoundError):
        reports.run(world.users["supervisor"], "no_such_report", Q1)


@pytest.mark.parametrize("args, field", [({"from": "2026-13-01"}, "from"), ({"to": "x"}, "to"),
                                         ({"from": "2026-02-01", "to": "2026-01-31"}, "to"),
                                         ({"from": "1900-01-01", "to": "2026-01-01"}, "from")])
def test_bad_filters_are_refused(app, args, field):
    with pytest.raises(FormInvalidError) as caught:
        ReportFilters.from_args(args)
    assert field in caught.value.field_errors


def test_default_periods(app):
    from datetime import date, datetime, timezone

    from workflows import clock
    with clock.frozen(datetime(2026, 5, 20, 4, 0, tzinfo=timezone.utc)):
        assert ReportFilters.from_args({}) == ReportFilters(date(2026, 1, 1), date(2026, 5, 20))
        assert reports.filters_for("weekly_schedule", {}).date_from == date(2026, 5, 14)
        assert reports.filters_for("overdue", {"from": "2026-01-01", "to": "2026-01-01"}).date_to == date(2026, 1, 1)
