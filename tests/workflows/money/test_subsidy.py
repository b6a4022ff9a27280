"""Interest subsidy (贴息) for 2024 Q2 on a small portfolio computed by hand."""
from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from workflows.money.risk_fund import cap_per_household
from workflows.money.subsidy import (
    PaidPeriod, SubsidyLoan, period_base, quarter_bounds, share_schedule, subsidy_due,
)

Q2 = quarter_bounds(2024, 2)
SHARE_FOR = share_schedule([(date(2023, 1, 1), D("0.5"))], full_until=date(2022, 12, 31))
START, END = date(2024, 3, 20), date(2024, 6, 20)  # 92 interest days, paid on 06-20


def loan(loan_id, bank, disbursed_on, principal, subsidised, paid, *extra_periods):
    periods = [PaidPeriod(END, START, END, D(paid)), *extra_periods]
    return SubsidyLoan(loan_id, bank, disbursed_on, [(date(2022, 6, 1), D(principal))], subsidised, periods)


def portfolio():
    # household cap of 50,000, loans in disbursement order
    caps = cap_per_household({
        "H1": [("A", D("50000")), ("B", D("30000"))],   # additional loan (追加贷款) B: cap used up by A
        "H2": [("C", D("30000"))],
        "H3": [("D1", D("40000")), ("D2", D("20000"))],  # only 10,000 of D2 subsidised
    }, D("50000"))
    assert caps == {"A": D("50000"), "B": D("0"), "C": D("30000"), "D1": D("40000"), "D2": D("10000")}
    q1_payment = PaidPeriod(date(2024, 3, 20), date(2024, 1, 10), START, D("335.42"))  # not in Q2
    # interest paid = principal × 92 × 3.45 / 36,000, rounded:
    # 50,000 → 440.83; 30,000 → 264.50; 40,000 → 352.67; 20,000 → 176.33
    return [
        loan("A", "rcb", date(2022, 12, 31), "50000", caps["A"], "440.83", q1_payment),
        loan("B", "rcb", date(2023, 6, 1), "30000", caps["B"], "264.50"),
        loan("C", "rcb", date(2023, 1, 1), "30000", caps["C"], "264.50"),
        loan("D1", "psbc", date(2022, 6, 1), "40000", caps["D1"], "352.67"),
        loan("D2", "psbc", date(2023, 3, 1), "20000", caps["D2"], "176.33"),
    ]


def test_quarter_lines_and_bank_totals():
    # A: 440.83 × 100 % = 440.83            (disbursed 2022-12-31: full subsidy)
    # B: base 0 (household cap used by A)    → 0.00
    # C: 264.50 × 50 %  = 132.25            (disbursed 2023-01-01: the later share)
    # D1: 352.67 × 100 % = 352.67
    # D2: base 176.33 × 10,000 / 20,000 = 88.165 → 88.17; × 50 % = 44.085 → 44.09
    # rcb 440.83 + 0 + 132.25 = 573.08; psbc 352.67 + 44.09 = 396.76; total 969.84
    statement = subsidy_due(portfolio(), *Q2, SHARE_FOR)
    lines = {line.loan_id: (line.interest_paid, line.subsidy_base, line.share, line.subsidy)
             for line in statement.lines}
    assert lines == {
        "A": (D("440.83"), D("440.83"), D("1"), D("440.83")),
        "B": (D("264.50"), D("0.00"), D("0.5"), D("0.00")),
        "C": (D("264.50"), D("264.50"), D("0.5"), D("132.25")),
        "D1": (D("352.67"), D("352.67"), D("1"), D("352.67")),
        "D2": (D("176.33"), D("88.17"), D("0.5"), D("44.09")),
    }
    assert statement.totals_by_bank == {"rcb": D("573.08"), "psbc": D("396.76")}
    assert statement.total == D("969.84") == sum(line.subsidy for line in statement.lines)


def test_q1_payment_counts_in_q1_only():
    statement = subsidy_due(portfolio()[:1], *quarter_bounds(2024, 1), SHARE_FOR)
    assert statement.total == D("335.42")


def test_base_follows_the_daily_principal_above_the_cap():
    # 40,000 for 61 days (03-20→05-20), 20,000 for 31 days; cap 30,000
    # full: 2,440,000 + 620,000 = 3,060,000 yuan-days → interest 3,060,000 × 3.45 / 36,000 = 293.25
    # capped: 61 × 30,000 + 31 × 20,000 = 2,450,000 → base 293.25 × 2,450,000 / 3,060,000 = 234.7916...
    events = [(START, D("40000")), (date(2024, 5, 20), D("20000"))]
    item = SubsidyLoan("E", "rcb", date(2024, 3, 20), events, D("30000"), [])
    full = PaidPeriod(END, START, END, D("293.25"))
    assert round(period_base(item, full), 2) == D("234.79")
    # a half payment is subsidised pro rata
    assert round(period_base(item, PaidPeriod(END, START, END, D("146.625"))), 4) == D("117.3958")


def test_share_schedule():
    shares = share_schedule([(date(2023, 1, 1), D("0.5")), (date(2025, 1, 1), D("0.3"))])
    assert [shares(day) for day in (date(2022, 12, 31), date(2023, 1, 1), date(2024, 12, 31),
                                    date(2025, 1, 1))] == [D("1"), D("0.5"), D("0.5"), D("0.3")]
    with pytest.raises(LookupError):
        share_schedule([(date(2023, 6, 1), D("0.5"))])(date(2023, 1, 1))


def test_quarter_bounds():
    assert quarter_bounds(2024, 1) == (date(2024, 1, 1), date(2024, 4, 1))
    assert quarter_bounds(2024, 4) == (date(2024, 10, 1), date(2025, 1, 1))
    with pytest.raises(ValueError):
        quarter_bounds(2024, 5)
