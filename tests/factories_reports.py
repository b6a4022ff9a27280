"""The reports' fixture portfolio: loans with their business columns set directly, the fund, settlements.

Period of the tests: the first quarter of 2026. The figures each report must show are worked out
by hand in the tests from the comments below.

| loan | township | bank  | status      | disbursed  | approved | outstanding | notes                          |
| L1   | hanfeng  | cqrcb | active      | 2026-01-10 | 30000    | 30000       | normal                         |
| L2   | hanfeng  | psbc  | recovering  | 2025-06-01 | 50000    | 40000       | 100 days, substandard; 5000 repaid 2026-04-05 (45000 in Q1) |
| L3   | dade     | cqrcb | closed      | 2026-02-01 | 20000    | 0           | 20000 repaid 2026-04-10 (active in Q1); recovered |
| L4   | dade     | cqrcb | written_off | 2025-01-01 | 10000    | 8000        | compensated 2000 on 2026-02-15 |
| L5   | hanfeng  | cqrcb | submitted   | —          | —        | —           | applied 2026-03-01             |
| L6   | zhaojia  | psbc  | extended    | 2025-03-01 | 40000    | 40000       | 10 days, special mention, extended in Q1 |
| L7   | hanfeng  | psbc  | rejected    | —          | —        | —           | applied and rejected 2026-03-02 |
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

import sqlalchemy as sa

from models import Bank, Loan, LoanHistory, PolicySetting, db
from models.repayment import Repayment
from models.risk_fund import RiskFundEntry
from models.subsidy import SubsidyLine, SubsidySettlement
from workflows import audit, clock, risk_fund

from .factories import make_household

Q1_FROM, Q1_TO = date(2026, 1, 1), date(2026, 3, 31)
SETTINGS = (("risk_fund_ratio", "10"), ("borrower_min_age", "18"), ("borrower_max_age", "65"))


def install_settings() -> None:
    for key, value in SETTINGS:
        if db.session.scalars(PolicySetting.in_force_on(key, date(2021, 1, 1))).first() is None:
            db.session.add(PolicySetting(key=key, effective_from=date(2021, 1, 1), value=value))
    db.session.commit()


def bank(code: str) -> Bank:
    return db.session.scalars(sa.select(Bank).where(Bank.code == code)).one()


def make_loan(household, bank_code: str, status: str, applied_on: date, amount: str | None = None,
              disbursed_on: date | None = None, outstanding: str = "0", **columns) -> Loan:
    approved = Decimal(amount) if amount else None
    loan = Loan(household=household, township_id=household.township_id, bank=bank(bank_code), status=status,
                applicant_id_number=household.id_number, amount=approved or Decimal("30000"), term_months=12,
                purpose_category="breeding", purpose="养殖", applied_on=applied_on, approved_amount=approved,
                disbursed_on=disbursed_on, principal_outstanding=Decimal(outstanding),
                covered_principal=approved or Decimal("0"), subsidised_principal=approved or Decimal("0"), **columns)
    db.session.add(loan)
    db.session.flush()
    return loan


def repay(loan: Loan, paid_on: date, principal: str) -> None:
    db.session.add(Repayment(loan_id=loan.id, paid_on=paid_on, principal=Decimal(principal), interest=Decimal("0"),
                             principal_outstanding_after=loan.principal_outstanding, loan_status_after=loan.status))


def task_event(loan: Loan, task_name: str, at: datetime) -> None:
    with clock.frozen(at):
        audit.record("task_completed", loan=loan, task_name=task_name)


def build_portfolio() -> dict[str, Loan]:
    """The loans above, and the households: 3 listed in hanfeng, 2 in dade, 4 in zhaojia (one removed aside)."""
    install_settings()
    h = {n: make_household(t) for n, t in (("h1", "hanfeng"), ("h2", "hanfeng"), ("h5", "hanfeng"),
                                           ("h3", "dade"), ("h4", "dade"), ("h6", "zhaojia"), ("h7", "zhaojia"))}
    h["h8"] = make_household("zhaojia", dishonest=True)
    h["h9"] = make_household("zhaojia", born=date(1950, 1, 1))
    make_household("hanfeng", removed=True, removed_reason="出列")
    loans = {
        "L1": make_loan(h["h1"], "cqrcb", "active", date(2026, 1, 5), "30000", date(2026, 1, 10), "30000",
                        approved_on=date(2026, 1, 8)),
        "L2": make_loan(h["h2"], "psbc", "recovering", date(2025, 5, 20), "50000", date(2025, 6, 1), "40000",
                        days_past_due=100, risk_class="substandard"),
        "L3": make_loan(h["h3"], "cqrcb", "closed", date(2026, 1, 20), "20000", date(2026, 2, 1), "0"),
        "L4": make_loan(h["h4"], "cqrcb", "written_off", date(2024, 12, 20), "10000", date(2025, 1, 1), "8000"),
        "L5": make_loan(h["h5"], "cqrcb", "submitted", date(2026, 3, 1)),
        "L6": make_loan(h["h6"], "psbc", "extended", date(2025, 2, 20), "40000", date(2025, 3, 1), "40000",
                        days_past_due=10, risk_class="special_mention", extension_count=1),
        "L7": make_loan(h["h5"], "psbc", "rejected", date(2026, 3, 2),
                        updated_at=datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)),
    }
    repay(loans["L2"], date(2026, 4, 5), "5000")
    repay(loans["L3"], date(2026, 4, 10), "20000")
    _fund(loans)
    _settlements(loans)
    db.session.commit()
    task_event(loans["L3"], "confirm_recovery", datetime(2026, 3, 1, 2, 0, tzinfo=timezone.utc))
    task_event(loans["L6"], "approve_extension", datetime(2026, 2, 1, 2, 0, tzinfo=timezone.utc))
    task_event(loans["L6"], "approve_extension", datetime(2025, 12, 1, 2, 0, tzinfo=timezone.utc))  # before Q1
    _history_in_q1(loans)
    db.session.commit()
    return loans


def _history_in_q1(loans: dict[str, Loan]) -> None:
    """What the books said through Q1 (the loans' history from their disbursement): L2 had not yet
    repaid its 5000 (45000), L3 not yet its 20000 (active); the other figures are today's. Each row
    ends today, where the loans' rows of today (written at commit) begin."""
    q1 = {"L2": ("45000", "recovering"), "L3": ("20000", "active")}
    for name in ("L1", "L2", "L3", "L4", "L6"):
        loan = loans[name]
        balance, status = q1.get(name, (str(loan.principal_outstanding), loan.status))
        db.session.add(LoanHistory(loan_id=loan.id, valid_from=loan.disbursed_on, valid_until=clock.today(),
                                   balance=Decimal(balance),
                                   days_past_due=loan.days_past_due, risk_class=loan.risk_class,
                                   covered_principal=Decimal(balance), status=status,
                                   township_id=loan.township_id, bank_id=loan.bank_id))


def _fund(loans: dict[str, Loan]) -> None:
    """Balance on 2026-03-31: 10000 − 2000 = 8000 (the 1000 top-up comes after)."""
    fund = risk_fund.ensure_fund()
    for kind, amount, day, loan in (("deposit", "10000", date(2025, 12, 1), None),
                                    ("compensation", "2000", date(2026, 2, 15), loans["L4"]),
                                    ("topup", "1000", date(2026, 4, 20), None)):
        db.session.add(RiskFundEntry(fund_id=fund.id, kind=kind, amount=Decimal(amount), occurred_on=day,
                                     loan_id=loan.id if loan else None))


def _settlements(loans: dict[str, Loan]) -> None:
    """2026 Q1: cqrcb paid (L1 200, L3 100), psbc confirmed (L2 300); 2025 Q4 and 2026 Q2 outside or scheduled."""
    for year, quarter, code, status, lines in (
            (2026, 1, "cqrcb", "paid", (("L1", "200"), ("L3", "100"))),
            (2026, 1, "psbc", "confirmed", (("L2", "300"),)),
            (2025, 4, "cqrcb", "confirmed", (("L1", "50"),)),
            (2026, 2, "cqrcb", "scheduled", ())):
        settlement = SubsidySettlement(year=year, quarter=quarter, bank=bank(code), status=status,
                                       total=sum((Decimal(v) for _, v in lines), Decimal("0")))
        settlement.lines = [SubsidyLine(loan_id=loans[name].id, interest_paid=Decimal(v), subsidy_base=Decimal(v),
                                        share=Decimal("1"), subsidy=Decimal(v)) for name, v in lines]
        db.session.add(settlement)
