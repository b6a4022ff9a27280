"""Quarterly subsidy settlement: scheduling, the timer at 09:00 of the next quarter, figures to the fen.

Portfolio, 3.45 % a year, interest periods 2023-12-21 → 2024-03-21 (91 days, actual/360), paid
2024-03-21 (quarter 2024 Q1):

* household 1, loan A: 40,000 disbursed 2022-12-31 → share 1 (subsidised 40,000).
  interest 40,000 × 3.45 % × 91 / 360 = 348.833… → 348.83; subsidy 348.83.
* household 1, additional loan B: 35,000 disbursed 2023-01-01 → only 10,000 subsidised, share 0.5.
  5,000 principal repaid 2024-02-21, so 35,000 for 62 days then 30,000 for 29 days:
  interest 207.958… + 83.375 = 291.33; base 291.33 × (10,000 × 91) / (35,000 × 62 + 30,000 × 29)
  = 87.207… → 87.21; subsidy 87.21 × 0.5 = 43.605 → 43.61.
* household 2, loan C: 50,000 disbursed 2023-01-01 → share 0.5. interest 436.041… → 436.04 (and
  12.34 penalty interest, never subsidised); subsidy 218.02.
* household 3, loan D at PSBC: 20,000 disbursed 2022-06-01: 174.416… → 174.42, share 1.
* every loan also paid the previous period's interest on 2023-12-21 (quarter 2023 Q4: not in Q1).

CQRCB 2024 Q1 = 348.83 + 43.61 + 218.02 = 610.46; PSBC = 174.42.
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
import sqlalchemy as sa

from models import Bank, HumanTask, db
from models.subsidy import SubsidySettlement
from tests.factories import make_household
from tests.factories_finance import disbursed_loan, install_finance, repayment, schedule_line
from workflows import subsidy_settlement, timers

D = Decimal
Q4, Q1 = (date(2023, 9, 21), date(2023, 12, 21)), (date(2023, 12, 21), date(2024, 3, 21))


def paid_loan(household, amount, disbursed_on, q1_interest, bank="cqrcb", penalty="0"):
    loan = disbursed_loan(household, amount, disbursed_on, bank=bank, rate="3.45", months=36)
    schedule_line(loan, 1, *Q4, "100.00")
    schedule_line(loan, 2, *Q1, q1_interest)
    repayment(loan, Q4[1], "100.00")
    return loan


@pytest.fixture
def portfolio(world):
    install_finance()
    one, two, three = make_household(), make_household(), make_household()
    a = paid_loan(one, "40000", date(2022, 12, 31), "348.83")
    b = paid_loan(one, "35000", date(2023, 1, 1), "291.33")
    c = paid_loan(two, "50000", date(2023, 1, 1), "436.04")
    d = paid_loan(three, "20000", date(2022, 6, 1), "174.42", bank="psbc")
    repayment(b, date(2024, 2, 21), "0", principal="5000")
    for loan, interest in ((a, "348.83"), (b, "291.33"), (d, "174.42")):
        repayment(loan, Q1[1], interest)
    repayment(c, Q1[1], "436.04", penalty="12.34")
    return {"a": a, "b": b, "c": c, "d": d}


def settlement(bank_code: str, year=2024, quarter=1) -> SubsidySettlement:
    bank = db.session.scalars(sa.select(Bank).where(Bank.code == bank_code)).one()
    return db.session.scalars(sa.select(SubsidySettlement).filter_by(year=year, quarter=quarter,
                                                                    bank_id=bank.id)).one()


def test_the_settlement_matches_the_hand_computed_figures_to_the_fen(portfolio):
    assert portfolio["b"].subsidised_principal == D("10000.00")
    subsidy_settlement.ensure_scheduled(datetime(2024, 1, 15, tzinfo=timezone.utc))
    timers.sweep(datetime(2024, 4, 1, 1, 0, 1, tzinfo=timezone.utc))  # 09:00:01 in Shanghai
    cqrcb = settlement("cqrcb")
    lines = {line.loan_id: line for line in cqrcb.lines}
    assert cqrcb.status == "computed" and cqrcb.total == D("610.46")
    a, b, c = (lines[portfolio[k].id] for k in "abc")
    assert (a.interest_paid, a.subsidy_base, a.share, a.subsidy) == (D("348.83"), D("348.83"), D("1"), D("348.83"))
    assert (b.interest_paid, b.subsidy_base, b.share, b.subsidy) == (D("291.33"), D("87.21"), D("0.5"), D("43.61"))
    assert (c.interest_paid, c.subsidy_base, c.subsidy) == (D("436.04"), D("436.04"), D("218.02"))
    assert portfolio["d"].id not in lines
    assert settlement("psbc").total == D("174.42")
    ready = db.session.scalars(sa.select(HumanTask).where(HumanTask.name == "review_subsidy_settlement",
                                                          HumanTask.state == "ready")).all()
    assert {t.role for t in ready} == {"finance_bureau"} and len(ready) == db.session.scalar(
        sa.select(sa.func.count()).select_from(Bank))


def test_scheduling_is_idempotent_and_waits_for_the_quarter_to_close(portfolio):
    now = datetime(2024, 1, 15, tzinfo=timezone.utc)
    scheduled = subsidy_settlement.ensure_scheduled(now)
    assert len(scheduled) == db.session.scalar(sa.select(sa.func.count()).select_from(Bank)) >= 2
    assert subsidy_settlement.ensure_scheduled(now) == []
    assert settlement("cqrcb").status == "scheduled"
    timers.sweep(datetime(2024, 4, 1, 0, 59, 59, tzinfo=timezone.utc))  # 08:59:59 in Shanghai
    assert settlement("cqrcb").status == "scheduled"
    assert settlement("cqrcb", 2024, 2).status == "scheduled"  # the sweep scheduled the new quarter
    assert db.session.scalar(sa.select(sa.func.count()).select_from(HumanTask)
                             .where(HumanTask.name == "review_subsidy_settlement")) == 0


def test_settle_time_is_the_first_day_of_the_next_quarter_at_nine_in_shanghai():
    assert subsidy_settlement.settle_at(2024, 4).isoformat() == "2025-01-01T09:00:00+08:00"
    assert subsidy_settlement.settle_at(2024, 1).astimezone(timezone.utc) == datetime(
        2024, 4, 1, 1, 0, tzinfo=timezone.utc)
    assert subsidy_settlement.quarter_of(date(2024, 3, 31)) == (2024, 1)
    assert subsidy_settlement.quarter_of(date(2024, 4, 1)) == (2024, 2)


def test_each_quarter_counts_only_the_interest_paid_in_it(portfolio):
    bank = db.session.scalars(sa.select(Bank).where(Bank.code == "cqrcb")).one()
    q4 = subsidy_settlement.compute_settlement(2023, 4, bank)
    lines = {line.loan_id: line.subsidy for line in q4.lines}
    # 100.00 each on 2023-12-21: A 100.00 × 1; B 100 × 10,000 / 35,000 = 28.571… → 28.57 × 0.5 = 14.285
    # → 14.29; C 100.00 × 0.5 = 50.00.
    assert lines == {portfolio["a"].id: D("100.00"), portfolio["b"].id: D("14.29"), portfolio["c"].id: D("50.00")}
    assert q4.total == D("164.29") and q4.status == "computed"
    assert subsidy_settlement.compute_settlement(2024, 2, bank).lines == []
