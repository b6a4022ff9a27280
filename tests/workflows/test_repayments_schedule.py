"""The schedule made at disbursement and its extension, against hand-computed figures.

Interest of a period = principal × days × rate / 36000 (actual/360), rounded to the fen once.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from models import PolicySetting, db
from tests.factories_repayments import active_loan, install_settings
from workflows import policy, repayments

D = Decimal


def lines_of(loan) -> list[tuple]:
    return [(line.seq, line.due_on, line.principal, line.interest, line.period_start, line.part)
            for line in repayments.schedule_lines(loan.id)]


def test_a_12_month_loan_pays_interest_on_the_20th_of_each_quarter_and_principal_at_maturity(world):
    loan = active_loan(world, date(2024, 1, 15))  # 30,000.00 at 3.00 %, 2024 is a leap year
    assert lines_of(loan) == [
        (1, date(2024, 3, 20), D("0.00"), D("162.50"), date(2024, 1, 15), "original"),  # 65 days
        (2, date(2024, 6, 20), D("0.00"), D("230.00"), date(2024, 3, 20), "original"),  # 92 days
        (3, date(2024, 9, 20), D("0.00"), D("230.00"), date(2024, 6, 20), "original"),  # 92 days
        (4, date(2024, 12, 20), D("0.00"), D("227.50"), date(2024, 9, 20), "original"),  # 91 days
        (5, date(2025, 1, 15), D("30000.00"), D("65.00"), date(2024, 12, 20), "original"),  # 26 days
    ]
    assert {line.method for line in repayments.schedule_lines(loan.id)} == {"interest_quarterly_principal_at_maturity"}


def test_interest_is_rounded_to_the_fen_once_per_period(world):
    loan = active_loan(world, date(2024, 5, 8), amount=D("12345.67"), rate=D("2.95"))
    assert [(line.due_on, line.interest) for line in repayments.schedule_lines(loan.id)] == [
        (date(2024, 6, 20), D("43.50")),  # 12345.67 × 43 × 2.95 / 36000 = 43.5013…
        (date(2024, 9, 20), D("93.07")),  # × 92 → 93.0726…
        (date(2024, 12, 20), D("92.06")),  # × 91 → 92.0609…
        (date(2025, 3, 20), D("91.05")),  # × 90 → 91.0493…
        (date(2025, 5, 8), D("49.57")),  # × 49 → 49.5712…
    ]
    assert repayments.schedule_lines(loan.id)[-1].principal == D("12345.67")


def test_making_the_schedule_twice_changes_nothing(world):
    loan = active_loan(world, date(2024, 1, 15))
    first = [line.id for line in repayments.schedule_lines(loan.id)]
    assert [line.id for line in repayments.create_schedule(loan)] == first


def test_a_bank_product_may_use_equal_instalments(world):
    install_settings(("repayment_method.cqrcb", date(2024, 1, 1), "equal_instalments"))
    loan = active_loan(world, date(2024, 1, 15), amount=D("12000.00"))
    lines = repayments.schedule_lines(loan.id)
    # monthly rate 0.25 %: payment 12000 × r(1+r)^12 / ((1+r)^12 − 1) = 1016.3244 → 1016.32
    assert (lines[0].due_on, lines[0].interest, lines[0].principal) == (date(2024, 2, 15), D("30.00"), D("986.32"))
    assert len(lines) == 12 and lines[-1].due_on == date(2025, 1, 15)
    assert sum(line.principal for line in lines) == D("12000.00")
    assert {line.method for line in lines} == {"equal_instalments"}


def test_the_district_method_holds_before_the_bank_setting_starts(world):
    install_settings(("repayment_method.cqrcb", date(2024, 6, 1), "equal_instalments"))
    loan = active_loan(world, date(2024, 1, 15))
    assert len(repayments.schedule_lines(loan.id)) == 5


def test_a_missing_or_unknown_method_is_refused(world):
    install_settings(("repayment_method", date(2024, 1, 1), "whenever"))
    with pytest.raises(policy.MissingPolicyDataError, match="whenever"):
        active_loan(world, date(2024, 1, 15))
    db.session.rollback()
    with pytest.raises(policy.MissingPolicyDataError, match="repayment_method"):
        repayments.text_setting("repayment_method", date(2020, 12, 31))


def test_an_extension_moves_the_principal_to_the_new_maturity(world):
    loan = active_loan(world, date(2024, 1, 15))
    repayments.extend_schedule(loan, date(2025, 7, 15))
    db.session.commit()
    assert lines_of(loan)[4:] == [
        (5, date(2025, 1, 15), D("0.00"), D("65.00"), date(2024, 12, 20), "original"),
        (6, date(2025, 3, 20), D("0.00"), D("160.00"), date(2025, 1, 15), "extension"),  # 64 days
        (7, date(2025, 6, 20), D("0.00"), D("230.00"), date(2025, 3, 20), "extension"),  # 92 days
        (8, date(2025, 7, 15), D("30000.00"), D("62.50"), date(2025, 6, 20), "extension"),  # 25 days
    ]
    repayments.extend_schedule(loan, date(2025, 7, 15))  # again: nothing changes
    assert len(lines_of(loan)) == 8


def test_the_settings_are_read_as_dated_policy_data(world):
    install_settings(("day_count_basis", date(2024, 1, 1), "365"))
    loan = active_loan(world, date(2024, 1, 15))
    line = repayments.schedule_lines(loan.id)[0]
    assert line.day_count_basis == 365 and line.interest == D("160.27")  # 30000 × 65 × 3 / 36500 = 160.27…
    assert db.session.query(PolicySetting).filter_by(key="penalty_rate_markup").one().value == "1.5"
