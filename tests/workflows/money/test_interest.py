"""Interest on the daily principal (利息) and overdue interest (罚息), against hand-computed figures."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal as D

import pytest

from workflows.money.interest import accrued_interest, overdue_interest, principal_days, round_fen

RATE = D("3.45")


def test_constant_principal_actual_360():
    # 30,000 × 91 days = 2,730,000 yuan-days; × 3.45 = 9,418,500; / (100 × 360) = 261.625 → 261.63
    exact = accrued_interest([(date(2024, 9, 20), D("30000"))], date(2024, 9, 20), date(2024, 12, 20), RATE)
    assert exact == D("261.625")
    assert round_fen(exact) == D("261.63")


def test_actual_365():
    # 9,418,500 / 36,500 = 258.0410958... → 258.04
    exact = accrued_interest([(date(2024, 9, 20), D("30000"))], date(2024, 9, 20), date(2024, 12, 20), RATE, 365)
    assert round_fen(exact) == D("258.04")


def test_principal_steps_down_after_a_repayment():
    # January: 31 days × 50,000 = 1,550,000; February 2024 (leap): 29 days × 20,000 = 580,000
    # 2,130,000 × 3.6 / 36,000 = 213.00
    events = [(date(2024, 1, 1), D("50000")), (date(2024, 2, 1), D("20000"))]
    assert principal_days(events, date(2024, 1, 1), date(2024, 3, 1)) == D("2130000")
    assert accrued_interest(events, date(2024, 1, 1), date(2024, 3, 1), D("3.6")) == D("213")


def test_no_principal_before_the_first_event_and_end_excluded():
    # only 2024-01-10 .. 2024-01-19 count: 10 days × 10,000 = 100,000 × 3.6 / 36,000 = 10
    events = [(date(2024, 1, 10), D("10000"))]
    assert accrued_interest(events, date(2024, 1, 1), date(2024, 1, 20), D("3.6")) == D("10")


def test_daily_accruals_are_not_rounded_only_the_period_total():
    # one day: 10,000 × 3.45 / 36,000 = 0.958333...; rounding daily would give 30 × 0.96 = 28.80,
    # the period total is 300,000 × 3.45 / 36,000 = 28.75
    events = [(date(2024, 4, 1), D("10000"))]
    days = [date(2024, 4, 1) + timedelta(days=k) for k in range(31)]
    daily = [accrued_interest(events, day, next_day, RATE) for day, next_day in zip(days, days[1:])]
    assert daily[0] != round_fen(daily[0])
    assert round_fen(sum(daily)) == D("28.75")
    assert round_fen(accrued_interest(events, date(2024, 4, 1), date(2024, 5, 1), RATE)) == D("28.75")


def test_overdue_interest_uses_the_markup():
    # 10,000 overdue for 30 days at 3.45 × 1.5 = 5.175 %: 300,000 × 5.175 / 36,000 = 43.125 → 43.13
    events = [(date(2024, 4, 1), D("10000"))]
    exact = overdue_interest(events, date(2024, 4, 1), date(2024, 5, 1), RATE, penalty_markup=D("1.5"))
    assert round_fen(exact) == D("43.13")
    # markup 1.3: 300,000 × 4.485 / 36,000 = 37.375 → 37.38
    assert round_fen(overdue_interest(events, date(2024, 4, 1), date(2024, 5, 1), RATE, D("1.3"))) == D("37.38")


@pytest.mark.parametrize(("amount", "rounded"), [("0.005", "0.01"), ("2.675", "2.68"), ("2.6749", "2.67"),
                                                 ("1", "1.00")])
def test_round_fen_half_up(amount, rounded):
    assert round_fen(D(amount)) == D(rounded)


def test_bad_basis_and_reversed_period_are_refused():
    events = [(date(2024, 1, 1), D("1000"))]
    with pytest.raises(ValueError, match="basis"):
        accrued_interest(events, date(2024, 1, 1), date(2024, 2, 1), RATE, 366)
    with pytest.raises(ValueError, match="before it starts"):
        accrued_interest(events, date(2024, 2, 1), date(2024, 1, 1), RATE)
