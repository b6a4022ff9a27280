"""Repayment schedules (还款计划): quarterly interest with principal at maturity, equal instalments, extension."""
from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from workflows.money.schedule import EQUAL_INSTALMENTS, annuity_payment, build_schedule, extend_schedule

RATE = D("3.45")


def quarterly():
    return build_schedule(date(2024, 1, 10), date(2025, 1, 10), D("30000"), RATE)


def test_quarterly_interest_on_the_20th_principal_at_maturity():
    # days × 30,000 × 3.45 / 36,000:
    # 01-10→03-20: 21+29+20 = 70 → 201.25 | 03-20→06-20: 92 → 264.50 | 06-20→09-20: 92 → 264.50
    # 09-20→12-20: 91 → 261.625 → 261.63 | 12-20→2025-01-10: 21 → 60.375 → 60.38
    rows = [(i.seq, i.due_on, i.principal, i.interest, i.period_start) for i in quarterly()]
    assert rows == [
        (1, date(2024, 3, 20), D("0"), D("201.25"), date(2024, 1, 10)),
        (2, date(2024, 6, 20), D("0"), D("264.50"), date(2024, 3, 20)),
        (3, date(2024, 9, 20), D("0"), D("264.50"), date(2024, 6, 20)),
        (4, date(2024, 12, 20), D("0"), D("261.63"), date(2024, 9, 20)),
        (5, date(2025, 1, 10), D("30000"), D("60.38"), date(2024, 12, 20)),
    ]
    assert all(i.period_end == i.due_on for i in quarterly())


def test_disbursed_on_an_interest_day_first_due_next_quarter():
    schedule = build_schedule(date(2024, 3, 20), date(2024, 9, 20), D("10000"), RATE)
    assert [i.due_on for i in schedule] == [date(2024, 6, 20), date(2024, 9, 20)]


def test_prepayment_lowers_later_interest_but_principal_still_due_at_maturity():
    # 01-10→02-10: 31 × 30,000 = 930,000; 02-10→03-20: 39 × 20,000 = 780,000
    # 1,710,000 × 3.45 / 36,000 = 163.875 → 163.88; next quarter 92 × 20,000 × 3.45 / 36,000 = 176.333 → 176.33
    schedule = build_schedule(date(2024, 1, 10), date(2025, 1, 10), D("30000"), RATE,
                              prepayments=[(date(2024, 2, 10), D("10000"))])
    assert [i.interest for i in schedule[:2]] == [D("163.88"), D("176.33")]
    assert schedule[-1].principal == D("30000")


def test_equal_instalments():
    # r = 3.6 % / 12 = 0.003; (1.003)^12 = 1.0366002...; A = 12,000 × 0.003 × 1.0366 / 0.0366 = 1,019.61
    # month 1: interest 12,000 × 0.003 = 36.00, principal 983.61; balance 11,016.39
    # month 2: interest 11,016.39 × 0.003 = 33.049 → 33.05, principal 986.56
    schedule = build_schedule(date(2024, 1, 10), date(2025, 1, 10), D("12000"), D("3.6"), EQUAL_INSTALMENTS)
    assert annuity_payment(D("12000"), D("0.003"), 12) == D("1019.61")
    assert len(schedule) == 12
    assert (schedule[0].interest, schedule[0].principal) == (D("36.00"), D("983.61"))
    assert (schedule[1].interest, schedule[1].principal) == (D("33.05"), D("986.56"))
    assert sum(i.principal for i in schedule) == D("12000")
    assert schedule[-1].due_on == date(2025, 1, 10)
    assert schedule[-1].total == D("1019.57")  # the last instalment absorbs the rounding


def test_equal_instalments_month_ends_do_not_drift():
    schedule = build_schedule(date(2024, 1, 31), date(2024, 5, 31), D("4000"), D("3.6"), EQUAL_INSTALMENTS)
    assert [i.due_on for i in schedule] == [date(2024, 2, 29), date(2024, 3, 31), date(2024, 4, 30),
                                           date(2024, 5, 31)]


def test_zero_rate_equal_instalments():
    schedule = build_schedule(date(2024, 1, 1), date(2025, 1, 1), D("1200"), D("0"), EQUAL_INSTALMENTS)
    assert {i.total for i in schedule} == {D("100")}


def test_extension_defers_principal_and_rebuilds_the_tail():
    # the old last instalment keeps its 60.38 interest; the tail accrues on 30,000 from 2025-01-10:
    # →03-20: 21+28+20 = 69 days → 198.375 → 198.38 | →06-20: 92 → 264.50 | →07-10: 20 → 57.50
    extended = extend_schedule(quarterly(), D("30000"), date(2025, 7, 10), RATE)
    assert [(i.seq, i.due_on, i.principal, i.interest) for i in extended[4:]] == [
        (5, date(2025, 1, 10), D("0"), D("60.38")),
        (6, date(2025, 3, 20), D("0"), D("198.38")),
        (7, date(2025, 6, 20), D("0"), D("264.50")),
        (8, date(2025, 7, 10), D("30000"), D("57.50")),
    ]
    assert sum(i.principal for i in extended) == D("30000")


def test_partial_extension_leaves_the_rest_due_at_the_old_maturity():
    extended = extend_schedule(quarterly(), D("20000"), date(2025, 7, 10), RATE)
    assert extended[4].principal == D("10000")
    assert extended[-1].principal == D("20000")


@pytest.mark.parametrize("amount", ["0", "30000.01"])
def test_extension_amount_is_checked(amount):
    with pytest.raises(ValueError, match="extended principal"):
        extend_schedule(quarterly(), D(amount), date(2025, 7, 10), RATE)


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError, match="maturity"):
        build_schedule(date(2024, 1, 1), date(2024, 1, 1), D("1000"), RATE)
    with pytest.raises(ValueError, match="unknown method"):
        build_schedule(date(2024, 1, 1), date(2025, 1, 1), D("1000"), RATE, "bullet")
